#!/usr/bin/perl
# auth_extranet_login_fields: the legacy login form, unchanged, posts its own
# field names to the portal.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(portal => 'auth_extranet_login_fields num_compte mot_de_passe;'));

my $r = $t->get('/auth/login');
is($r->status, 200, 'login page');
like($r->text, qr/name="num_compte"/, 'the identifier field carries the legacy name');
like($r->text, qr/name="mot_de_passe"/, 'so does the password field');
unlike($r->text, qr/name="login"/, 'the default name is gone');

$r = $t->post('/auth/login', form => [num_compte => '030000100001', mot_de_passe => 'tilleuls-0001',
                                      next => '/headers']);
is($r->status, 303, 'the legacy form logs in');
is($r->location_path, '/headers', 'and goes where it asked');
my $cookie = $r->cookie('extranet_session');
ok($cookie, 'with a session cookie');
like($t->get('/headers', cookie => $cookie)->text, qr/^X-Extranet-Account: 030000100001$/m,
     'the session reaches the legacy app');

$r = $t->post('/auth/login', form => [num_compte => '030000100001', mot_de_passe => 'wrong']);
is($r->status, 401, 'a wrong legacy password is refused');
like($r->text, qr/Identifiant ou mot de passe incorrect\./, 'with the generic message');

$r = $t->post('/auth/login', form => [login => '030000100001', password => 'tilleuls-0001']);
is($r->status, 401, 'the default field names no longer log in there');

$t->config_fails_like($t->standard_config(portal => 'auth_extranet_login_fields "a b" pass;'),
                      qr/invalid field name "a b"/, 'a field name with a space is refused');

$t->error_log_ok;

done_testing;
