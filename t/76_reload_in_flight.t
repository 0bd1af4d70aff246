#!/usr/bin/perl
# A reload, or a graceful stop, while a login is in flight: the old worker
# finishes the login before it exits, as it finishes a proxied request. A
# login waits on the thread pool (a hash, PostgreSQL) with no timer of its
# own; a worker that is shutting down exits when no timer is left, and
# used to drop such a request ("open socket left in connection", the
# owner's page never answered). Hosting providers reload every day (a
# certificate renewed, a site added); the package's upgrade reloads too.
#
# The login is held in PostgreSQL, deterministically: a transaction locks
# the session table until the test lets it go, while the login waits to
# create its session, and nginx is reloaded meanwhile (over HTTP/1.1, then over
# HTTP/2), then stopped gracefully. One part holds the lock past the
# role's lock_timeout: a busy database, answered 503.

use strict;
use warnings;
use utf8;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $CURL = '/usr/bin/curl';
BAIL_OUT("curl not found: $CURL (apt-get install curl)") unless -x $CURL;

my $t = Extranet::Test->new;
my $tls_port = Extranet::Test::free_port();
my $out = Extranet::Test::run_capture('/usr/bin/openssl', 'req', '-x509', '-newkey', 'rsa:2048',
    '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', $t->dir . '/tls.key', '-out', $t->dir . '/tls.pem');
ok(-s $t->dir . '/tls.pem', 'a self-signed certificate') or BAIL_OUT($out);

# The same site over HTTP/2 too ("listen ... http2": nginx 1.22).
$t->run($t->standard_config(http => <<"EOF"));
    server {
        listen 127.0.0.1:$tls_port ssl http2;
        server_name localhost;
        ssl_certificate     %%TESTDIR%%/tls.pem;
        ssl_certificate_key %%TESTDIR%%/tls.key;
        location /auth/ {
            auth_extranet_portal;
        }
    }
EOF

my $CODE = '030000100001';
my $PASS = 'tilleuls-0001';
# The lock is held until the test lets it go (release below), right after
# what it does while the login waits: how long the login takes to reach
# the lock (its hashes, slow on a loaded machine) does not matter, and the
# wait stays under the role's lock_timeout (3 s) and auth_extranet_db_timeout
# (5 s): the login waits, it does not give up.
my $HOLD = 60;

ok($t->login($CODE, $PASS), 'a login before anything');

# The session table locked for $hold seconds by a transaction in a child.
sub hold_sessions {
    my ($hold, $tag) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        eval {
            $t->psql("SET application_name = '$tag'; BEGIN;"
                   . ' LOCK TABLE extranet.session IN ACCESS EXCLUSIVE MODE;'
                   . " SELECT pg_sleep($hold); COMMIT;");
        };
        POSIX::_exit($@ ? 1 : 0);
    }
    $t->wait_sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$tag'"
           . " AND wait_event = 'PgSleep'", 'the lock is held');
    return $pid;
}

# Ends the hold of the lock now (its transaction is cancelled).
sub release {
    my ($pid, $tag) = @_;
    $t->psql("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '$tag'");
    waitpid($pid, 0);
}

# A login in a child; its status and cookie come back through a file.
sub login_in_child {
    my ($file) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my ($cookie, $r) = eval { $t->login($CODE, $PASS) };
        open my $fh, '>', $file or POSIX::_exit(1);
        print $fh join("\n", $r ? $r->status : 0, $cookie // '', $r ? ($r->error // '') : $@), "\n";
        close $fh;
        POSIX::_exit(0);
    }
    # The login waits for the lock, in PostgreSQL.
    $t->wait_sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
           . " AND application_name NOT LIKE 'reload_%'", 'the login waits for the lock');
    return $pid;
}

sub result_of {
    my ($pid, $file) = @_;
    waitpid($pid, 0);
    my ($status, $cookie, $error) = split /\n/, $t->read_file($file), -1;
    return ($status, $cookie, $error);
}

# --- a reload while the login waits --------------------------------------------------

