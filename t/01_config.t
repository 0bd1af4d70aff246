#!/usr/bin/perl
# nginx -t: the secret files are checked when the configuration is loaded,
# bad directive values are refused with a clear message, and a valid
# configuration starts and serves the login page.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;

# --- the secret files ------------------------------------------------------

$t->config_fails_like(
    $t->standard_config(secret_files => '%%TESTDIR%%/missing.key'),
    [qr/\[emerg\]/, qr/missing\.key/],
    'a missing secret file fails nginx -t, naming the file');

$t->write_file('short.key', 'x' x 31);
$t->config_fails_like(
    $t->standard_config(secret_files => '%%TESTDIR%%/short.key'),
    [qr/\[emerg\]/, qr/short\.key/, qr/32/],
    'a 31-byte secret file fails nginx -t, naming the file and the minimum');

$t->config_fails_like(
    $t->standard_config(secret_files => '%%SECRET%% %%TESTDIR%%/short.key'),
    [qr/\[emerg\]/, qr/short\.key/],
    'a short second (verify-only) secret file fails too');

$t->write_file('exact.key', 'k' x 32);
$t->config_ok($t->standard_config(secret_files => '%%TESTDIR%%/exact.key'),
              'a 32-byte secret file passes');

$t->write_file('old.key', Extranet::Test::random_bytes(64));
$t->config_ok($t->standard_config(secret_files => '%%SECRET%% %%TESTDIR%%/old.key'),
              'two secret files (rotation) pass');

# --- bad directive values --------------------------------------------------

my @bad = (
    ['auth_extranet_password_hash md5;',             qr/md5/,      'unknown password hash'],
    ['auth_extranet_legacy_login sometimes;',        qr/sometimes/, 'unknown legacy_login value'],
    ['auth_extranet_password_min_length abc;',       qr/abc|invalid/, 'non-numeric minimum length'],
    ['auth_extranet_session_timeout idle=forever;',  qr/forever|idle/, 'unparsable idle timeout'],
    ['auth_extranet_header_prefix "";',              qr/header_prefix|empty|invalid/i, 'empty header prefix'],
    ['auth_extranet_partners gimiweb 03A0;',         qr/03A0|syndic|invalid/i, 'non-numeric syndic code in a partner group'],
);
for my $case (@bad) {
    my ($directive, $pattern, $name) = @$case;
    $t->config_fails_like($t->standard_config(http => $directive),
                          [qr/\[emerg\]/, $pattern], "nginx -t fails: $name");
}

$t->config_fails_like($t->standard_config(cookie => 'secure=off samesite=Sometimes'),
                      [qr/\[emerg\]/, qr/Sometimes|samesite/i], 'nginx -t fails: unknown SameSite value');
$t->config_fails_like($t->standard_config(cookie => 'secure=off colour=blue'),
                      [qr/\[emerg\]/, qr/colour/], 'nginx -t fails: unknown cookie parameter');

$t->config_fails_like($t->standard_config(server => 'location /x/ { auth_extranet maybe; }'),
                      [qr/\[emerg\]/, qr/maybe|"on" or "off"/],
                      'nginx -t fails: auth_extranet maybe');

# --- valid configurations --------------------------------------------------

$t->config_ok($t->standard_config(http => join "\n",
        'auth_extranet_password_hash pbkdf2-sha256;',
        'auth_extranet_password_min_length 14;',
        'auth_extranet_legacy_login all;',
        'auth_extranet_header_prefix X-Extranet-;',
        'auth_extranet_session_timeout idle=30m absolute=12h refresh=5m;',
        'auth_extranet_db_timeout 5s;',
        'auth_extranet_partners other 0400 0500;'),
    'every http-level directive with valid values passes');

$t->config_ok($t->standard_config(cookie => 'name=extranet_session secure=on samesite=Lax'),
              'the cookie directive with explicit defaults passes');

$t->run($t->standard_config);
my $r = $t->http(GET => '/auth/login');
is($r->status, 200, 'the valid configuration serves the login page');
like($r->text, qr/Accédez à votre compte/, 'login page title');
like($r->header('content-type') // '', qr{^text/html}, 'login page is HTML');

$t->error_log_ok;

done_testing;
