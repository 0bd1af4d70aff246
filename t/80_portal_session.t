#!/usr/bin/perl
# The session on portal pages. Activity on the portal ("Gérer mes comptes",
# the accounts menu, their forms) counts as activity: a portal request whose
# refresh is due refreshes the session as a proxied request does (the row
# re-checked, a revoked or deactivated session ends, the new cookie comes
# with the portal's answer, private and no-store). A session that is over
# when a portal page or form is used sends the owner to the login page with
# next= (the page, or the page of the form, never a POST-only URL) and a
# notice that her session expired; JSON clients keep their 401.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(http => 'auth_extranet_session_timeout idle=6s absolute=1h refresh=2s;'));

my $json = { Accept => 'application/json' };
my $pw = 'correct horse battery';
$t->add_identity('marie@example.org', $pw, last_name => 'Dupont', first_name => 'Marie',
                 accounts => ['030000100001', '030000100002']);

sub logged_in {
    my ($cookie) = @_;
    return $t->get('/auth/api/me', cookie => $cookie, headers => $json)->status == 200;
}

# The cookie an answer gives back, else the one sent.
sub keep {
    my ($cookie, $r) = @_;
    my $n = $r->cookie('extranet_session');
    return defined $n && length $n ? $n : $cookie;
}

# A login whose cookie starts its idle time now: a login hashes a password
# (slow on a busy machine), its session dates from the login's start; a
# legacy page refreshes it when due.
sub fresh_login {
    my ($login, $password) = @_;
    my $cookie = $t->login($login, $password) // return undef;
    return keep($cookie, $t->get('/headers', cookie => $cookie));
}

