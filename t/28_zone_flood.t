#!/usr/bin/perl
# Filling the shared zone with new counters (a new identifier each time)
# neither lifts a lockout nor lets a logged-out cookie pass again: counters
# take at most half of the zone, revocations and active lockouts are never
# dropped to make room, and an attempt whose counter finds no room is
# refused rather than waved through.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
# the smallest zone: room for 64 counters
(my $conf = $t->standard_config(
    http => 'auth_extranet_limit identifier=3 address=100000 window=15m lockout=15m;'))
    =~ s/auth_extranet_zone extranet 10m;/auth_extranet_zone extranet 32k;/;
$t->run($conf);

# a locked-out identifier
for (1 .. 3) {
    $t->login('030000100002', 'wrong-password');
}
my (undef, $r) = $t->login('030000100002', 'tilleuls-0002');
is($r->status, 401, 'the identifier is locked out');

# a logged-out session
my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'a session');
$r = $t->post('/auth/logout', cookie => $cookie, form => [csrf => $t->csrf($cookie)]);
is($t->get('/headers', cookie => $cookie)->status, 302, 'logged out: refused');

# the flood: a new identifier each time, bounded
my ($refused, $answered) = (0, 0);
for my $i (1 .. 120) {
    my (undef, $f) = $t->login(sprintf('0399%08d', $i), 'whatever-password');
    $answered++ if $f->status;
    $refused++ if $f->status == 401;
}
is($answered, 120, 'every attempt of the flood is answered');
is($refused, 120, 'and refused (generic 401)');

# what the flood must not have undone
is($t->get('/headers', cookie => $cookie)->status, 302,
   'after the flood, the logged-out cookie is still refused');
(undef, $r) = $t->login('030000100002', 'tilleuls-0002');
is($r->status, 401, 'after the flood, the identifier is still locked out');

my $other = $t->login('030100200001', 'closfleuri-01');
ok($other, 'another owner with the right password still logs in (unlocked counters made room)')
    or diag('refused: the zone is full of counters');

unlike($t->error_log, qr/ngx_slab_alloc\(\) failed/, 'the zone never ran out of memory');
$t->error_log_ok;

done_testing;
