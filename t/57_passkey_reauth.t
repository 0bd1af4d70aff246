#!/usr/bin/perl
# Adding a passkey asks for the current password, as a password change and
# an unlink do. The attack: whoever holds a session (a borrowed computer
# left logged in, a session opened with an old password) adds their own
# passkey, which logs in for as long as it exists, password changes and
# all. Now register/options refuses without the password or with a wrong
# one (counted as a failed login), and the registration itself, JSON or
# the plain form post, finds no challenge without it. Names that hide
# characters are refused.

use strict;
use warnings;
use utf8;
use Test::More;
use MIME::Base64 qw(encode_base64url);
use lib 't/lib';
use Extranet::Test;
use Extranet::Passkey;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    http => 'auth_extranet_limit identifier=5 address=50 window=15m lockout=15m;'));
my $pk = Extranet::Passkey->new($t);

my $email = 'claire.martin@example.org';
my $password = 'Claire-perso-2024!';
my $id = $t->add_identity($email, $password, accounts => ['030000100001']);
sub passkeys_of { $t->psql_value("SELECT count(*) FROM extranet.passkey WHERE identity_id = $id") }
sub challenges { $t->psql_value('SELECT count(*) FROM extranet.passkey_challenge') }

my $session = $t->login($email, $password);
ok($session, 'a session (held by someone else)');
my $key = $pk->new_key('intruder');

# --- without the password ----------------------------------------------------------------

my ($r) = $pk->register_options($session);
is($r->status, 400, 'register/options without the password: 400');
is(($r->json // {})->{error}, 'missing_password', 'missing_password');
is(($r->json // {})->{field}, 'current_password', 'naming the field')
    or diag($r->body);
is(challenges(), 0, 'no challenge issued');

($r) = $pk->register($session, $key);
is($r->status, 400, 'the registration without a challenge of this session: 400');
is(($r->json // {})->{error}, 'wrong_challenge', 'wrong_challenge');
is(passkeys_of(), 0, 'no passkey added');

# The form route (no JavaScript), urlencoded, with a made-up challenge.
my $body = $pk->registration($key, encode_base64url('x' x 32));
$r = $t->post_as($session, '/auth/passkey/register', [%$body]);
is($r->status, 400, 'the plain form post without a challenge: 400');
is(passkeys_of(), 0, 'still no passkey');

# --- a wrong password -----------------------------------------------------------------------

my $mark = $t->audit_mark;
($r) = $pk->register_options($session, password => 'pas-le-bon-mot');
is($r->status, 401, 'a wrong password: 401');
is(($r->json // {})->{error}, 'invalid_password', 'invalid_password');
is(challenges(), 0, 'no challenge issued');
is($t->psql_value("SELECT event || '/' || success || '/' || detail FROM extranet.audit_log"
                . " WHERE id > $mark ORDER BY id LIMIT 1"), 'passkey_add/false/password: wrong password',
   'audited');
like($t->error_log, qr/passkey registration for "\Q$email\E" refused: wrong password/,
     'logged');

# --- the password ------------------------------------------------------------------------------

($r) = $pk->register($session, $key, password => $password);
is($r->status, 200, 'with the current password: 200') or diag($r->dump);
is(passkeys_of(), 1, 'the passkey is added');

# --- names that hide characters ------------------------------------------------------------------

for my $case (["\x{202e}gnp.exe", 'a right-to-left override'], ["Cl\x{e9}\x{200b}", 'a zero-width space'],
              ["Mon\x{85}tel", 'a C1 control'], ["a\x{2066}b", 'a bidi isolate']) {
    my ($name, $what) = @$case;
    ($r) = $pk->register($session, $pk->new_key('hidden'), password => $password, name => $name);
    is($r->status, 400, "a name with $what: 400");
    is(($r->json // {})->{error}, 'name_invalid', "$what: name_invalid");
}
is(passkeys_of(), 1, 'none stored');

# --- a wrong password counts as a failed login ----------------------------------------------------

# (the right password above cleared the earlier failure)
for (1 .. 5) { $pk->register_options($session, password => "faux-$_") }
($r) = $pk->register_options($session, password => $password);
is($r->status, 401, 'after five wrong passwords, even the right one is refused (lockout)');
my (undef, $login) = $t->login($email, $password);
isnt($login->status, 303, 'and so is a login with it: the failures counted for the identifier');

$t->error_log_ok;
done_testing;
