#!/usr/bin/perl
# A reset link's token leaves the URL at its first load, and no page that
# holds it sends a Referer: the token was in every access_log line of the
# reset page (the form's own posts, reloads) and went out as Referer.
#
# An answer that carries a refreshed session cookie is never kept by a
# shared cache: the upstream's "Cache-Control: public" and "Expires" rode
# along with the owner's Set-Cookie.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $conf = $t->standard_config(http => 'auth_extranet_session_timeout idle=30m absolute=1h refresh=3s;');
$conf =~ s{(location = /cookies \{)}{location = /public {
            add_header Cache-Control "public, max-age=3600";
            add_header Expires "Thu, 01 Jan 2037 00:00:00 GMT";
            return 200 "page publique\\n";
        }
        $1};
$t->run($conf);

# --- the reset link -------------------------------------------------------------------

$t->add_identity('proprio@example.org', 'ancien mot de passe long', accounts => ['030000100001']);
my $r = $t->post('/auth/password/forgot', form => [login => 'proprio@example.org'],
                 headers => { Origin => $t->origin });
is($r->status, 200, 'reset requested');
my $token = $t->psql_value("SELECT substring(body from 'password/reset\\?token=([A-Za-z0-9_-]{43})')"
                         . " FROM extranet.mail_outbox ORDER BY id DESC LIMIT 1");
ok($token, 'the mail holds the link');

$r = $t->get("/auth/password/reset?token=$token");
is($r->status, 303, 'the link\'s first load: 303');
is($r->location_path, '/auth/password/reset', 'to the page without the token');
my $held = $r->set_cookie('extranet_session_reset') // '';
like($held, qr/^extranet_session_reset=\Q$token\E;/, 'the token in a cookie');
like($held, qr/Path=\/auth\/password\/reset;/, 'for the reset page only');
like($held, qr/HttpOnly/, 'HttpOnly');
like($held, qr/SameSite=Lax/, 'SameSite=Lax (the link comes from a webmail)');
like($held, qr/Max-Age=900;/, 'a quarter of an hour');
is($r->header('referrer-policy'), 'no-referrer', 'no Referer from that answer');

my $c = [['Cookie', "extranet_session_reset=$token"]];
$r = $t->get('/auth/password/reset', headers => $c);
is($r->status, 200, 'the page opens from the cookie');
like($r->text, qr/name="new_password"/, 'the new password form');
# Its URL holds no token; under "no-referrer" a browser would post the form
# with "Origin: null", which the origin check refuses.
is($r->header('referrer-policy'), 'same-origin', 'its own URL holds no token: same-origin');

$r = $t->get('/auth/password/reset');
is($r->status, 400, 'without the cookie: the link is no longer valid');

$r = $t->post('/auth/password/reset', headers => [@$c, ['Origin', $t->origin]],
              form => [new_password => 'nouveau mot de passe long',
                       password_confirm => 'nouveau mot de passe long']);
is($r->status, 303, 'the new password is set (the token from the cookie)');
like($r->location_path, qr{/auth/login\?reset=1$}, 'to the login page');
like($r->set_cookie('extranet_session_reset') // '', qr/Max-Age=0/, 'the cookie is cleared');
is($r->header('referrer-policy'), 'same-origin', 'to the login page, same-origin');

my $lines = () = $t->read_file('access.log') =~ /\Q$token\E/g;
is($lines, 1, 'the token is in the access log once: the link\'s first load');

# --- answers with a refreshed cookie ------------------------------------------------------

my $cookie = $t->login('030000100002', 'tilleuls-0002');
# a login on a busy machine may take longer than "refresh": its cookie is
# then refreshed at once
$r = $t->get('/cookies', cookie => $cookie);
$cookie = $r->cookie('extranet_session') // $cookie;
$r = $t->get('/public', cookie => $cookie);
is($r->status, 200, 'a public page of the upstream');
ok(!defined $r->cookie('extranet_session'), 'no refresh due: no cookie');
is(join(' | ', $r->headers('cache-control')), 'private, max-age=3600',
   'answered to a session: private for shared caches, its max-age kept');

sleep 4;    # the cookie is due for a refresh
$r = $t->get('/public', cookie => $cookie);
ok(defined $r->cookie('extranet_session'), 'refreshed: the answer carries the cookie');
is(join(' | ', $r->headers('cache-control')), 'private, no-store',
   'and is kept by no shared cache');
is(scalar(() = $r->headers('expires')), 0, 'the upstream\'s Expires is gone');

$t->error_log_ok;

# nginx's "expires" in the protected location runs after the module: it
# adds its own line, the answer stays no-store.
$conf =~ s/(sub_filter_once on;)/$1\n            expires 1h;/;
$t->run($conf);
$cookie = $t->login('030000100002', 'tilleuls-0002');
sleep 4;
$r = $t->get('/public', cookie => $cookie);
ok(defined $r->cookie('extranet_session'), 'with "expires 1h": refreshed');
ok((grep { $_ eq 'private, no-store' } $r->headers('cache-control')),
   'still private, no-store: ' . join(' | ', $r->headers('cache-control')));
unlike(join(',', $r->headers('cache-control')), qr/public/, 'never public');

$t->error_log_ok;

done_testing;
