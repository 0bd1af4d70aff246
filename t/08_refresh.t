#!/usr/bin/perl
# The session row is re-checked when the cookie is older than "refresh":
# a refreshed cookie comes back, a row revoked elsewhere (another node, an
# administrator) ends the session within a second (the revocation feed,
# before any refresh), and while PostgreSQL is down valid cookies keep
# flowing without a refresh.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    http => 'auth_extranet_session_timeout idle=60s absolute=1h refresh=3s;'
          . ' auth_extranet_db_timeout 3s;'));

sub session_hash_of_last_login {
    return $t->psql_value(
        "SELECT encode(id_hash, 'hex') FROM extranet.session ORDER BY created_at DESC LIMIT 1");
}

# --- a due refresh touches the row and re-issues the cookie ---------------------

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'login');
my $key = session_hash_of_last_login();
my $seen = $t->psql_value(
    "SELECT last_seen_at FROM extranet.session WHERE id_hash = decode('$key', 'hex')");

my $r = $t->get('/headers', cookie => $cookie);
is($r->status, 200, 'a fresh cookie passes');
ok(!$r->cookie('extranet_session'), 'no refresh before the interval');

sleep 4.2;
$r = $t->get('/headers', cookie => $cookie);
is($r->status, 200, 'a cookie due for refresh passes');
like($r->text, qr/^X-Extranet-Account: 030000100001$/m, 'with its headers');
my $fresh = $r->cookie('extranet_session');
ok($fresh && $fresh ne $cookie, 'the refreshed cookie comes back in Set-Cookie');
like($r->set_cookie('extranet_session') // '', qr/; HttpOnly/, 'with its flags');
isnt($t->psql_value(
         "SELECT last_seen_at FROM extranet.session WHERE id_hash = decode('$key', 'hex')"),
     $seen, 'the session row was touched');
is($t->get('/headers', cookie => $fresh)->status, 200, 'the refreshed cookie passes');

# --- a row revoked elsewhere ends the session within a second ------------------

my $other = $t->login('030000100002', 'tilleuls-0002');
ok($other, 'second login');
my $other_key = session_hash_of_last_login();
$t->psql("UPDATE extranet.session SET revoked_at = now()"
       . " WHERE id_hash = decode('$other_key', 'hex')");
# the revocation feed brings it to this node's zone, long before the refresh
my $revoked_at = time;
$r = $t->get('/headers', cookie => $other);
until ($r->status != 200 || time - $revoked_at > 3) {
    sleep 0.02;
    $r = $t->get('/headers', cookie => $other);
}
is($r->status, 302, 'revoked on another node: refused before its refresh');
cmp_ok(time - $revoked_at, '<', 1, 'within a second (the revocation feed)');
like($r->header('location') // '', qr{/auth/login\?next=}, 'sent to the login page');
is($t->get('/headers', cookie => $other)->status, 302, 'and refused from then on');
is($t->get('/headers', cookie => $fresh)->status, 200, 'the other session is untouched');

# --- PostgreSQL down: valid cookies keep flowing, no refresh -------------------

$t->pg_stop;
sleep 4.2;
$r = $t->get('/headers', cookie => $fresh);
is($r->status, 200, 'PostgreSQL down: a cookie due for refresh still passes');
like($r->text, qr/^X-Extranet-Account: 030000100001$/m, 'with its headers');
ok(!$r->cookie('extranet_session'), 'and is not refreshed');
like($t->error_log, qr/session not refreshed, database unavailable/,
     'the missed refresh is logged');

$t->pg_start;
my $back;
for (1 .. 20) {
    $r = $t->get('/headers', cookie => $fresh);
    $back = $r->cookie('extranet_session');
    last if $back;
    sleep 0.5;
}
ok($back, 'PostgreSQL back: the refresh works again (reconnected)');
is($t->get('/headers', cookie => $back)->status, 200, 'and the new cookie passes');

$t->error_log_ok;

done_testing;
