#!/usr/bin/perl
# Failover to a real streaming standby: the test's cluster is the primary; a
# standby is made from it with pg_basebackup -R; the conninfo lists both
# with target_session_attrs=read-write. The primary is stopped (fast), the
# standby promoted: logins work again within seconds without touching
# nginx, and a valid cookie passes (with X-Extranet-Account) before, during
# and after, its session row re-checked every 2 s on whichever server is
# the primary then.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $PGBIN = $ENV{PGBIN} || '/usr/lib/postgresql/15/bin';
for (qw(pg_basebackup pg_ctl pg_isready)) {
    BAIL_OUT("$PGBIN/$_ not found: apt-get install postgresql-15") unless -x "$PGBIN/$_";
}

my $started = time;
my $parent = $$;
my $standby_running = 0;
my $t = Extranet::Test->new;
my %db = $t->db =~ /(\w+)=(\S+)/g;
ok($db{host} && $db{port}, 'the primary listens on a socket folder and a port') or BAIL_OUT($t->db);

# --- the standby: pg_basebackup -R from the primary, run as "postgres" ---------------------

my $as_postgres = $> == 0;
sub as_server {
    my @cmd = @_;
    @cmd = ('runuser', '-u', 'postgres', '--', @cmd) if $as_postgres;
    # cd /: the postgres user may not be allowed into the caller's cwd
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        chdir '/';
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

my $sdir = $t->dir . '/standby';
mkdir $sdir or die "$sdir: $!";
if ($as_postgres) {
    my (undef, undef, $uid, $gid) = getpwnam('postgres') or BAIL_OUT('no postgres user');
    chown $uid, $gid, $sdir;
}
my $sport = Extranet::Test::free_port();
my $out = as_server("$PGBIN/pg_basebackup", '-h', $db{host}, '-p', $db{port}, '-U', 'postgres',
                    '-D', "$sdir/data", '-R', '-X', 'stream', '-c', 'fast');
is($?, 0, 'pg_basebackup -R made the standby') or BAIL_OUT($out);
ok(-f "$sdir/data/standby.signal", 'with standby.signal');

$out = as_server("$PGBIN/pg_ctl", '-D', "$sdir/data", '-l', "$sdir/postgres.log", '-w', '-t', '30',
                 'start', '-o', "-k '$sdir' -p $sport -c listen_addresses='127.0.0.1'"
                          . ' -c fsync=off -c max_connections=200');
is($?, 0, 'the standby started') or BAIL_OUT($out . $t->read_file("$sdir/postgres.log"));
$standby_running = 1;

END {
    if ($$ == $parent && $standby_running) {
        as_server("$PGBIN/pg_ctl", '-D', "$sdir/data", '-m', 'immediate', '-w', 'stop');
    }
}

# psql as the superuser on the standby (the harness's psql reaches the primary).
sub standby_value {
    my ($sql) = @_;
    my $v = Extranet::Test::run_capture($Extranet::Test::PG_SH, 'psql', $sdir, $sport,
                                        '-X', '-q', '-A', '-t', '-c', $sql);
    $v =~ s/\s+\z//;
    return $v;
}

is(standby_value('SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is($t->psql_value("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"), 1,
   'the primary streams to it');

# --- nginx, with both servers in the conninfo ---------------------------------------------

my $conninfo = "host=$db{host},$sdir port=$db{port},$sport dbname=extranet user=$db{user}"
             . ' target_session_attrs=read-write connect_timeout=2';
$t->run($t->standard_config(
    db   => $conninfo,
    http => 'auth_extranet_session_timeout idle=10m absolute=1h refresh=2s;'
          . ' auth_extranet_db_timeout 2s;'));

my ($cookie, $r) = $t->login('030000100001', 'tilleuls-0001');
is($r->status, 303, 'login on the primary') or diag($r->dump);
ok($cookie, 'a session cookie');

# Every proxied request with the cookie during the test: [phase, status, account].
my @passes;
sub cookie_passes {
    my ($phase) = @_;
    my $h = $t->upstream_headers($cookie);
    push @passes, [$phase, $h->{status}, $h->{Account} // ''];
    return $h->{status} == 200 && ($h->{Account} // '') eq '030000100001';
}
sub all_passed {
    my ($phase) = @_;
    my @bad = grep { $_->[0] eq $phase && !($_->[1] == 200 && $_->[2] eq '030000100001') } @passes;
    my $n = grep { $_->[0] eq $phase } @passes;
    ok($n && !@bad, "$phase: the cookie passed with X-Extranet-Account, $n requests out of $n")
        or diag(join "\n", map { "@$_" } @bad);
}

my $end = time + 2.5;   # long enough for a refresh (2 s) to reach the primary
cookie_passes('before') while time < $end && sleep 0.1;
all_passed('before');

# The standby has replayed the session row.
my $lsn = $t->psql_value('SELECT pg_current_wal_lsn()');
my $deadline = time + 10;
sleep 0.1 until standby_value("SELECT pg_last_wal_replay_lsn() >= '$lsn'") eq 't' || time > $deadline;
is(standby_value("SELECT count(*) FROM extranet.session WHERE account_code = '030000100001'"), 1,
   'the session row reached the standby');

# --- the primary stops: no read-write server ---------------------------------------------

Extranet::Test::pg_stop();
my $stopped = time;
ok(cookie_passes('primary stopped'), 'right after the stop, the cookie passes');
($_, $r) = $t->login('030000100002', 'tilleuls-0002');
is($r->status, 503, 'no read-write server: login answers 503') or diag($r->dump);
like($r->text, qr/Service momentanément indisponible/, 'with the French page');
$end = time + 2.5;
cookie_passes('primary stopped') while time < $end && sleep 0.1;
all_passed('primary stopped');

# --- promote the standby; nginx is left alone ---------------------------------------------

$out = as_server("$PGBIN/pg_ctl", '-D', "$sdir/data", '-w', '-t', '30', 'promote');
is($?, 0, 'pg_ctl promote') or diag($out);
my $promoted = time;

my ($new_cookie, $tries, @statuses) = (undef, 0);
$deadline = $promoted + 15;
while (time < $deadline) {
    cookie_passes('failover');
    $tries++;
    my ($c, $res) = $t->login('030000100002', 'tilleuls-0002');
    push @statuses, $res->status;
    if ($res->status == 303 && $c) { $new_cookie = $c; last }
    sleep 0.2;
}
my $took = time - $promoted;
ok($new_cookie, sprintf('a login works again %.2f s after the promotion (%.2f s after the stop),'
                      . ' try %d', $took, time - $stopped, $tries))
    or diag("statuses: @statuses");
cmp_ok($took, '<', 10, 'within 10 s of the promotion');
my @wrong = grep { $_ != 503 && $_ != 303 } @statuses;
ok(!@wrong, 'meanwhile logins answered 503, never anything else') or diag("@statuses");
all_passed('failover');
diag(sprintf('failover: logins back %.2f s after pg_ctl promote', $took));

# --- after: every thread reconnects to the new primary ------------------------------------

my @after = map { ($t->login('030100200001', 'closfleuri-01'))[1]->status } 1 .. 6;
is_deeply(\@after, [(303) x 6], 'six logins in a row on the new primary') or diag("@after");
is($t->upstream_headers($new_cookie)->{Account}, '030000100002', 'the new session reaches the app');
is(standby_value("SELECT count(*) FROM extranet.session WHERE account_code = '030100200001'"
               . " AND revoked_at IS NULL"), 6, 'the new sessions are stored on the promoted standby');

my $before_refresh = standby_value("SELECT last_seen_at FROM extranet.session"
                                 . " WHERE account_code = '030000100001'");
$end = time + 3;
cookie_passes('after') while time < $end && sleep 0.1;
all_passed('after');
isnt(standby_value("SELECT last_seen_at FROM extranet.session WHERE account_code = '030000100001'"),
     $before_refresh, 'the old session was refreshed on the new primary');

# Refreshes and logins that met no read-write server were logged, nothing worse.
like($t->error_log, qr/database connection failed/, 'the outage is in the log');
$t->error_log_ok(crit => qr/database/);

my $total = time - $started;
cmp_ok($total, '<', 60, sprintf('the test took %.1f s', $total));

done_testing;
