#!/usr/bin/perl
# make bench, the fleet part: two nodes (one key, one database, each its own
# zone). Revocation propagation: sessions made on node A, each logged out on
# A, the time from A's answer until node B refuses the cookie (B polled
# every 5 ms), over BENCH_FLEET_N revocations (default 200). Then the
# database statements of proxied requests on B (pg_stat_statements; the
# feed's own reads, which run whatever the traffic, counted apart: what a
# node costs PostgreSQL per second).
#
#   TEST_EXTRANET_MODULE=build/ngx_http_auth_extranet_module.so perl -I t/lib t/bench/fleet.pl

use strict;
use warnings;
use Time::HiRes qw(sleep time);
use Extranet::Test;

my $N = $ENV{BENCH_FLEET_N} // ($ENV{BENCH_QUICK} ? 50 : 200);
my $PROXIED = $ENV{BENCH_QUICK} ? 500 : 2000;

my $na = Extranet::Test->new;
my $nb = Extranet::Test->new(secret => $na->secret);

my $stats = eval {
    $na->psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
    Extranet::Test::pg_stop();
    Extranet::Test::pg_start();
    $na->psql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    'ok';
} // "pg_stat_statements unavailable: $@";

for my $node ($na, $nb) {
    $node->run($node->standard_config(site_url => $na->origin,   # one site, two nodes
        http => 'auth_extranet_session_timeout idle=30m absolute=2h refresh=5m;'
              . ' auth_extranet_limit identifier=100000 address=100000;'));
}

my $email = 'bench.fleet@example.org';
my $password = 'Bench-fleet-2024!';
$na->add_identity($email, $password, accounts => ['030000100001']);

printf "%-30s %s\n", 'fleet: revocations', "$N sessions made on node A, logged out on A,"
                                            . ' refused on node B';
my @cookies;
for (1 .. $N) {
    my $c = $na->login($email, $password) or die "bench: login $_ refused";
    push @cookies, $c;
}

my @ms;
my $lost = 0;
for my $c (@cookies) {
    $nb->upstream_headers($c)->{Account} or die 'bench: a session did not pass on B';
    # at a random moment of B's 250 ms read cycle: back to back, each
    # logout would follow the read that applied the one before
    sleep rand 0.3;
    my $r = $na->post_as($c, '/auth/logout', []);
    my $t0 = time;
    my $refused;
    while (time - $t0 < 5) {
        if (!$nb->upstream_headers($c)->{Account}) { $refused = time - $t0; last }
        sleep 0.005;
    }
    if (defined $refused) { push @ms, $refused * 1000 } else { $lost++ }
}
@ms = sort { $a <=> $b } @ms;
my $pct = sub { @ms ? $ms[int(($_[0] / 100) * $#ms + 0.5)] : 0 };
printf "%-30s p50 %.0f ms, p99 %.0f ms, max %.0f ms over %d revocations%s\n",
    'fleet: propagation A -> B', $pct->(50), $pct->(99), ($ms[-1] // 0), scalar @ms,
    $lost ? " ($lost NOT refused within 5 s)" : '';

# --- what proxied requests and the feed cost PostgreSQL ---------------------------------

my $live = $na->login($email, $password);
if ($stats eq 'ok') {
    my $module_calls = sub {
        my ($feed) = @_;
        return $na->psql_value(
            "SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s"
          . " JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = 'extranet_module'"
          . " AND s.query " . ($feed ? '' : 'NOT ') . "LIKE '%revocation_feed%'");
    };
    $nb->upstream_headers($live);   # a refresh due at B's first sight is not the fast path
    sleep 0.5;
    $na->psql('SELECT pg_stat_statements_reset()');
    my $t0 = time;
    for (1 .. $PROXIED) {
        $nb->upstream_headers($live)->{Account} or die 'bench: the live session was refused';
    }
    my $other = $module_calls->(0);
    my $feed = $module_calls->(1);
    my $seconds = time - $t0;
    printf "%-30s %d for %d requests with a session cookie on node B (expected 0)\n",
        'fleet: db statements, proxied', $other, $PROXIED;
    printf "%-30s %.1f statements/s per node (%d in %.1f s, 2 nodes)\n",
        'fleet: feed reads', $feed / $seconds / 2, $feed, $seconds;
} else {
    printf "%-30s %s\n", 'fleet: db statements, proxied', $stats;
}

$na->stop;
$nb->stop;
