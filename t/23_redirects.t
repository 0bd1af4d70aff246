#!/usr/bin/perl
# A logged-in request stays logged in across every kind of internal redirect
# (index, try_files, error_page, rewrite ... last, named locations,
# X-Accel-Redirect) and in subrequests (SSI, addition, mirror): the upstream
# gets the headers exactly once and never the session cookie, a refreshed
# cookie still reaches the client, and the redirect costs no second check
# and no second thread task. Without a session, the login page.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;

$t->write_file('html/idx/index.php', "static index\n");
$t->write_file('html/static.txt', "a static file\n");
$t->write_file('html/ssi/page.html',
    "before\n<!--# include virtual=\"/backend.php?from=ssi\" -->after\n");
$t->write_file('html/open/page.html',
    "open\n<!--# include virtual=\"/backend.php?from=open\" -->end\n");
$t->write_file('html/add/page.html', "added to\n");

my $backend = 'rewrite ^ /headers break; proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;';

my $conf = $t->standard_config(
    http => 'auth_extranet_session_timeout idle=60s absolute=1h refresh=2s;'
          . 'log_format mirror "$uri account=$http_x_extranet_account cookie=$http_cookie";',
    server => <<"EOS");
        root %%TESTDIR%%/html;
        index index.html;

        location ~ \\.php\$ { auth_extranet on; $backend }

        location /idx/ { auth_extranet on; index index.php; }
        location /tf/  { auth_extranet on; try_files \$uri \$uri/ /backend.php?\$args; }
        location /ep/  { auth_extranet on; error_page 404 = /backend.php; }
        location /nl/  { auth_extranet on; try_files \$uri \@app; }
        location \@app { $backend }
        location /rw/  { rewrite ^ /backend.php last; }
        location /xa/  { auth_extranet on;
                         proxy_pass http://127.0.0.1:%%LEGACY_PORT%%/accel; }
        location = /static.txt { auth_extranet on; }
        location /ck/  { auth_extranet on; try_files \$uri \@cookies; }
        location \@cookies { rewrite ^ /cookies break;
                             proxy_pass http://127.0.0.1:%%LEGACY_PORT%%; }

        location /ssi/  { auth_extranet on; ssi on; }
        location /open/ { ssi on; }
        location /add/  { auth_extranet on; add_before_body /backend.php; }
        location /mir/  { auth_extranet on; mirror /mirror; $backend }
        location = /mirror { internal;
                             proxy_pass http://127.0.0.1:%%LEGACY_PORT%%/mirrored; }

        location = /metrics { auth_extranet_status; }
EOS

# the legacy server answers X-Accel-Redirect and logs what the mirror sent
$conf =~ s{(location = /cookies \{)}{location = /accel {
            add_header X-Accel-Redirect /backend.php;
            return 200 "";
        }
        location = /mirrored {
            access_log %%TESTDIR%%/mirror.log mirror;
            return 204;
        }
        $1};

$t->run($conf);

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'logged in');

my @kinds = (
    ['index',            '/idx/'],
    ['try_files',        '/tf/pretty/url?x=1'],
    ['error_page',       '/ep/missing'],
    ['named location',   '/nl/missing'],
    ['rewrite last',     '/rw/anything'],
    ['X-Accel-Redirect', '/xa/'],
);

sub account_lines {
    my ($body) = @_;
    return scalar(() = $body =~ /^X-Extranet-Account: 030000100001$/mg);
}

# Thread tasks run during a request: the module's own count of tasks done
# (auth_extranet_status), read before and after; an answer is sent once its
# tasks are done. (Not nginx's debug log: an nginx built without
# --with-debug, as nginx.org's are by default, writes none.)
sub tasks_done {
    my ($count) = $t->get('/metrics')->body
        =~ /^auth_extranet_task_duration_seconds_count\{zone="extranet"\} (\d+)$/m;
    return $count // die "no task count in auth_extranet_status\n";
}

sub tasks_during {
    my ($code) = @_;
    my $before = tasks_done();
    my $r = $code->();
    return ($r, tasks_done() - $before);
}

# --- a valid cookie -------------------------------------------------------------

for my $k (@kinds) {
    my ($name, $uri) = @$k;
    my ($r, $tasks) = tasks_during(sub { $t->get($uri, cookie => $cookie) });
    is($r->status, 200, "$name: passes with a session");
    is(account_lines($r->body), 1, "$name: the account header reaches the upstream once");
    like($r->body, qr/^X-Extranet-Login: code$/m, "$name: with the session's values");
    unlike($r->body, qr/^X-Extranet-Account: (?!030000100001$)/m, "$name: and no other account");
    is($tasks, 0, "$name: no thread task for a cookie that is not due");
}

my $r = $t->get('/static.txt', cookie => $cookie);
is($r->status, 200, 'a static file passes with a session');
is($r->body, "a static file\n", 'and is served');

# --- a refresh-due cookie: refreshed once, sent back after the redirect ----------

sleep 3;

for my $k (@kinds) {
    my ($name, $uri) = @$k;
    my ($r, $tasks) = tasks_during(sub { $t->get($uri, cookie => $cookie) });
    is($r->status, 200, "$name: a refresh-due cookie passes");
    is(account_lines($r->body), 1, "$name: headers once after the refresh");
    ok($r->cookie('extranet_session'), "$name: the refreshed cookie reaches the client");
    is($tasks, 1, "$name: one refresh task, none for the redirect");
}

# --- no cookie: the login page, with the address asked for ----------------------

for my $k (@kinds) {
    my ($name, $uri) = @$k;
    my $r = $t->get($uri);
    is($r->status, 302, "$name: no session, to the login page");
    my $next = $uri;
    $next =~ s{([^A-Za-z0-9\-._~])}{sprintf('%%%02X', ord $1)}ge;
    like($r->header('location') // '', qr{/auth/login\?next=\Q$next\E$},
         "$name: with the original address as next");
}

$r = $t->get('/tf/pretty', headers => { Accept => 'application/json' });
is($r->status, 401, 'no session, JSON client: 401');
is($r->json->{error}, 'unauthenticated', 'with the JSON body');

# --- spoofed headers and the cookie never reach the upstream --------------------

$r = $t->get('/tf/pretty', cookie => $cookie,
             headers => { 'X-Extranet-Account' => '999', 'X_Extranet_Syndic' => '9' });
is(account_lines($r->body), 1, 'a spoofed account header is removed, ours added once');
unlike($r->body, qr/^X-Extranet-Syndic: 9$/m, 'a spoofed syndic header is removed');

# --- subrequests ----------------------------------------------------------------

$r = $t->get('/ssi/page.html', cookie => $cookie);
is($r->status, 200, 'SSI page with a session');
is(account_lines($r->body), 1, 'SSI include virtual: the identity, once');
like($r->body, qr/^before\n.*after\n$/s, 'the page is whole');

$r = $t->get('/open/page.html', cookie => $cookie,
             headers => { 'X-Extranet-Account' => '999' });
is($r->status, 200, 'an open SSI page');
is(account_lines($r->body), 1,
   'its include of a protected location gets the identity from the cookie');
unlike($r->body, qr/^X-Extranet-Account: 999$/m, 'and not the client\'s copy');

$r = $t->get('/open/page.html', headers => { 'X-Extranet-Account' => '999' });
is($r->status, 200, 'an open SSI page without a session');
unlike($r->body, qr/X-Extranet-Account/, 'its protected include gets nothing');

$r = $t->get('/add/page.html', cookie => $cookie);
is($r->status, 200, 'addition with a session');
is(account_lines($r->body), 1, 'add_before_body: the identity, once');
like($r->body, qr/added to\n$/, 'before the page');

$r = $t->get('/mir/x', cookie => $cookie);
is($r->status, 200, 'mirrored request with a session');
my $mirror = '';
for (1 .. 50) {
    $mirror = $t->read_file('mirror.log') // '';
    last if $mirror =~ /account/;
    select(undef, undef, undef, 0.1);
}
like($mirror, qr{account=030000100001 }, 'the mirror gets the identity');
unlike($mirror, qr/extranet_session/, 'and not the session cookie');

# --- the cookie never reaches the upstream after a redirect -----------------------

$r = $t->get('/ck/missing',
             headers => { Cookie => "a=1; extranet_session=$cookie; b=2" });
is($r->status, 200, 'a named location with other cookies');
like($r->body, qr/^Cookie: a=1; b=2$/m, 'the other cookies reach the upstream');
unlike($r->body, qr/extranet_session/, 'the session cookie does not');

$t->error_log_ok;

done_testing;
