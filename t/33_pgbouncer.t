#!/usr/bin/perl
# Behind a real PgBouncer (Debian's 1.18) in transaction mode with ONE
# server connection and four nginx pool threads: with
# auth_extranet_db_prepared_statements off, the whole journey (code login,
# link to a new e-mail, group a second account, switch, manage, logout,
# e-mail login) and a burst of 20 parallel logins answer correctly; a
# PgBouncer restart costs no error. With named statements left on (the
# default), the module meets "prepared statement ... already exists" and
# falls back to unnamed statements by itself: at worst a 503 while it
# does, never a 500 or an [alert], then every login passes.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $PGBOUNCER = '/usr/sbin/pgbouncer';
BAIL_OUT("$PGBOUNCER not found: apt-get install pgbouncer (make test-deps)") unless -x $PGBOUNCER;

# A burst of 20 code logins queues behind their hashes (run at a lower
# priority, in the hashers) and behind one server connection: on a loaded
# machine the last answer may take longer than the harness's usual 15 s.
# Their answers are what is checked here, not their speed (the bench's).
my $t = Extranet::Test->new(timeout => 90);
my %db = $t->db =~ /(\w+)=(\S+)/g;
ok($db{host} && $db{port}, 'the cluster conninfo has host and port') or BAIL_OUT($t->db);

# --- PgBouncer in a folder of its own, run as "postgres" (it refuses root) -----------

my $bdir = $t->dir . '/pgbouncer';
mkdir $bdir or die "$bdir: $!";
my $bport = Extranet::Test::free_port();
my $as_postgres = $> == 0;
if ($as_postgres) {
    my (undef, undef, $uid, $gid) = getpwnam('postgres') or BAIL_OUT('no postgres user');
    chown $uid, $gid, $bdir;
}
$t->write_file("$bdir/userlist.txt",
               join('', map { qq("$_" ""\n) } qw(extranet_module postgres)));
$t->write_file("$bdir/pgbouncer.ini", <<"EOF");
[databases]
extranet = host=$db{host} port=$db{port} dbname=extranet

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bport
unix_socket_dir =
auth_type = trust
auth_file = $bdir/userlist.txt
pool_mode = transaction
default_pool_size = 1
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 200
max_db_connections = 1
logfile = $bdir/pgbouncer.log
pidfile = $bdir/pgbouncer.pid
EOF

my $bouncer_pid;

sub bouncer_start {
    unlink "$bdir/pgbouncer.pid";
    my @cmd = ($PGBOUNCER, '-d', "$bdir/pgbouncer.ini");
    @cmd = ('runuser', '-u', 'postgres', '--', @cmd) if $as_postgres;
    my $out = Extranet::Test::run_capture(@cmd);
    die "pgbouncer did not start: $out\n" . $t->read_file("$bdir/pgbouncer.log") if $?;
    my $deadline = time + 10;
    until (($bouncer_pid) = $t->read_file("$bdir/pgbouncer.pid") =~ /(\d+)/
           and Extranet::Test::port_open($bport)) {
        die "pgbouncer is not listening:\n" . $t->read_file("$bdir/pgbouncer.log")
            if time > $deadline;
        sleep 0.05;
    }
}

sub bouncer_stop {
    return unless $bouncer_pid;
    kill 'TERM', $bouncer_pid;   # immediate shutdown (1.18): clients disconnected
    my $deadline = time + 10;
    sleep 0.05 while kill(0, $bouncer_pid) && time < $deadline;
    kill 'KILL', $bouncer_pid if kill 0, $bouncer_pid;
    $bouncer_pid = undef;
}

my $parent = $$;
END { bouncer_stop() if $$ == $parent }

bouncer_start();
my $via_bouncer = "host=127.0.0.1 port=$bport dbname=extranet user=extranet_module"
                . ' connect_timeout=2';

# The server side: one connection in the pool, whatever the clients do.
sub server_connections {
    return $t->psql_value("SELECT count(*) FROM pg_stat_activity"
                        . " WHERE usename = 'extranet_module' AND backend_type = 'client backend'");
}

# N logins at once, each in its own process; the statuses, in order.
sub parallel_logins {
    my ($tt, @who) = @_;
    my $kids = Extranet::Test::spawn(map {
        my $w = $_;
        sub {
            my (undef, $r) = $tt->login(@$w);
            my $ok = $r->status == 303 && $r->cookie($tt->cookie_name) ? 'cookie' : 'none';
            return $r->status . " $ok";
        }
    } @who);
    return map { length $_ ? $_ : '0 none' } Extranet::Test::collect($kids);
}

