#!/usr/bin/perl
# Lockouts on a fleet (two nodes, one database, each its own zone): the
# database is the truth, a node's zone only its cache. Whenever a live
# lockout row goes (a right password, a password reset, an address
# confirmation, the desk's unlock), every node clears its counters of the
# key within a second (the revocation feed, written by a trigger on the
# row's deletion); a purge of expired rows or a login with no failure
# before it writes nothing there. A lockout is counted in
# auth_extranet_lockouts_total once, where PostgreSQL's count reaches the
# limit, even when no node's zone saw every guess.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $na = Extranet::Test->new;
my $nb = Extranet::Test->new(secret => $na->secret);
for my $n ($na, $nb) {
    # one site behind a balancer: both nodes name the same site URL
    $n->run($n->standard_config(
        site_url => $na->origin,
        http => 'auth_extranet_limit identifier=5 address=1000 window=15m lockout=15m;',
        server => 'location = /metrics { auth_extranet_status; allow 127.0.0.1; deny all; }'));
}

# Lots of one syndic for the owners below, each with the legacy password of
# 030000100001 (tilleuls-0001).
$na->psql("INSERT INTO extranet.legacy_account"
        . " (code, syndic_code, syndic_name, label, password_hash, active)"
        . " SELECT '0300001000' || n, syndic_code, syndic_name, label, password_hash, active"
        . " FROM extranet.legacy_account, generate_series(11, 17) AS n"
        . " WHERE code = '030000100001'");

sub feed_unlocks {
    my ($key) = @_;
    return $na->psql_value("SELECT count(*) FROM extranet.revocation_feed"
                         . " WHERE kind = 'unlock' AND key = " . $na->sql_quote($key));
}

sub row {
    my ($key) = @_;
    my ($r) = $na->psql("SELECT failures, until > now() FROM extranet.login_lockout"
                      . " WHERE key = " . $na->sql_quote($key));
    return $r ? "$r->[0] $r->[1]" : 'none';
}

sub lockouts {
    my $sum = 0;
    for my $n ($na, $nb) {
        my ($v) = $n->get('/metrics')->body
            =~ /^auth_extranet_lockouts_total\{zone="extranet"\} (\d+)/m;
        $sum += $v // 0;
    }
    return $sum;
}

# The newest mailed link of a route to an address.
sub mailed_token {
    my ($to, $route) = @_;
    my @bodies = map { my $s = pack('H*', $_->[0]); utf8::decode($s); $s }
        $na->psql("SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
                . ' WHERE recipient = ' . $na->sql_quote($to) . ' ORDER BY id DESC');
    for (@bodies) { return $1 if m{/auth/\Q$route\E\?token=([A-Za-z0-9_-]{43})$}m }
    return undef;
}

# --- 1. a right password on A ends the counters of B ----------------------------------

my $email = 'typo.owner@example.org';
my $pw = 'Typo-owner-2024!';
$na->add_identity($email, $pw, accounts => ['030000100011']);
my @s = map { ($nb->login($email, "wrong-$_"))[1]->status } 1 .. 4;
is_deeply(\@s, [(401) x 4], 'four typos on B');
ok(scalar $na->login($email, $pw), 'then the right password on A');
is(row("id:$email"), 'none', 'PostgreSQL has no count of the identifier');
is(feed_unlocks("id:$email"), 1, 'and the feed tells every node to clear it');
sleep 1;
@s = map { ($nb->login($email, "again-$_"))[1]->status } 1 .. 2;
is_deeply(\@s, [401, 401], 'two typos on B');
is(row("id:$email"), '2 t', 'PostgreSQL counts 2');
my ($c, $r) = $nb->login($email, $pw);
ok($c, 'the right password on B passes (B had counted 4 + 2 before)') or diag($r->status);
is(row("id:$email"), 'none', 'and clears the count again');

# No failure before a login, nothing to tell the nodes.
my $clean = 'clean.owner@example.org';
$na->add_identity($clean, 'Clean-owner-2024!', accounts => ['030000100012']);
ok(scalar $nb->login($clean, 'Clean-owner-2024!'), 'a login at the first try');
is(feed_unlocks("id:$clean"), 0, 'writes nothing to the feed');

# Nor a purge of rows whose window is over.
$na->psql("INSERT INTO extranet.login_lockout (key, until, failures, lim)"
        . " VALUES ('id:old\@example.org', now() - interval '10 minutes', 3, 5)");
ok(scalar $na->login($email, $pw), 'a login (which purges expired rows)');
is(row('id:old@example.org'), 'none', 'the expired row is purged');
is(feed_unlocks('id:old@example.org'), 0, 'without a word on the feed');

