#!/usr/bin/perl
# The mail really leaves: tools/extranet-mailer, as its own role
# extranet_mailer, sends extranet.mail_outbox rows through a real MTA
# (Debian's exim4, run throwaway with its own configuration, spool and
# Maildir in the test's folder: the machine's mail setup is not touched).
# A reset asked on the portal arrives with proper MIME headers and its link
# sets the password; NOTIFY makes delivery immediate; polling catches what
# NOTIFY missed; two mailers send each row once; a failing sendmail leads to
# retries with backoff, then "failed"; --once; the role's privileges.

use strict;
use warnings;
use utf8;
use Test::More;
use Encode qw(decode);
use MIME::Base64 qw(decode_base64);
use MIME::QuotedPrint qw(decode_qp);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use Time::Local qw(timegm);
use lib 't/lib';
use Extranet::Test;


my $EXIM = '/usr/sbin/exim4';
BAIL_OUT("$EXIM not found: apt-get install exim4-daemon-light (make test-deps)") unless -x $EXIM;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $MAILER = "$Extranet::Test::ROOT/tools/extranet-mailer";
my $dir = $t->dir;
(my $mailer_db = $t->db) =~ s/\buser=\S+/user=extranet_mailer/;
my $FROM = 'Espace copropriétaires <no-reply@extranet.test>';

# --- a throwaway exim: everything delivered to one Maildir ---------------------------------
#
# With -C, exim gives up root and runs as its own user (Debian-exim) when
# called by root, as the calling user otherwise: the spool, the log and the
# Maildir belong to that user.

my $mail = "$dir/mail";
mkdir $mail or die;
chmod 0755, $mail;
my ($exim_uid, $exim_gid) = $< == 0 ? (getpwnam('Debian-exim'))[2, 3] : ($<, $();
die 'no Debian-exim user' unless defined $exim_uid;
for my $d ("$mail/spool", "$mail/log", "$mail/Maildir") {
    mkdir $d or die "$d: $!";
    chown $exim_uid, $exim_gid, $d;
}
my $exim_user = $< == 0 ? "exim_user = Debian-exim\nexim_group = Debian-exim\n" : '';
$t->write_file("$mail/exim.conf", <<"EOF");
# Throwaway exim for t/32_mailer.t: every recipient to one Maildir.
primary_hostname = extranet.test
qualify_domain = extranet.test
spool_directory = $mail/spool
log_file_path = $mail/log/%slog
${exim_user}never_users =
trusted_users = root
keep_environment =
acl_not_smtp = acl_not_smtp

begin acl
acl_not_smtp:
  accept

begin routers
mailbox:
  driver = accept
  transport = maildir

begin transports
maildir:
  driver = appendfile
  directory = $mail/Maildir
  maildir_format
  create_directory
  mode = 0644

begin retry
*  *  F,1h,1m
EOF
my $SENDMAIL = "$EXIM -C $mail/exim.conf -odi -t -oi";

# A sendmail that sleeps a little first (two mailers overlap), one that
# fails while a flag file exists, one that always fails and notes when.
sub script {
    my ($name, $text) = @_;
    my $path = $t->write_file("$mail/$name", "#!/bin/sh\n$text");
    chmod 0755, $path;
    return $path;
}
my $slow = script('slow-sendmail', "sleep 0.05\nexec $SENDMAIL\n");
my $flaky = script('flaky-sendmail', <<"EOF");
if [ -e $mail/down ]; then
    cat >/dev/null
    echo "connect to relay.example: Connection refused" >&2
    exit 69
fi
exec $SENDMAIL
EOF
my $failing = script('failing-sendmail', <<"EOF");
date +%s.%N >> $mail/failing.calls
cat >/dev/null
echo "451 4.3.0 relay temporarily unavailable" >&2
exit 75
EOF

# --- the mailers ---------------------------------------------------------------------------

my %MAILERS;     # pid => log file, while it runs
my %LOGS;        # pid => log file
my $n_mailer = 0;

sub write_conf {
    my (%s) = @_;
    my $path = "$dir/mailer-" . ++$n_mailer . '.conf';
    my %conf = (db => $mailer_db, from => $FROM, sendmail => $SENDMAIL, poll_interval => 30,
                %s);
    $t->write_file($path, Encode::encode('UTF-8',
        "# extranet-mailer test configuration\n"
      . join('', map { "$_ = $conf{$_}\n" } sort keys %conf)));
    return $path;
}

sub start_mailer {
    my (%s) = @_;
    my $conf = write_conf(%s);
    my $log = "$conf.log";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', $log or die;
        open STDERR, '>>', $log or die;
        exec $MAILER, '--config', $conf, '--verbose' or POSIX::_exit(127);
    }
    $MAILERS{$pid} = $LOGS{$pid} = $log;
    my $deadline = time + 15;
    sleep 0.05 while time < $deadline && $t->read_file($log) !~ /listening on extranet_mail_outbox/;
    like($t->read_file($log), qr/connected, listening on extranet_mail_outbox/,
         "mailer $pid connected and listening") or diag($t->read_file($log));
    return $pid;
}

