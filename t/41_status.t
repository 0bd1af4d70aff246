#!/usr/bin/perl
# auth_extranet_status answers the module's metrics in the Prometheus text
# format; the counters move as requests are made, are summed over the
# workers (they live in the shared zone) and survive a reload.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
(my $conf = $t->standard_config(
    http => 'auth_extranet_session_timeout idle=60s absolute=1h refresh=2s;',
    server => 'location = /metrics { auth_extranet_status; allow 127.0.0.1; deny all; }'))
    =~ s/worker_processes 1;/worker_processes 2;/;
$t->run($conf);

sub scrape {
    my $r = $t->get('/metrics');
    is($r->status, 200, 'status answers') unless $_[0];
    my %m;
    for my $line (split /\n/, $r->body) {
        next if $line =~ /^#/;
        my ($k, $v) = $line =~ /^(\S+) (\S+)$/ or next;
        $m{$k} = $v;
    }
    return (\%m, $r);
}

my ($m0, $r) = scrape();
like($r->header('content-type') // '', qr{^text/plain; version=0\.0\.4}, 'Prometheus text format');
like($r->body, qr/^# TYPE auth_extranet_logins_total counter$/m, 'with TYPE lines');
like($r->body, qr/^# TYPE auth_extranet_task_duration_seconds histogram$/m, 'a latency histogram');
my %types = $r->body =~ /^# TYPE (\S+) /mg;
my @dups = grep { my $n = $_; (() = $r->body =~ /^# TYPE \Q$n\E /mg) > 1 } keys %types;
is_deeply(\@dups, [], 'each metric declared once');

is($t->get('/metrics', from => '127.0.0.2')->status, 403,
   'restricted to the monitoring network like any location');

my $z = 'zone="extranet"';
my $key = sub { my ($name, $labels) = @_; "$name\{$z" . ($labels ? ",$labels" : '') . '}' };

# Before any login, worker 0 reads the revocation feed in its pool
# threads: the connection a read opens is counted too (it serves that
# thread's later logins, which open none).
ok(Extranet::Test::eventually(sub {
       my ($m) = scrape(1);
       ($m->{$key->('auth_extranet_db_connects_total', '')} // 0) >= 1 }, 10),
   "the feed's connection is counted");

# --- things happen ----------------------------------------------------------------

my $cookie = $t->login('030000100001', 'tilleuls-0001');
$t->login('030000100002', 'wrong-password');
$t->login('nobody@example.org', 'wrong-password');
$t->get('/headers', cookie => $cookie . 'x');                      # forged
sleep 3;
$t->get('/headers', cookie => $cookie);                             # refreshed
$t->post('/auth/logout', cookie => $cookie, form => [csrf => $t->csrf($cookie)]);
$t->get('/headers', cookie => $cookie);                             # revoked

# the workers are two: scrape a few times, every answer must agree
my ($m1) = scrape();
for (1 .. 4) {
    my ($again) = scrape(1);
    is($again->{$key->('auth_extranet_logins_total', 'method="code",result="success"')},
       $m1->{$key->('auth_extranet_logins_total', 'method="code",result="success"')},
       'every worker answers the same sums');
}

my $moved = sub {
    my ($name, $labels, $by, $what) = @_;
    my $k = $key->($name, $labels);
    ok(defined $m1->{$k}, "$k is published") or return;
    cmp_ok($m1->{$k} - ($m0->{$k} // 0), '>=', $by, $what);
};

$moved->('auth_extranet_logins_total', 'method="code",result="success"', 1, 'a code login counted');
$moved->('auth_extranet_logins_total', 'method="code",result="failure"', 1, 'a failed code login counted');
$moved->('auth_extranet_logins_total', 'method="email",result="failure"', 1, 'a failed e-mail login counted');
$moved->('auth_extranet_cookies_refused_total', 'reason="forged"', 1, 'a forged cookie counted');
$moved->('auth_extranet_cookies_refused_total', 'reason="revoked"', 1, 'a revoked cookie counted');
$moved->('auth_extranet_sessions_refreshed_total', '', 1, 'a refresh counted');
$moved->('auth_extranet_sessions_revoked_total', '', 1, 'a revocation counted');
$moved->('auth_extranet_logouts_total', '', 1, 'a logout counted');
# Counted since the zone began, not since the first scrape: the pool
# threads connect once, and the one that takes the login may have
# connected for the feed's reads already.
cmp_ok($m1->{$key->('auth_extranet_db_connects_total', '')} // 0, '>=', 1,
       'database connections counted');
$moved->('auth_extranet_task_duration_seconds_count', '', 5, 'tasks timed');
is($m1->{$key->('auth_extranet_task_duration_seconds_bucket', 'le="+Inf"')},
   $m1->{$key->('auth_extranet_task_duration_seconds_count', '')},
   'the +Inf bucket holds every task');
is($m1->{$key->('auth_extranet_tasks_running', '')}, 0, 'no task running now');
is($m1->{$key->('auth_extranet_tasks_queued', '')}, 0, 'none queued');

# lockouts
for (1 .. 5) { $t->login('030100200001', 'wrong-password') }
my ($m2) = scrape();
cmp_ok($m2->{$key->('auth_extranet_lockouts_total', '')}, '>=', 1, 'a lockout counted');

# --- a reload keeps them ---------------------------------------------------------

$t->reload($conf);
my ($m3) = scrape();
cmp_ok($m3->{$key->('auth_extranet_logins_total', 'method="code",result="success"')}, '>=',
       $m2->{$key->('auth_extranet_logins_total', 'method="code",result="success"')},
       'the counters survive a reload');

$t->error_log_ok;

done_testing;
