#!/usr/bin/perl
# Logging out: needs the session's CSRF token and a same-origin request;
# revokes the session row and the cookie at once.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };

is($t->get('/auth/api/me', headers => $json)->status, 401, 'api/me without a session: 401');

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'login');

# --- api/me ---------------------------------------------------------------------

my $r = $t->get('/auth/api/me', cookie => $cookie, headers => $json);
is($r->status, 200, 'api/me: 200');
my $me = $r->json // {};
is($me->{login}, 'code', 'api/me: login method');
ok(exists $me->{email} && !defined $me->{email}, 'api/me: email null for a code session');
is(($me->{account} // {})->{code}, '030000100001', 'api/me: active account code');
is(($me->{account} // {})->{syndic}, '0300', 'api/me: its syndic');
is(($me->{account} // {})->{syndic_name}, 'Cabinet Durand', 'api/me: syndic name');
ok(ref $me->{accounts} eq 'ARRAY', 'api/me: accounts list');
my $csrf = $me->{csrf};
ok(defined $csrf && length $csrf >= 16, 'api/me: csrf token');

# --- refused logouts ------------------------------------------------------------

$r = $t->post('/auth/logout', cookie => $cookie, form => []);
is($r->status, 403, 'logout without csrf: 403');
$r = $t->post('/auth/logout', cookie => $cookie, form => [], headers => $json);
is($r->status, 403, 'logout without csrf (JSON): 403');
is(($r->json // {})->{error}, 'csrf', 'logout without csrf: error csrf');

$r = $t->post('/auth/logout', cookie => $cookie, form => [csrf => 'x' . substr($csrf, 1)],
              headers => $json);
is($r->status, 403, 'logout with a wrong csrf: 403');

my $other = $t->login('030000100002', 'tilleuls-0002');
my $other_csrf = $t->csrf($other);
$r = $t->post('/auth/logout', cookie => $cookie, form => [csrf => $other_csrf], headers => $json);
is($r->status, 403, "logout with another session's csrf: 403");

$r = $t->post('/auth/logout', cookie => $cookie, form => [csrf => $csrf],
              headers => { %$json, Origin => 'http://evil.example' });
is($r->status, 403, 'logout from another origin: 403');
is(($r->json // {})->{error}, 'origin', 'logout from another origin: error origin');

is($t->get('/headers', cookie => $cookie)->status, 200, 'after refused logouts the session is alive');

# --- logout ---------------------------------------------------------------------

my $before = $t->psql_value("SELECT count(*) FROM extranet.session"
                          . " WHERE account_code = '030000100001' AND revoked_at IS NOT NULL");

$r = $t->post('/auth/logout', cookie => $cookie, form => [csrf => $csrf],
              headers => { Origin => $t->origin });
is($r->status, 303, 'logout: 303') or diag($r->dump);
like($r->location_path // '', qr{^/auth/login}, 'logout: redirect to login');
my $sc = $r->set_cookie('extranet_session') // '';
like($sc, qr/^extranet_session=[^;]*;/, 'logout: Set-Cookie for the session');
like($sc, qr/Max-Age=0|expires=Thu, 01 Jan 1970/i, 'logout: the cookie is cleared');

$r = $t->get('/headers', cookie => $cookie);
is($r->status, 302, 'the old cookie is refused at once');
$r = $t->get('/auth/api/me', cookie => $cookie, headers => $json);
is($r->status, 401, 'api/me with the old cookie: 401');

my $after = $t->psql_value("SELECT count(*) FROM extranet.session"
                         . " WHERE account_code = '030000100001' AND revoked_at IS NOT NULL");
is($after, $before + 1, 'the session row has revoked_at set');

is($t->get('/headers', cookie => $other)->status, 200, 'other sessions are not affected');

# JSON logout.
$r = $t->post('/auth/logout', cookie => $other, form => [csrf => $other_csrf], headers => $json);
is($r->status, 200, 'JSON logout: 200');
ok(($r->json // {})->{ok}, 'JSON logout: ok');
is($t->get('/headers', cookie => $other)->status, 302, 'JSON logout revokes too');

# A revoked session stays revoked after a reload (the row, not memory).
$t->reload;
is($t->get('/headers', cookie => $cookie)->status, 302, 'still refused after a reload');

$t->error_log_ok;

done_testing;
