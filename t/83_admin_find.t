#!/usr/bin/perl
# The support desk's lookups and its mistyped options: `extranet-admin find
# CODE` of an account linked to a locked-out e-mail says that the e-mail is
# locked (the owner gives the code printed on her call for funds, while her
# logins are counted against her e-mail), `find EMAIL` shows the lockouts
# recorded on its linked accounts' codes as well; a bad option value (a
# --limit that is not a number, an option without its value, a time zone the
# server does not know) is a usage error, exit 2, said in one line, before
# anything is read or written.

use strict;
use warnings;
use utf8;
use Test::More;
use Encode ();
use lib 't/lib';
use Extranet::Test;

binmode Test::More->builder->$_, ':encoding(UTF-8)' for qw(output failure_output todo_output);

my $t = Extranet::Test->new;
$t->run($t->standard_config);

# (exit code, stdout, stderr), decoded from UTF-8.
sub admin { $t->admin('--operator', 'alice', @_) }

sub admin_json {
    my ($rc, $out, $err) = admin('--json', @_);
    return ($rc, Extranet::Test::json_decode(Encode::encode('UTF-8', $out)), $err);
}

my $email = 'marie@example.org';
my $id = $t->add_identity($email, 'correct horse battery',
                          accounts => ['030000100001', '030000100002']);

# --- find CODE: the lockout of the identity it is linked to ------------------------------

my ($rc, $out, $err) = admin('find', '0300 0010 0001');
is($rc, 0, 'find CODE: exit 0');
like($out, qr/^  Lockout \(id:030000100001\): none recorded$/m, 'find CODE: the code\'s own lockout');
like($out, qr/^  Lockout \(id:marie\@example\.org, the e-mail it is linked to\): none recorded$/m,
     'find CODE: the linked e-mail\'s lockout, none yet');

$t->login($email, 'pas le bon') for 1 .. 6;
like($t->psql_value("SELECT failures FROM extranet.login_lockout WHERE key = 'id:$email'") // '',
     qr/^[5-9]$/, 'six wrong passwords: the e-mail is locked out in PostgreSQL');

($rc, $out) = admin('find', $email);
like($out, qr/^  Lockout \(id:marie\@example\.org\): \d+ failure\(s\), LOCKED until /m,
     'find EMAIL: LOCKED (as before)');
($rc, $out) = admin('find', '0300 0010 0001');
is($rc, 0, 'find CODE of a locked-out identity: exit 0');
like($out, qr/^  Lockout \(id:030000100001\): none recorded$/m,
     'find CODE: the code itself has no lockout');
like($out, qr/^  Lockout \(id:marie\@example\.org, the e-mail it is linked to\): \d+ failure\(s\), LOCKED until [0-9-]+ [0-9:]+$/m,
     'find CODE: the linked e-mail is LOCKED, said on its own line') or diag($out);
like($out, qr/^    The owner logs in with marie\@example\.org: extranet-admin unlock marie\@example\.org$/m,
     'find CODE: says which identifier to unlock');
my $j;
($rc, $j) = admin_json('find', '030000100001');
is($j->{identity_lockout}{key}, "id:$email", 'find CODE --json: identity_lockout names the e-mail');
ok($j->{identity_lockout}{active}, 'find CODE --json: identity_lockout active');
is($j->{lockout}, undef, 'find CODE --json: lockout (the code\'s own) still null');

# --- find EMAIL: the lockouts recorded on its linked accounts' codes ---------------------

($rc, $out) = admin('find', $email);
like($out, qr/^  Lockouts of its linked accounts' codes: none recorded$/m,
     'find EMAIL: no lockout on its codes, said');
$t->psql("INSERT INTO extranet.login_lockout (key, until, failures, lim)"
       . " VALUES ('id:030000100002', now() + interval '10 minutes', 5, 5)");
($rc, $out) = admin('find', $email);
like($out, qr/^  Lockout \(id:030000100002, a linked account\): 5 failure\(s\), LOCKED until /m,
     'find EMAIL: a linked code\'s lockout shown') or diag($out);
