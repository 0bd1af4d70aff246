#!/usr/bin/perl
# PostgreSQL frozen (SIGSTOP: it accepts connections but never answers):
# the portal answers 503 within the database deadline, proxied requests with
# a valid cookie keep flowing, and everything recovers when it thaws.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(http => 'auth_extranet_db_timeout 2s;'));

my ($socket_dir) = $t->db =~ /host=(\S+)/;
my $pidfile = "$socket_dir/data/postmaster.pid";
ok(-f $pidfile, 'the cluster has a postmaster.pid');

sub postgres_pids {
    open my $fh, '<', $pidfile or return ();
    my $master = <$fh>;
    chomp $master;
    my @children = split ' ', `pgrep -P $master`;
    return ($master, @children);
}

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'login while PostgreSQL answers');

my @pids = postgres_pids();
ok(@pids > 1, 'postmaster and its processes found');
kill 'STOP', @pids;

my $start = time;
my $r = $t->post('/auth/login', form => [login => '030000100002', password => 'tilleuls-0002']);
my $took = time - $start;
is($r->status, 503, 'frozen PostgreSQL: login answers 503');
like($r->text, qr/Service momentanément indisponible/, 'with the French page');
cmp_ok($took, '<', 10, sprintf('within a bounded time (%.1f s for a 2 s deadline per round trip)', $took));

$r = $t->get('/headers', cookie => $cookie);
is($r->status, 200, 'frozen PostgreSQL: a valid cookie still passes');
like($r->text, qr/^X-Extranet-Account: 030000100001$/m, 'with its headers');

kill 'CONT', @pids;

my $status = 0;
for (1 .. 20) {
    $status = $t->post('/auth/login', form => [login => '030000100002',
                                               password => 'tilleuls-0002'])->status;
    last if $status == 303;
    sleep 0.5;
}
is($status, 303, 'thawed: login works again');

$t->error_log_ok(crit => qr/database|connection/);

done_testing;
