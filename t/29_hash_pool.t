#!/usr/bin/perl
# A trickle of logins from one address cannot stall the database work:
# hashing runs in its own pool (auth_extranet_hash_thread_pool), at most
# "hashes" of them in flight per client address (the rest answered 429 at
# once, without hashing), while api/me and the other database work keep
# their own pool. Latency is printed; the ratio belongs to make bench.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $conf = $t->standard_config(
    main => 'thread_pool hashing threads=2;',
    http => 'auth_extranet_hash_thread_pool hashing;'
          . 'auth_extranet_limit identifier=1000 address=1000 window=15m lockout=15m hashes=2;');
$t->run($conf);

my $cookie = $t->login('030000100001', 'tilleuls-0001', from => '127.0.0.3');
ok($cookie, 'a session, from another address');
my $json = { Accept => 'application/json' };

# the trickle: 16 logins at once from 127.0.0.2, unknown e-mails
my $kids = Extranet::Test::spawn(map {
    my $i = $_;
    sub {
        my (undef, $r) = $t->login("nobody$i\@example.org", 'a-wrong-password',
                                   from => '127.0.0.2');
        return $r->status;
    }
} 1 .. 16);

# meanwhile, api/me for the other session
my @lat;
my $deadline = time + 3;
while (time < $deadline) {
    my $t0 = time;
    my $r = $t->get('/auth/api/me', cookie => $cookie, headers => $json, from => '127.0.0.3');
    push @lat, (time - $t0) * 1000;
    is($r->status, 200, 'api/me answers during the trickle') if @lat == 1;
}

my %status;
$status{length $_ ? $_ : 'none'}++ for Extranet::Test::collect($kids);

diag('trickle answers: ' . join(', ', map { "$_ x$status{$_}" } sort keys %status));
is(($status{401} // 0) + ($status{429} // 0), 16, 'every login of the trickle is answered (401 or 429)');
ok(($status{429} // 0) >= 1, 'past 2 hashes in flight per address: 429');
ok(($status{401} // 0) >= 2, 'those within the bound get the generic failure');

@lat = sort { $a <=> $b } @lat;
my $p50 = $lat[int(@lat / 2)];
my $max = $lat[-1];
diag(sprintf('api/me during the trickle: %d requests, p50 %.1f ms, max %.1f ms',
             scalar @lat, $p50, $max));
ok($max < 2000, 'api/me never waited behind the hashes (generous bound: 2 s)');

my (undef, $r) = $t->login('030000100002', 'tilleuls-0002', from => '127.0.0.4');
is($r->status, 303, 'a legitimate login from elsewhere still works');

$t->error_log_ok;

done_testing;
