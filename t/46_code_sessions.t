#!/usr/bin/perl
# Issue 7, finding 4. Under "auth_extranet_legacy_login unlinked" a linked
# account no longer logs in with its numeric code, and no numeric-code
# session of it outlives the link: linking the account (here, or on another
# node, seen at the refresh) and a password change or reset of the identity
# end its numeric-code sessions. Under "all" they keep working.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $config = $t->standard_config(
    http => 'auth_extranet_session_timeout idle=30m absolute=12h refresh=2s;');
$t->run($config);

sub login_of {
    my ($cookie) = @_;
    return $t->upstream_headers($cookie)->{Login} // 'none';
}

sub revoked_in_db {
    my ($account) = @_;
    return $t->psql_value("SELECT count(*) FROM extranet.session WHERE account_code = '$account'"
                        . " AND login_method = 'code' AND identity_id IS NULL"
                        . " AND revoked_at IS NOT NULL");
}

# --- a link here ends the account's other code sessions at once ---------------------

my $linker = $t->login('030000100001', 'tilleuls-0001');
my $other = $t->login('030000100001', 'tilleuls-0001');   # another browser
my $unrelated = $t->login('030000100002', 'tilleuls-0002');
is(login_of($other), 'code', 'a second code session on the account');

my $r = $t->post_as($linker, '/auth/link', [email => 'anne@example.org']);
is($r->status, 303, 'link: e-mail step');
$r = $t->post_as($linker, '/auth/link/profile', [
    email => 'anne@example.org', last_name => 'Martin', first_name => 'Anne',
    password => 'Une-phrase-de-passe-2024', password_confirm => 'Une-phrase-de-passe-2024']);
is($r->status, 303, 'link: identity created') or diag($r->dump);
my $linked = $r->cookie($t->cookie_name);
is(login_of($linked), 'email', 'the linking session is now an e-mail session');

my $h = $t->upstream_headers($other);
is($h->{status}, 302, 'the other code session of the account is refused at once');
is(revoked_in_db('030000100001'), 1, 'its row is revoked');
is(login_of($unrelated), 'code', 'a code session of another account is untouched');
like($t->psql_value("SELECT detail FROM extranet.audit_log WHERE event = 'link'"
                  . " ORDER BY id DESC LIMIT 1"),
     qr/1 numeric-code session\(s\) ended/, 'the audit log says so');

# --- a link made elsewhere: the refresh refuses the code session ---------------------

my $before = $t->login('030100200001', 'closfleuri-01');
is(login_of($before), 'code', 'code session on 030100200001');
# Linked by another node, whose revocation this node has not seen.
$t->add_identity('paul@example.org', 'Paul-mot-de-passe-1', accounts => ['030100200001']);
sleep 2.5;
$h = $t->upstream_headers($before);
is($h->{status}, 302, 'at its refresh, a code session of a now linked account is refused');
is($t->upstream_headers($before)->{status}, 302, 'and stays refused');
my ($c, $lr) = $t->login('030100200001', 'closfleuri-01');
is($lr->status, 403, 'a new code login is told to use the e-mail (as before)');

# --- a password change or reset ends code sessions left on the identity's accounts ---

# A code session opened before a link done by another means (support desk,
# another node that could not reach this one): the next change ends it.
my $stale = $t->login('040000300001', 'monceau-0001');
$t->add_identity('leroy@example.org', 'Leroy-mot-de-passe', accounts => ['040000300001']);
my $email_session = $t->login('leroy@example.org', 'Leroy-mot-de-passe');
ok($email_session, 'e-mail login');
$r = $t->post_as($email_session, '/auth/manage', [
    action => 'password', current_password => 'Leroy-mot-de-passe',
    new_password => 'Leroy-nouveau-2025', password_confirm => 'Leroy-nouveau-2025']);
is($r->status, 303, 'password changed') or diag($r->dump);
is($t->upstream_headers($stale)->{status}, 302,
   'the code session of the identity\'s account is refused at once');
is(revoked_in_db('040000300001'), 1, 'its row is revoked');

my $stale2 = $t->login('030000100002', 'tilleuls-0002');
$t->add_identity('zoe@example.org', 'Zoe-mot-de-passe-1', accounts => ['030000100002']);
$t->post('/auth/password/forgot', form => [login => 'zoe@example.org'],
         headers => { Origin => $t->origin });
my $body = pack('H*', $t->psql_value(
    "SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
  . " WHERE recipient = 'zoe\@example.org' AND body LIKE '%token=%' ORDER BY id DESC LIMIT 1")
  // '');
my ($token) = $body =~ /token=([A-Za-z0-9_-]{43})/;
ok($token, 'reset link mailed');
$r = $t->post('/auth/password/reset', headers => { Origin => $t->origin }, form => [
    token => $token, new_password => 'Zoe-nouveau-2025!', password_confirm => 'Zoe-nouveau-2025!']);
is($r->status, 303, 'password reset') or diag($r->dump);
is($t->upstream_headers($stale2)->{status}, 302, 'a reset ends the code sessions as well');
is(revoked_in_db('030000100002'), 2, 'both code sessions of that account are revoked in the table');

# --- legacy_login all: code sessions are legitimate after a link ---------------------

$t->psql('DELETE FROM extranet.identity_account');
$t->psql('DELETE FROM extranet.identity');
my $all = $t->standard_config(
    http => 'auth_extranet_session_timeout idle=30m absolute=12h refresh=2s;'
          . ' auth_extranet_legacy_login all;');
$t->run($all);
my $kept = $t->login('030000100001', 'tilleuls-0001');
my $l2 = $t->login('030000100001', 'tilleuls-0001');
$t->post_as($l2, '/auth/link', [email => 'anne@example.org']);
$r = $t->post_as($l2, '/auth/link/profile', [
    email => 'anne@example.org', last_name => 'Martin', first_name => 'Anne',
    password => 'Une-phrase-de-passe-2024', password_confirm => 'Une-phrase-de-passe-2024']);
is($r->status, 303, 'legacy_login all: linked');
is(login_of($kept), 'code', 'legacy_login all: the other code session goes on');
sleep 2.5;
is(login_of($kept), 'code', 'and passes its refresh');

$t->error_log_ok;

done_testing;
