#!/usr/bin/perl
# Key rotation on a live fleet, with reloads only (docs/fleet.md): two nodes
# sharing a key and a database; an owner keeps browsing, alternately on
# each node, storing the cookies the nodes send back, through three steps:
#   1. every node: the new key added as verify-only (old signs), reload;
#   2. every node: the new key signs, the old one verifies, reload; cookies
#      are re-signed at their next refresh;
#   3. every node: the old key retired, reload.
# The owner is never logged out; a copy of his cookie signed by the old key,
# accepted up to step 3, is refused after it.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $started = time;
my $na = Extranet::Test->new;
my $nb = Extranet::Test->new(secret => $na->secret);
my @nodes = ($na, $nb);

my $old = $na->dir . '/old.key';
my $new = $na->dir . '/new.key';
$na->write_file($old, $na->secret);
$na->write_file($new, Extranet::Test::random_bytes(32));
chmod 0644, $old, $new;   # the workers read them at reload, as nobody

sub config {
    my ($node, @keys) = @_;
    # one site behind a balancer: both nodes name the same site URL
    return $node->standard_config(
        site_url => $na->origin,
        secret_files => join(' ', @keys),
        http => 'auth_extranet_session_timeout idle=30m absolute=2h refresh=1s;');
}
$_->run(config($_, $old)) for @nodes;

my $email = 'rotation@example.org';
my $password = 'Rotation-perso-2024!';
$na->add_identity($email, $password, accounts => ['030000100001']);
my $cookie = $na->login($email, $password);
ok($cookie, 'the owner logs in (old key)');
my $stolen = $cookie;   # a copy signed by the old key, never refreshed

my ($requests, @refused, $resigned) = (0);

# The owner browses for `seconds`, alternately on each node, keeping the
# cookie each answer refreshes.
sub browse {
    my ($seconds, $step) = @_;
    my $end = time + $seconds;
    while (time < $end) {
        my $node = $nodes[$requests++ % 2];
        my $r = $node->get('/headers', cookie => $cookie);
        my ($account) = $r->body =~ /^X-Extranet-Account: (.*)$/m;
        push @refused, "$step: " . $r->status unless $r->status == 200 && $account;
        my $fresh = $r->cookie($node->cookie_name);
        if (defined $fresh && $fresh ne '' && $fresh ne $cookie) {
            $cookie = $fresh;
            $resigned = $step;
        }
        sleep 0.2;
    }
}

sub reload_all {
    my (@keys) = @_;
    for my $node (@nodes) {
        $node->reload(config($node, @keys));
        browse(0.5, "reload $keys[0]");
    }
}

browse(1.5, 'before');

# step 1: the new key verifies, the old one still signs
reload_all($old, $new);
browse(1.5, 'new verifies');

# step 2: the new key signs
reload_all($new, $old);
$resigned = undef;
browse(2.5, 'new signs');
is($resigned, 'new signs', 'the owner\'s cookie was re-signed at a refresh after step 2');
ok($nodes[0]->upstream_headers($stolen)->{Account},
   'the copy signed by the old key still passes before its retirement');

# step 3: the old key is retired
reload_all($new);
browse(1.5, 'old retired');

is_deeply(\@refused, [], "the owner was never refused ($requests requests over both nodes)");
for my $node (@nodes) {
    my $h = $node->upstream_headers($stolen);
    ok(!$h->{Account}, sprintf('node %s: the cookie signed by the retired key is refused',
                               $node == $na ? 'A' : 'B'));
}
like($na->error_log . $nb->error_log, qr/session cookie refused \(forged, truncated or of an unknown key\)/,
     'and logged as of an unknown key');

$_->error_log_ok for @nodes;
my $total = time - $started;
cmp_ok($total, '<', 60, sprintf('the test took %.1f s', $total));

done_testing;
