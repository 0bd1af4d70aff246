#!/usr/bin/perl
# A fleet: two nginx nodes (one key, one database, each its own zone), a
# round-robin load balancer in front, PostgreSQL with a streaming standby,
# PgBouncer in transaction mode in front of node A's database. A session
# made on one node passes on the other; every way a session ends on one
# node is refused on the other within a second (refresh is 5 minutes: only
# the revocation feed can tell it); the desk's unlock lifts a node's
# lockout at once; a failover of the database in the middle loses no
# revocation; a node restarted refuses what was revoked while it was down.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;
use Extranet::Fleet;

my $started = time;
my $fleet = Extranet::Fleet->new;
my ($na, $nb, $lb) = ($fleet->a, $fleet->b, $fleet->lb);
$fleet->start;

my $ADMIN = "$Extranet::Test::ROOT/tools/extranet-admin";
(my $admin_db = $na->db) =~ s/\s*user=\S+//;

sub admin {
    my (@args) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        delete $ENV{SUDO_USER};
        delete $ENV{PGUSER};
        open STDOUT, '>', $na->dir . '/admin.out' or die;
        open STDERR, '>', $na->dir . '/admin.err' or die;
        exec $ADMIN, '--db', $admin_db, '--operator', 'fleet-test', @args or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    return ($? >> 8, $na->read_file('admin.out') . $na->read_file('admin.err'));
}

my @propagation;

# The cookie passed on `other` before; after `end` ran (on the other node),
# it is refused there within a second.
sub refused_on {
    my ($node, $cookie, $what, $end) = @_;
    ok($fleet->passes($node, $cookie), "$what: the session passes on the other node before");
    my $t0 = time;
    my $r = $end->();
    my $after = $fleet->refused_after($node, $cookie, time, 3);
    push @propagation, $after if defined $after;
    ok(defined $after && $after < 1,
       sprintf("$what: refused on the other node %s", defined $after
                   ? sprintf('%.0f ms after the answer', $after * 1000) : 'NOT within 3 s'))
        or diag($r && ref $r ? $r->dump : '');
    return $r;
}

# more lots of the demo's first residence, one per owner below
$na->psql("INSERT INTO extranet.legacy_account"
       . " (code, syndic_code, syndic_name, label, password_hash, active)"
       . " SELECT '03000010000' || n, '0300', 'Cabinet Durand', 'Résidence Les Tilleuls — lot ' || n,"
       . "        password_hash, true"
       . " FROM extranet.legacy_account, generate_series(3, 6) n WHERE code = '030000100001'");

my $email = 'fleet.owner@example.org';
my $password = 'Fleet-owner-2024!';
$na->add_identity($email, $password, last_name => 'Flotte', first_name => 'Anne',
                 accounts => ['030000100001', '030000100002']);

# --- a session made on one node passes on the other and through the balancer --------

my $c = $na->login($email, $password);
ok($c, 'login on node A');
ok($fleet->passes($nb, $c), 'the session passes on node B');
my %served;
for (1 .. 6) {
    my $h = $lb->upstream_headers($c);
    $served{$h->{status} == 200 && $h->{Account} ? 'ok' : 'refused'}++;
}
is_deeply(\%served, { ok => 6 }, 'six requests through the balancer pass');
ok(-s $na->dir . '/legacy_access.log' && -s $nb->dir . '/legacy_access.log',
   'the balancer used both nodes');
my ($lc, $lr) = $lb->login($email, $password);
ok($lc && $fleet->passes($na, $lc) && $fleet->passes($nb, $lc),
   'a login through the balancer passes on both nodes');

# --- each way a session ends, on one node; refused on the other ----------------------

# logout
$c = $na->login($email, $password);
refused_on($nb, $c, 'logout on A', sub { $na->post_as($c, '/auth/logout', []) });

