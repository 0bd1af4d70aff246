#!/usr/bin/perl
# Passkey failures are counted in PostgreSQL, as password failures are: a
# wrong current password when adding a passkey counts against the
# identifier and the address, a failed passkey login against the address,
# before the work each guards. Before, both were kept in the node's zone
# only: guesses spread over the nodes of a fleet (or made across a
# restart) never met the limit, and another node let the same client go
# on. Two nodes, one database, each its own zone.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;
use Extranet::Passkey;

my $na = Extranet::Test->new;
my $nb = Extranet::Test->new(secret => $na->secret);
for my $n ($na, $nb) {
    $n->run($n->standard_config(
        http => 'auth_extranet_limit identifier=3 address=6 window=15m lockout=15m;'));
}
my $pa = Extranet::Passkey->new($na);
my $pb = Extranet::Passkey->new($nb);

sub row {
    my ($key) = @_;
    my ($r) = $na->psql("SELECT failures, until > now() FROM extranet.login_lockout"
                      . " WHERE key = " . $na->sql_quote($key));
    return $r ? "$r->[0] $r->[1]" : 'none';
}

# Each part starts with the address's budget whole: its own failures are
# what it counts.
sub fresh_address { $na->psql("DELETE FROM extranet.login_lockout WHERE key LIKE 'ip:%'") }

# --- 1. a wrong current password when adding a passkey ----------------------------------

my $email = 'guessed.owner@example.org';
my $password = 'Guessed-owner-2024!';
$na->add_identity($email, $password, accounts => ['030000100001']);
my $held = $na->login($email, $password);
ok($held, 'a session on A (held by someone else, who guesses her password)');

my @s = map { ($pa->register_options($held, password => "guess-$_"))[0]->status } 1 .. 3;
is_deeply(\@s, [401, 401, 401], 'three wrong current passwords on A: 401 each');
is(row("id:$email"), '3 t', 'PostgreSQL counts them against the identifier');
is(row('ip:127.0.0.1'), '3 t', 'and against the address');

my ($cookie, $r) = $nb->login($email, $password);
ok(!$cookie, 'node B, whose zone saw none of them, refuses even the right password');
is($r->status, 401, 'as any failed login (the lockout does not tell itself apart)');
($cookie) = $nb->login($email, $password);
ok(!$cookie, 'again');
is(row("id:$email"), '5 t', 'each refused attempt is counted too');

# --- 2. the right current password ends the identifier's count --------------------------

fresh_address();
my $other = 'typing.owner@example.org';
my $other_pw = 'Typing-owner-2024!';
$na->add_identity($other, $other_pw, accounts => ['030000100002']);
my $session = $nb->login($other, $other_pw);
ok($session, 'another owner logs in on B');
@s = map { ($pb->register_options($session, password => "typo-$_"))[0]->status } 1 .. 2;
is_deeply(\@s, [401, 401], 'two typos of her current password on B');
is(row("id:$other"), '2 t', 'counted in PostgreSQL');
($r) = $pb->register_options($session, password => $other_pw);
is($r->status, 200, 'then the right one: the challenge') or diag($r->body);
is(row("id:$other"), 'none', 'her count ends');
is(row('ip:127.0.0.1'), '2 t', "the address keeps the typos' count, not the right attempt's");

# --- 3. failed passkey logins count against the address ----------------------------------

fresh_address();
my $owner = 'passkey.owner@example.org';
my $owner_pw = 'Passkey-owner-2024!';
$na->add_identity($owner, $owner_pw, accounts => ['030100200001']);
my $own = $na->login($owner, $owner_pw);
my $key = $pa->new_key('phone');
$r = $pa->register($own, $key, password => $owner_pw);
is($r->status, 200, 'the owner adds her passkey on A') or diag($r->body);
fresh_address();

$r = $pb->login($key);
is($r->status, 200, 'her passkey logs in on B') or diag($r->body);
is(row('ip:127.0.0.1'), '0 t', 'a passkey proven gives its attempt back (0 failures)');

my $stranger = $pa->new_key('stranger');
@s = map { $pa->login($stranger)->status } 1 .. 6;
is_deeply(\@s, [(401) x 6], 'six passkeys the site does not know, on A: 401 each');
is(row('ip:127.0.0.1'), '6 t', 'PostgreSQL counts them against the address');

$r = $pb->login($key);
is($r->status, 429, 'node B refuses the next passkey login from that address') or diag($r->body);
($cookie, $r) = $nb->login($owner, $owner_pw);
ok(!$cookie, 'and its password logins: the address is locked out on every node');

# The desk's unlock lifts it everywhere.
my ($rc, $out, $err) = $na->admin('--operator', 'desk', 'unlock', '--address', '127.0.0.1');
is($rc, 0, 'the desk unlocks the address') or diag($err);
is(row('ip:127.0.0.1'), 'none', 'its row is gone');
sleep 1;
$r = $pb->login($key);
is($r->status, 200, 'and B lets her passkey in again') or diag($r->body);

done_testing();
