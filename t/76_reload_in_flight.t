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
# the session table for a few seconds while the login waits to create its
# session, and nginx is reloaded (then, in a second part, stopped
# gracefully) meanwhile.

use strict;
use warnings;
use utf8;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $CODE = '030000100001';
my $PASS = 'tilleuls-0001';
# Under auth_extranet_db_timeout (5 s): the login waits, it does not give up.
my $HOLD = 2.5;   # and under the role's lock_timeout (3 s)

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
    wait_for("SELECT count(*) FROM pg_stat_activity WHERE application_name = '$tag'"
           . " AND wait_event = 'PgSleep'", 'the lock is held');
    return $pid;
}

sub wait_for {
    my ($sql, $what) = @_;
    my $deadline = time + 10;
    while (time < $deadline) {
        return 1 if $t->psql_value($sql);
        sleep 0.05;
    }
    fail("waiting: $what");
    return 0;
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
    wait_for("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
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
waitpid($lock, 0);
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
$lock = hold_sessions(4.5, 'reload_lock_long');
my ($busy_cookie, $busy) = $t->login($CODE, $PASS);
waitpid($lock, 0);
is($busy->status, 503, 'a lock past lock_timeout: 503') or diag($busy->dump);
like($busy->text, qr/Service momentanément indisponible/, 'with the French page');
ok(!$busy_cookie, 'no cookie');
is($t->psql_value('SELECT count(*) FROM extranet.session'), $sessions, 'no session stored');
unlike($t->error_log, qr/\[alert\].*lock timeout/, 'not an alert: the database was busy');
like($t->error_log, qr/lock timeout/, 'the error log says what happened');
ok($t->login($CODE, $PASS), 'the lock gone, the login works (same connection or a new one)');

# --- a graceful stop (QUIT) while the login waits ------------------------------------

$file = $t->dir . '/login-during-quit';
$lock = hold_sessions($HOLD, 'reload_lock2');
$login = login_in_child($file);
my $master = $t->read_file('nginx.pid');
chomp $master;
kill 'QUIT', $master;
sleep 0.5;
is(waitpid($login, POSIX::WNOHANG()), 0, 'the stop began while the login waited');
waitpid($lock, 0);
($status, $cookie) = result_of($login, $file);
is($status, 303, 'the login in flight during a graceful stop answered before nginx ended');
my $deadline = time + 10;
sleep 0.05 while time < $deadline && kill 0, $master;
ok(!kill(0, $master), 'then nginx ended');
$t->error_log_ok(name => 'the stop left no connection open');

done_testing();
