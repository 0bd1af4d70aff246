#!/usr/bin/perl
# Portal pages send a Content-Security-Policy without 'unsafe-inline' for
# scripts (pages hold no inline script, handler or style), and
# "Cache-Control: no-store" on every page that shows personal data; only
# the static style.css and menu.js may be cached.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

$t->add_identity('claire@example.org', 'Claire-mot-de-passe', accounts => ['030000100001']);
my $email = $t->login('claire@example.org', 'Claire-mot-de-passe');
my $code = $t->login('030000100002', 'tilleuls-0002');
ok($email && $code, 'two sessions');
my $json = { Accept => 'application/json' };

my @pages = (
    ['/auth/login', undef], ['/auth/password/forgot', undef], ['/auth/accounts', $email],
    ['/auth/manage', $email], ['/auth/link', $code], ['/auth/api/me', $email],
    ['/auth/nowhere', $email],
);
for my $p (@pages) {
    my ($path, $cookie) = @$p;
    my $r = $t->get($path, defined $cookie ? (cookie => $cookie) : (),
                    $path =~ /api/ ? (headers => $json) : ());
    my $csp = $r->header('content-security-policy') // '';
    like($csp, qr/(?:^|;\s*)script-src 'self'(?:;|$)/, "$path: scripts from the site only");
    unlike($csp, qr/unsafe-inline|unsafe-eval/, "$path: no unsafe-inline");
    like($csp, qr/frame-ancestors 'none'/, "$path: not framed");
    is($r->header('cache-control'), 'no-store', "$path: Cache-Control: no-store");
    unlike($r->body, qr/<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|\sstyle\s*=|<style/i,
           "$path: no inline script, handler or style");
}
for my $static ('/auth/style.css', '/auth/menu.js') {
    my $r = $t->get($static);
    is($r->status, 200, "$static: 200");
    like($r->header('cache-control') // '', qr/max-age/, "$static: may be cached (no personal data)");
}

$t->error_log_ok;

done_testing;
