#!/usr/bin/perl
# Lifecycle: graceful reloads under load, a binary upgrade, and a zone size
# changed on reload.
#
# - Three "nginx -s reload" (SIGHUP) while wrk runs a bounded loopback load
#   (10 s, 16 connections) on a protected static file with a valid cookie,
#   and the same load and reloads on a plain nginx without the module. wrk
#   counts as read errors the keep-alive connections old workers close, so
#   both lose a few requests: the module's failures are printed beside plain
#   nginx's and must be of the same order; no request may lose its session
#   (every answer is a 200 naming the account), and the cookie passes after.
# - A binary upgrade (USR2, the new master starts, QUIT to the old one) keeps
#   sessions, and a logout done before it stays revoked.
# - auth_extranet_zone with another size on reload is refused with a clear
#   message; the old configuration keeps serving.
#
# TEST_RELOAD_SECONDS (default 10) sets the length of each load.

use strict;
use warnings;
use Test::More;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $WRK = '/usr/bin/wrk';
BAIL_OUT("wrk not found: $WRK (apt-get install wrk)") unless -x $WRK;
my $SECONDS = $ENV{TEST_RELOAD_SECONDS} || 10;
my $CONNECTIONS = 16;
my $RELOADS = 3;

my $ACCOUNT = '030000100001';

# --- the two servers -------------------------------------------------------------

# The module (its zone named "lifecycle", for the log checks): a protected
# static file, the account in a response header so that wrk can check each
# answer.
my $t = Extranet::Test->new;
$t->write_file('protected.txt', "legacy page\n");
my $module_conf = sub {
    my (%o) = @_;
    my $zone = $o{zone} // '10m';
    my $extra = $o{extra} // '';
    return $t->standard_config(
        extranet_zone => 0,
        http => "auth_extranet_zone lifecycle $zone;",
        server => <<"EOF");
        location = /protected.txt {
            auth_extranet on;
            root %%TESTDIR%%;
            add_header X-Account \$extranet_account;
            $extra
        }
EOF
};
$t->run($module_conf->());

# Plain nginx: the same static file, no module loaded.
my $plain = Extranet::Test->new;
$plain->write_file('protected.txt', "legacy page\n");
$plain->run(<<'EOF');
daemon on;
master_process on;
worker_processes 1;
pid %%TESTDIR%%/nginx.pid;
error_log %%TESTDIR%%/error.log info;

events {
    worker_connections 256;
}

http {
    access_log %%TESTDIR%%/access.log;
    client_body_temp_path %%TESTDIR%%/client_body_temp;
    proxy_temp_path       %%TESTDIR%%/proxy_temp;
    fastcgi_temp_path     %%TESTDIR%%/fastcgi_temp;
    uwsgi_temp_path       %%TESTDIR%%/uwsgi_temp;
    scgi_temp_path        %%TESTDIR%%/scgi_temp;

    server {
        listen 127.0.0.1:%%PORT%%;
        location = /protected.txt {
            root %%TESTDIR%%;
        }
    }
}
EOF

my $cookie = $t->login($ACCOUNT, 'tilleuls-0001');
ok($cookie, 'login');
my $revoked = $t->login('030000100002', 'tilleuls-0002');
ok($revoked, 'a second session');
my $r = $t->post_as($revoked, '/auth/logout', []);
ok($r->status =~ /^30[23]$/, 'the second session logs out') or diag($r->dump);
is($t->get('/protected.txt', cookie => $revoked)->status, 302, 'its cookie is refused');
$r = $t->get('/protected.txt', cookie => $cookie);
is($r->status, 200, 'the protected file with the cookie');
is($r->header('x-account'), $ACCOUNT, 'names the account');

# --- reloads under load ------------------------------------------------------------

# wrk's script: counts answers that are not a 200 naming the account (the
# account check is left out for plain nginx).
$t->write_file('count.lua', <<'EOF');
local threads = {}
function setup(thread)
    table.insert(threads, thread)
end
function init(args)
    want = args[1]
    bad = 0
    other = ""
end
function response(status, headers, body)
    if status ~= 200 or (want ~= "-" and headers["X-Account"] ~= want) then
        bad = bad + 1
        if other == "" then
            other = tostring(status) .. " " .. tostring(headers["X-Account"])
        end
    end
