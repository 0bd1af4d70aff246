#!/usr/bin/perl
# A real PHP legacy app: Debian's php8.2-fpm behind conf.examples/fastcgi-php.conf,
# run as it is (only the paths, the port and TLS are swapped for the test's),
# with Debian's own snippets/fastcgi-php.conf (nginx-common: try_files and
# fastcgi_split_path_info), "index index.php", pretty URLs routed to
# index.php, error_page 404 and the legacy login form posting to the portal.
# The app (t/php/) prints every HTTP_X_EXTRANET_* it receives.
#
# Each page is browsed with a fresh session cookie, a cookie due for refresh
# and no cookie. "/", "/sub/", the pretty URL and the 404 page go through an
# internal redirect (index, try_files, error_page): they need the session to
# survive internal redirects (issue 6, part 1).
#
# "Exactly once": nginx >= 1.23 joins a header sent twice into one FastCGI
# parameter ("a, b"), which the checks below see; nginx 1.22 (Debian 12)
# sends both and PHP keeps the last, so there a duplicate is only caught by
# t/17_fastcgi.t's responder, which counts the raw parameters.

use strict;
use warnings;
use utf8;
use Test::More;
use File::Copy qw(copy);
use File::Path qw(make_path);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;
use Extranet::PhpFpm;

my $REFRESH = 4;   # seconds: auth_extranet_session_timeout refresh=

# The example keeps the default cookie: Secure, no Domain, so "__Host-" named.
my $t = Extranet::Test->new(cookie_name => "__Host-extranet_session");
my $dir = $t->dir;
my $root = $Extranet::Test::ROOT;

# --- the files: the app, Debian's snippets, the example configuration ---------

# Debian's nginx-common files the example includes, copied as they are next to
# the test's nginx.conf (relative includes are read from its folder), so the
# test reads nothing else from /etc/nginx.
make_path("$dir/snippets");
for my $f (qw(snippets/fastcgi-php.conf fastcgi.conf fastcgi_params mime.types)) {
    BAIL_OUT("/etc/nginx/$f not found (apt-get install nginx-common)") unless -f "/etc/nginx/$f";
    copy("/etc/nginx/$f", "$dir/$f") or die "copy $f: $!";
}
my $snippet = $t->read_file('snippets/fastcgi-php.conf');
like($snippet, qr/^fastcgi_split_path_info /m, "Debian's fastcgi-php.conf splits the path info");
like($snippet, qr/^try_files \$fastcgi_script_name =404;/m, 'and checks the script with try_files');

# The app, readable by the workers (nobody).
make_path("$dir/www/sub", "$dir/www/css");
for my $f (qw(extranet.php index.php 404.php connexion.php sub/index.php css/legacy.css)) {
    copy("$root/t/php/$f", "$dir/www/$f") or die "copy $f: $!";
}

# conf.examples/fastcgi-php.conf with the test's paths: each swap must apply
# exactly once, so an example that drifts breaks this test.
my $conf = $t->read_file("$root/conf.examples/fastcgi-php.conf");
sub swap {
    my ($what, $to) = @_;
    my $n = ($conf =~ s/$what/$to/g) || 0;
    is($n, 1, "conf.examples/fastcgi-php.conf has $what once") or BAIL_OUT('the example changed');
}
swap(qr{^load_module /usr/lib/nginx/modules/ngx_http_auth_extranet_module\.so;\n}m,
     "load_module %%MODULE%%;\npid %%TESTDIR%%/nginx.pid;\nerror_log %%TESTDIR%%/error.log info;\n");