my $file = $t->dir . '/login-during-reload';
my $lock = hold_sessions($HOLD, 'reload_lock');
my $login = login_in_child($file);
$t->reload;
is(waitpid($login, POSIX::WNOHANG()), 0, 'the reload took place while the login waited');
release($lock, 'reload_lock');
my ($status, $cookie, $error) = result_of($login, $file);
is($status, 303, 'the login in flight during the reload answered, by its old worker')
    or diag("status $status, error $error");
ok(length $cookie, 'with its session cookie');
my $r = $t->get('/headers', cookie => $cookie);
is($r->status, 200, 'and the session opens the legacy app after the reload') or diag($r->dump);
like($r->body, qr/^X-Extranet-Account: $CODE$/m, 'as its account');
ok($t->login($CODE, $PASS), 'a new login works on the new worker');
$t->error_log_ok(name => 'no connection left open by an exiting worker');

# --- a lock held longer than the role's lock_timeout -------------------------------
# PostgreSQL gives up the login's statement (55P03, lock_not_available): the
# database is busy, not broken; the owner gets the French "try again" page
# (503), as for a database that does not answer, and nothing is stored.

my $sessions = $t->psql_value('SELECT count(*) FROM extranet.session');
$lock = hold_sessions($HOLD, 'reload_lock_long');
my ($busy_cookie, $busy) = $t->login($CODE, $PASS);
release($lock, 'reload_lock_long');
is($busy->status, 503, 'a lock past lock_timeout: 503') or diag($busy->dump);
like($busy->text, qr/Service momentanément indisponible/, 'with the French page');
ok(!$busy_cookie, 'no cookie');
is($t->psql_value('SELECT count(*) FROM extranet.session'), $sessions, 'no session stored');
unlike($t->error_log, qr/\[alert\].*lock timeout/, 'not an alert: the database was busy');
like($t->error_log, qr/lock timeout/, 'the error log says what happened');
ok($t->login($CODE, $PASS), 'the lock gone, the login works (same connection or a new one)');

# --- the same over HTTP/2: one stream of a connection waits ------------------------

$file = $t->dir . '/login-h2';
$lock = hold_sessions($HOLD, 'reload_lock_h2');
my $h2 = fork // die "fork: $!";
if ($h2 == 0) {
    my $base = "https://127.0.0.1:$tls_port";
    my $w = Extranet::Test::run_capture($CURL, '-sS', '-k', '--http2', '--max-time', '15',
        '-o', '/dev/null', '-w', '%{http_code} %{http_version}', '-H', "Origin: $base",
        '--data-urlencode', "login=$CODE", '--data-urlencode', "password=$PASS", "$base/auth/login");
    $t->write_file($file, "$w\n");
    POSIX::_exit(0);
}
$t->wait_sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
       . " AND application_name NOT LIKE 'reload_%'", 'the HTTP/2 login waits for the lock');
$t->reload;
is(waitpid($h2, POSIX::WNOHANG()), 0, 'HTTP/2: the reload took place while the login waited');
release($lock, 'reload_lock_h2');
waitpid($h2, 0);
is($t->read_file($file), "303 2\n", 'HTTP/2: the login in flight answered 303 over HTTP/2');
$t->error_log_ok(name => 'HTTP/2: no stream left open by an exiting worker');

# --- a graceful stop (QUIT) while the login waits ------------------------------------

$file = $t->dir . '/login-during-quit';
$lock = hold_sessions($HOLD, 'reload_lock2');
$login = login_in_child($file);
my $master = $t->read_file('nginx.pid');
chomp $master;
kill 'QUIT', $master;
# Asked at once, not after a pause: on a loaded machine the lock's hold may
# end soon after the signal, and the login with it.
ok($t->psql_value("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                . " AND application_name NOT LIKE 'reload_%'"),
   'the stop began while the login waited');
release($lock, 'reload_lock2');
($status, $cookie) = result_of($login, $file);
is($status, 303, 'the login in flight during a graceful stop answered before nginx ended');
my $deadline = time + 10;
sleep 0.05 while time < $deadline && kill 0, $master;
ok(!kill(0, $master), 'then nginx ended');
$t->error_log_ok(name => 'the stop left no connection open');

done_testing();
