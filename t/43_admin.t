#!/usr/bin/perl
# The support desk: tools/extranet-admin against the real database, as its
# own role extranet_admin, with the module's nginx where behaviour matters:
# find, unlink (the numeric code logs in again, the default account moves,
# the sessions on the account end), unlock, revoke (a refresh is then
# refused), audit; every action in audit_log with the operator; usage and
# exit codes; the role's privileges.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    http => 'auth_extranet_session_timeout idle=60s absolute=1h refresh=2s;'));

my $ADMIN = "$Extranet::Test::ROOT/tools/extranet-admin";
# The file's database, without a user: the tool's default role applies.
(my $conninfo = $t->db) =~ s/\s*user=\S+//;

# Runs extranet-admin; (exit code, stdout, stderr), decoded from UTF-8.
# env => {..} replaces SUDO_USER / USER for the run.
sub admin { $t->admin(@_) }

sub admin_json {
    my ($rc, $out, $err) = admin('--json', @_);
    my $j = Extranet::Test::json_decode(Encode::encode('UTF-8', $out));
    return ($rc, $j, $err);
}

use Encode ();

sub audit_rows_since {
    my ($mark) = @_;
    return [$t->psql("SELECT event, success, coalesce(account_code, ''),"
                   . " coalesce(identifier, ''), coalesce(operator, ''), detail"
                   . " FROM extranet.audit_log WHERE id > $mark ORDER BY id")];
}

my $email = 'marie.dupont@example.org';
my $password = 'Marie-perso-2024!';
my $id = $t->add_identity($email, $password, last_name => 'Dupont', first_name => 'Marie',
                          phone => '06 12 34 56 78',
                          accounts => ['030000100001', '030000100002']);

# --- usage -------------------------------------------------------------------------------

my ($rc, $out, $err) = admin('--help');
is($rc, 0, '--help: exit 0');
like($out, qr/^Usage: extranet-admin/m, '--help: usage');
like($out, qr/find .*unlink .*unlock .*revoke .*audit/s, '--help names every command');
my $man = Extranet::Test::run_capture("$Extranet::Test::ROOT/tools/man.sh", '--check');
is($? >> 8, 0, 'the man pages (tools/*.8) match the POD of the tools') or diag($man);
($rc, $out, $err) = admin('--operator', 'alice');
is($rc, 2, 'no command: exit 2');
like($err, qr/no command/, 'no command: said');
($rc, $out, $err) = admin('--operator', 'alice', 'delete', $email);
is($rc, 2, 'unknown command: exit 2');
($rc, $out, $err) = admin('--operator', 'alice', 'find', '12');
is($rc, 2, 'neither an e-mail nor a code: exit 2');
like($err, qr/neither an e-mail address nor an account code/, 'and why');
($rc, $out, $err) = admin('--operator', 'alice', 'unlink', $email);
is($rc, 2, 'unlink of an e-mail: exit 2');
($rc, $out, $err) = admin('--operator', 'alice', 'find', $email, 'extra');
is($rc, 2, 'two arguments: exit 2');
($rc, $out, $err) = admin('--operator', "bob\nroot", 'find', $email);
is($rc, 2, 'an operator name with a newline: exit 2');
SKIP: {
    skip 'not running as root', 2 unless $< == 0;
    ($rc, $out, $err) = admin('find', $email, { USER => 'root' });
    is($rc, 2, 'as root, without --operator nor sudo: exit 2');
    like($err, qr/--operator/, 'asks for --operator');
}
($rc, $out, $err) = admin('--db', 'host=/nonexistent port=1 connect_timeout=2',
                          '--operator', 'alice', 'find', $email);
is($rc, 1, 'database unreachable: exit 1');
like($err, qr/extranet-admin: .*(?:connect|No such file)/i, 'and the reason');

