#!/usr/bin/perl
# Logging in: numeric code, e-mail (default account active, re-hash of an
# outdated personal hash), the session cookie's attributes, uniform failures,
# JSON, the next= redirect and the Origin check.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

# --- numeric code ------------------------------------------------------------

my $r = $t->get('/auth/login');
is($r->status, 200, 'GET login');
like($r->text, qr/Accédez à votre compte/, 'login page title');
like($r->body, qr/name="login"/, 'login field');
like($r->body, qr/name="password"/, 'password field');
like($r->body, qr/autocomplete="current-password"/, 'password field autocomplete');

my ($cookie, $res) = $t->login('030000100001', 'tilleuls-0001');
is($res->status, 303, 'code login: 303') or diag($res->dump);
is($res->location_path, '/', 'code login: redirect to /');
ok(defined $cookie && length $cookie > 20, 'code login: session cookie set');
my $sc = $res->set_cookie('extranet_session') // '';
like($sc, qr/;\s*HttpOnly/i, 'cookie is HttpOnly');
like($sc, qr/;\s*SameSite=Lax/i, 'cookie is SameSite=Lax');
like($sc, qr/;\s*Path=\//i, 'cookie has Path=/');
unlike($sc, qr/;\s*Secure/i, 'no Secure flag when configured secure=off');
unlike($sc, qr/;\s*Domain=/i, 'host-only cookie by default');
like($cookie // '', qr/^[A-Za-z0-9_-]+$/, 'cookie value is base64url');

$r = $t->get('/headers', cookie => $cookie);
is($r->status, 200, 'the session opens the legacy app');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'active account after code login');
like($r->body, qr/^X-Extranet-Login: code$/m, 'login method code');

# next= is followed when it is a same-origin path, ignored otherwise.
(undef, $res) = $t->login('030000100001', 'tilleuls-0001', next => '/documents?annee=2024');
is($res->location_path, '/documents?annee=2024', 'next= path followed');
for my $evil ('https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)') {
    (undef, $res) = $t->login('030000100001', 'tilleuls-0001', next => $evil);
    is($res->status, 303, "login with next=$evil still succeeds");
    my $loc = $res->header('location') // '';
    $loc =~ s{^http://127\.0\.0\.1:\d+}{};
    like($loc, qr{^/(?![/\\])}, "next=$evil is not followed off-site");
}

# --- failures: one status, one message, same page ----------------------------

my %fail;
for my $case (['030000100001', 'wrong-password-1', 'known code, wrong password'],
              ['039999999999', 'tilleuls-0001',    'unknown code'],
              ['nobody@example.org', 'whatever-12345', 'unknown e-mail']) {
    my ($login, $password, $name) = @$case;
    my ($c, $rr) = $t->login($login, $password);
    is($rr->status, 401, "$name: 401");
    ok(!defined $c, "$name: no session cookie");
    like($rr->text, qr/Identifiant ou mot de passe incorrect\./, "$name: generic message");
    my $page = $rr->body;
    $page =~ s/\Q$login\E/IDENTIFIER/g;
    $fail{$name} = $page;
}
is($fail{'unknown code'}, $fail{'known code, wrong password'},
   'unknown and known code answer the same page');
is($fail{'unknown e-mail'}, $fail{'known code, wrong password'},
   'unknown e-mail answers the same page');

($cookie, $res) = $t->login('', '');
ok($res->status >= 400 && $res->status < 500 && !defined $cookie, 'empty fields refused');

# --- JSON --------------------------------------------------------------------

$r = $t->post('/auth/login', json => { login => '030100200001', password => 'closfleuri-01' },
              headers => { Accept => 'application/json' });
is($r->status, 200, 'JSON login: 200') or diag($r->dump);
my $j = $r->json // {};
ok($j->{ok}, 'JSON login: ok true');
is($j->{account}, '030100200001', 'JSON login: account');
is($j->{login}, 'code', 'JSON login: login method');
is($j->{redirect}, '/', 'JSON login: redirect');
ok($r->cookie('extranet_session'), 'JSON login: Set-Cookie');

$r = $t->post('/auth/login', json => { login => '030100200001', password => 'nope-nope-nope' },
              headers => { Accept => 'application/json' });
is($r->status, 401, 'JSON failure: 401');
$j = $r->json // {};
ok($j->{error}, 'JSON failure: error code');
is($j->{message}, 'Identifiant ou mot de passe incorrect.', 'JSON failure: French message');

# A form post asking for JSON answers JSON too.
$r = $t->post('/auth/login', form => [login => '040000300001', password => 'monceau-0001'],
              headers => { Accept => 'application/json' });
is($r->status, 200, 'form body with Accept JSON: 200');
is(($r->json // {})->{account}, '040000300001', 'form body with Accept JSON: account');

# --- Origin / Referer ---------------------------------------------------------

(undef, $res) = $t->login('030000100001', 'tilleuls-0001',
                          headers => { Origin => 'http://evil.example' });
is($res->status, 403, 'login POST from another origin: 403');
ok(!$res->cookie('extranet_session'), 'no cookie for a cross-origin login');
(undef, $res) = $t->login('030000100001', 'tilleuls-0001',
                          headers => { Referer => 'http://evil.example/page' });
is($res->status, 403, 'login POST with a foreign Referer: 403');
(undef, $res) = $t->login('030000100001', 'tilleuls-0001',
                          headers => { Origin => $t->origin });
is($res->status, 303, 'login POST from its own origin: 303');
my $mark = $t->audit_mark;
(undef, $res) = $t->login('030000100001', 'tilleuls-0001', no_origin => 1,
                          headers => { Accept => 'application/json' });
is($res->status, 403, 'login POST with neither Origin nor Referer: 403');
is(($res->json // {})->{error}, 'origin', '... error origin');
ok(!$res->cookie('extranet_session'), '... no cookie');
is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE id > $mark AND event = 'login'"),
   0, '... no login recorded');
(undef, $res) = $t->login('030000100001', 'tilleuls-0001',
                          headers => { Referer => $t->origin . '/auth/login' });
is($res->status, 303, 'login POST with a same-origin Referer only: 303');

# --- e-mail login --------------------------------------------------------------

my $email = 'marie.dupont@example.org';
my ($id, $hash) = $t->add_identity($email, 'Marie-mot-de-passe-2024',
                                    last_name => 'Dupont', first_name => 'Marie',
                                    accounts => ['030000100002', '030100200001'],
                                    default_account => '030100200001');
ok($id, "identity $id created by SQL");

($cookie, $res) = $t->login($email, 'Marie-mot-de-passe-2024');
is($res->status, 303, 'e-mail login: 303') or diag($res->dump);
ok($cookie, 'e-mail login: session cookie');

$r = $t->get('/headers', cookie => $cookie);
is($r->status, 200, 'e-mail session opens the legacy app');
like($r->body, qr/^X-Extranet-Account: 030100200001$/m, 'the default account is active');
like($r->body, qr/^X-Extranet-Syndic: 0301$/m, 'its syndic');
like($r->body, qr/^X-Extranet-Login: email$/m, 'login method email');
like($r->body, qr/^X-Extranet-Email: \Q$email\E$/m, 'e-mail header');
like($r->body, qr/^X-Extranet-Identity: $id$/m, 'identity header');
my ($accounts) = $r->body =~ /^X-Extranet-Accounts: (.*)$/m;
is(join(',', sort split /,/, $accounts // ''), '030000100002,030100200001', 'linked accounts');

# The outdated hash (PBKDF2, 1000 iterations) was replaced by the current
# scheme (scrypt by default) at this login.
my $new_hash = '';
for (1 .. 20) {
    $new_hash = $t->psql_value("SELECT password_hash FROM extranet.identity WHERE id = $id") // '';
    last if $new_hash ne $hash;
    select(undef, undef, undef, 0.1);
}
like($new_hash, qr/^\$scrypt\$ln=\d+,r=8,p=\d+\$/, 'outdated hash re-hashed to scrypt at login');

($cookie) = $t->login($email, 'Marie-mot-de-passe-2024');
ok($cookie, 'e-mail login still works with the re-hashed password');

($cookie) = $t->login('Marie.Dupont@Example.ORG', 'Marie-mot-de-passe-2024');
ok($cookie, 'e-mail login is case-insensitive');

($cookie, $res) = $t->login($email, 'Marie-mauvais-mot-de-passe');
is($res->status, 401, 'e-mail, wrong password: 401');
ok(!$cookie, 'e-mail, wrong password: no cookie');
(my $page = $res->body) =~ s/\Q$email\E/IDENTIFIER/g;
is($page, $fail{'known code, wrong password'}, 'known e-mail, wrong password: same page');

# A linked account's numeric code no longer logs in (legacy_login unlinked).
$r = $t->post('/auth/login', form => [login => '030000100002', password => 'tilleuls-0002'],
              headers => { Accept => 'application/json' });
is($r->status, 403, "linked account's code: 403");
is(($r->json // {})->{error}, 'use_email', "linked account's code: use_email");
ok(!$r->cookie('extranet_session'), "linked account's code: no cookie");

$t->error_log_ok;

# --- default cookie settings: Secure -------------------------------------------

my $t2 = Extranet::Test->new(cookie_name => '__Host-extranet_session');
$t2->run($t2->standard_config(cookie => ''));
($cookie, $res) = $t2->login('040000300001', 'monceau-0001');
is($res->status, 303, 'default cookie settings: login 303');
$sc = $res->set_cookie('__Host-extranet_session') // '';
like($sc, qr/;\s*Secure/i, 'default cookie settings: Secure');
like($sc, qr/;\s*HttpOnly/i, 'default cookie settings: HttpOnly');
like($sc, qr/;\s*SameSite=Lax/i, 'default cookie settings: SameSite=Lax');
$t2->error_log_ok;

# --- renamed cookie -----------------------------------------------------------

my $t3 = Extranet::Test->new(cookie_name => 'copro');
$t3->run($t3->standard_config(cookie => 'name=copro secure=off'));
($cookie, $res) = $t3->login('040000300001', 'monceau-0001');
ok($cookie, 'renamed cookie: set under its new name');
ok(!$res->set_cookie('extranet_session'), 'renamed cookie: not under the default name');
is($t3->get('/headers', cookie => $cookie)->status, 200, 'renamed cookie: accepted');
$t3->error_log_ok;

done_testing;
