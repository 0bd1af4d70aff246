#!/usr/bin/perl
# The session cookie belongs to one host and one site.
#
# A sibling subdomain can toss a cookie of the session's name ("Domain=" the
# parent): sent before the owner's, it logged her in as whoever tossed it.
# The default name takes the "__Host-" prefix when the cookie is Secure
# without a Domain (browsers refuse a tossed cookie of such a name); a
# cookie of the bare name is neither read nor given to the upstream.
#
# Two sites sharing a key and a database took each other's cookies, each
# with its own policies: a code session of a linked account, opened where
# "auth_extranet_legacy_login all", passed where it is "unlinked". A cookie
# is now sealed for its site; one sealed before (unbound) is re-checked at
# once under the site's own policy and re-sealed for it.

use strict;
use warnings;
use Test::More;
use MIME::Base64 qw(encode_base64url decode_base64url);
use Digest::SHA qw(sha256 hmac_sha256);
use lib 't/lib';
use Extranet::Test;

# --- the "__Host-" prefix ------------------------------------------------------

my $host = '__Host-extranet_session';
my $t = Extranet::Test->new(cookie_name => $host);
$t->run($t->standard_config(cookie => ''));   # defaults: Secure, no Domain

my ($victim, $res) = $t->login('030000100001', 'tilleuls-0001');
ok($victim, 'default cookie settings: the session is set as ' . $host);
my $sc = $res->set_cookie($host) // '';
like($sc, qr/;\s*Path=\/(;|$)/, 'Path=/');
like($sc, qr/;\s*Secure/, 'Secure');
unlike($sc, qr/Domain=/i, 'no Domain');
ok(!$res->set_cookie('extranet_session'), 'nothing under the bare name');

# The attacker's own valid session, as a sibling subdomain tosses it: under
# the bare name only (a browser refuses "__Host-" with a Domain).
my $attacker = $t->login('040000300001', 'monceau-0001');
ok($attacker, 'another session (the one tossed)');

my $r = $t->get('/headers', headers => [['Cookie', "extranet_session=$attacker; $host=$victim"]]);
is($r->status, 200, 'a tossed cookie first: the owner passes');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'as herself, not as the tosser');

$r = $t->get('/headers', headers => [['Cookie', "extranet_session=$attacker"]]);
is($r->status, 302, 'a tossed cookie alone logs no one in');

$r = $t->get('/cookies', headers => [['Cookie',
    "extranet_session=$attacker; theme=sombre; extranet%5Fsession=$attacker; $host=$victim"]]);
is($r->status, 200, 'passes');
unlike($r->body, qr/\Q$victim\E/, 'the session token does not reach the upstream');
unlike($r->body, qr/\Q$attacker\E/, 'nor a copy under the bare name');
like($r->body, qr/^Cookie: theme=sombre$/m, 'the other cookies do');

$r = $t->post('/auth/passkey/login/options', json => {}, headers => { Origin => $t->origin });
like($r->set_cookie("${host}_passkey") // '', qr/;\s*Path=\/;.*Secure/,
     'the passkey binding cookie takes the prefix too');
$t->error_log_ok;

# An explicit name is kept; the prefix's rules are checked by nginx -t.
$t->config_ok($t->standard_config(cookie => 'name=copro secure=on'), 'an explicit name is kept');
$t->config_fails_like($t->standard_config(cookie => 'name=__Host-copro domain=example.org'),
                      [qr/__Host-.*secure=on.*no "domain="/], '"__Host-" with a Domain: refused');
$t->config_fails_like($t->standard_config(cookie => 'name=__Host-copro secure=off'),
                      [qr/__Host-/], '"__Host-" without Secure: refused');
$t->config_fails_like($t->standard_config(cookie => 'name=__Secure-copro secure=off'),
                      [qr/__Secure-.*secure=on/], '"__Secure-" without Secure: refused');

my $t2 = Extranet::Test->new;
$t2->run($t2->standard_config(cookie => 'domain=example.org'));
(undef, $res) = $t2->login('030000100001', 'tilleuls-0001');
like($res->set_cookie('extranet_session') // '', qr/Domain=example\.org/,
     'with a Domain the prefix cannot apply: the bare name');
$t2->error_log_ok;

# --- one site's cookie is not another's ------------------------------------------

# Two sites, one key, one database, their own policies: localhost lets a
# linked account in with its code, b.test does not.
my $t3 = Extranet::Test->new;
my $conf = $t3->standard_config(http => 'auth_extranet_legacy_login all;');
my $site_b = <<'EOS';
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name b.test;
        auth_extranet_site_url http://b.test;
        auth_extranet_legacy_login unlinked;
        location /auth/ { auth_extranet_portal; }
        location / { auth_extranet on; proxy_pass http://127.0.0.1:%%LEGACY_PORT%%; }
    }
EOS
$conf =~ s/(\n    js_import)/\n$site_b$1/;
$t3->run($conf);
my %b = (headers => { Host => 'b.test' });

$t3->add_identity('proprio@example.org', 'un mot de passe assez long', accounts => ['030000100002']);
my $linked = $t3->login('030000100002', 'tilleuls-0002');
ok($linked, 'site A: a linked account logs in with its code (legacy_login all)');
my (undef, $rb) = $t3->login('030000100002', 'tilleuls-0002', %b);
is($rb->status, 403, 'site B refuses that login (legacy_login unlinked)');

$r = $t3->get('/headers', cookie => $linked, %b);
is($r->status, 302, "site A's cookie is refused by site B");

my $cookie_b = $t3->login('030000100001', 'tilleuls-0001', %b);
ok($cookie_b, 'site B: an unlinked account logs in');
is($t3->get('/headers', cookie => $cookie_b, %b)->status, 200, 'its cookie passes on B');
is($t3->get('/headers', cookie => $cookie_b)->status, 302, 'and is refused by site A');

# --- cookies sealed before the upgrade ----------------------------------------------

# The cookie of before: version 1, its MAC keyed with the secret itself.
sub unbound {
    my ($token, $secret) = @_;
    my $data = decode_base64url($token);
    my $body = substr($data, 5, length($data) - 5 - 32);
    my $v1 = "\x01" . substr(sha256($secret), 0, 4) . $body;
    return encode_base64url($v1 . hmac_sha256($v1, $secret));
}

my $old_b = unbound($cookie_b, $t3->secret);
$r = $t3->get('/headers', cookie => $old_b, %b);
is($r->status, 200, 'a cookie sealed before the upgrade keeps working on its site');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'as its session');
my $resealed = $r->cookie('extranet_session') // '';
ok($resealed ne '', 're-sealed at once');
is(ord(decode_base64url($resealed)), 2, 'bound to the site now');
is($t3->get('/headers', cookie => $resealed)->status, 302, 'which site A refuses');

my $old_linked = unbound($linked, $t3->secret);
$r = $t3->get('/headers', cookie => $old_linked, %b);
is($r->status, 302, "an old cookie of A's policy is checked under B's at once: refused");

$t3->error_log_ok;

done_testing;