# The connection from a configuration file, as /etc/extranet/admin.conf.
{
    my $conf = $t->write_file('admin.conf', "# support desk\ndb = $conninfo\n");
    my $o = Extranet::Test::run_capture('/usr/bin/env', '-u', 'PGUSER', $ADMIN, '--config', $conf,
                                        '--operator', 'alice', 'find', $email);
    is($? >> 8, 0, '--config FILE: its db line is used');
    like($o, qr/^Identity #$id: /m, 'and the lookup answers');
    $o = Extranet::Test::run_capture($ADMIN, '--config', "$conf.missing", '--operator', 'alice',
                                     'find', $email);
    is($? >> 8, 1, 'a missing --config file: exit 1');
}

# --- find --------------------------------------------------------------------------------

my $mark = $t->audit_mark;
($rc, $out, $err) = admin('--operator', 'alice', 'find', uc $email);
is($rc, 0, 'find an e-mail (any case): exit 0') or diag($err);
like($out, qr/^Identity #$id: \Q$email\E$/m, 'the identity');
like($out, qr/Name:\s+Dupont Marie/, 'its name');
like($out, qr/Default account:\s+030000100001/, 'its default account');
like($out, qr/^\s+030000100001  syndic 0300 Cabinet Durand, Résidence Les Tilleuls — lot 12 .*default\)$/m,
     'the first linked account, marked default');
like($out, qr/^\s+030000100002  syndic 0300 Cabinet Durand, Résidence Les Tilleuls — lot 47 /m,
     'the second linked account');
like($out, qr/Open sessions \(0\)/, 'no session yet');

my $json;
($rc, $json) = admin_json('--operator', 'alice', 'find', $email);
is($rc, 0, 'find --json: exit 0');
is($json->{identity}{email}, $email, 'JSON: the identity');
is_deeply([map { $_->{code} } @{$json->{accounts} // []}], ['030000100001', '030000100002'],
          'JSON: the linked accounts, oldest first');

($rc, $out, $err) = admin('--operator', 'alice', 'find', '0300 0010 0002');
is($rc, 0, 'find an account (typed with spaces): exit 0');
like($out, qr/^Account 030000100002: syndic 0300 Cabinet Durand, Résidence Les Tilleuls — lot 47$/m,
     'the account');
like($out, qr/Linked to identity #$id \Q$email\E since/, 'the identity it is linked to');
($rc, $out, $err) = admin('--operator', 'alice', 'find', '040000300001');
like($out, qr/Not linked to any e-mail/, 'an unlinked account says so');

($rc, $out, $err) = admin('--operator', 'alice', 'find', 'personne@example.org');
is($rc, 3, 'unknown e-mail: exit 3');
like($err, qr/no identity with the e-mail personne\@example\.org/, 'said on stderr');
($rc, $out, $err) = admin('--operator', 'alice', 'find', '999900000000');
is($rc, 3, 'unknown account: exit 3');

my $rows = audit_rows_since($mark);
is(scalar @$rows, 6, 'six lookups, six audit rows');
is_deeply([map { "$_->[0]/$_->[1]/$_->[4]" } @$rows],
          [('admin_find/t/alice') x 4, ('admin_find/f/alice') x 2],
          'event admin_find, success, operator alice');
is($rows->[0][3], $email, 'the e-mail looked up is the identifier');
is($rows->[2][2], '030000100002', 'the account looked up is the account');

# --- unlink: the numeric code logs in again -----------------------------------------------

my ($c, $res) = $t->login('030000100001', 'tilleuls-0001');
is($res->status, 403, 'before: the linked code is refused at login (legacy_login unlinked)');
my $on_first = $t->login($email, $password);
ok($on_first, 'an e-mail session, on the default account 030000100001');
like($t->get('/headers', cookie => $on_first)->body, qr/^X-Extranet-Account: 030000100001$/m,
     'active account 030000100001');
my $on_second = $t->login($email, $password);
my $r = $t->post_as($on_second, '/auth/switch', [account => '030000100002'],
                    Accept => 'application/json');
$on_second = $r->cookie('extranet_session') // $on_second;
like($t->get('/headers', cookie => $on_second)->body, qr/^X-Extranet-Account: 030000100002$/m,
     'another e-mail session, switched to 030000100002');

$mark = $t->audit_mark;
($rc, $out, $err) = admin('unlink', '030000100001', { SUDO_USER => 'bob' });
is($rc, 0, 'unlink 030000100001: exit 0') or diag($err);
like($out, qr/Account 030000100001 unlinked from \Q$email\E/, 'said');
like($out, qr/Default account: 030000100002/, 'the new default said');
like($out, qr/Sessions revoked: 1/, 'one session revoked (the one on that account)');
is($t->psql_value("SELECT string_agg(account_code, ',') FROM extranet.identity_account"
                . " WHERE identity_id = $id"), '030000100002', 'one link left');
is($t->psql_value("SELECT default_account FROM extranet.identity WHERE id = $id"),
   '030000100002', 'the default account moved to the remaining link');
$rows = audit_rows_since($mark);
is_deeply($rows, [['admin_unlink', 't', '030000100001', $email, 'bob',
                   'default 030000100002; 1 session(s) revoked']],
          'audit: admin_unlink, the operator from $SUDO_USER');

($c, $res) = $t->login('030000100001', 'tilleuls-0001');
is($res->status, 303, 'after: the numeric code logs in again through the portal')
    or diag($res->dump);
my $h = $t->upstream_headers($c);
is($h->{Account}, '030000100001', 'as the account');
is($h->{Login}, 'code', 'with the code');

($rc, $out, $err) = admin('--operator', 'alice', 'unlink', '030000100001');
is($rc, 3, 'unlink again: exit 3 (not linked)');
like($err, qr/not linked to any e-mail/, 'and why');

# The sessions end at their next refresh.
sleep 2.5;
$r = $t->get('/headers', cookie => $on_first);
is($r->status, 302, 'the e-mail session on the unlinked account: refused at its refresh');
is($t->get('/headers', cookie => $on_second)->status, 200,
   'the e-mail session on the remaining account: still valid');

# --- revoke ------------------------------------------------------------------------------

my $phone = $t->login($email, $password);
ok($phone, 'an e-mail session (the stolen phone)');
is($t->get('/headers', cookie => $phone)->status, 200, 'it passes');
my $code_session = $t->login('040000300001', 'monceau-0001');
ok($code_session, 'a numeric-code session of another owner');

$mark = $t->audit_mark;
($rc, $out, $err) = admin('--operator', 'alice', 'revoke', $email);
is($rc, 0, 'revoke an identity: exit 0') or diag($err);
like($out, qr/^2 session\(s\) revoked for \Q$email\E \(identity #$id\)\./m,
     'two open sessions revoked (the phone and the switched one)');
is($t->psql_value("SELECT count(*) FROM extranet.session WHERE identity_id = $id"
                . " AND revoked_at IS NULL"), 0, 'no open session left for the identity');
is($t->psql_value("SELECT count(*) FROM extranet.session WHERE account_code = '040000300001'"
                . " AND revoked_at IS NULL"), 1, 'the other owner\'s session untouched');
($rc, $out, $err) = admin('--operator', 'alice', 'revoke', '0400 0030 0001');
is($rc, 0, 'revoke an account: exit 0');
like($out, qr/^1 session\(s\) revoked for 040000300001\./m, 'its numeric-code session');
($rc, $out, $err) = admin('--operator', 'alice', 'revoke', 'personne@example.org');
is($rc, 3, 'revoke an unknown e-mail: exit 3');

sleep 2.5;
$r = $t->get('/headers', cookie => $phone);
is($r->status, 302, 'after revoke: the session refresh is refused');
like($r->header('location') // '', qr{/auth/login\?next=}, 'sent to the login page');
is($t->get('/headers', cookie => $on_second)->status, 302, 'the switched session too');
is($t->get('/headers', cookie => $code_session)->status, 302,
   'the numeric-code session revoked by account');
ok($t->login($email, $password), 'the owner logs in again');
$rows = audit_rows_since($mark);
is_deeply([map { [@$_[0, 1, 4, 5]] } grep { $_->[0] =~ /^admin_/ } @$rows],
          [['admin_revoke', 't', 'alice', '2 session(s) revoked'],
           ['admin_revoke', 't', 'alice', '1 session(s) revoked'],
           ['admin_revoke', 'f', 'alice', 'not found']],
          'audit: admin_revoke rows with the operator');

# --- unlock ------------------------------------------------------------------------------

$t->psql("INSERT INTO extranet.login_lockout (key, until, failures) VALUES"
       . " ('id:$email', now() + interval '15 minutes', 5),"
       . " ('id:040000300001', now() + interval '15 minutes', 6),"
       . " ('ip:10.1.2.3', now() + interval '15 minutes', 50),"
       . " ('ip:2001:db8::/64', now() + interval '15 minutes', 51)");
($rc, $out, $err) = admin('--operator', 'alice', 'find', $email);
like($out, qr/Lockout \(id:\Q$email\E\): 5 failure\(s\), LOCKED until/, 'find shows the lockout');

$mark = $t->audit_mark;
($rc, $out, $err) = admin('--operator', 'alice', 'unlock', ' Marie.Dupont@Example.org ');
is($rc, 0, 'unlock an e-mail: exit 0') or diag($err);
like($out, qr/Lockout id:\Q$email\E lifted \(5 failure\(s\)/, 'said');
($rc, $out, $err) = admin('--operator', 'alice', 'unlock', '0400 0030 0001');
is($rc, 0, 'unlock an account code: exit 0');
($rc, $out, $err) = admin('--operator', 'alice', 'unlock', '--address', '10.1.2.3');
is($rc, 0, 'unlock an IPv4 address: exit 0');
($rc, $out, $err) = admin('--operator', 'alice', 'unlock', '--address', '2001:DB8::7');
is($rc, 0, 'unlock an IPv6 address: exit 0');
like($out, qr{^Lockout ip:2001:db8::/64 lifted \(51 failure\(s\), was until [^)]*\) \(the /64 of 2001:db8::7: an IPv6 client is counted by its /64\)\.$}m,
     'its /64 is lifted, and the output says so') or diag($out);
# (the logins above left rows of their own: every attempt is counted there)
is($t->psql_value("SELECT count(*) FROM extranet.login_lockout WHERE key IN"
                . " ('id:$email', 'id:040000300001', 'ip:10.1.2.3', 'ip:2001:db8::/64')"),
   0, 'every lockout row unlocked is gone');
($rc, $out, $err) = admin('--operator', 'alice', 'unlock', '--address', '10.1.2.3');
is($rc, 3, 'nothing to unlock: exit 3');
like($err, qr/no lockout recorded for ip:10\.1\.2\.3/, 'said');
($rc, $out, $err) = admin('--operator', 'alice', 'unlock', '--address', 'evil\'; --');
is($rc, 2, 'not an address: exit 2');
$rows = audit_rows_since($mark);
is_deeply([map { [@$_[0, 1, 3, 4]] } @$rows],
          [['admin_unlock', 't', "id:$email", 'alice'],
           ['admin_unlock', 't', 'id:040000300001', 'alice'],
           ['admin_unlock', 't', 'ip:10.1.2.3', 'alice'],
           ['admin_unlock', 't', 'ip:2001:db8::/64', 'alice'],
           ['admin_unlock', 'f', 'ip:10.1.2.3', 'alice']],
          'audit: admin_unlock with the key and the operator');
like($rows->[0][5], qr/^5 failure\(s\), locked until /, 'with what was lifted');
like($rows->[3][5], qr/^51 failure\(s\), locked until .*; address given 2001:db8::7$/,
     'and, for a /64, the address the operator gave');

# --- audit -------------------------------------------------------------------------------

($rc, $out, $err) = admin('--operator', 'carole', 'audit', '030000100001');
is($rc, 0, 'audit an account: exit 0') or diag($err);
like($out, qr/^time \(Europe\/Paris\)\s+event/m, 'a header line');
like($out, qr/admin_unlink\s+yes\s+030000100001\s+\Q$email\E\s+op:bob\s+default 030000100002/,
     'the unlink, by bob');
like($out, qr/^\S+ \S+  login\s+yes\s+030000100001\s+030000100001\s+127\.0\.0\.1/m,
     'the module\'s own login row, with the client address');
like($out, qr/^\S+ \S+  login_failure\s+NO\s+030000100001\s/m,
     'the refused login (linked code) too');
my @lines = grep { /^\d{4}-/ } split /\n/, $out;
my @times = map { /^(\S+ \S+)/ } @lines;
is_deeply(\@times, [sort { $b cmp $a } @times], 'newest first');

($rc, $json) = admin_json('--operator', 'carole', '--limit', '2', 'audit', $email);
is($rc, 0, 'audit an e-mail --json: exit 0');
is(scalar @{$json->{rows} // []}, 2, '--limit 2: two rows');
is($json->{rows}[0]{event}, 'admin_unlock', 'the newest row is the unlock of the e-mail');
is($json->{rows}[0]{operator}, 'alice', 'with its operator');
($rc, $out, $err) = admin('--operator', 'carole', 'audit', 'jamais@example.org');
is($rc, 3, 'an empty trail: exit 3');
like($err, qr/no audit row for jamais\@example\.org/, 'said');
is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE event = 'admin_audit'"
                . " AND operator = 'carole'"), 3, 'each audit lookup is itself audited');

is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE event LIKE 'admin_%'"
                . " AND operator IS NULL"), 0, 'no admin row without an operator');
is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE event NOT LIKE 'admin_%'"
                . " AND operator IS NOT NULL"), 0, 'the module\'s rows carry no operator');

# --- the role's privileges -----------------------------------------------------------------

sub as_admin_fails {
    my ($sql) = @_;
    return !eval { $t->psql("SET ROLE extranet_admin; $sql"); 1 };
}
ok(as_admin_fails('SELECT password_hash FROM extranet.identity'),
   'extranet_admin cannot read identity password hashes');
ok(as_admin_fails('SELECT password_hash FROM extranet.legacy_account'),
   'nor legacy password hashes');
ok(as_admin_fails('SELECT token_hash FROM extranet.password_reset'), 'nor reset tokens');
ok(as_admin_fails('SELECT body FROM extranet.mail_outbox'), 'nor mail bodies');
ok(as_admin_fails("UPDATE extranet.identity SET password_hash = 'x'"), 'nor set a password');
ok(as_admin_fails('DELETE FROM extranet.audit_log'), 'nor delete audit rows');
ok(as_admin_fails("UPDATE extranet.audit_log SET operator = 'x'"), 'nor rewrite them');
ok(!as_admin_fails('SELECT count(*) FROM extranet.identity_account'),
   'it reads the links (the check above can pass)');

$t->error_log_ok;
done_testing;