end
function done(summary, latency, requests)
    local b, o = 0, ""
    for _, t in ipairs(threads) do
        b = b + t:get("bad")
        if o == "" then o = t:get("other") end
    end
    local e = summary.errors
    io.write(string.format("RESULT requests=%d bad=%d connect=%d read=%d write=%d timeout=%d status=%d first_bad=%s\n",
        summary.requests, b, e.connect, e.read, e.write, e.timeout, e.status, o))
end
EOF

# Runs wrk against a server while reloading it $RELOADS times; returns wrk's
# counts and the new worker pids seen.
sub load_with_reloads {
    my ($server, $what, @headers) = @_;
    my $out = "$server->{dir}/wrk.out";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', $out;
        open STDERR, '>&', \*STDOUT;
        exec $WRK, '-t', '2', '-c', $CONNECTIONS, '-d', "${SECONDS}s", '--timeout', '5s',
             (map { ('-H', $_) } @headers), '-s', "$t->{dir}/count.lua",
             'http://127.0.0.1:' . $server->port . '/protected.txt', '--',
             (@headers ? $ACCOUNT : '-')
            or POSIX::_exit(127);
    }
    my $start = time;
    my $reloads = 0;
    for my $k (1 .. $RELOADS) {
        sleep 0.1 while time < $start + $k * $SECONDS / ($RELOADS + 1);
        my $before = () = $server->error_log =~ /start worker process/g;
        $server->reload;
        my $after = () = $server->error_log =~ /start worker process/g;
        $reloads++ if $after > $before;
    }
    waitpid($pid, 0);
    my $text = $server->read_file($out);
    my ($result) = $text =~ /^(RESULT .*)$/m;
    my %c = ($result // '') =~ /(\w+)=(\S+)/g;
    ($c{requests}) or diag("wrk for $what:\n$text");
    $c{reloads} = $reloads;
    $c{failed} = ($c{bad} // 0) + ($c{connect} // 0) + ($c{read} // 0)
               + ($c{write} // 0) + ($c{timeout} // 0);
    return \%c;
}

my $p = load_with_reloads($plain, 'plain nginx');
my $m = load_with_reloads($t, 'the module', "Cookie: extranet_session=$cookie");

for ([plain => $p], [module => $m]) {
    my ($name, $c) = @$_;
    diag(sprintf '%-7s %8d requests in %ds, %d reloads: %d failed (read %d, connect %d, write %d, '
               . 'timeout %d, not a 200 with the account %d)',
               $name, $c->{requests} // 0, $SECONDS, $c->{reloads}, $c->{failed},
               map { $c->{$_} // 0 } qw(read connect write timeout bad));
}
is($p->{reloads}, $RELOADS, "plain nginx reloaded $RELOADS times under load");
is($m->{reloads}, $RELOADS, "the module's nginx reloaded $RELOADS times under load");
cmp_ok($p->{requests} // 0, '>', 1000, 'plain nginx served the load');
cmp_ok($m->{requests} // 0, '>', 1000, "the module's nginx served the load");
is($m->{bad}, 0, 'no answer lost its session or its account under reloads')
    or diag("first bad answer: $m->{first_bad}");
# Same order as plain nginx: at most twice its failures plus one request per
# connection and reload (a keep-alive connection the old worker closes).
cmp_ok($m->{failed}, '<=', 2 * $p->{failed} + $CONNECTIONS * $RELOADS,
       'failed requests of the same order as plain nginx under the same reloads');

$r = $t->get('/protected.txt', cookie => $cookie);
is($r->status, 200, 'after the reloads, the same cookie passes');
is($r->header('x-account'), $ACCOUNT, 'with its account');
is($t->get('/protected.txt', cookie => $revoked)->status, 302,
   'after the reloads, the logged-out cookie is still refused');
$plain->stop;

# --- zone size changed on reload -----------------------------------------------------

# The reload must not take effect: the old workers keep serving, the log names
# the zone and says its size cannot change on reload.
{
    my $before_log = length $t->error_log;
    my ($worker_before) = $t->error_log =~ /.*start worker process (\d+)/s;
    $t->write_config($module_conf->(zone => '20m', extra => 'add_header X-Config new;'));
    kill 'HUP', $t->{pid};
    my $deadline = time + 10;
    my $log = '';
    while (time < $deadline) {
        $log = substr($t->error_log, $before_log);
        last if $log =~ /start worker process|\[emerg\]|\[alert\]/;
        sleep 0.05;
    }
    sleep 0.5;
    $log = substr($t->error_log, $before_log);
    unlike($log, qr/start worker process/, 'zone size changed: the reload does not take effect');
    my @zone_lines = grep { /\blifecycle\b/ && /size/i } split /\n/, $log;
    ok(@zone_lines, 'zone size changed: the error log names the zone and its size') or diag($log);
    like("@zone_lines", qr/reload/i, 'zone size changed: and says it cannot change on reload');
    $r = $t->get('/protected.txt', cookie => $cookie);
    is($r->status, 200, 'zone size changed: the old configuration still serves the cookie');
    ok(!defined $r->header('x-config'), 'zone size changed: the old configuration, not the new one');
    is($t->get('/protected.txt', cookie => $revoked)->status, 302,
       'zone size changed: the logged-out cookie is still refused');
    my ($worker_after) = $t->error_log =~ /.*start worker process (\d+)/s;
    is($worker_after, $worker_before, 'zone size changed: no new worker');

    # Back to the running configuration: a reload works again.
    $t->write_config($module_conf->());
    my $n = () = $t->error_log =~ /start worker process/g;
    $t->reload;
    my $n2 = () = $t->error_log =~ /start worker process/g;
    cmp_ok($n2, '>', $n, 'the unchanged size reloads again');
}

# --- binary upgrade ---------------------------------------------------------------

{
    # A logout right before the upgrade (the one above may have been lost
    # with a zone that changed size).
    my $gone = $t->login('040000300001', 'monceau-0001');
    ok($gone, 'binary upgrade: a session to log out');
    $r = $t->post_as($gone, '/auth/logout', []);
    ok($r->status =~ /^30[23]$/, 'binary upgrade: it logs out before the upgrade');
    is($t->get('/protected.txt', cookie => $gone)->status, 302, 'binary upgrade: its cookie is refused');

    my $old = $t->{pid};
    my $log_before = length $t->error_log;
    kill 'USR2', $old;
    my ($new, $deadline) = (undef, time + 15);
    while (time < $deadline) {
        ($new) = $t->read_file('nginx.pid') =~ /(\d+)/;
        last if $new && $new != $old && -e "$t->{dir}/nginx.pid.oldbin"
             && substr($t->error_log, $log_before) =~ /start worker process/;
        sleep 0.05;
    }
    ok($new && $new != $old, 'USR2: a new master started') or diag(substr($t->error_log, $log_before));
    # The harness stops the new master at the end.
    $t->{pid} = $new if $new;
    kill 'QUIT', $old;
    $deadline = time + 15;
    sleep 0.05 while kill(0, $old) && time < $deadline;
    ok(!kill(0, $old), 'QUIT: the old master is gone');

    $r = $t->get('/protected.txt', cookie => $cookie);
    is($r->status, 200, 'binary upgrade: the same cookie passes through the new master');
    is($r->header('x-account'), $ACCOUNT, 'binary upgrade: with its account');
    is($t->get('/protected.txt', cookie => $gone)->status, 302,
       'binary upgrade: a logout done before the upgrade stays revoked');
    my $after = $t->login('030100200001', 'closfleuri-01');
    ok($after, 'binary upgrade: the portal logs in');
    is($t->get('/protected.txt', cookie => $after)->header('x-account'), '030100200001',
       'binary upgrade: and that session passes');
}

# The error log: nothing but the refused zone size may be an [emerg].
{
    my @bad;
    for my $line (split /\n/, $t->error_log) {
        next unless $line =~ /\[(alert|emerg|crit)\]/ || $line =~ /exited on signal/;
        next if $line =~ /\[emerg\]/ && $line =~ /\blifecycle\b/ && $line =~ /size/i;
        push @bad, $line;
    }
    ok(!@bad, 'error log: no alert, emerg (but the refused zone size) or crit') or diag(join "\n", @bad);
}
$plain->error_log_ok(name => 'plain nginx: error log clean');

done_testing;
