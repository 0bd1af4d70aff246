#!/usr/bin/perl
# Another nginx: builds a whole nginx from the source tree NGINX_SRC_OTHER
# with this module (and njs from NJS_SRC_OTHER, when given, in the same
# configure: the C++ flags must reach this module's objects only), builds
# the module alone with "make build NGINX_SRC=..." as users do, and runs a
# quick smoke test against that nginx with each of the two module files.
#
#   NGINX_SRC_OTHER=/path/to/nginx-1.30.4 [NJS_SRC_OTHER=/path/to/njs] \
#   [NGINX_EXTRA_MODULES="/path/to/headers-more-nginx-module ..."] \
#       prove -I t/lib t/40_other_nginx.t
#
# Other third-party dynamic modules in NGINX_EXTRA_MODULES are built in the
# same configure too, and loaded beside this module in the smoke test.
#
# Skips when NGINX_SRC_OTHER is not given (CI runs Debian's nginx only). See
# docs/nginx-versions.md for the versions tried. The whole suite runs against
# such a build with TEST_NGINX_BINARY, TEST_EXTRANET_MODULE, TEST_NJS_MODULE.

use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use lib 't/lib';
use Extranet::Test;

my $src = $ENV{NGINX_SRC_OTHER};
plan skip_all => 'set NGINX_SRC_OTHER to an nginx source tree (and NJS_SRC_OTHER to an njs'
               . ' tree) to build and try the module against it' unless $src;
my $njs = $ENV{NJS_SRC_OTHER};

my $root = $Extranet::Test::ROOT;
my $work = tempdir('extranet-other-XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{TEST_KEEP});
chmod 0755, $work;

# --- the builds ------------------------------------------------------------------

my $out = Extranet::Test::run_capture("$root/scripts/build-nginx-tree.sh", $src, "$work/nginx",
                                      $root, $njs // ());
is($?, 0, 'nginx, the module' . ($njs ? ' and njs' : '') . ' build in one configure')
    or BAIL_OUT($out);
my $nginx = "$work/nginx/objs/nginx";
my ($version) = Extranet::Test::run_capture($nginx, '-v') =~ m{nginx/(\S+)};
ok($version, "nginx -v: $version");
diag("nginx $version from $src" . ($njs ? ", njs from $njs" : ''));

$out = Extranet::Test::run_capture('make', '-C', $root, 'build', "NGINX_SRC=$src",
                                   "BUILD=$work/module");
is($?, 0, 'make build NGINX_SRC=... builds the module alone') or diag($out);

my @modules = (['built with nginx', "$work/nginx/objs/ngx_http_auth_extranet_module.so"],
               ['built by make build', "$work/module/nginx/objs/ngx_http_auth_extranet_module.so"]);

# --- a smoke test with each module file ----------------------------------------------

$Extranet::Test::NGINX = $nginx;
my $njs_so = "$work/nginx/objs/ngx_http_js_module.so";
# The harness checks that an njs module exists; the smoke test loads it only
# when it was built.
$Extranet::Test::NJS_MODULE = -e $njs_so ? $njs_so : $nginx;
my $js = -e $njs_so;
my @others = grep { !m{/ngx_http_(auth_extranet|js)_module\.so$} && !/_stream_/ }
             glob("$work/nginx/objs/*.so");
diag('other modules loaded beside it: ' . join(' ', map { m{([^/]+)$} } @others)) if @others;
my $load_others = join "\n", map { "load_module $_;" } @others;

for my $m (@modules) {
    my ($what, $so) = @$m;
    ok(-e $so, "$what: $so") or next;
    $Extranet::Test::MODULE = $so;
    my $t = Extranet::Test->new;
    my $load_njs = $js ? 'load_module %%NJS_MODULE%%;' : '';
    my $js_import = $js ? 'js_import legacy from %%LEGACY_APP%%;' : '';
    my $js_location = $js ? 'location = /headers { js_content legacy.headers; }' : '';
    $t->run(<<"EOF");
load_module %%MODULE%%;
$load_njs
$load_others
daemon on;
master_process on;
worker_processes 1;
pid %%TESTDIR%%/nginx.pid;
error_log %%TESTDIR%%/error.log info;
thread_pool extranet threads=2;

events {
    worker_connections 128;
}

http {
    access_log %%TESTDIR%%/access.log;
    client_body_temp_path %%TESTDIR%%/client_body_temp;
    proxy_temp_path       %%TESTDIR%%/proxy_temp;
    fastcgi_temp_path     %%TESTDIR%%/fastcgi_temp;
    uwsgi_temp_path       %%TESTDIR%%/uwsgi_temp;
    scgi_temp_path        %%TESTDIR%%/scgi_temp;

    auth_extranet_db "%%DB%%";
    auth_extranet_thread_pool extranet;
    auth_extranet_secret_file %%SECRET%%;
    auth_extranet_cookie secure=off;
    auth_extranet_site_url http://127.0.0.1:%%PORT%%;
    $js_import

    server {
        listen 127.0.0.1:%%PORT%%;
        location /auth/ {
            auth_extranet_portal;
        }
        location / {
            auth_extranet on;
            proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;
        }
    }

    server {
        listen 127.0.0.1:%%LEGACY_PORT%%;
        location / {
            return 200 "account=\$http_x_extranet_account syndic=\$http_x_extranet_syndic\\n";
        }
        $js_location
    }
}
EOF
    my $cookie = $t->login('030000100001', 'tilleuls-0001');
    ok($cookie, "$what: login");
    my $r = $t->get('/page', cookie => $cookie, headers => [['X-Extranet-Account', '999999999999']]);
    is($r->status, 200, "$what: a session passes");
    is($r->body, "account=030000100001 syndic=0300\n", "$what: the upstream gets the headers");
    if ($js) {
        $r = $t->get('/headers', cookie => $cookie);
        is_deeply([$r->body =~ /^X-Extranet-Account: (.*)$/mg], ['030000100001'],
                  "$what: njs in the same nginx sees the account once");
    }
    $r = $t->get('/page');
    is($r->status, 302, "$what: no cookie, 302");
    like($r->location_path // '', qr{^/auth/login\?next=%2Fpage$}, "$what: to the login page");
    $r = $t->post_as($cookie, '/auth/logout', []);
    ok($r->status =~ /^30[23]$/, "$what: logout");
    is($t->get('/page', cookie => $cookie)->status, 302, "$what: the logged-out cookie is refused");
    $t->error_log_ok;
    $t->stop;
}

done_testing;