sub next_of {
    my ($location) = @_;
    my ($next) = ($location // '') =~ /[?&]next=([^&]*)/;
    return undef unless defined $next;
    $next =~ s/%([0-9A-Fa-f]{2})/chr hex $1/ge;
    return $next;
}

# --- a portal page whose refresh is due refreshes the session -----------------------

$t->login('marie@example.org', $pw);   # the first login re-hashes the password
my $c = fresh_login('marie@example.org', $pw);
ok($c, 'login');
my $key = $t->psql_value(
    "SELECT encode(id_hash, 'hex') FROM extranet.session ORDER BY created_at DESC LIMIT 1");
my $seen = $t->psql_value(
    "SELECT last_seen_at FROM extranet.session WHERE id_hash = decode('$key', 'hex')");

sleep 2.3;
my $r = $t->get('/auth/manage', cookie => $c);
is($r->status, 200, 'manage, refresh due: the page');
my $fresh = $r->cookie('extranet_session');
ok($fresh && $fresh ne $c, 'the refreshed cookie comes with the portal page');
like($r->set_cookie('extranet_session') // '', qr/; HttpOnly/, 'with its flags');
is(join(' | ', $r->headers('cache-control')), 'private, no-store', 'private, no-store');
isnt($t->psql_value(
         "SELECT last_seen_at FROM extranet.session WHERE id_hash = decode('$key', 'hex')"),
     $seen, 'the session row was touched');
ok(logged_in($fresh), 'the refreshed cookie works');

# Times are whole seconds: refresh=2s leaves at least one second for
# "right after" (refresh=1s left none when the cookie came late in its
# second).
$r = $t->get('/auth/manage', cookie => $fresh);
ok(!defined $r->cookie('extranet_session'), 'right after: no refresh due, no cookie');

# Working on the portal only, a page or a saved form every 1.5 s: with
# idle=6s the session lives on (it ended 6 s after the last legacy page).
# The bound leaves 4.5 s for one request: a loaded machine (tests four at
# a time) has taken more than the 2.5 s that idle=4s left.
$c = $fresh;
my @status;
for my $i (1 .. 6) {
    sleep 1.5;
    $r = $i % 2
        ? $t->get('/auth/manage', cookie => $c)
        : $t->post_as($c, '/auth/manage', [action => 'profile', last_name => "Dupont$i",
                                           first_name => 'Marie', phone => '']);
    $c = keep($c, $r);
    push @status, $r->status . ($r->status == 303 ? ' ' . ($r->location_path // '') : '');
}
ok(!grep(m{/auth/login}, @status), "9 s on the portal alone: never sent to the login (@status)");
ok(logged_in($c), 'and still logged in');
is($t->psql_value("SELECT last_name FROM extranet.identity WHERE email = 'marie\@example.org'"),
   'Dupont6', 'the forms were saved');

# The accounts menu (JSON, as menu.js asks it) counts too.
sleep 2.3;
$r = $t->get('/auth/accounts', cookie => $c, headers => $json);
is($r->status, 200, 'the accounts menu, refresh due');
ok($r->cookie('extranet_session'), 'refreshed as well');
$c = keep($c, $r);

# --- a switch whose refresh is due: the switched session's cookie, only -------------

sleep 2.3;
$r = $t->post_as($c, '/auth/switch', [account => '030000100002', next => '/headers']);
is($r->status, 303, 'switch, refresh due');
my @cookies = grep { /^extranet_session=/ } $r->headers('set-cookie');
is(scalar @cookies, 1, 'one session cookie in the answer');
my $switched = keep($c, $r);
like($t->get('/headers', cookie => $switched)->text, qr/^X-Extranet-Account: 030000100002$/m,
     'it is the switched account\'s');

# --- the refresh re-checks the row: a deactivated account's session ends ------------

my $code = fresh_login('040000300001', 'monceau-0001');
ok($code, 'code login');
is($t->get('/auth/accounts', cookie => $code)->status, 200, 'accounts page');
$t->psql("UPDATE extranet.legacy_account SET active = false WHERE code = '040000300001'");
sleep 2.3;
$r = $t->get('/auth/accounts', cookie => $code);
is($r->status, 303, 'refresh due, the account deactivated: the portal page ends the session');
is(next_of($r->location_path), '/auth/accounts', 'to the login, back to the page');
is($t->get('/headers', cookie => $code)->status, 302, 'refused on legacy pages too (revoked)');
$t->psql("UPDATE extranet.legacy_account SET active = true WHERE code = '040000300001'");

# --- an expired session on portal pages and forms ----------------------------------

$c = $t->login('marie@example.org', $pw);
my $csrf = $t->csrf($c);
my $origin = { Origin => $t->origin };
sleep 6.5;   # idle

$r = $t->get('/', cookie => $c);
like($r->header('location') // '', qr{/auth/login\?next=}, 'control: a legacy page sends login?next=');

$r = $t->get('/auth/manage', cookie => $c);
is($r->status, 303, 'GET manage, expired: 303');
like($r->location_path // '', qr{^/auth/login\?next=%2Fauth%2Fmanage&expired=1$},
     'to the login page, next= the page, the session said expired');
my $login_page = $r->location_path;

$r = $t->get('/auth/link/profile?email=marie%40example.org', cookie => $c);
is(next_of($r->location_path), '/auth/link/profile?email=marie%40example.org',
   'GET with a query: next= path and query');

$r = $t->post('/auth/manage', cookie => $c, headers => $origin,
              form => [csrf => $csrf, action => 'profile', last_name => "D'Aubigné",
                       first_name => 'Marie', phone => '']);
is($r->status, 303, 'POST manage, expired: 303');
is(next_of($r->location_path), '/auth/manage', 'back to "Gérer mes comptes"');
like($r->location_path, qr/&expired=1$/, 'said expired');
is($t->psql_value("SELECT last_name FROM extranet.identity WHERE email = 'marie\@example.org'"),
   'Dupont6', 'nothing saved');

$r = $t->post('/auth/link/profile', cookie => $c, headers => $origin,
              form => [csrf => $csrf, email => 'x@example.org', last_name => 'X']);
is(next_of($r->location_path), '/auth/link', 'POST link/profile: back to the link form');

$r = $t->post('/auth/passkey/delete', cookie => $c, headers => $origin,
              form => [csrf => $csrf, id => 'AAAA']);
is(next_of($r->location_path), '/auth/manage', 'POST passkey/delete: back to manage');

$r = $t->post('/auth/switch', cookie => $c, headers => $origin,
              form => [csrf => $csrf, account => '030000100002', next => '/travaux/devis']);
is(next_of($r->location_path), '/travaux/devis', 'POST switch: where the owner was going');

$r = $t->post('/auth/switch', cookie => $c, headers => $origin,
              form => [csrf => $csrf, account => '030000100002']);
is(next_of($r->location_path), '/auth/accounts', 'POST switch without next: the accounts');

$r = $t->post('/auth/switch', cookie => $c, headers => $origin,
              form => [csrf => $csrf, account => '030000100002', next => '//evil.example/x']);
is(next_of($r->location_path), '/auth/accounts', 'POST switch, next another site: the accounts');

$r = $t->post('/auth/switch', cookie => $c, headers => $origin,
              form => [csrf => $csrf, account => '030000100002', next => '/auth/switch']);
is(next_of($r->location_path), '/auth/accounts', 'POST switch, next a POST-only URL: the accounts');

$r = $t->get('/auth/switch', cookie => $c);
is(next_of($r->location_path), '/auth/accounts', 'GET of a POST-only URL: never next= it');

$r = $t->get('/auth/manage', cookie => $c, headers => $json);
is($r->status, 401, 'JSON client: 401');
is_deeply([@{$r->json // {}}{qw(error login)}], ['unauthenticated', '/auth/login'],
          'with the same JSON as before');
$r = $t->post('/auth/manage', cookie => $c, headers => { %$origin, %$json },
              form => [csrf => $csrf, action => 'profile', last_name => 'X', first_name => 'Y']);
is($r->status, 401, 'JSON POST: 401');

# The page the owner is sent to, and logging in from it.
$r = $t->get($login_page, cookie => $c);
is($r->status, 200, 'the login page');
like($r->text, qr{Votre session a expiré\. Veuillez vous reconnecter\.}, 'says the session expired');
like($r->body, qr{name="next" value="/auth/manage"}, 'and keeps next=');
my ($c2, $lr) = $t->login('marie@example.org', $pw, next => next_of($login_page));
ok($c2, 'logged in again');
is($lr->location_path, '/auth/manage', 'back on "Gérer mes comptes"');

# --- no session at all: to the login with next=, nothing said of an expiry ----------

$r = $t->get('/auth/manage');
is($r->status, 303, 'manage without a cookie: 303');
is($r->location_path, '/auth/login?next=%2Fauth%2Fmanage', 'login?next=, no "expired"');
unlike($t->get('/auth/login?next=%2Fauth%2Fmanage')->text, qr/session a expiré/,
       'the plain login page says nothing of an expiry');

$t->error_log_ok;

done_testing;
