#!/usr/bin/perl
# Several extranets on one nginx: every site directive is valid at server
# level and inherits from http; each server has its own database
# connections, keys, cookie, portal, header prefix and policies; a cookie of
# one site is refused by another; nginx -t names the server and the
# directive when a site is incomplete or contradicts another.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;

# site B: its own database (a copy, where 040000300001 does not exist and
# lot 12 has another label), its own key
my $db2 = $t->create_database('extranet_b', <<'SQL');
DELETE FROM extranet.legacy_account WHERE code = '040000300001';
UPDATE extranet.legacy_account SET label = 'Site B lot 12' WHERE code = '030000100001';
SQL
$t->write_file('secret_b.key', Extranet::Test::random_bytes(32));

my $backend = 'rewrite ^ /headers break; proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;';

my $site_b = <<"EOS";
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name b.test;

        auth_extranet_db "$db2";
        auth_extranet_secret_file %%TESTDIR%%/secret_b.key;
        auth_extranet_site_url http://b.test;
        auth_extranet_header_prefix X-Site-B-;
        auth_extranet_legacy_login all;
        auth_extranet_session_timeout idle=10m absolute=1h refresh=1m;
        auth_extranet_limit identifier=2 address=100 window=10m lockout=10m;
        auth_extranet_password_min_length 16;

        location /connexion/ { auth_extranet_portal; }
        location / { auth_extranet on; rewrite ^ /echo-b break;
                     proxy_pass http://127.0.0.1:%%LEGACY_PORT%%; }
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name c.test;

        location /auth/ { auth_extranet_portal; }
        location / { auth_extranet on; $backend }
    }
EOS

my $conf = $t->standard_config();
$conf =~ s/(\n    js_import)/\n$site_b$1/;
$conf =~ s{(location = /cookies \{)}{location = /echo-b {
            return 200 "account=\$http_x_site_b_account ext=\$http_x_extranet_account\\n";
        }
        $1};
$t->run($conf);

my %b = (headers => { Host => 'b.test' });
my %c = (headers => { Host => 'c.test' });

# --- each site logs in against its own database ---------------------------------

my $cookie_a = $t->login('030000100001', 'tilleuls-0001');
ok($cookie_a, 'site A: code login');

my $cookie_b = $t->login('030000100001', 'tilleuls-0001', path => '/connexion/login', %b);
ok($cookie_b, 'site B: code login at its own portal');

my $r = $t->get('/auth/api/me', cookie => $cookie_a, headers => { Accept => 'application/json' });
unlike($r->body, qr/Site B/, 'site A reads its own database');
$r = $t->get('/connexion/api/me', cookie => $cookie_b,
             headers => { Host => 'b.test', Accept => 'application/json' });
like($r->body, qr/Site B lot 12/, 'site B reads its own database');

ok($t->login('040000300001', 'monceau-0001'), 'an account of A logs in on A');
my (undef, $rb) = $t->login('040000300001', 'monceau-0001', path => '/connexion/login', %b);
is($rb->status, 401, 'and not on B, whose database does not have it');

my @conns = $t->psql("SELECT datname, count(*) FROM pg_stat_activity"
                   . " WHERE usename = 'extranet_module' GROUP BY datname ORDER BY 1");
my %conns = map { $_->[0] => $_->[1] } @conns;
ok($conns{extranet} && $conns{extranet_b},
   'each site has its own connections (' . join(', ', map { "$_->[0]: $_->[1]" } @conns) . ')');

# --- headers, prefix and cookies per site --------------------------------------

$r = $t->get('/x', cookie => $cookie_b, headers => { Host => 'b.test', 'X-Site-B-Account' => '999' });
is($r->status, 200, 'site B: its cookie passes');
is($r->body, "account=030000100001 ext=\n",
   'with its own header prefix, the client\'s copy removed');

$r = $t->get('/headers', cookie => $cookie_a);
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'site A: its cookie passes');

$r = $t->get('/x', cookie => $cookie_a, %b);
is($r->status, 302, 'a cookie of site A is refused by site B');
like($r->header('location') // '', qr{/connexion/login\?next=%2Fx$}, 'sent to B\'s own portal');

$r = $t->get('/headers', cookie => $cookie_b);
is($r->status, 302, 'a cookie of site B is refused by site A');
like($r->header('location') // '', qr{/auth/login\?next=}, 'sent to A\'s portal');

$r = $t->get('/x', cookie => $cookie_a, %c);
is($r->status, 200, 'site C inherits everything of http: A\'s cookie passes there');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'with the http-level prefix');

# --- policies per site -----------------------------------------------------------

# B: limit identifier=2
for (1 .. 2) {
    $t->login('030000100002', 'wrong-password', path => '/connexion/login', %b);
}
(undef, $rb) = $t->login('030000100002', 'tilleuls-0002', path => '/connexion/login', %b);
is($rb->status, 401, 'site B: its own limit locks the identifier after 2 failures');
ok($t->login('030000100002', 'tilleuls-0002'), 'site A keeps its own counters for it');

# --- nginx -t names the server and the directive --------------------------------

my $base = $t->standard_config();

(my $nodb = $base) =~ s/auth_extranet_db "[^"]*";//;
$nodb =~ s/(\n    js_import)/\n    server { listen 127.0.0.1:%%PORT%%; server_name nodb.test;
        auth_extranet_secret_file %%SECRET%%; location \/ { auth_extranet on; } }$1/;
$t->config_fails_like($nodb, [qr/auth_extranet_db/, qr/server "(localhost|nodb\.test)"/],
                      'a site without a database: nginx -t names the directive and the server');

(my $shared = $base) =~ s/(\n    js_import)/\n    server { listen 127.0.0.1:%%PORT%%; server_name other.test;
        auth_extranet_db "$db2"; location \/ { auth_extranet on; } }$1/;
$t->config_fails_like($shared, [qr/"localhost"/, qr/"other\.test"/, qr/share an "auth_extranet_secret_file" key/],
                      'two databases under one key: refused, both servers named');

(my $nourl = $base) =~ s/(\n    js_import)/\n    server { listen 127.0.0.1:%%PORT%%; server_name nourl.test;
        auth_extranet_site_url ""; location \/p\/ { auth_extranet_portal; } }$1/;
$t->config_fails_like($nourl, [qr/auth_extranet_site_url/],
                      'an invalid site URL at server level is refused');

$t->config_fails_like($t->standard_config(server => 'auth_extranet_header_prefix "";'),
                      [qr/auth_extranet_header_prefix/], 'an empty prefix at server level is refused');

$t->error_log_ok;

done_testing;
