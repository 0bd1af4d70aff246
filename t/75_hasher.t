#!/usr/bin/perl
# The hasher: each worker forks a process that runs its password hashes,
# in a session (a scheduling group) of its own at a lower priority, so that
# a login storm's hashes do not take the worker's share of the CPU. The
# logins' hashes are spent there, not in the worker; a hasher that is gone
# leaves the worker's threads hashing themselves (logins keep working);
# a reload or a stop leaves no hasher behind.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $conf = $t->standard_config(
    http => 'auth_extranet_limit identifier=1000 address=1000 window=15m lockout=15m;');
$conf =~ s/worker_processes 1;/worker_processes 2;/ or die 'no worker_processes';
$t->run($conf);

my $master = $t->read_file('nginx.pid');
chomp $master;

sub stat_of {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return;
    my $line = <$fh>;
    # pid (comm) state ppid pgrp session ...: comm may hold spaces
    $line =~ s/^\d+ \(.*\) // or return;
    my @f = split ' ', $line;
    return { ppid => $f[1], session => $f[3], utime => $f[11], stime => $f[12], nice => $f[16] };
}

sub children_of {
    my ($pid) = @_;
    my @kids;
    opendir my $d, '/proc' or die $!;
    for my $p (grep { /^\d+$/ } readdir $d) {
        my $s = stat_of($p) or next;
        push @kids, $p if $s->{ppid} == $pid;
    }
    return @kids;
}

sub cmdline {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/cmdline" or return '';
    local $/;
    my $c = <$fh> // '';
    $c =~ s/\0+$//;
    $c =~ s/\0/ /g;
    return $c;
}

# worker => hasher
sub hashers {
    my %h;
    for my $w (children_of($master)) {
        next unless cmdline($w) =~ /worker process/;
        for my $k (children_of($w)) {
            $h{$w} = $k if cmdline($k) =~ /auth extranet hasher/;
        }
    }
    return %h;
}

sub wait_hashers {
    my ($n) = @_;
    my %h;
    my $deadline = time + 10;
    while (time < $deadline) {
        %h = hashers();
        last if keys %h == $n;
        sleep 0.1;
    }
    return %h;
}

sub cpu_ticks { my $s = stat_of($_[0]) or return 0; $s->{utime} + $s->{stime} }

my %h = wait_hashers(2);
is(scalar keys %h, 2, 'each of the 2 workers has its hasher');

for my $w (sort keys %h) {
    my ($ws, $hs) = (stat_of($w), stat_of($h{$w}));
    isnt($hs->{session}, $ws->{session}, "hasher $h{$w}: a session of its own");
    is($hs->{session}, $h{$w}, "hasher $h{$w}: it leads it (its own autogroup)");
    cmp_ok($hs->{nice}, '>', $ws->{nice}, "hasher $h{$w}: a lower priority than its worker");
    if (-e "/proc/$h{$w}/autogroup") {
        # written by the hasher just after its fork: read until it is
        my $ag = '';
        my $until = time + 3;
        while (time < $until) {
            open my $fh, '<', "/proc/$h{$w}/autogroup" or last;
            $ag = <$fh> // '';
            last if $ag =~ /nice 10/;
            sleep 0.05;
        }
        like($ag, qr/nice 10/, "hasher $h{$w}: its group at nice 10");
    }
}

# Logins: bcrypt codes ($2y$10$: tens of milliseconds each), right and wrong.
my @hashers = values %h;
my @workers = keys %h;
my $h0 = 0; $h0 += cpu_ticks($_) for @hashers;
for my $i (1 .. 6) {
    my (undef, $r) = $t->login('030000100002', $i % 2 ? 'tilleuls-0002' : 'pas-le-bon-mot-de-passe');
    is($r->status, $i % 2 ? 303 : 401, "login $i answered as the password says");
}
my $h1 = 0; $h1 += cpu_ticks($_) for @hashers;
diag(sprintf('6 bcrypt logins: %d ticks (1/100 s) of CPU in the hashers', $h1 - $h0));
cmp_ok($h1 - $h0, '>=', 6, 'the hashes were spent in the hashers');

# A hasher gone: the worker's threads hash themselves, nothing fails.
kill 'TERM', @hashers;
my $deadline = time + 5;
sleep 0.05 while time < $deadline && grep { kill 0, $_ } @hashers;
for my $i (1 .. 4) {
    my (undef, $r) = $t->login('030000100002', 'tilleuls-0002');
    is($r->status, 303, "login $i without hashers still logs in");
}
is(scalar(() = grep { cmdline($_) =~ /auth extranet hasher/ } map { children_of($_) } @workers), 0,
   'the workers did not start another');

# A reload: the old workers' hashers end with them, the new ones have theirs.
$t->reload;
%h = wait_hashers(2);
is(scalar keys %h, 2, 'after a reload, the new workers have their hashers');
my %new = map { $_ => 1 } values %h;
ok(!grep({ $new{$_} } @hashers), 'none of them is an old one');
$deadline = time + 10;
my @left;
do {
    @left = grep { cmdline($_) =~ /auth extranet hasher/ && !$new{$_} }
            map { children_of($_) } children_of($master);
    sleep 0.1 if @left;
} while (@left && time < $deadline);
is(scalar @left, 0, 'no hasher of the old workers is left');

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'a login after the reload');

# A stop: no hasher is left running.
my @last = values %h;
$t->stop;
$deadline = time + 5;
sleep 0.05 while time < $deadline && grep { kill 0, $_ } @last;
is(scalar(grep { kill 0, $_ } @last), 0, 'nginx stopped: its hashers are gone');

$t->error_log_ok;

done_testing;
