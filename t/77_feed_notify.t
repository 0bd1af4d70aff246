#!/usr/bin/perl
# The revocation feed is woken by PostgreSQL's NOTIFY: a node that LISTENs
# reads the feed as soon as a session ends elsewhere, not at its next poll.
# Node B polls only every 60 s here (auth_extranet_feed_interval), so a
# session ended on node A and refused on B within a few seconds was told by
# a notification. The listening connection comes back after it is killed
# and after PostgreSQL restarts; a node behind a pooler (prepared statements
# off) does not LISTEN; a reload and a graceful stop leave no socket behind.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $na = Extranet::Test->new;
my $nb = Extranet::Test->new(secret => $na->secret);

my $LISTEN = "query = 'LISTEN extranet_revocation_feed'";

sub listeners {
    return $na->psql_value("SELECT count(*) FROM pg_stat_activity WHERE $LISTEN");
}

# Waits until `count` connections listen; true when they do.
sub listening {
    my ($count, $limit) = @_;
    my $deadline = time + ($limit // 10);
    while (time < $deadline) {
        return 1 if listeners() == $count;
        sleep 0.1;
    }
    return 0;
}

sub passes {
    my ($node, $cookie) = @_;
    my $h = $node->upstream_headers($cookie);
    return $h->{status} == 200 && ($h->{Account} // '') ne '';
}

# Seconds until the cookie is refused on the node, undef after `limit`.
sub refused_within {
    my ($node, $cookie, $limit) = @_;
    my $t0 = time;
    while (time - $t0 < $limit) {
        return time - $t0 unless passes($node, $cookie);
        sleep 0.02;
    }
    return undef;
}

# A session made on A, passing on B, ended by `end`: refused on B within
# 5 s, while B's poll comes only every 60 s.
sub ended_reaches_b {
    my ($what, $end) = @_;
    my $c = $na->login('030000100001', 'tilleuls-0001');
    ok($c && passes($nb, $c), "$what: the session passes on node B");
    $end->($c);
    my $after = refused_within($nb, $c, 5);
    ok(defined $after, "$what: refused on node B " . (defined $after
        ? sprintf('%.0f ms after', $after * 1000) : 'NOT within 5 s (its poll is 60 s)'));
}

# --- configuration ---------------------------------------------------------------------

$nb->config_fails_like($nb->standard_config(http => 'auth_extranet_feed_interval 5ms;'),
                       qr/"auth_extranet_feed_interval" must be at least 10ms/,
                       'nginx -t refuses a feed interval under 10 ms');

# --- a node behind a pooler polls only ---------------------------------------------------

# one site on two nodes: the same site URL (a cookie is sealed for its site)
my $site = $na->origin;
$na->run($na->standard_config(site_url => $site,
                              http => 'auth_extranet_db_prepared_statements off;'));
ok(passes($na, $na->login('030000100001', 'tilleuls-0001')), 'node A serves');
sleep 1.5;
is(listeners(), 0, 'node A (prepared statements off, as behind PgBouncer) does not LISTEN');

# --- node B listens, and a session ended on A reaches it at once ------------------------------

my $b_config = $nb->standard_config(site_url => $site, http => 'auth_extranet_feed_interval 60s;');
$nb->run($b_config);
ok(listening(1), 'node B listens for the feed');

ended_reaches_b('logout on A', sub {
    my ($c) = @_;
    $na->post_as($c, '/auth/logout', []);
});

ended_reaches_b('revoked in the database (as the desk does)', sub {
    my ($c) = @_;
    $na->psql("UPDATE extranet.session SET revoked_at = now()"
              . " WHERE revoked_at IS NULL AND account_code = '030000100001'");
});

# --- the listening connection killed: B listens again --------------------------------------

$na->psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE $LISTEN");
ok(listening(0, 2) || 1, 'the listening connection was terminated');
ok(listening(1, 10), 'node B listens again after its connection was terminated');
like($nb->error_log, qr/revocation feed's notifications stopped/,
     'node B said the notifications stopped');
like($nb->error_log, qr/the revocation feed notifies again/,
     'node B said they came again');
ended_reaches_b('logout on A after the connection came back', sub {
    my ($c) = @_;
    $na->post_as($c, '/auth/logout', []);
});

# --- PostgreSQL restarted ----------------------------------------------------------------------

Extranet::Test::pg_stop();
sleep 0.5;
Extranet::Test::pg_start();
ok(listening(1, 20), 'node B listens again after PostgreSQL restarted');
ended_reaches_b('logout on A after PostgreSQL restarted', sub {
    my ($c) = @_;
    # the first statement of a pool thread after the restart may meet its
    # dead connection: the logout is retried until it is answered
    for (1 .. 5) {
        my $r = $na->post_as($c, '/auth/logout', []);
        last if $r->status == 303 || $r->status == 200;
        sleep 0.3;
    }
});

# --- reload and graceful stop ---------------------------------------------------------------

$nb->reload($b_config);
ok(listening(1, 10), 'after a reload, one listening connection (the old worker\'s is closed)');
ended_reaches_b('logout on A after node B reloaded', sub {
    my ($c) = @_;
    $na->post_as($c, '/auth/logout', []);
});

my $pid = $nb->{pid};
kill 'QUIT', $pid;
my $deadline = time + 10;
sleep 0.05 while time < $deadline && kill 0, $pid;
ok(!kill(0, $pid), 'node B stops gracefully (the listening connection does not hold its worker)');
delete $nb->{pid};
ok(listening(0, 5), 'no listening connection left after node B stopped');
unlike($nb->error_log, qr/open socket/, 'no socket left open at the worker\'s exit');

$na->error_log_ok;
$nb->error_log_ok;

done_testing;