# end one session (from another session of the owner)
$na->add_identity('fleet.one@example.org', 'One-owner-2024!', accounts => ['030000100003']);
my $c1 = $na->login('fleet.one@example.org', 'One-owner-2024!');
my $c2 = $na->login('fleet.one@example.org', 'One-owner-2024!');
my ($handle) = map { $_->{id} } grep { !$_->{current} }
    @{($na->http(GET => '/auth/manage', cookie => $c2,
                headers => { Accept => 'application/json' })->json // {})->{sessions} // []};
ok($handle, 'the manage page lists the other session');
refused_on($nb, $c1, 'end one session on A', sub {
    $na->post_as($c2, '/auth/manage', [action => 'end_session', session => $handle]);
});

# end every other session
my $c3 = $nb->login($email, $password);
my $c4 = $nb->login($email, $password);
refused_on($na, $c3, 'end other sessions on B', sub {
    $nb->post_as($c4, '/auth/manage', [action => 'end_other_sessions']);
});

# a password change: the owner's other sessions end
my $c5 = $na->login($email, $password);
my $new_password = 'Fleet-owner-2025!';
refused_on($nb, $c5, 'password change on B', sub {
    $nb->post_as($c4, '/auth/manage', [action => 'password', current_password => $password,
                                      new_password => $new_password,
                                      password_confirm => $new_password]);
});
$password = $new_password;

# a password reset (asked on B, done on A): every session ends
my $c6 = $nb->login($email, $password);
$nb->post('/auth/password/forgot', form => [login => $email],
         headers => { Origin => $nb->origin });
my ($body) = map { my $s = pack('H*', $_->[0]); $s }
    $na->psql("SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
           . " WHERE recipient = '$email' ORDER BY id DESC LIMIT 1");
my ($token) = ($body // '') =~ /token=([A-Za-z0-9_-]{43})/;
ok($token, 'the reset mail has its link');
$password = 'Fleet-owner-2026!';
refused_on($nb, $c6, 'password reset on A', sub {
    $na->post('/auth/password/reset',
             form => [token => $token, new_password => $password, password_confirm => $password],
             headers => { Origin => $na->origin });
});

# a login on top of a session replaces it
my $c7 = $na->login($email, $password);
refused_on($nb, $c7, 'a login replacing the session on A', sub {
    (my $r = $na->http(POST => '/auth/login', cookie => $c7,
                      form => [login => $email, password => $password],
                      headers => { Origin => $na->origin }));
    $r;
});

# the desk's revoke
my $c8 = $nb->login($email, $password);
my $desk;
refused_on($na, $c8, 'the desk revokes', sub { admin('revoke', $email); $desk = time; undef });
my $on_b = $fleet->refused_after($nb, $c8, $desk, 3);
ok(defined $on_b && $on_b < 1, 'and on B');

# the unlink of the last account ends the identity's sessions
my $single = 'fleet.single@example.org';
$na->add_identity($single, 'Single-owner-2024!', accounts => ['030100200001']);
my $s1 = $na->login($single, 'Single-owner-2024!');
my $s2 = $na->login($single, 'Single-owner-2024!');
refused_on($nb, $s2, 'unlink of the last account on A', sub {
    $na->post_as($s1, '/auth/manage', [action => 'unlink', account => '030100200001',
                                      current_password => 'Single-owner-2024!', confirm => 1]);
});

# --- the desk's unlock reaches every node's zone --------------------------------------

my $locked = 'fleet.locked@example.org';
$na->add_identity($locked, 'Locked-owner-2024!', accounts => ['030000100004']);
$nb->login($locked, 'wrong password ' . $_) for 1 .. 6;
my ($lockedc, $r) = $nb->login($locked, 'Locked-owner-2024!');
ok(!$lockedc, 'six failures: the right password is refused on B');
my ($rc, $out) = admin('find', $locked);
like($out, qr/LOCKED/, 'find says LOCKED') or diag($out);
($rc, $out) = admin('unlock', $locked);
is($rc, 0, 'the desk unlocks') or diag($out);
# the owner is told to wait a second and try once: that one try must pass
# (a try while a node still holds the lock would count as a failure)
sleep 0.9;
my ($back) = $nb->login($locked, 'Locked-owner-2024!');
ok($back, 'the owner logs in on B at the first try, 0.9 s after the unlock');

# one failure is no lockout: find tells the truth
$na->add_identity('fleet.once@example.org', 'Once-owner-2024!', accounts => ['030000100005']);
$na->login('fleet.once@example.org', 'wrong');
($rc, $out) = admin('find', 'fleet.once@example.org');
unlike($out, qr/LOCKED/, 'one failure: find does not say LOCKED') or diag($out);
like($out, qr/1 failure/, 'it says one failure');

# --- a failover in the middle loses no revocation ------------------------------------

$na->add_identity('fleet.failover@example.org', 'Failover-2024!', accounts => ['030000100006']);
my $f1 = $na->login('fleet.failover@example.org', 'Failover-2024!');
my $f2 = $na->login($email, $password);
my $f3 = $nb->login($email, $password);
$fleet->standby_caught_up;
ok($fleet->passes($nb, $f1) && $fleet->passes($na, $f3), 'sessions before the failover pass');
# revoked on the primary, which stops right after: the nodes may not have
# read it; the standby has it
$na->psql("UPDATE extranet.session SET revoked_at = now() WHERE revoked_at IS NULL"
       . " AND identity_id = (SELECT id FROM extranet.identity"
       . "                    WHERE email = 'fleet.failover\@example.org')");
my $failover = time;
$fleet->failover;
my $after = $fleet->refused_after($nb, $f1, $failover, 15);
ok(defined $after, sprintf('revoked just before the failover: refused on B %s',
                           defined $after ? sprintf('%.1f s after the stop', $after) : 'never'));
# each node's feed reconnects to the promoted standby on its own: A gets
# the same bound as B, not B's head start
my $after_a = $fleet->refused_after($na, $f1, $failover, 15);
ok(defined $after_a, sprintf('and on A %s',
                             defined $after_a ? sprintf('%.1f s after the stop', $after_a)
                                              : 'never'));
ok($fleet->passes($nb, $f2) && $fleet->passes($na, $f3), 'the others still pass');
# the feed works on the promoted standby, ids and all
my $t1 = time;
my $logged_out;
until ($logged_out || time - $t1 > 15) {
    my $lo = $na->post_as($f2, '/auth/logout', []);
    $logged_out = $lo->status == 303 || $lo->status == 302;
    sleep 0.2 unless $logged_out;
}
ok($logged_out, 'logout on A through PgBouncer, now pointing at the new primary');
$after = $fleet->refused_after($nb, $f2, time, 3);
push @propagation, $after if defined $after;
ok(defined $after && $after < 1, sprintf('after the failover: refused on B %.0f ms after',
                                         ($after // 9) * 1000));

# --- a node restarted refuses what was revoked while it was down ----------------------

my $g1 = $nb->login($email, $password);
my $g2 = $nb->login($email, $password);
$nb->stop;
my $lo = $na->post_as($g1, '/auth/logout', []);
ok($lo->status == 303 || $lo->status == 302, 'logout on A while B is down');
$nb->run($fleet->node_config($nb));
ok(!$fleet->passes($nb, $g1), 'restarted, B refuses the session revoked while it was down');
ok($fleet->passes($nb, $g2), 'and passes the other');

# --- what it cost ----------------------------------------------------------------------

my @sorted = sort { $a <=> $b } @propagation;
diag(sprintf('propagation over %d revocations: p50 %.0f ms, max %.0f ms', scalar @sorted,
             $sorted[int(@sorted / 2)] * 1000, $sorted[-1] * 1000)) if @sorted;

$na->error_log_ok(crit => [qr/database/, qr/could not/]);
$nb->error_log_ok(crit => [qr/database/, qr/could not/]);
$lb->error_log_ok;
my $total = time - $started;
# about 60 s on an idle machine; the bound leaves room for a loaded one
cmp_ok($total, '<', 180, sprintf('the test took %.1f s', $total));

done_testing;