my @burst = map { $_ % 2 ? ['040000300001', 'monceau-0001'] : ['030100200001', 'closfleuri-01'] }
            1 .. 20;

# =========================================================================================
# 1. auth_extranet_db_prepared_statements off

# The directive takes on or off, once.
$t->config_fails_like($t->standard_config(http => 'auth_extranet_db_prepared_statements maybe;'),
                      qr/invalid value "maybe" in "auth_extranet_db_prepared_statements"/,
                      'auth_extranet_db_prepared_statements maybe: refused');
$t->config_fails_like($t->standard_config(http => 'auth_extranet_db_prepared_statements off;'
                                                . ' auth_extranet_db_prepared_statements on;'),
                      qr/"auth_extranet_db_prepared_statements" directive is duplicate/,
                      'given twice: refused');

# Parallel attempts on one identifier count against its limit while in
# flight: room for the bursts below.
# 20 logins at once from one address: above the default bound of hashes in
# flight per address (4), which would answer 429 to most of them
my $limits = 'auth_extranet_limit identifier=50 address=500 hashes=32;';
$t->run($t->standard_config(db => $via_bouncer,
                            http => "auth_extranet_db_prepared_statements off; $limits"));
my $json = { Accept => 'application/json' };

# --- code login ---------------------------------------------------------------------------

my ($code1, $r) = $t->login('030000100001', 'tilleuls-0001');
is($r->status, 303, 'code login through PgBouncer: 303') or diag($r->dump);
is($t->upstream_headers($code1)->{Account}, '030000100001', 'the legacy app gets the account');

# --- link to a new e-mail (link, link/profile) --------------------------------------------

my $email = 'marie.dupont@example.org';
my $password = 'Tilleuls-été-2024';
$r = $t->post_as($code1, '/auth/link', [email => $email]);
is($r->location_path, '/auth/link/profile?email=marie.dupont%40example.org',
   'link: a new e-mail goes to link/profile') or diag($r->dump);
$r = $t->post_as($code1, '/auth/link/profile',
                 [email => $email, last_name => 'Dupont', first_name => 'Marie', phone => '',
                  password => $password, password_confirm => $password]);
is($r->status, 303, 'link/profile: 303') or diag($r->dump);
is($r->location_path, '/auth/link/done?confirm=1', 'link/profile: to link/done, a confirmation mailed');
my $linked = $r->cookie('extranet_session');
my $h = $t->upstream_headers($linked);
is("$h->{Login}/$h->{Email}", "email/$email", 'the session became an e-mail session');
my $id = $t->psql_value("SELECT id FROM extranet.identity WHERE email = '$email'");
ok($id, 'the identity is stored');
# Its owner proves the address from the mail (link/confirm, through the
# pooler too) before it receives another account.
is($t->confirm_address($email)->status, 200, 'link/confirm: the address is confirmed');

# --- group a second account (link/password) -----------------------------------------------

my $code2 = $t->login('030000100002', 'tilleuls-0002');
ok($code2, 'second account: code login');
$r = $t->post_as($code2, '/auth/link', [email => $email]);
is($r->location_path, '/auth/link/password?email=marie.dupont%40example.org',
   'known e-mail: to link/password');
