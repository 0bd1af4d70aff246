#!/usr/bin/perl
# "Changer mon mot de passe" sent twice: an owner on an old phone taps the
# button again while the first answer is slow, or the browser sends the
# page again. The second request carries the old password as the current
# one, which the first has just replaced: it used to answer "Mot de passe
# incorrect." and count a failed login, so the owner believed the change
# had failed (and tried the old password again). Within two minutes of a
# change, the same change asked again is answered as the first was, and
# nothing is done twice; anything else is refused as before.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    http => 'auth_extranet_limit identifier=5 address=50 window=15m lockout=15m;'));

my $email = 'slow.phone@example.org';
my $old = 'Ancien-mot-de-passe-2024';
my $new = 'Nouveau-mot-de-passe-2025';
my $id = $t->add_identity($email, $old, accounts => ['030000100001']);

sub change {
    my ($cookie, $current, $fresh, %o) = @_;
    return $t->post_as($cookie, '/auth/manage',
                       [action => 'password', current_password => $current,
                        new_password => $fresh, password_confirm => $fresh], %o);
}
sub failures {
    $t->psql_value("SELECT COALESCE(sum(failures), 0) FROM extranet.login_lockout"
                 . " WHERE key = " . $t->sql_quote("id:$email"))
}
sub audit {
    my ($since) = @_;
    return join ',', map { "$_->[0]/$_->[1]/$_->[2]" }
        $t->psql("SELECT event, success, detail FROM extranet.audit_log"
               . " WHERE id > $since AND event = 'password' ORDER BY id");
}

# --- one after the other: the second tap after the first answered ------------------------

my $cookie = $t->login($email, $old);
ok($cookie, 'the owner is logged in');
my $mark = $t->audit_mark;
my $r = change($cookie, $old, $new);
is($r->status, 303, 'the change: 303') or diag($r->dump);
like($r->header('Location') // '', qr/manage\?done=password$/, 'to the page saying it is done');
my $hash = $t->psql_value("SELECT password_hash FROM extranet.identity WHERE id = $id");

$r = change($cookie, $old, $new);
is($r->status, 303, 'the same form sent again: answered as the first') or diag($r->dump);
like($r->header('Location') // '', qr/manage\?done=password$/, 'the same page');
is($t->psql_value("SELECT password_hash FROM extranet.identity WHERE id = $id"), $hash,
   'the password is not changed again');
is(failures(), 0, 'no failed login counted');
is(audit($mark), 'password/t/0 other session(s) revoked, 0 numeric-code session(s),'
               . 'password/t/already changed (form sent again)',
   'the audit trail says the form came twice') or diag(audit($mark));
ok(scalar $t->login($email, $new), 'the new password logs in');
ok(!scalar $t->login($email, $old), 'the old one does not');

# --- the two taps at once ---------------------------------------------------------------
# The second waits for the first's row locks, held over its hashes. On a
# loaded machine that wait may pass the role's lock_timeout (3 s): the
# second then gets the French "try again" page (503), never "wrong
# password". Quiet, both say "done".

my $old2 = $new;
my $new2 = 'Troisieme-mot-de-passe-26';
$cookie = $t->login($email, $old2);
my @got = map { s{^(\d+) \S*/}{$1 }r } Extranet::Test::collect(Extranet::Test::spawn(map {
    sub {
        my $res = change($cookie, $old2, $new2);
        return $res->status . ' ' . ($res->header('Location') // '');
    }
} 1, 2));
my $done = grep { $_ eq '303 manage?done=password' } @got;
my $busy = grep { /^503\b/ } @got;
ok($done >= 1, 'two taps at once: the change is done') or diag("@got");
is($done + $busy, 2, 'and the other tap is answered "done" too (or, past the lock wait, 503)')
    or diag("@got");
diag("two taps at once: @got") if $busy;
is(failures(), 0, 'no failed login counted');
ok(scalar $t->login($email, $new2), 'the new password logs in');

# --- what is still refused ---------------------------------------------------------------

$cookie = $t->login($email, $new2);
$r = change($cookie, $old2, 'Autre-mot-de-passe-2026');
is($r->status, 401, 'the old password with another new one: refused') or diag($r->dump);
like($r->text, qr/Mot de passe incorrect/, 'as a wrong password');
is(failures(), 1, 'and counted');

$t->psql("UPDATE extranet.identity SET password_changed_at = now() - interval '5 minutes'"
       . " WHERE id = $id");
$r = change($cookie, $old2, $new2);
is($r->status, 401, 'the same change asked again minutes later: refused as before');
is(failures(), 2, 'and counted');
ok(scalar $t->login($email, $new2), 'the password in force still logs in');

# A JSON client gets the same answer as the first time.
my $js = $t->login($email, $new2);
$r = change($js, $new2, 'Encore-un-mot-de-passe-27', Accept => 'application/json');
is($r->status, 200, 'JSON: a change') or diag($r->dump);
$r = change($js, $new2, 'Encore-un-mot-de-passe-27', Accept => 'application/json');
is($r->status, 200, 'JSON: sent again, 200');
is(($r->json // {})->{done}, 'password', 'done: password');

done_testing();
