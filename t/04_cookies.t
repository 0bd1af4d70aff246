#!/usr/bin/perl
# The session cookie: tampered, truncated, foreign-key and expired cookies are
# refused; key rotation keeps cookies of the old key valid.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

# A cookie is sealed for its site: the servers below are one site (one site
# URL) under different keys.
my $SITE = 'http://extranet.test';

# $ta signs with key A.
my $ta = Extranet::Test->new;
$ta->run($ta->standard_config(site_url => $SITE));

my $cookie = $ta->login('030000100001', 'tilleuls-0001');
ok($cookie, 'login under key A');
is($ta->get('/headers', cookie => $cookie)->status, 200, 'the fresh cookie is accepted');

sub refused {
    my ($t, $value, $name) = @_;
    my $r = $t->get('/headers', cookie => $value);
    is($r->status, 302, "$name: refused (302)");
    like($r->location_path // '', qr{^/auth/login\?next=}, "$name: sent to login");
}

# --- forged and broken cookies ------------------------------------------------

my %alt = map { $_ => 1 } ('A' .. 'Z', 'a' .. 'z', '0' .. '9', '-', '_');
sub flip {
    my ($s, $pos) = @_;
    my $c = substr($s, $pos, 1);
    # A neighbour in the alphabet: differs in the low bits of one byte.
    my $n = $c eq 'A' ? 'B' : $c eq 'z' ? 'y' : $c eq '9' ? '8' : $c eq '-' ? '_' : $c eq '_' ? '-'
          : chr(ord($c) ^ 1);
    $n = 'Q' unless $alt{$n} && $n ne $c;
    substr($s, $pos, 1) = $n;
    return $s;
}

for my $pos (0, 5, int(length($cookie) / 2), length($cookie) - 6) {
    refused($ta, flip($cookie, $pos), "one character flipped at $pos");
}
refused($ta, substr($cookie, 0, length($cookie) - 10), 'truncated by 10 characters');
refused($ta, substr($cookie, 0, 20), 'truncated to 20 characters');
refused($ta, substr($cookie, 0, int(length($cookie) / 2)), 'truncated to half');
refused($ta, $cookie . 'AAAA', '4 characters appended');
refused($ta, '', 'empty value');
refused($ta, 'A' x length($cookie), 'same length, all A');
refused($ta, '!!!' . $cookie, 'not base64url');
refused($ta, 'x' x 3500, 'a long garbage value');
is($ta->get('/headers', cookie => $cookie)->status, 200, 'the genuine cookie is still accepted');

# A cookie of the right name but in another case is not the session.
my $r = $ta->get('/headers', headers => { Cookie => "EXTRANET_SESSION=$cookie" });
is($r->status, 302, 'cookie name is case-sensitive');

# --- another key ------------------------------------------------------------------

my $tb = Extranet::Test->new;       # its own random key B
$tb->run($tb->standard_config(site_url => $SITE));
my $cookie_b = $tb->login('030000100002', 'tilleuls-0002');
ok($cookie_b, 'login under key B');
is($tb->get('/headers', cookie => $cookie_b)->status, 200, 'B accepts its cookie');
refused($ta, $cookie_b, 'a cookie signed by another key (B on A)');
refused($tb, $cookie, 'a cookie signed by another key (A on B)');

# --- key rotation: B signs, A still verifies -----------------------------------------

my $rot = Extranet::Test->new;
$rot->write_file('a.key', $ta->secret);
$rot->write_file('b.key', $tb->secret);
$rot->run($rot->standard_config(site_url => $SITE,
                                secret_files => '%%TESTDIR%%/b.key %%TESTDIR%%/a.key'));
$r = $rot->get('/headers', cookie => $cookie);
is($r->status, 200, 'rotation: a cookie of the old key A is accepted');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'rotation: with its claims');
is($rot->get('/headers', cookie => $cookie_b)->status, 200, 'rotation: a cookie of B is accepted');
my $cookie_rot = $rot->login('040000300001', 'monceau-0001');
ok($cookie_rot, 'login after rotation');
is($tb->get('/headers', cookie => $cookie_rot)->status, 200, 'the new cookie is signed by B (the first key)');
refused($ta, $cookie_rot, 'the new cookie is not signed by A');

# --- timeouts ------------------------------------------------------------------------

my $short = Extranet::Test->new;
$short->run($short->standard_config(
    http => 'auth_extranet_session_timeout idle=3s absolute=5s refresh=1s;'));
# The claims count whole seconds: every wait below keeps a margin of more
# than one second on the side it asserts.

# Idle: unused for longer than 3 s.
my $idle = $short->login('030000100001', 'tilleuls-0001');
ok($idle, 'login with short timeouts');
is($short->get('/headers', cookie => $idle)->status, 200, 'fresh cookie accepted');
sleep 5;
refused($short, $idle, 'unused for 5 s (idle=3s)');

# Absolute: used every 1.1 s (so never idle), refused after 5 s.
my $abs = $short->login('030000100002', 'tilleuls-0002');
ok($abs, 'second login with short timeouts');
my $current = $abs;
my @status;
for my $i (1 .. 5) {
    sleep 1.1;
    my $rr = $short->get('/headers', cookie => $current);
    push @status, $rr->status;
    # A refreshed cookie replaces the old one, as a browser would do.
    $current = $rr->cookie('extranet_session') || $current;
}
is("@status[0 .. 2]", '200 200 200', 'used within the idle timeout: accepted at ~1.1, ~2.2 and ~3.3 s');
sleep 1.1;
refused($short, $current, 'past the absolute timeout (absolute=5s) at ~6.6 s despite use');
refused($short, $abs, 'the first cookie of that session too');

$_->error_log_ok for $ta, $tb, $rot, $short;

done_testing;
