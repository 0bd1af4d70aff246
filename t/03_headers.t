#!/usr/bin/perl
# What the legacy app receives: the X-Extranet-* headers of the session and
# nothing a client sent under that prefix; never the session cookie; and
# what an unauthenticated request gets instead.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $with_vars = $t->standard_config(
    http => 'log_format extranet "$request_uri account=$extranet_account syndic=$extranet_syndic'
          . ' method=$extranet_login_method accounts=$extranet_accounts";',
    location => 'access_log %%TESTDIR%%/extranet.log extranet;');
# Unknown variables would fail nginx -t: then run without them (one failure
# below) rather than lose every other check of this file.
my ($vars_ok, $vars_out) = $t->config_test($with_vars);
$t->run($vars_ok ? $with_vars : $t->standard_config);

sub header_lines {
    my ($body) = @_;
    return [grep { length } split /\n/, $body];
}

# --- a numeric-code session ---------------------------------------------------

my $code = $t->login('030000100001', 'tilleuls-0001');
ok($code, 'code login');

my $r = $t->get('/headers', cookie => $code);
is($r->status, 200, '/headers with a code session');
my $h = header_lines($r->body);
is((grep { /^X-Extranet-Account: 030000100001$/ } @$h), 1, 'Account, once');
is((grep { /^X-Extranet-Syndic: 0300$/ } @$h), 1, 'Syndic');
is((grep { /^X-Extranet-Login: code$/ } @$h), 1, 'Login: code');
my ($accounts) = map { /^X-Extranet-Accounts: (.*)$/ ? $1 : () } @$h;
ok(defined $accounts, 'Accounts present');
ok(!grep({ /^X-Extranet-Email:/i } @$h), 'no Email header for a code session');
ok(!grep({ /^X-Extranet-Identity:/i } @$h), 'no Identity header for a code session');

# Client-sent copies are removed, whatever their case or name.
$r = $t->get('/headers?spoof=1', cookie => $code, headers => [
    ['X-Extranet-Account', '040000300001'],
    ['x-extranet-syndic', '0400'],
    ['X-EXTRANET-EMAIL', 'boss@example.org'],
    ['X-Extranet-Identity', '1'],
    ['X-Extranet-Foo', 'bar'],
    ['X-Extranet-Account', '999999999999'],
]);
is($r->status, 200, '/headers with spoofed headers');
$h = header_lines($r->body);
is((grep { /^X-Extranet-Account:/i } @$h), 1, 'exactly one Account header');
is((grep { /^X-Extranet-Account: 030000100001$/ } @$h), 1, 'spoofed Account replaced');
is((grep { /^X-Extranet-Syndic: 0300$/ } @$h), 1, 'spoofed Syndic replaced');
ok(!grep({ /^X-Extranet-Email:/i } @$h), 'spoofed Email removed');
ok(!grep({ /^X-Extranet-Identity:/i } @$h), 'spoofed Identity removed');
ok(!grep({ /^X-Extranet-Foo:/i } @$h), 'unknown X-Extranet-Foo removed');
ok(!grep({ /040000300001|999999999999|boss\@/ } @$h), 'no spoofed value reaches the app');

# The variables, for logs and custom upstream parameters.
ok($vars_ok, 'nginx -t knows the $extranet_* variables') or diag($vars_out);
my $log = '';
for (1 .. 20) {
    $log = $t->read_file('extranet.log');
    last if $log =~ /spoof=1/;
    select(undef, undef, undef, 0.1);
}
like($log, qr{^/headers\?spoof=1 account=030000100001 syndic=0300 method=code accounts=\S+$}m,
     '$extranet_* variables');

# --- an e-mail session ----------------------------------------------------------

my $email = 'jean.martin@example.org';
my $id = $t->add_identity($email, 'Jean-mot-de-passe-2024', accounts => ['030100200001']);
my $mail = $t->login($email, 'Jean-mot-de-passe-2024');
ok($mail, 'e-mail login');
$r = $t->get('/headers', cookie => $mail, headers => { 'X-Extranet-Email' => 'evil@example.org' });
$h = header_lines($r->body);
is_deeply([grep { /^X-Extranet-Email:/i } @$h], ["X-Extranet-Email: $email"], 'Email header (spoof replaced)');
is_deeply([grep { /^X-Extranet-Identity:/i } @$h], ["X-Extranet-Identity: $id"], 'Identity header');
is((grep { /^X-Extranet-Login: email$/ } @$h), 1, 'Login: email');
is((grep { /^X-Extranet-Accounts: 030100200001$/ } @$h), 1, 'Accounts: the linked account');

# --- the session cookie is not forwarded ------------------------------------------

$r = $t->get('/cookies', headers => { Cookie => "theme=sombre; extranet_session=$code; lang=fr" });
is($r->status, 200, '/cookies with the session among other cookies');
like($r->body, qr/theme=sombre/, 'other cookies reach the app (theme)');
like($r->body, qr/lang=fr/, 'other cookies reach the app (lang)');
unlike($r->body, qr/extranet_session/, 'the session cookie does not reach the app');
unlike($r->body, qr/\Q$code\E/, 'nor its value');

$r = $t->get('/cookies', cookie => $code);
is($r->status, 200, '/cookies with the session cookie alone');
unlike($r->body, qr/extranet_session/, 'alone: the session cookie does not reach the app');

# --- unauthenticated requests ------------------------------------------------------

$r = $t->get('/documents/appel-de-fonds.pdf?annee=2024&trimestre=2');
is($r->status, 302, 'no cookie, GET: 302');
is($r->location_path, '/auth/login?next=%2Fdocuments%2Fappel-de-fonds.pdf%3Fannee%3D2024%26trimestre%3D2',
   'redirect to login with next= the url-encoded path and query');

$r = $t->http(HEAD => '/headers');
is($r->status, 302, 'no cookie, HEAD: 302');

$r = $t->get('/headers', headers => { Accept => 'application/json' });
is($r->status, 401, 'no cookie, Accept JSON: 401');
my $j = $r->json // {};
is($j->{error}, 'unauthenticated', '401 JSON: error');
is($j->{login}, '/auth/login', '401 JSON: login');

$r = $t->post('/headers', body => 'a=1', headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
is($r->status, 401, 'no cookie, POST: 401');
is(($r->json // {})->{error}, 'unauthenticated', 'POST 401 is JSON');

$r = $t->get('/headers', cookie => 'not-a-session');
is($r->status, 302, 'garbage cookie: 302');

# Spoofed headers on an unauthenticated request never reach the app.
$r = $t->get('/headers?probe=unauth-spoof', headers => { 'X-Extranet-Account' => '030000100001' });
is($r->status, 302, 'unauthenticated spoof: 302');
select(undef, undef, undef, 0.3);
unlike($t->read_file('legacy_access.log'), qr/unauth-spoof/, 'unauthenticated request never reached the app');
like($t->read_file('legacy_access.log'), qr/spoof=1/, '(the legacy access log does record proxied requests)');

# The portal itself is not protected.
is($t->get('/auth/login')->status, 200, 'the login page needs no session');

$t->error_log_ok;

done_testing;