unlike($out, qr/id:030000100001/, 'find EMAIL: a code without lockout is not listed');
unlike($out, qr/Lockouts of its linked accounts' codes: none/, 'find EMAIL: no "none" line then');
($rc, $j) = admin_json('find', $email);
is_deeply([map { [$_->{code}, $_->{key}, $_->{active} ? 1 : 0] } @{$j->{account_lockouts} // []}],
          [['030000100002', 'id:030000100002', 1]], 'find EMAIL --json: account_lockouts');
ok($j->{lockout}{active}, 'find EMAIL --json: the e-mail\'s lockout, as before');

# Unlocking the e-mail: find CODE then reads none for it.
($rc) = admin('unlock', $email);
is($rc, 0, 'unlock EMAIL');
($rc, $out) = admin('find', '030000100001');
like($out, qr/^  Lockout \(id:marie\@example\.org, the e-mail it is linked to\): none recorded$/m,
     'find CODE after unlock: the e-mail is no longer locked');
unlike($out, qr/extranet-admin unlock/, 'find CODE after unlock: no hint');

# An e-mail whose local part holds characters the shell reads: the hint
# quotes it, so that it may be pasted as it is.
my $odd = "o'brien\$x\@example.org";
$t->add_identity($odd, 'correct horse battery', accounts => ['030100200001']);
$t->psql("INSERT INTO extranet.login_lockout (key, until, failures, lim) VALUES ("
       . $t->sql_quote("id:$odd") . ", now() + interval '10 minutes', 5, 5)");
($rc, $out) = admin('find', '030100200001');
like($out, qr/^    The owner logs in with \Q$odd\E: extranet-admin unlock 'o'\\''brien\$x\@example\.org'$/m,
     'find CODE: the e-mail to unlock is quoted for the shell') or diag($out);
my $quoted = ($out =~ /extranet-admin unlock (.*)$/m)[0];
is(Extranet::Test::run_capture('sh', '-c', "printf %s $quoted"), $odd,
   'the quoted word reads back as the e-mail in sh');

# An account linked to nobody has no identity's lockout to show.
($rc, $out) = admin('find', '040000300001');
is($rc, 0, 'find CODE, unlinked account: exit 0');
like($out, qr/Not linked to any e-mail/, 'find CODE, unlinked: said');
unlike($out, qr/the e-mail it is linked to/, 'find CODE, unlinked: no identity lockout line');
($rc, $j) = admin_json('find', '040000300001');
ok(exists $j->{identity_lockout} && !defined $j->{identity_lockout},
   'find CODE --json, unlinked: identity_lockout null');

# --- mistyped option values: exit 2, one clear line, nothing done ------------------------

my $mark = $t->audit_mark;
for my $case (
    [['--limit', 'abc'], qr/^extranet-admin: --limit takes a number of rows from 1 to 10000, not 'abc'$/m],
    [['--limit', '5x'], qr/^extranet-admin: --limit takes a number of rows from 1 to 10000, not '5x'$/m],
    [['--limit', '0'], qr/^extranet-admin: --limit takes a number of rows from 1 to 10000, not '0'$/m],
    [['--limit', '-5'], qr/^extranet-admin: --limit takes a number of rows from 1 to 10000, not '-5'$/m],
    [['--limit', '10001'], qr/^extranet-admin: --limit takes a number of rows from 1 to 10000, not '10001'$/m],
    [['--limit'], qr/^extranet-admin: --limit needs a value$/m],
    [['--tz'], qr/^extranet-admin: --tz needs a value$/m],
    [['--tz', 'Europe/Paris;x'], qr/^extranet-admin: --tz: unknown time zone 'Europe\/Paris;x'/m],
    [['--tz', 'Europe/Pari'], qr/^extranet-admin: --tz: unknown time zone 'Europe\/Pari' \(a name such as Europe\/Paris or UTC\)$/m],
    [['--tz', 'Mars/Olympus_Mons'], qr/^extranet-admin: --tz: unknown time zone 'Mars\/Olympus_Mons'/m],
) {
    my ($opts, $said) = @$case;
    ($rc, $out, $err) = admin('audit', $email, @$opts);
    is($rc, 2, "@$opts: exit 2");
    like($err, $said, "@$opts: said what is wrong") or diag($err);
    unlike($err, qr/Unknown option|DBD::Pg|ERROR:/, "@$opts: no misleading or raw message");
    is(scalar(() = $err =~ /^extranet-admin: /mg), 1, "@$opts: one line of error");
    is($out, '', "@$opts: nothing printed on stdout");
}
($rc, $out, $err) = admin('--tz', 'Europe/Pari', 'find', $email);
is($rc, 2, '--tz before the command: exit 2 as well');
is($t->audit_mark, $mark, 'no audit row for a refused command line');

# What is right still works: a zone the server knows, a limit in range.
($rc, $out, $err) = admin('--tz', 'UTC', '--limit', '3', 'audit', $email);
is($rc, 0, '--tz UTC --limit 3: exit 0') or diag($err);
like($out, qr/^time \(UTC\)/, '--tz UTC: the times are in UTC');
is(scalar(() = $out =~ /^\d{4}-/mg), 3, '--limit 3: three rows');
($rc, $out, $err) = admin('--tz', 'America/Argentina/Buenos_Aires', '--limit=1', 'audit', $email);
is($rc, 0, 'a three-part zone name and --limit=1: exit 0') or diag($err);
($rc, $out, $err) = admin('--operator');
is($rc, 2, '--operator without a value: exit 2');
like($err, qr/^extranet-admin: --operator needs a value$/m, '--operator without a value: said');
# A database that cannot be reached is still exit 1, whatever the zone.
($rc, $out, $err) = admin('--tz', 'Europe/Pari', 'find', $email,
                          { db => 'host=127.0.0.1 port=1 dbname=nothing connect_timeout=2' });
is($rc, 1, 'unreachable database: exit 1 (the zone is checked by the server)');

done_testing;
