#!/usr/bin/perl
# auth_extranet combines with nginx's access modules as nginx's own auth
# modules do: "satisfy any" lets an allowed address (or valid basic
# credentials) in without a session, "satisfy all" needs the session and the
# address; "error_page 401" and "error_page 403" answer for a protected
# location where nginx would.

use strict;
use warnings;
use utf8;
use Test::More;
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;

# user "admin", password "secret"
$t->write_file('htpasswd', "admin:\$apr1\$YxqARirO\$WG9vEw8GMvLQ99ZE4RaRh.\n");
$t->write_file('html/e401.json', "{\"custom\":401}\n");
$t->write_file('html/e403.html', "custom 403\n");

my $backend = 'rewrite ^ /headers break; proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;';

$t->run($t->standard_config(server => <<"EOS"));
        root %%TESTDIR%%/html;

        location /any/ { satisfy any; allow 127.0.0.2; deny all;
                         auth_extranet on; $backend }
        location /all/ { satisfy all; allow 127.0.0.2; deny all;
                         auth_extranet on; $backend }
        location /basic-any/ { satisfy any; auth_basic "admin";
                               auth_basic_user_file %%TESTDIR%%/htpasswd;
                               auth_extranet on; $backend }
        location /basic-all/ { satisfy all; auth_basic "admin";
                               auth_basic_user_file %%TESTDIR%%/htpasswd;
                               auth_extranet on; $backend }
        location /e401/ { auth_extranet on; error_page 401 /e401.json; $backend }
        location /e403/ { satisfy all; deny all; auth_extranet on;
                          error_page 403 /e403.html; $backend }
        location = /e401.json { }
        location = /e403.html { }
EOS

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'logged in');
my $basic = 'Basic ' . encode_base64('admin:secret', '');
my $json = { Accept => 'application/json' };

# --- satisfy any ------------------------------------------------------------------

my $r = $t->get('/any/x', from => '127.0.0.2');
is($r->status, 200, 'satisfy any: the allowed address passes without a session');
unlike($r->body, qr/X-Extranet-Account/, 'with no identity headers');

$r = $t->get('/any/x', from => '127.0.0.2', headers => { 'X-Extranet-Account' => '999' });
unlike($r->body, qr/X-Extranet-Account/, 'and the client\'s copies are removed');

$r = $t->get('/any/x', from => '127.0.0.2', cookie => $cookie);
like($r->body, qr/^X-Extranet-Account: 030000100001$/m,
     'the allowed address with a session gets the identity');

$r = $t->get('/any/x', cookie => $cookie);
is($r->status, 200, 'satisfy any: another address passes with a session');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'with the headers');

$r = $t->get('/any/x');
is($r->status, 302, 'satisfy any: another address without a session goes to the login');
like($r->header('location') // '', qr{/auth/login\?next=%2Fany%2Fx$}, 'with next');

$r = $t->get('/any/x', headers => $json);
is($r->status, 401, 'satisfy any: a JSON client without a session gets 401');
is($r->json->{error}, 'unauthenticated', 'with the JSON body');
like($r->header('content-type') // '', qr{^application/json}, 'as JSON');

$r = $t->http(POST => '/any/x', body => 'a=1');
is($r->status, 401, 'satisfy any: a POST without a session gets 401');

# --- satisfy all ------------------------------------------------------------------

$r = $t->get('/all/x', from => '127.0.0.2', cookie => $cookie);
is($r->status, 200, 'satisfy all: allowed address and session pass');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'with the headers');

$r = $t->get('/all/x', cookie => $cookie);
is($r->status, 403, 'satisfy all: a session from a denied address is forbidden');

$r = $t->get('/all/x', from => '127.0.0.2');
is($r->status, 302, 'satisfy all: the allowed address without a session goes to the login');

$r = $t->get('/all/x', from => '127.0.0.2', headers => $json);
is($r->status, 401, 'satisfy all: JSON without a session, 401');
is($r->json->{error}, 'unauthenticated', 'with the JSON body');

# --- auth_basic -------------------------------------------------------------------

$r = $t->get('/basic-any/x', headers => { Authorization => $basic });
is($r->status, 200, 'satisfy any + auth_basic: valid credentials pass without a session');
unlike($r->body, qr/X-Extranet-Account/, 'with no identity');

$r = $t->get('/basic-any/x', cookie => $cookie);
is($r->status, 200, 'satisfy any + auth_basic: a session passes without credentials');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'with the identity');

$r = $t->get('/basic-any/x');
is($r->status, 401, 'satisfy any + auth_basic: neither: 401');
like($r->header('www-authenticate') // '', qr/^Basic realm="admin"/,
     'with the basic challenge, so that credentials can be given');

$r = $t->get('/basic-all/x', cookie => $cookie, headers => { Authorization => $basic });
is($r->status, 200, 'satisfy all + auth_basic: both pass');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'with the identity');

$r = $t->get('/basic-all/x', cookie => $cookie);
is($r->status, 401, 'satisfy all + auth_basic: the session alone is not enough');

$r = $t->get('/basic-all/x', headers => { Authorization => $basic });
is($r->status, 302, 'satisfy all + auth_basic: credentials alone go to the login');

# --- error_page -------------------------------------------------------------------

$r = $t->get('/e401/x', headers => $json);
is($r->status, 401, 'error_page 401: a JSON client still gets 401');
is($r->body, "{\"custom\":401}\n", 'with the site\'s own page');

$r = $t->http(POST => '/e401/x', body => 'a=1');
is($r->body, "{\"custom\":401}\n", 'a POST too');

$r = $t->get('/e401/x');
is($r->status, 302, 'error_page 401: a page view still goes to the login');

$r = $t->get('/e401/x', cookie => $cookie, headers => $json);
is($r->status, 200, 'error_page 401: a session passes');

$r = $t->get('/e403/x', cookie => $cookie);
is($r->status, 403, 'error_page 403: a session from a denied address is forbidden');
is($r->body, "custom 403\n", 'with the site\'s own page');

$t->error_log_ok;

done_testing;
