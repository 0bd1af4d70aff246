#!/usr/bin/perl
# A revocation whose transaction commits late: the desk's `revoke` of an
# owner with three sessions, one of whose rows another transaction holds
# locked for ~4 s (within the desk role's lock_timeout of 5 s), so the
# UPDATE writes the feed rows of the first sessions, waits, and commits
# ~4 s later; meanwhile a logout elsewhere commits a feed row of a higher
# id, which every node reads. Every node must still refuse the first
# sessions once the desk says so: the feed is read by transaction (the
# snapshot's xmin) as well as by id, not only by a window of time.
use strict;
use warnings;
use utf8;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $na = Extranet::Test->new;
my $nb = Extranet::Test->new(secret => $na->secret);
my $conf = sub {
    $_[0]->standard_config(site_url => $na->origin,
        http => 'auth_extranet_session_timeout idle=30m absolute=2h refresh=5m;');
};
$na->run($conf->($na));
$nb->run($conf->($nb));

my $ADMIN = "$Extranet::Test::ROOT/tools/extranet-admin";
(my $admin_db = $na->db) =~ s/\s*user=\S+//;

my $pw = 'Stolen-phone-2024!';
my $id = $na->add_identity('stolen.phone@example.org', $pw, accounts => ['030000100001']);
$na->add_identity('neighbour@example.org', $pw, accounts => ['030000100002']);
my @s;
for (1 .. 3) { push @s, scalar $na->login('stolen.phone@example.org', $pw); sleep 0.05 }
my $y = $na->login('neighbour@example.org', $pw);
ok((grep { $_ } @s) == 3 && $y, 'three sessions of the owner, one of a neighbour');
ok($na->upstream_headers($_)->{Account} && $nb->upstream_headers($_)->{Account}, 'passes on both')
    for @s;

# the stolen phone holds a passkey; a transaction holds its row for 4 s
# (within the desk role's lock_timeout of 5 s)
$na->psql("INSERT INTO extranet.passkey (credential_id, identity_id, user_handle, public_key,"
        . " algorithm, name) VALUES ('\\x0102', $id, '\\x0304', '\\x05', -7, 'Téléphone')");
my $locker = fork // die;
if ($locker == 0) {
    eval { $na->psql("BEGIN; SELECT 1 FROM extranet.passkey WHERE identity_id = $id FOR UPDATE;"
                   . " SELECT pg_sleep(4); COMMIT;") };
    POSIX::_exit(0);
}
sleep 0.4;
# the desk revokes the stolen phone's sessions
my $desk = fork // die;
if ($desk == 0) {
    delete $ENV{SUDO_USER};
    delete $ENV{PGUSER};
    open STDOUT, '>', $na->dir . '/admin.out' or die;
    open STDERR, '>&', \*STDOUT or die;
    exec $ADMIN, '--db', $admin_db, '--operator', 'probe', 'revoke', '--passkeys',
         'stolen.phone@example.org' or POSIX::_exit(127);
}
sleep 1.0;
# meanwhile, a neighbour logs out on A: a feed row with a higher id, committed
my $lo = $na->post_as($y, '/auth/logout', []);
ok($lo->status == 303 || $lo->status == 302, 'the neighbour logs out meanwhile');
waitpid $desk, 0;
my $done = time;
my $out = $na->read_file('admin.out');
diag($out);
waitpid $locker, 0;
like($out, qr/3 session\(s\) revoked/, 'the desk revoked the three sessions');
is($na->psql_value("SELECT count(*) FROM extranet.session WHERE identity_id = $id"
                 . ' AND revoked_at IS NULL'), 0, 'PostgreSQL: all three revoked');
diag(join "\n", map { "feed row @$_" } $na->psql(
    "SELECT id, kind, left(key, 12), to_char(at, 'HH24:MI:SS.MS') FROM extranet.revocation_feed ORDER BY id"));
sleep 1.0;
for my $i (0 .. 2) {
    for my $node ([A => $na], [B => $nb]) {
        my $h = $node->[1]->upstream_headers($s[$i]);
        ok(!($h->{status} == 200 && $h->{Account}),
           "session " . ($i + 1) . " refused on $node->[0] one second after the desk's answer");
    }
}
done_testing;