$r = $t->post_as($code2, '/auth/link/password', [email => $email, password => 'pas-le-bon']);
is($r->status, 401, 'link/password with a wrong password: 401');
$r = $t->post_as($code2, '/auth/link/password', [email => $email, password => $password]);
is($r->status, 303, 'link/password: 303') or diag($r->dump);
my $grouped = $r->cookie('extranet_session');
is(join(',', sort split /,/, $t->upstream_headers($grouped)->{Accounts} // ''),
   '030000100001,030000100002', 'two accounts under the e-mail');

# --- switch -------------------------------------------------------------------------------

$r = $t->get('/auth/accounts', cookie => $grouped);
is($r->status, 200, 'the accounts menu: 200');
$r = $t->post_as($grouped, '/auth/switch', [account => '030000100001', next => '/documents']);
is($r->status, 303, 'switch: 303') or diag($r->dump);
is($r->location_path, '/documents', 'switch: back where the owner was');
my $cookie = $r->cookie('extranet_session');
is($t->upstream_headers($cookie)->{Account}, '030000100001', 'switched');

# --- manage: profile, default account, password -------------------------------------------

$r = $t->get('/auth/manage', cookie => $cookie, headers => $json);
is($r->status, 200, 'manage (JSON): 200');
is(scalar @{($r->json // {})->{accounts} // []}, 2, 'manage lists both accounts');
$r = $t->post_as($cookie, '/auth/manage', [action => 'profile', last_name => 'Dupont-Martin',
                                           first_name => 'Marie', phone => '0612345678']);
is($r->status, 303, 'manage profile: 303') or diag($r->dump);
is($t->psql_value("SELECT last_name FROM extranet.identity WHERE id = $id"), 'Dupont-Martin',
   'profile stored');
$r = $t->post_as($cookie, '/auth/manage', [action => 'default', default_account => '030000100002']);
is($r->status, 303, 'manage default account: 303') or diag($r->dump);
is($t->psql_value("SELECT default_account FROM extranet.identity WHERE id = $id"), '030000100002',
   'default account stored');
my $other = $t->login($email, $password);
ok($other, 'another e-mail session');
my $new = 'Nouveau-mot-de-passe-2025';
$r = $t->post_as($cookie, '/auth/manage', [action => 'password', current_password => $password,
                                           new_password => $new, password_confirm => $new]);
is($r->status, 303, 'manage password: 303') or diag($r->dump);
is($t->upstream_headers($other)->{status}, 302, 'the other session is revoked at once');
is($t->upstream_headers($cookie)->{status}, 200, 'the current session lives on');

# --- logout, e-mail login -----------------------------------------------------------------

$r = $t->post_as($cookie, '/auth/logout', []);
is($r->status, 303, 'logout: 303') or diag($r->dump);
is($t->upstream_headers($cookie)->{status}, 302, 'the cookie is refused after logout');
my ($c, $res) = $t->login($email, $password);
is($res->status, 401, 'the old password is refused');
($c, $res) = $t->login($email, $new);
is($res->status, 303, 'e-mail login with the new password') or diag($res->dump);
is($t->upstream_headers($c)->{Account}, '030000100002', 'it lands on the default account');
is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE event = 'login' AND success"),
   4, 'the audit log has the four successful logins');

# --- 20 logins at once, four threads, one server connection -------------------------------

my $t0 = time;
my @got = parallel_logins($t, @burst);
is_deeply(\@got, [('303 cookie') x 20], '20 parallel logins: every one 303 with a cookie')
    or diag(join ', ', @got);
note(sprintf('20 parallel logins through PgBouncer in %.2f s', time - $t0));
is(server_connections(), 1, 'PgBouncer kept a single server connection');

# --- a PgBouncer restart drops every thread's connection: they reconnect -------------------

bouncer_stop();
bouncer_start();
my @after = map { ($t->login('040000300001', 'monceau-0001'))[1]->status } 1 .. 8;
is_deeply(\@after, [(303) x 8], 'after a PgBouncer restart, 8 logins in a row pass (each thread reconnects)')
    or diag("@after");

unlike($t->error_log, qr/prepared statement/, 'no prepared statement anywhere in the log');
$t->error_log_ok;

# =========================================================================================
# 2. Named statements left on (the default) behind transaction pooling

my $t2 = Extranet::Test->new(timeout => 90);
$t2->run($t2->standard_config(db => $via_bouncer, http => $limits));

my @named = parallel_logins($t2, @burst);
my @bad = grep { !/^(303 cookie|503 none)$/ } @named;
ok(!@bad, 'named statements behind PgBouncer: each login is a 303 or at worst a 503, never a 500')
    or diag(join ', ', @named);
my $refused = grep { /^503/ } @named;
note("named statements: $refused of 20 parallel logins answered 503 while falling back");
like($t2->error_log, qr/named prepared statements are not kept by this database's sessions/,
     'the fallback is explained in the error log');
like($t2->error_log, qr/auth_extranet_db_prepared_statements off/, 'naming the directive');
is(scalar(() = $t2->error_log =~ /named prepared statements are not kept/g), 1,
   'said once');

@named = parallel_logins($t2, @burst);
is_deeply(\@named, [('303 cookie') x 20], 'once fallen back, 20 parallel logins all pass')
    or diag(join ', ', @named);

$t2->error_log_ok(crit => qr/prepared statement conflict/);

done_testing;
