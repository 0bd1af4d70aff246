#!/usr/bin/perl
# Lockouts kept in PostgreSQL (issue 7; SPEC §9). Every login attempt is
# counted in extranet.login_lockout before its password is checked: a
# lockout holds across a restart (fresh shared memory) and on a second node,
# parallel attempts spread over two nodes cannot check more passwords than
# the limit (finding 6, across nodes), a success ends the identifier's
# count, and a client address over its limit is refused without hashing.

use strict;
use warnings;
use POSIX ();
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $limits = 'auth_extranet_limit identifier=3 address=30 window=15m lockout=15m;';
my $t = Extranet::Test->new;
my $config = $t->standard_config(http => $limits);
$t->run($config);
my $node2 = Extranet::Test->new(secret => $t->secret);
$node2->run($node2->standard_config(http => $limits));

sub row {
    my ($key) = @_;
    return $t->psql_value('SELECT failures || \' \' || (until > now())::text'
                        . ' FROM extranet.login_lockout WHERE key = ' . $t->sql_quote($key));
}

# --- an identifier's lockout is recorded and survives a restart and other nodes ------

for my $i (1 .. 3) {
    my (undef, $r) = $t->login('030000100001', "wrong-$i");
    is($r->status, 401, "wrong password $i: 401");
}
is(row('id:030000100001'), '3 true', 'three failures recorded, until the end of the lockout');
my (undef, $r) = $t->login('030000100001', 'tilleuls-0001');
is($r->status, 401, 'locked: the right password is refused');

$t->stop;
$t->run($config);   # a fresh shared memory zone
($r) = ($t->login('030000100001', 'tilleuls-0001'))[1];
is($r->status, 401, 'after a restart: still refused (PostgreSQL kept the lockout)');
($r) = ($node2->login('030000100001', 'tilleuls-0001'))[1];
is($r->status, 401, 'on a second node: refused as well');
like($t->error_log, qr/login failed for "030000100001": locked out/, 'logged as locked out');

$t->psql("DELETE FROM extranet.login_lockout WHERE key = 'id:030000100001'");
$t->stop;
$t->run($config);
my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'the record removed (support desk) and a fresh zone: the owner logs in');

# --- a success ends the identifier's count ------------------------------------------

$t->login('030000100002', 'wrong-1');
$t->login('030000100002', 'wrong-2');
is(row('id:030000100002'), '2 true', 'two failures counted in the window');
ok($t->login('030000100002', 'tilleuls-0002'), 'the right password within the limit');
is(row('id:030000100002') // 'none', 'none', 'the count is gone');

# --- parallel attempts over two nodes: no more passwords checked than the limit -----

my $mark = $t->audit_mark;
my @kids;
for my $i (1 .. 12) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $node = $i % 2 ? $t : $node2;
        my (undef, $res) = $node->login('040000300001', $i == 12 ? 'monceau-0001' : "wrong-$i");
        POSIX::_exit($res->status == 303 ? 0 : 1);
    }
    push @kids, $pid;
}
my $in = 0;
for (@kids) {
    waitpid($_, 0);
    $in++ if $? == 0;
}
my $checked = $t->psql_value(
    "SELECT count(*) FROM extranet.audit_log WHERE id > $mark AND identifier = '040000300001'"
  . " AND detail IN ('wrong password', 'code')");
cmp_ok($checked, '<=', 3, "12 attempts at once on two nodes, limit 3: $checked password(s) checked");
cmp_ok($in, '<=', 1, 'at most the one right password logs in');

# --- an address over its limit is refused without hashing ---------------------------

$t->psql('DELETE FROM extranet.login_lockout');
$t->psql("INSERT INTO extranet.login_lockout (key, until, failures)"
       . " VALUES ('ip:127.0.0.1', now() + interval '15 minutes', 31)");
$t->stop;
$t->run($config);
my $before = length $t->error_log;
($r) = ($t->login('030100200001', 'closfleuri-01'))[1];
is($r->status, 401, 'address locked in PostgreSQL: refused');
like(substr($t->error_log, $before), qr/login failed for "030100200001": address locked out\b(?!.*timing)/,
     'without any hash (no timing note: nothing was verified)');
is(row('id:030100200001') // 'none', 'none', 'the identifier was not even counted');

$t->error_log_ok;
$node2->error_log_ok;

done_testing;
