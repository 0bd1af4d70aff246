#!/usr/bin/perl
# Answers to a session are the owner's alone; a browser's form that finds
# its session ended gets a page to read.
#
# 1. A legacy page answered to a session kept the upstream's caching:
#    "Cache-Control: public, max-age=600" (or none at all) reached any
#    shared cache in front (corporate proxy, CDN), which could hand owner
#    A's page to the next client. Only an answer with a refreshed cookie
#    was made "private, no-store". Now every answer to a request that
#    passed with a session in a protected location is private for shared
#    caches, keeping what the owner's browser may still use (max-age,
#    no-cache, must-revalidate); "private" or "no-store" answers stay as
#    they are; answers without a session and unprotected locations are
#    left alone.
#
# 2. A browser's form POST after the session expired got 401 with a raw
#    JSON body. A POST whose Accept prefers HTML now gets a 401 page in
#    French (the portal's security headers) with a link to log in again,
#    next= the page the form was on; JSON clients and scripts keep JSON.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $legacy = <<'EOS';
        location = /cc/public {
            add_header Cache-Control "public, max-age=600";
            return 200 "Relevé de charges du compte $http_x_extranet_account\n";
        }
        location = /cc/none {
            return 200 "Relevé du compte $http_x_extranet_account\n";
        }
        location = /cc/shared {
            add_header Cache-Control "s-maxage=300, max-age=60, Must-Revalidate, proxy-revalidate";
            return 200 "partagé\n";
        }
        location = /cc/two {
            add_header Cache-Control "public";
            add_header Cache-Control 'no-cache="Set-Cookie, X-Foo", max-age=5';
            return 200 "deux lignes\n";
        }
        location = /cc/private {
            add_header Cache-Control "private, max-age=60";
            return 200 "déjà privé\n";
        }
        location = /cc/nostore {
            add_header Cache-Control "public, no-store";
            return 200 "jamais gardé\n";
        }
        location = /cc/qualified {
            add_header Cache-Control 'private="Set-Cookie", max-age=30';
            return 200 "privé pour un champ seulement\n";
        }
        location = /cc/expires {
            expires 1h;
            return 200 "expire dans une heure\n";
        }
EOS
my $server = <<'EOS';
        location /open/ {
            proxy_pass http://127.0.0.1:%%LEGACY_PORT%%/cc/;
        }
        location /any/ {
            auth_extranet on;
            satisfy any;
            allow 127.0.0.1;
            deny all;
            proxy_pass http://127.0.0.1:%%LEGACY_PORT%%/cc/;
        }
        location /exp/ {
            auth_extranet on;
            expires 1h;
            proxy_pass http://127.0.0.1:%%LEGACY_PORT%%/cc/;
        }
        location /copro/ {
            auth_extranet on;
            proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;
        }
EOS
my $conf = $t->standard_config(http => 'auth_extranet_session_timeout idle=1h absolute=2h refresh=8s;',
                               server => $server);