swap(qr{^user www-data;\n}m, '');            # master as root: workers run as nobody
swap(qr{^worker_processes 2;}m, 'worker_processes 1;');
swap(qr{^http \{\n}m, "http {\n    access_log %%TESTDIR%%/access.log;\n"
   . join('', map { "    ${_}_temp_path %%TESTDIR%%/${_}_temp;\n" }
              qw(client_body proxy fastcgi uwsgi scgi)));
swap(qr{"host=/var/run/postgresql dbname=extranet user=extranet_module"}, '"%%DB%%"');
swap(qr{/etc/nginx/extranet\.key}, '%%SECRET%%');
swap(qr{https://extranet\.example\.org}, 'http://127.0.0.1:%%PORT%%');
swap(qr{listen 443 ssl;}, 'listen 127.0.0.1:%%PORT%%;');
swap(qr{^ *ssl_certificate .*\n}m, '');
swap(qr{^ *ssl_certificate_key .*\n}m, '');
swap(qr{root /var/www/extranet;}, 'root %%TESTDIR%%/www;');
my $sockets = ($conf =~ s{unix:/run/php/php8\.2-fpm\.sock}{unix:%%TESTDIR%%/php-fpm.sock}g) || 0;
is($sockets, 2, 'the example passes PHP to php-fpm in two places');
# The one directive added: a short refresh, to make a cookie due for refresh.
swap(qr{^    auth_extranet_zone extranet 10m;\n}m,
     "    auth_extranet_zone extranet 10m;\n"
   . "    auth_extranet_session_timeout idle=10m absolute=1h refresh=${REFRESH}s;\n");

# --- php-fpm, started and stopped by the test ---------------------------------

my $fpm = Extranet::PhpFpm->new($t, children => 2, extra => <<"EXTRA");
catch_workers_output = yes
php_admin_value[error_log] = $dir/php-errors.log
php_admin_flag[log_errors] = on
EXTRA

$t->run($conf);

# --- helpers ----------------------------------------------------------------

# The lines the app prints: NAME => [values].
sub app_lines {
    my ($r) = @_;
    my ($pre) = $r->text =~ m{<pre id="extranet">\n(.*?)</pre>}s or return undef;
    my %v;
    for (split /\n/, $pre) {
        my ($k, $v) = /^([A-Za-z_]+)=(.*)$/ or next;
        push @{$v{$k}}, $v;
    }
    return \%v;
}

# Asserts that the page is the app's "$page" and that PHP saw the session's
# account exactly once, with the right values, and no session cookie.
sub sees_account {
    my ($r, $page, $what, %o) = @_;
    my $v = app_lines($r);
    ok($v, "$what: the PHP page answered") or return diag($r->dump);
    is_deeply($v->{page}, [$page], "$what: page $page");
    is_deeply($v->{HTTP_X_EXTRANET_ACCOUNT}, ['030000100001'],
              "$what: HTTP_X_EXTRANET_ACCOUNT once, the session's account");
    is_deeply($v->{HTTP_X_EXTRANET_SYNDIC}, ['0300'], "$what: HTTP_X_EXTRANET_SYNDIC");
    is_deeply($v->{HTTP_X_EXTRANET_LOGIN}, ['code'], "$what: HTTP_X_EXTRANET_LOGIN");
    is_deeply([sort grep { /^HTTP_X_EXTRANET_/ } keys %$v],
              [qw(HTTP_X_EXTRANET_ACCOUNT HTTP_X_EXTRANET_ACCOUNTS
                  HTTP_X_EXTRANET_LOGIN HTTP_X_EXTRANET_SYNDIC)],
              "$what: the X-Extranet headers of a code session, nothing forged");
    like($v->{HTTP_X_EXTRANET_ACCOUNTS}[0] // '', qr/^\d+(,\d+)*$/,
         "$what: HTTP_X_EXTRANET_ACCOUNTS once");
    unlike($v->{HTTP_COOKIE}[0] // '', qr/extranet_session/,
           "$what: the session cookie is not passed on");
    is_deeply($v->{REQUEST_URI}, [$o{uri}], "$what: REQUEST_URI is the client's") if $o{uri};
}

# Each page: path, status with a session, the app's page name (undef: the
# static file).
my @pages = (
    ['/',                       200, 'accueil'],        # index index.php
    ['/index.php',              200, 'accueil'],
    ['/sub/',                   200, 'documents'],      # index in a folder
    ['/sub/index.php',          200, 'documents'],
    ['/annonces/2024?tri=date', 200, 'accueil'],        # try_files ... /index.php?$args
    ['/absent.php',             404, 'introuvable'],    # snippet's =404, error_page 404 /404.php
    ['/css/legacy.css',         200, undef],            # a static file
);

sub browse {
    my ($cookie, $what, %o) = @_;
    for my $p (@pages) {
        my ($path, $status, $page) = @$p;
        # A forged X-Extranet-Account from the client must never reach PHP.
        my $r = $t->get($path, cookie => $cookie,
                        headers => [['X-Extranet-Account', '999999999999']]);
        is($r->status, $status, "$what: $path answers $status") or diag($r->dump);
        if (defined $page) {
            sees_account($r, $page, "$what: $path", uri => $path);
        } else {
            is($r->body, "body { font-family: sans-serif; }\n", "$what: $path is the file");
        }
        my $set = $r->cookie($t->cookie_name);
        if ($o{refreshed}) {
            ok($set && $set ne $cookie, "$what: $path sends the refreshed cookie");
        } else {
            ok(!defined $set, "$what: $path sets no cookie");
        }
    }
}

sub legacy_login {
    my (%fields) = @_;
    return $t->post('/connexion.php', form => [map { $_ => $fields{$_} } sort keys %fields],
                    headers => { Origin => $t->origin });
}

# --- the legacy login page and its unchanged form ---------------------------

my $r = $t->get('/connexion.php');
is($r->status, 200, 'the legacy login page is public');
like($r->text, qr/<form method="post" action="connexion.php">/, 'its form posts to connexion.php');
like($r->text, qr/name="identifiant".*name="mdp"/s, 'with its own field names');

$r = legacy_login(identifiant => '030000100001', mdp => 'wrong-password');
is($r->status, 401, 'the legacy form with a wrong password: refused by the portal');
ok(!$r->cookie($t->cookie_name), 'no cookie');

$r = legacy_login(login => '030000100001', password => 'tilleuls-0001');
ok(!$r->cookie($t->cookie_name), 'the default field names do not log in there');

$r = legacy_login(identifiant => '030000100001', mdp => 'tilleuls-0001');
is($r->status, 303, 'the legacy form logs in through the portal');
my $due = $r->cookie($t->cookie_name);
my $due_at = time;
ok($due, 'with a session cookie');

# --- no cookie: the login page ------------------------------------------------

for my $p (@pages) {
    my $r = $t->get($p->[0]);
    is($r->status, 302, "no cookie: $p->[0] answers 302");
    like($r->location_path // '', qr{^/auth/login\?next=}, "no cookie: $p->[0] goes to the login page");
    unlike($r->body, qr/<pre id="extranet">/, "no cookie: $p->[0] never reaches PHP");
}
$r = $t->get('/index.php', headers => [['X-Extranet-Account', '030000100001']]);
is($r->status, 302, 'no cookie, a forged X-Extranet-Account: still the login page');

# --- a fresh session cookie -------------------------------------------------

my $fresh = legacy_login(identifiant => '030000100001', mdp => 'tilleuls-0001')
    ->cookie($t->cookie_name);
my $fresh_at = time;
ok($fresh, 'a second login');
browse($fresh, 'fresh cookie');
cmp_ok(time - $fresh_at, '<', $REFRESH, 'the fresh cookie was not due for refresh meanwhile');

# --- a cookie due for refresh ---------------------------------------------------

sleep 0.1 while time < $due_at + $REFRESH + 0.5;
browse($due, 'refresh-due cookie', refreshed => 1);

is($t->read_file('php-errors.log'), '', 'PHP logged no error');
$t->error_log_ok;

$fpm->stop;
done_testing;
