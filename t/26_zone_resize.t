#!/usr/bin/perl
# Changing the size of the module's zone on reload would start it empty and
# let a logged-out cookie pass again: the reload is refused with a message
# that names the zone, and the running configuration goes on serving. A
# restart (or a binary upgrade) does start a new zone: sessions refreshed
# before it are checked against their row once, so a logout still holds.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config());

my $cookie = $t->login('030000100001', 'tilleuls-0001');
my $other = $t->login('030000100002', 'tilleuls-0002');
ok($cookie && $other, 'two sessions');

my $r = $t->post('/auth/logout', cookie => $cookie,
                 form => [csrf => $t->csrf($cookie)]);
ok($r->status == 303 || $r->status == 200, 'logout of the first');
is($t->get('/headers', cookie => $cookie)->status, 302, 'its cookie is refused');

# the refused reload: a new size for the zone
(my $resized = $t->standard_config()) =~ s/auth_extranet_zone extranet 10m;/auth_extranet_zone extranet 20m;/;
$t->write_config($resized);
my $before = length $t->error_log;
kill 'HUP', $t->{pid};
my $log = '';
for (1 .. 100) {
    $log = substr($t->error_log, $before);
    last if $log =~ /cannot change its size/;
    select(undef, undef, undef, 0.05);
}
like($log, qr/auth_extranet_zone "extranet" cannot change its size on reload/,
     'the reload is refused, naming the zone');
like($log, qr/restart nginx/, 'and saying what to do');

is($t->get('/headers', cookie => $cookie)->status, 302,
   'the logged-out cookie is still refused');
$r = $t->get('/headers', cookie => $other);
is($r->status, 200, 'the other session still passes');
like($r->body, qr/^X-Extranet-Account: 030000100002$/m, 'with its headers');

# the same size again: a normal reload
$t->reload($t->standard_config(location => 'add_header X-Reloaded 1;'));
$r = $t->get('/headers', cookie => $other);
is($r->header('x-reloaded'), '1', 'a reload that keeps the size takes effect');
is($t->get('/headers', cookie => $cookie)->status, 302,
   'and keeps the revocation');

# a restart starts a new zone (so does a binary upgrade): the revocation it
# held is gone, yet the logged-out cookie is refused (its row is asked once)
# and a live session keeps passing
$t->stop;
$t->run($t->standard_config());
$r = $t->get('/headers', cookie => $cookie);
is($r->status, 302, 'after a restart, the logged-out cookie is still refused');
$r = $t->get('/headers', cookie => $other);
is($r->status, 200, 'and a live session still passes');
like($r->body, qr/^X-Extranet-Account: 030000100002$/m, 'with its headers');
ok($r->cookie('extranet_session'), 'its row was asked once: a refreshed cookie');
my $fresh = $r->cookie('extranet_session');
$r = $t->get('/headers', cookie => $fresh);
ok(!$r->cookie('extranet_session'), 'and not again');

# the refusal is logged at [emerg] by design: only that line is allowed
my @bad = grep { /\[(alert|emerg)\]/ && !/cannot change its size|reload/ }
          split /\n/, $t->error_log;
ok(!@bad, 'no other alert or emerg') or diag(join "\n", @bad);

done_testing;
