#!/usr/bin/perl
# menu.js and style.css done right (issue 9, part 5): a strong ETag (hash
# of the content) and a 304 to a matching If-None-Match; a year of caching
# under the versioned URL the pages and the sub_filter snippet use
# (?v=$extranet_asset_version), five minutes under any other; compressed by
# nginx's gzip when the client accepts it, while the portal's pages and JSON
# answers (tokens next to reflected input) never are.

use strict;
use warnings;
use utf8;
use Test::More;
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    portal => 'gzip on; gzip_types text/css application/javascript; gzip_vary on;'));

my $gzip = { 'Accept-Encoding' => 'gzip, deflate' };

# --- the versioned URLs the pages and the snippet give ----------------------

my $login = $t->get('/auth/login');
my ($css_version) = $login->body =~ m{<link rel="stylesheet" href="/auth/style\.css\?v=([0-9a-f]+)">};
like($css_version // '', qr/^[0-9a-f]{16}$/, 'the pages link style.css?v=<16 hex digits>');

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'logged in with a code');
my $legacy = $t->get('/', cookie => $cookie);
is($legacy->status, 200, 'the legacy page');
my ($js_version) = $legacy->body =~ m{<script src="/auth/menu\.js\?v=([0-9a-f]+)" defer></script></body>};
is($js_version, $css_version, 'the snippet gives menu.js?v=$extranet_asset_version, the same version');
like($legacy->body, qr{<nav id="extranet-menu"[^>]*><a href="/auth/accounts">},
     'without JavaScript the snippet is a plain link to the accounts page');

for my $asset (['menu.js', qr{^application/javascript}], ['style.css', qr{^text/css}]) {
    my ($name, $type) = @$asset;
    my $path = "/auth/$name";

    # --- plain URL: validator, short caching ----------------------------
    my $r = $t->get($path);
    is($r->status, 200, "$name: 200");
    like($r->header('content-type') // '', $type, "$name: its type");
    my $etag = $r->header('etag') // '';
    like($etag, qr/^"[0-9a-f]{32}"$/, "$name: a strong ETag (hash of the content)");
    is($r->header('cache-control'), 'public, max-age=300', "$name: unversioned URL cached 5 minutes");
    ok(!defined $r->header('content-encoding'), "$name: not compressed without Accept-Encoding");
    my $plain = $r->body;
    ok(length $plain > 500, "$name: the body");

    # --- versioned URL: a year, immutable -------------------------------
    $r = $t->get("$path?v=$css_version");
    is($r->status, 200, "$name?v=<version>: 200");
    is($r->header('cache-control'), 'public, max-age=31536000, immutable',
       "$name?v=<version>: cached a year, immutable");
    is($r->header('etag'), $etag, "$name?v=<version>: the same ETag");
    is($r->body, $plain, "$name?v=<version>: the same body");

    $r = $t->get("$path?v=0000000000000000");
    is($r->header('cache-control'), 'public, max-age=300',
       "$name with an older version: the current content, cached 5 minutes only");

    # --- conditional requests: 304 ----------------------------------------
    $r = $t->get("$path?v=$css_version", headers => { 'If-None-Match' => $etag });
    is($r->status, 304, "$name: 304 to If-None-Match with its ETag");
    is($r->body, '', "$name: 304 without a body");
    is($r->header('etag'), $etag, "$name: the 304 repeats the ETag");
    $r = $t->get($path, headers => { 'If-None-Match' => "\"0123\", $etag" });
    is($r->status, 304, "$name: 304 when the ETag is in a list");
    $r = $t->get($path, headers => { 'If-None-Match' => '"0123456789abcdef0123456789abcdef"' });
    is($r->status, 200, "$name: 200 to another ETag");
    is($r->body, $plain, "$name: the whole body then");

    # --- compression ---------------------------------------------------------
    $r = $t->get("$path?v=$css_version", headers => $gzip);
    is($r->status, 200, "$name gzip: 200");
    is($r->header('content-encoding'), 'gzip', "$name: Content-Encoding gzip with Accept-Encoding");
    like($r->header('vary') // '', qr/Accept-Encoding/i, "$name: Vary: Accept-Encoding");
    ok(length $r->body < length $plain, "$name: smaller compressed ("
       . length($r->body) . ' < ' . length($plain) . ')');
    my $out;
    gunzip(\$r->body => \$out) or diag("gunzip: $GunzipError");
    is($out, $plain, "$name: gunzip gives the same content");
    my $weak = $r->header('etag') // '';
    like($weak, qr/^(?:W\/)?\Q$etag\E$/, "$name: compressed, the ETag (weakened by gzip)");
    $r = $t->get("$path?v=$css_version", headers => { %$gzip, 'If-None-Match' => $weak });
    is($r->status, 304, "$name: 304 to the compressed answer's ETag too");

    # --- HEAD -----------------------------------------------------------------
    $r = $t->http(HEAD => $path);
    is($r->status, 200, "$name: HEAD 200");
    is($r->header('etag'), $etag, "$name: HEAD has the ETag");
}

is($t->post('/auth/menu.js', body => '', headers => { Origin => $t->origin })->status, 405,
   'POST menu.js: 405');

# --- pages and JSON are never compressed (BREACH) ---------------------------

my $r = $t->get('/auth/login', headers => $gzip);
is($r->status, 200, 'login page with Accept-Encoding gzip');
ok(!defined $r->header('content-encoding'), 'a page is not compressed');
is($r->header('cache-control'), 'no-store', 'a page: no-store');
ok(!defined $r->header('etag'), 'a page: no ETag');
$r = $t->get('/auth/api/me', cookie => $cookie,
             headers => { %$gzip, Accept => 'application/json' });
is($r->status, 200, 'api/me');
ok(!defined $r->header('content-encoding'), 'JSON with the CSRF token is not compressed');

$t->error_log_ok;
done_testing;