$conf =~ s/(\n        location = \/headers \{)/\n$legacy$1/ or die 'no legacy server';
$t->run($conf);

sub cc { join(' | ', $_[0]->headers('cache-control')) }

# --- answers to a session --------------------------------------------------------

# a login on a busy machine may take seconds: its cookie is refreshed first
my $c = $t->login('030000100001', 'tilleuls-0001');
my $r = $t->get('/cc/none', cookie => $c);
$c = $r->cookie('extranet_session') // $c;

$r = $t->get('/cc/public', cookie => $c);
is($r->status, 200, 'the owner sees her statement');
like($r->text, qr/030000100001/, 'her account');
ok(!defined $r->cookie('extranet_session'), 'no refresh due: no cookie') or diag(join ' / ', $r->headers('set-cookie'));
is(cc($r), 'private, max-age=600', '"public, max-age=600" becomes "private, max-age=600"');

$r = $t->get('/cc/none', cookie => $c);
is(cc($r), 'private', 'no Cache-Control: "private"');

$r = $t->get('/cc/shared', cookie => $c);
is(cc($r), 'private, max-age=60, Must-Revalidate',
   's-maxage and proxy-revalidate go, max-age and must-revalidate stay');

$r = $t->get('/cc/two', cookie => $c);
is(cc($r), 'private, no-cache="Set-Cookie, X-Foo", max-age=5',
   'two lines become one private line (a quoted comma separates nothing)');

$r = $t->get('/cc/private', cookie => $c);
is(cc($r), 'private, max-age=60', 'already private: left as it is');

$r = $t->get('/cc/nostore', cookie => $c);
is(cc($r), 'public, no-store', 'no-store: left as it is');

$r = $t->get('/cc/qualified', cookie => $c);
is(cc($r), 'private, max-age=30', 'private="Set-Cookie" covers one field only: made private');

$r = $t->get('/cc/expires', cookie => $c);
is(cc($r), 'private, max-age=3600', 'the upstream\'s "expires 1h" becomes private');
is(scalar(() = $r->headers('expires')), 1, 'its Expires stays (for the browser\'s own cache)');

$r = $t->http(HEAD => '/cc/public', cookie => $c);
is(cc($r), 'private, max-age=600', 'HEAD: private too');

$r = $t->get('/exp/public', cookie => $c);
ok((grep { $_ eq 'private, max-age=600' } $r->headers('cache-control')),
   'nginx\'s "expires" in the protected location adds its line beside ours: ' . cc($r));
unlike(cc($r), qr/public/, 'never public');

$r = $t->get('/any/public', cookie => $c);
is(cc($r), 'private, max-age=600', 'satisfy any, with a session: private');

# --- answers without a session, unprotected locations: left alone -----------------

$r = $t->get('/any/public');
is($r->status, 200, 'satisfy any: the address lets a request without a session in');
is(cc($r), 'public, max-age=600', 'without a session: left alone');

$r = $t->get('/open/public', cookie => $c);
is($r->status, 200, 'an unprotected location');
is(cc($r), 'public, max-age=600', 'not protected: left alone, cookie or not');

$r = $t->get('/auth/style.css');
like(cc($r), qr/^public, max-age=/, 'the portal\'s static files keep their caching');

# --- a refreshed cookie: private, no-store ----------------------------------------------

sleep 9;
$r = $t->get('/cc/public', cookie => $c);
ok(defined $r->cookie('extranet_session'), 'a refresh was due: the answer carries the cookie');
is(cc($r), 'private, no-store', 'then it is private, no-store');

$t->error_log_ok;

# --- a browser's form after the session ended --------------------------------------------

$conf =~ s/idle=1h absolute=2h refresh=8s/idle=2s absolute=1h refresh=1s/ or die;
$t->run($conf);
$c = $t->login('030000100001', 'tilleuls-0001');
my $csp = $t->get('/auth/login')->header('content-security-policy');
ok($csp, 'the portal\'s policy');
sleep 3;

my $browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
my @message = (message => "Bonjour, la fuite d'eau du lot 12...");

$r = $t->post('/contact/syndic', cookie => $c, form => [@message],
              headers => { Accept => $browser, Origin => $t->origin,
                           Referer => $t->origin . '/contact/syndic?lot=12' });
is($r->status, 401, 'expired session, a browser\'s form: 401');
is($r->header('content-type'), 'text/html; charset=utf-8', 'an HTML page');
like($r->text, qr/Votre session a pris fin/, 'in French: the session ended');
like($r->text, qr/n'a pas été enregistré|n&#39;a pas été enregistré/, 'what was sent is not saved');
like($r->text, qr{<a href="/auth/login\?next=%2Fcontact%2Fsyndic%3Flot%3D12">Se reconnecter</a>},
     'a link to log in again and come back to the form\'s page');
unlike($r->text, qr/"error"\s*:/, 'no JSON');
unlike($r->text, qr/<script(?![^>]*\ssrc=)/i, 'no inline script');
is($r->header('content-security-policy'), $csp, 'the portal\'s Content-Security-Policy');
is(cc($r), 'no-store', 'kept by no cache');
is($r->header('x-frame-options'), 'DENY', 'not framed');
is($r->header('content-length'), length($r->body), 'its length');
is($r->header('location'), undef, 'no redirect');
unlike($t->read_file('legacy_access.log'), qr{POST /contact/syndic}, 'the legacy app got nothing');

$r = $t->post('/contact/syndic', cookie => $c, form => [@message],
              headers => { Accept => $browser, Origin => $t->origin,
                           Referer => 'http://evil.example/contact/syndic' });
is($r->status, 401, 'a Referer of another site: 401 page');
like($r->text, qr{href="/auth/login\?next=%2F"}, 'back to the protected location\'s root');

$r = $t->post('/copro/contact', cookie => $c, form => [@message],
              headers => { Accept => $browser, Origin => $t->origin });
is($r->status, 401, 'no Referer: 401 page');
like($r->text, qr{href="/auth/login\?next=%2Fcopro%2F"}, 'back to its location\'s root');

$r = $t->post('/copro/contact', cookie => $c, form => [@message],
              headers => { Accept => $browser, Origin => $t->origin,
                           Referer => $t->origin . '//evil.example/x' });
like($r->text, qr{href="/auth/login\?next=%2Fcopro%2F"}, 'a path that is not one of this site: the root');

$r = $t->post('/contact/syndic', form => [@message],
              headers => { Accept => $browser, Origin => $t->origin,
                           Referer => $t->origin . '/contact/syndic' });
is($r->status, 401, 'no cookie at all: the same page');
like($r->header('content-type') // '', qr{^text/html}, 'HTML');

# --- JSON stays for clients that ask for it, and for scripts ------------------------------

for my $accept ('application/json', 'application/json, text/html', '*/*', undef,
                'text/html;q=0.1, application/xml') {
    my %h = (Origin => $t->origin, Referer => $t->origin . '/contact/syndic');
    $h{Accept} = $accept if defined $accept;
    $r = $t->post('/contact/syndic', cookie => $c, form => [@message], headers => \%h);
    my $name = 'Accept: ' . ($accept // '(none)');
    is($r->status, 401, "$name: 401");
    like($r->header('content-type') // '', qr{^application/json}, "$name: JSON");
    is(($r->json // {})->{error}, 'unauthenticated', "$name: the JSON error");
}

$r = $t->get('/contact/syndic', cookie => $c, headers => { Accept => $browser });
is($r->status, 302, 'a page view: still to the login page');
is($r->location_path, '/auth/login?next=%2Fcontact%2Fsyndic', 'next= the page');

$t->error_log_ok;

done_testing;