sub stop_mailer {
    my ($pid) = @_;
    return unless delete $MAILERS{$pid};
    kill 'TERM', $pid;
    my $deadline = time + 10;
    while (time < $deadline) {
        return 1 if waitpid($pid, WNOHANG) == $pid && $? == 0;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
    return 0;
}

END { kill 'KILL', $_ for keys %MAILERS }

sub mailer_log { $t->read_file($LOGS{$_[0]} // '') }

# --- the mailbox ---------------------------------------------------------------------------

# Every delivered message: { file, raw, headers => { lc name => [unfolded raw
# values] }, body (bytes, as delivered) }.
sub mailbox {
    my @out;
    opendir my $dh, "$mail/Maildir/new" or return ();
    for my $f (sort grep { !/^\./ } readdir $dh) {
        my $raw = $t->read_file("$mail/Maildir/new/$f");
        my ($head, $body) = split /\n\n/, $raw, 2;
        $head =~ s/\n[ \t]+/ /g;
        my %h;
        for (split /\n/, $head) {
            my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
            push @{$h{lc $k}}, $v;
        }
        push @out, { file => $f, raw => $raw, headers => \%h, body => $body // '' };
    }
    return @out;
}

sub header { my ($m, $k) = @_; my $v = $m->{headers}{lc $k}; $v ? $v->[0] : undef }

# RFC 2047 (B and Q, UTF-8): blanks between two encoded words are dropped.
sub decode_words {
    my ($s) = @_;
    $s =~ s/(\?=)\s+(=\?)/$1$2/g;
    $s =~ s{=\?UTF-8\?([BbQq])\?([^?]*)\?=}{
        my ($enc, $text) = ($1, $2);
        my $bytes = lc $enc eq 'b' ? decode_base64($text)
                                   : do { (my $q = $text) =~ tr/_/ /; decode_qp($q) };
        decode('UTF-8', $bytes);
    }ge;
    return $s;
}

sub outbox_id_of {
    my ($m) = @_;
    my ($id) = (header($m, 'Message-ID') // '') =~ /^<extranet-outbox\.(\d+)\.\d+\@[a-z.]+>$/;
    return $id;
}

sub mails_for {
    my ($id) = @_;
    return grep { (outbox_id_of($_) // -1) == $id } mailbox();
}

sub row {
    my ($id) = @_;
    my @r = $t->psql("SELECT sent_at IS NOT NULL, failed_at IS NOT NULL, attempts,"
                   . " coalesce(last_error, ''), next_attempt_at IS NOT NULL"
                   . " FROM extranet.mail_outbox WHERE id = $id");
    my ($sent, $failed, $attempts, $error, $next) = @{$r[0] // []};
    return { sent => $sent eq 't', failed => $failed eq 't', attempts => $attempts,
             error => $error, next => $next eq 't' };
}

# Queues a mail as the module does (its role, its statement); the row's id.
sub queue_mail {
    my ($to, $subject, $body) = @_;
    $t->psql('SET ROLE extranet_module; INSERT INTO extranet.mail_outbox (recipient, subject,'
           . ' body) VALUES (' . join(', ', map { $t->sql_quote($_) } $to, $subject, $body)
           . ')');
    return $t->psql_value('SELECT max(id) FROM extranet.mail_outbox');
}

# --- configuration errors ------------------------------------------------------------------

sub run_mailer {
    my (@args) = @_;
    my $out = Extranet::Test::run_capture($MAILER, @args);
    return ($? >> 8, decode('UTF-8', $out));
}

my ($rc, $out) = run_mailer('--help');
is($rc, 0, '--help: exit 0');
like($out, qr/^Usage: extranet-mailer/m, '--help: usage');
($rc, $out) = run_mailer('--config', write_conf(from => ''), '--once');
is($rc, 2, 'no From: exit 2');
like($out, qr/no From address/, 'no From: said');
($rc, $out) = run_mailer('--config', write_conf(from => 'pas une adresse'), '--once');
is($rc, 2, 'a bad From: exit 2');
($rc, $out) = run_mailer('--config', write_conf(sendmail => '/nonexistent/sendmail -t'), '--once');
is($rc, 2, 'a missing sendmail: exit 2');
like($out, qr{/nonexistent/sendmail is not executable}, 'said');
($rc, $out) = run_mailer('--config', write_conf(colour => 'blue'), '--once');
is($rc, 2, 'an unknown key: exit 2');
($rc, $out) = run_mailer('--config', write_conf(db => 'host=/nonexistent port=1'), '--once');
is($rc, 1, '--once, database unreachable: exit 1');

# --- a reset asked on the portal arrives, its link works -------------------------------------

my $email = 'marie.dupont@example.org';
my $id = $t->add_identity($email, 'Ancien-mot-de-passe-1', accounts => ['030000100001']);
my $m1 = start_mailer();

my $asked = time;
my $r = $t->post('/auth/password/forgot', form => [login => $email],
                 headers => { Origin => $t->origin });
is($r->status, 200, 'password/forgot: 200');
my ($reset) = Extranet::Test::eventually(sub { my @m = grep { (header($_, 'To') // '') eq $email } mailbox();
                             @m ? $m[0] : undef }, 10);
my $took = time - $asked;
ok($reset, 'the reset mail arrived in the mailbox') or diag(mailer_log($m1));
SKIP: {
    skip 'no mail', 20 unless $reset;
    cmp_ok($took, '<', 3, sprintf('at once (%.2f s; the poll interval is 30 s)', $took));
    my $outbox_id = $t->psql_value("SELECT max(id) FROM extranet.mail_outbox WHERE recipient = '$email'");
    my $row = row($outbox_id);
    ok($row->{sent} && !$row->{failed} && $row->{attempts} == 1 && $row->{error} eq '',
       'the outbox row: sent, one attempt, no error');

    is(header($reset, 'MIME-Version'), '1.0', 'MIME-Version: 1.0');
    is(header($reset, 'Content-Type'), 'text/plain; charset=UTF-8',
       'Content-Type: text/plain; charset=UTF-8');
    is(header($reset, 'Content-Transfer-Encoding'), 'quoted-printable',
       'Content-Transfer-Encoding: quoted-printable');
    like(header($reset, 'Subject'), qr/^=\?UTF-8\?B\?[A-Za-z0-9+\/=]+\?=(?: =\?UTF-8\?B\?[A-Za-z0-9+\/=]+\?=)*$/,
         'the Subject is RFC 2047 encoded');
    is(decode_words(header($reset, 'Subject')), 'Réinitialisation de votre mot de passe',
       'and decodes to the French subject');
    like(header($reset, 'From'), qr/^=\?UTF-8\?B\?\S+\?= <no-reply\@extranet\.test>$/,
         'From: an encoded name and the address of the setting');
    is(decode_words(header($reset, 'From')), $FROM, 'From decodes to the setting');
    is(header($reset, 'Message-ID'), "<extranet-outbox.$outbox_id."
         . $t->psql_value("SELECT (extract(epoch FROM created_at) * 1000000)::bigint"
                        . " FROM extranet.mail_outbox WHERE id = $outbox_id")
         . '@extranet.test>', 'Message-ID: the outbox row and the From domain');
    my %mon = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5, Jul => 6,
               Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);
    my @d = (header($reset, 'Date') // '')
        =~ /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{1,2}) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/;
    ok(@d && exists $mon{$d[1]}, 'Date: RFC 5322') or diag(header($reset, 'Date'));
    if (@d && exists $mon{$d[1]}) {
        my $epoch = timegm($d[5], $d[4], $d[3], $d[0], $mon{$d[1]}, $d[2])
                  - ($d[6] eq '-' ? -1 : 1) * ($d[7] * 3600 + $d[8] * 60);
        cmp_ok(abs($epoch - time), '<', 120, 'Date: now');
    }
    is(header($reset, 'Auto-Submitted'), 'auto-generated', 'Auto-Submitted: auto-generated');
    my ($head) = split /\n\n/, $reset->{raw}, 2;
    unlike($head, qr/[^\x00-\x7f]/, 'the headers are 7-bit');
    ok(!grep({ length > 78 } split /\n/, $reset->{raw}), 'no line over 78 characters');

    my $text = decode('UTF-8', decode_qp($reset->{body}));
    like($text, qr/^Bonjour,\n\nVous avez demandé à choisir un nouveau mot de passe pour votre espace copropriétaire\./,
         'the French body, decoded');
    my $port = $t->port;
    my ($token) = $text =~ m{^http://127\.0\.0\.1:$port/auth/password/reset\?token=([A-Za-z0-9_-]{43})$}m;
    ok($token, 'the link, whole after decoding') or diag($text);

    my $new = 'Nouveau-mot-de-passe-2025';
    $r = $t->open_reset_link($token);
    is($r->status, 200, 'the link opens the reset form');
    $r = $t->post('/auth/password/reset',
                  form => [token => $token, new_password => $new, password_confirm => $new],
                  headers => { Origin => $t->origin });
    is($r->status, 303, 'POST the token from the mail: 303') or diag($r->dump);
    is($r->location_path, '/auth/login?reset=1', 'to the login page');
    my ($c, $res) = $t->login($email, $new);
    ok($c, 'the new password logs in') or diag($res->dump);
    ok(!$t->login($email, 'Ancien-mot-de-passe-1'), 'the old one no longer does');
}

# --- NOTIFY: immediate; polling: the fallback --------------------------------------------------

for my $n (1 .. 3) {
    my $start = time;
    my $mid = queue_mail('notify@example.org', "Essai $n", "Message $n\n");
    my ($got) = Extranet::Test::eventually(sub { (mails_for($mid))[0] }, 10);
    my $elapsed = time - $start;
    ok($got, "NOTIFY $n: delivered");
    cmp_ok($elapsed, '<', 2, sprintf('NOTIFY %d: in %.2f s (poll interval 30 s)', $n, $elapsed));
}
ok(stop_mailer($m1), 'the mailer stops cleanly on SIGTERM');
like(mailer_log($m1), qr/info: stopped$/m, 'and says so');

my $poller = start_mailer(poll_interval => 1.5);
sleep 0.3;
my $quiet_start = time;
# A row whose insert notifies nobody (trigger off for this transaction).
$t->psql('BEGIN; ALTER TABLE extranet.mail_outbox DISABLE TRIGGER mail_outbox_notify;'
       . " INSERT INTO extranet.mail_outbox (recipient, subject, body) VALUES"
       . " ('poll\@example.org', 'Sans NOTIFY', 'Par le sondage');"
       . ' ALTER TABLE extranet.mail_outbox ENABLE TRIGGER mail_outbox_notify; COMMIT;');
my $poll_id = $t->psql_value("SELECT max(id) FROM extranet.mail_outbox");
my ($polled) = Extranet::Test::eventually(sub { (mails_for($poll_id))[0] }, 10);
my $poll_took = time - $quiet_start;
ok($polled, 'without NOTIFY, polling delivers');
cmp_ok($poll_took, '<', 4, sprintf('within the poll interval (%.2f s, interval 1.5 s)',
                                   $poll_took));
ok(stop_mailer($poller), 'stopped');

# --- two mailers at once: each row sent once ---------------------------------------------------

my $ma = start_mailer(sendmail => $slow);
my $mb = start_mailer(sendmail => $slow);
my $first = $t->psql_value('SELECT coalesce(max(id), 0) FROM extranet.mail_outbox') + 1;
$t->psql('SET ROLE extranet_module; INSERT INTO extranet.mail_outbox (recipient, subject, body)'
       . " SELECT 'lot' || g || '\@example.org', 'Lot ' || g, 'Message ' || g"
       . ' FROM generate_series(1, 40) g');
my $last = $first + 39;
my $all = Extranet::Test::eventually(sub {
    $t->psql_value("SELECT count(*) FROM extranet.mail_outbox WHERE id BETWEEN $first AND $last"
                 . ' AND sent_at IS NOT NULL') == 40 }, 60);
ok($all, 'the 40 rows are marked sent');
my %seen;
$seen{outbox_id_of($_) // 0}++ for mailbox();
my @got = grep { $_ >= $first && $_ <= $last } keys %seen;
is(scalar @got, 40, 'the 40 mails arrived');
is(scalar(grep { $seen{$_} != 1 } @got), 0, 'each exactly once');
is($t->psql_value("SELECT count(*) FROM extranet.mail_outbox WHERE id BETWEEN $first AND $last"
                . ' AND attempts <> 1'), 0, 'each in one attempt');
my $by_a = () = mailer_log($ma) =~ /sent #(\d+)/g;
my $by_b = () = mailer_log($mb) =~ /sent #(\d+)/g;
ok($by_a > 0 && $by_b > 0, "both mailers sent some ($by_a and $by_b)");
my %sender;
$sender{$_}++ for mailer_log($ma) =~ /sent #(\d+)/g, mailer_log($mb) =~ /sent #(\d+)/g;
is(scalar(grep { $sender{$_} > 1 } keys %sender), 0, 'no row sent by both');
ok(stop_mailer($ma) & stop_mailer($mb), 'both stopped');

# --- a failing sendmail: retries with backoff, then failed ---------------------------------------

my $f = start_mailer(sendmail => $failing, max_attempts => 3, retry_base => 0.5);
my $fid = queue_mail('echec@example.org', 'Échec', "Ne partira pas\n");
my $failed = Extranet::Test::eventually(sub { row($fid)->{failed} }, 20);
ok($failed, 'the row ends failed');
my $frow = row($fid);
is($frow->{attempts}, 3, 'after max_attempts (3) attempts');
ok(!$frow->{sent}, 'never marked sent');
ok(!$frow->{next}, 'no next attempt');
like($frow->{error}, qr/^sendmail exited with status 75: 451 4\.3\.0 relay temporarily unavailable$/,
     'last_error: the status and what sendmail said');
my @calls = split /\n/, $t->read_file("$mail/failing.calls");
is(scalar @calls, 3, 'sendmail was run three times');
if (@calls == 3) {
    my ($g1, $g2) = ($calls[1] - $calls[0], $calls[2] - $calls[1]);
    cmp_ok($g1, '>=', 0.45, sprintf('first retry after the base delay (%.2f s, base 0.5 s)', $g1));
    cmp_ok($g2, '>=', 0.95, sprintf('second after twice that (%.2f s)', $g2));
    cmp_ok($g2, '<', 5, 'not much later');
}
my $flog = mailer_log($f);
like($flog, qr/#$fid to echec\@example\.org: attempt 1 of 3 failed, next in 0\.5 s/, 'logged: attempt 1');
like($flog, qr/#$fid to echec\@example\.org: attempt 2 of 3 failed, next in 1 s/, 'logged: attempt 2');
like($flog, qr/error: #$fid to echec\@example\.org failed after 3 attempt\(s\), given up/,
     'logged: given up');
is(scalar(mails_for($fid)), 0, 'nothing delivered');
ok(stop_mailer($f), 'stopped');

# A relay down for a while: the retry sends it. The retry waits 3 s, so
# that the relay is back before it even on a busy machine.
$t->write_file("$mail/down", '');
my $fl = start_mailer(sendmail => $flaky, retry_base => 3);
my $rid = queue_mail('retry@example.org', 'Plus tard', "Après une panne\n");
ok(Extranet::Test::eventually(sub { row($rid)->{attempts} == 1 }, 10), 'the first attempt fails');
like(row($rid)->{error}, qr/status 69: connect to relay\.example: Connection refused/,
     'last_error says why');
ok(row($rid)->{next} && !row($rid)->{sent} && !row($rid)->{failed}, 'a retry is planned');
unlink "$mail/down";
ok(Extranet::Test::eventually(sub { row($rid)->{sent} }, 15), 'the relay is back: sent at the retry');
is(row($rid)->{attempts}, 2, 'in two attempts');
is(row($rid)->{error}, '', 'last_error cleared');
is(scalar(mails_for($rid)), 1, 'delivered once');
ok(stop_mailer($fl), 'stopped');

# --- what never reaches sendmail ---------------------------------------------------------------

my $bad = queue_mail("victime\@example.org\nBcc: tous\@example.org", 'x', 'y');
my $bad2 = queue_mail('a@example.org, b@example.org', 'x', 'y');
my $before = () = mailbox();
($rc, $out) = run_mailer('--config', write_conf(), '--once');
is($rc, 0, '--once: exit 0');
for my $bid ($bad, $bad2) {
    my $row = row($bid);
    ok($row->{failed} && $row->{attempts} == 1 && $row->{error} eq 'invalid recipient address',
       "row $bid: a recipient that is not one plain address fails at once");
}
is(scalar(() = mailbox()), $before, 'nothing sent for them');

# --- --once ------------------------------------------------------------------------------------

my $oid = queue_mail('once@example.org', 'Une fois', "Mode --once\n");
($rc, $out) = run_mailer('--config', write_conf(), '--once');
is($rc, 0, '--once: exit 0');
is(scalar(mails_for($oid)), 1, '--once: the due row is delivered');
ok(row($oid)->{sent}, '--once: and marked sent');
($rc, $out) = run_mailer('--config', write_conf(), '--once');
is(scalar(mails_for($oid)), 1, '--once again: not sent twice');

# The shipped example configuration is read as it is.
my $eid = queue_mail('exemple@example.org', 'Exemple', "Configuration d'exemple\n");
($rc, $out) = run_mailer('--config', "$Extranet::Test::ROOT/tools/mailer.conf.example",
                         '--db', $mailer_db, '--sendmail', $SENDMAIL, '--once');
is($rc, 0, 'tools/mailer.conf.example: accepted') or diag($out);
my ($example) = mails_for($eid);
ok($example, 'and its mail sent');
is(decode_words(header($example, 'From') // ''), 'Espace copropriétaires <no-reply@example.org>',
   'with its From');

# --- PostgreSQL restarted under a running mailer ---------------------------------------------

my $survivor = start_mailer();
Extranet::Test::pg_stop();
ok(Extranet::Test::eventually(sub { mailer_log($survivor) =~ /error: database: / }, 10),
   'PostgreSQL stopped: the mailer logs the lost connection');
Extranet::Test::pg_start();
ok(Extranet::Test::eventually(sub { 0 + (() = mailer_log($survivor) =~ /connected, listening/g) >= 2 }, 20),
   'PostgreSQL back: the mailer reconnects and listens again') or diag(mailer_log($survivor));
my $start = time;
my $after = queue_mail('apres@example.org', 'Après le redémarrage', "Toujours là\n");
ok(Extranet::Test::eventually(sub { (mails_for($after))[0] }, 10), 'and sends the next mail');
cmp_ok(time - $start, '<', 3, 'at once (NOTIFY again)');
ok(kill(0, $survivor), 'the mailer never exited');
ok(stop_mailer($survivor), 'stopped');

# --- the role's privileges ---------------------------------------------------------------------

sub as_mailer_fails {
    my ($sql) = @_;
    return !eval { $t->psql("SET ROLE extranet_mailer; $sql"); 1 };
}
ok(as_mailer_fails("UPDATE extranet.mail_outbox SET body = 'x'"), 'extranet_mailer cannot change a body');
ok(as_mailer_fails("UPDATE extranet.mail_outbox SET recipient = 'x\@y.org'"), 'nor a recipient');
ok(as_mailer_fails("INSERT INTO extranet.mail_outbox (recipient, subject, body) VALUES ('a\@b.org', 's', 'b')"),
   'nor queue a mail');
ok(as_mailer_fails('DELETE FROM extranet.mail_outbox'), 'nor delete one');
ok(as_mailer_fails('SELECT email FROM extranet.identity'), 'nor read identities');
ok(as_mailer_fails('SELECT count(*) FROM extranet.session'), 'nor sessions');
ok(!as_mailer_fails('UPDATE extranet.mail_outbox SET last_error = last_error WHERE false'),
   'it updates the delivery columns (the checks above can pass)');

like($t->read_file("$mail/log/mainlog"), qr/=> \S+ <marie\.dupont\@example\.org> R=mailbox T=maildir/,
     'exim\'s own log shows the delivery');
# With -C, exim notes in its panic log each time that it gave up root: that
# line alone is expected.
is(join("\n", grep { !/exim user lost privilege for using -C option/ }
               split /\n/, $t->read_file("$mail/log/paniclog")), '',
   'exim\'s panic log holds nothing else');

$t->error_log_ok;
done_testing;
