#!/usr/bin/perl
# A zone full of revocations (the feed brought more ended sessions than the
# operator sized it for): a session ended after that is still refused by
# every worker of the node, not only by the worker that read the feed.
# The node, unable to keep the revocation where its workers look, has
# every cookie refreshed before that moment checked against its row once:
# the ended session's row refuses it, the others go on with a new cookie.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
# The smallest zone, two workers, each connection to either (reuseport),
# the worker that answered named in every answer.
my $conf = $t->standard_config(location => 'add_header X-Worker $pid always;');
$conf =~ s/auth_extranet_zone extranet 10m;/auth_extranet_zone extranet 32k;/ or die;
$conf =~ s/worker_processes 1;/worker_processes 2;/ or die;
$conf =~ s/listen 127\.0\.0\.1:%%PORT%%;/listen 127.0.0.1:%%PORT%% reuseport;/ or die;
$t->run($conf);

# The answers to n requests with the cookie, each on its own connection:
# status => count, and the workers seen.
sub ask {
    my ($cookie, $n) = @_;
    my (%status, %workers);
    for (1 .. $n) {
        my $r = $t->get('/headers', cookie => $cookie);
        $status{$r->status}++;
        $workers{$r->header('x-worker') // '?'}++;
    }
    return (\%status, [sort keys %workers]);
}

my $ended = $t->login('030000100001', 'tilleuls-0001');
my $kept = $t->login('030000100002', 'tilleuls-0002');
ok($ended && $kept, 'two sessions');
my ($status, $workers) = ask($ended, 20);
is_deeply($status, {200 => 20}, 'the first passes on the node');
is(scalar @$workers, 2, 'the requests reach both workers') or diag("@$workers");

# Other nodes' ended sessions, more than the zone holds.
$t->psql("INSERT INTO extranet.revocation_feed (kind, key, until)"
       . " SELECT 'session', md5(i::text) || md5((i + 1)::text), now() + interval '1 hour'"
       . " FROM generate_series(1, 2000) AS i");
ok(Extranet::Test::eventually(sub { $t->error_log =~ /no room in zone "extranet" for a revoked session/ }, 30),
   'the zone is full');

# The first session ends (on another node, say): its row is revoked and
# the feed brings it here.
my $before = time;
$t->psql("UPDATE extranet.session SET revoked_at = now()"
       . " WHERE account_code = '030000100001' AND revoked_at IS NULL");
sleep 1.5;   # the feed's bound: within a second

($status, $workers) = ask($ended, 30);
is_deeply($status, {302 => 30}, 'the ended session is refused by every request')
    or diag(join ' ', %$status);
is(scalar @$workers, 2, 'by both workers') or diag("@$workers");

# The session that was not ended goes on: its first request checks its row
# and brings a new cookie; from then on it costs no round trip again.
my $r = $t->get('/headers', cookie => $kept);
is($r->status, 200, 'the other session goes on');
my $fresh = $r->cookie('extranet_session');
ok($fresh && $fresh ne $kept, 'with a new cookie, its row checked');
($status, $workers) = ask($fresh, 10);
is_deeply($status, {200 => 10}, 'the new cookie passes on both workers');
$r = $t->get('/headers', cookie => $fresh);
ok(!defined $r->cookie('extranet_session'), 'and is not refreshed again');

like($t->error_log, qr/\[crit\].*no room in zone "extranet"/, 'the operator is told to make the zone larger');
unlike($t->error_log, qr/\[alert\]|\[emerg\]|segfault|exited on signal/, 'nothing worse');

done_testing;