# --- 2. a password reset ends a lockout on every node ----------------------------------

my $forgetful = 'forgetful@example.org';
$na->add_identity($forgetful, 'Old-password-2024!', accounts => ['030000100013']);
$na->login($forgetful, "typo-a-$_") for 1 .. 3;
$nb->login($forgetful, "typo-b-$_") for 1 .. 3;
($c) = $na->login($forgetful, 'Old-password-2024!');
ok(!$c, 'six typos over both nodes lock her out');
$r = $na->post('/auth/password/forgot', form => [login => $forgetful],
               headers => { Origin => $na->origin });
is($r->status, 200, 'she asks for a reset link');
my $token = mailed_token($forgetful, 'password/reset');
ok($token, 'the mail has the link');
my $new = 'New-password-2025!';
$r = $na->post('/auth/password/reset',
               form => [token => $token, new_password => $new, password_confirm => $new],
               headers => { Origin => $na->origin });
is($r->status, 303, 'she sets a new password on A') or diag($r->status);
is(row("id:$forgetful"), 'none', 'the reset ended the count in PostgreSQL');
is(feed_unlocks("id:$forgetful"), 1, 'and told every node');
sleep 1;
($c, $r) = $nb->login($forgetful, $new);
ok($c, 'she logs in with the new password on B') or diag($r->status);
($c, $r) = $na->login($forgetful, $new);
ok($c, 'and on A') or diag($r->status);

# --- 3. an address confirmation ends a lockout of the address ---------------------------

my $claimed = 'claimed@example.org';
my $claim_pw = 'Claimed-owner-2024!';
my $code_cookie = $na->login('030000100014', 'tilleuls-0001');
ok($code_cookie, 'the owner of lot 030000100014 logs in with the code');
$r = $na->post_as($code_cookie, '/auth/link', [email => $claimed]);
$r = $na->post_as($code_cookie, '/auth/link/profile',
                  [email => $claimed, last_name => 'Martin', first_name => 'Paul', phone => '',
                   password => $claim_pw, password_confirm => $claim_pw]);
is($r->location_path, '/auth/link/done?confirm=1', 'and links it to a new address');
# someone guesses at the address meanwhile, on both nodes
$na->login($claimed, "guess-a-$_") for 1 .. 3;
$nb->login($claimed, "guess-b-$_") for 1 .. 3;
is(row("id:$claimed"), '6 t', 'the address is locked out');
$r = $na->confirm_address($claimed);
is($r->status, 200, 'the mailbox is proven on A') or diag($r->status);
is(row("id:$claimed"), 'none', 'the confirmation ended the count in PostgreSQL');
is(feed_unlocks("id:$claimed"), 1, 'and told every node');
sleep 1;
($c, $r) = $nb->login($claimed, $claim_pw);
ok($c, 'the address logs in on B') or diag($r->status);
($c, $r) = $na->login($claimed, $claim_pw);
ok($c, 'and on A') or diag($r->status);

# --- 4. a lockout spread over the nodes is counted, once ---------------------------------

my $before = lockouts();
my $victim = 'split.victim@example.org';
$na->add_identity($victim, 'Split-victim-2024!', accounts => ['030000100015']);
($_ % 2 ? $na : $nb)->login($victim, "guess-$_") for 1 .. 5;
is(lockouts() - $before, 1, 'five guesses over two nodes: one lockout counted (A+B)');
($c) = $na->login($victim, 'Split-victim-2024!');
ok(!$c, 'the right password is refused');
$nb->login($victim, 'guess-again');
is(lockouts() - $before, 1, 'refused attempts count no further lockout');

# Four typos then the right password: no lockout.
my $five = 'fifth.try@example.org';
$na->add_identity($five, 'Fifth-try-2024!', accounts => ['030000100016']);
($_ % 2 ? $na : $nb)->login($five, "typo-$_") for 1 .. 4;
ok(scalar $na->login($five, 'Fifth-try-2024!'), 'four typos, then the right password');
is(lockouts() - $before, 1, 'counts no lockout');

# One node alone counts its lockout once too (its zone and PostgreSQL agree).
my $alone = 'alone@example.org';
$na->add_identity($alone, 'Alone-owner-2024!', accounts => ['030000100017']);
$na->login($alone, "typo-$_") for 1 .. 7;
is(lockouts() - $before, 2, 'seven typos on one node: one more lockout');

$na->error_log_ok;
$nb->error_log_ok;
done_testing;
