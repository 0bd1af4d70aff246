#!/usr/bin/perl
# "auth_extranet on" at the server level: every location is protected but
# the portal's own, which stays reachable (no redirect loop to the login).

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    server => 'auth_extranet on; location /other/ { proxy_pass http://127.0.0.1:%%LEGACY_PORT%%/; }'));

my $r = $t->get('/auth/login');
is($r->status, 200, 'the login page is reachable under a server-wide auth_extranet on');
like($r->text, qr/Accédez à votre compte/, 'and is the login page');
is($t->get('/auth/style.css')->status, 200, 'so is its stylesheet');

$r = $t->get('/other/headers');
is($r->status, 302, 'an inheriting location is protected');
like($r->header('location') // '', qr{/auth/login\?next=%2Fother%2Fheaders$},
     'and sends to the login page with next');

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'login through the portal');
$r = $t->get('/other/headers', cookie => $cookie);
is($r->status, 200, 'the inheriting location passes with a session');
like($r->text, qr/^X-Extranet-Account: 030000100001$/m, 'with the headers');

$t->error_log_ok;

done_testing;
