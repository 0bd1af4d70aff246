#!/usr/bin/perl
# Passkeys in recovery. The attack: a stolen phone holds a passkey; the
# owner calls the support desk (revoke) and resets the password, and the
# phone still logs in. Now the reset offers (checked by default) to remove
# every passkey in its own transaction; the desk lists an identity's
# passkeys, removes one or all, and with revoke --passkeys removes them
# all; each removal and each addition is mailed to the owner; the reset
# mail and page speak of passkeys; the desk's role reads no key material.

use strict;
use warnings;
use utf8;
use Test::More;
use Encode ();
use lib 't/lib';
use Extranet::Test;
use Extranet::Passkey;

my $t = Extranet::Test->new;
$t->run($t->standard_config);
my $pk = Extranet::Passkey->new($t);
my $origin = $t->origin;
my $ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';

# (exit code, stdout, stderr) of extranet-admin, as the desk's role; stdin
# is not a terminal (no question is asked).
sub admin { $t->admin('--operator', 'alice', @_) }

sub mails_to {
    my ($to) = @_;
    my @rows = $t->psql("SELECT encode(convert_to(subject, 'UTF8'), 'hex'),"
                      . " encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
                      . " WHERE recipient = " . $t->sql_quote($to) . " ORDER BY id");
    return map { [map { my $s = pack('H*', $_); utf8::decode($s); $s } @$_] } @rows;
}

sub passkeys_of { $t->psql_value("SELECT count(*) FROM extranet.passkey WHERE identity_id = $_[0]") }

sub audit_since {
    my ($mark) = @_;
    my @rows = $t->psql("SELECT event, success, coalesce(operator, ''), detail"
                      . " FROM extranet.audit_log WHERE id > $mark ORDER BY id");
    for my $row (@rows) { utf8::decode($_) for @$row }
    return \@rows;
}

# A reset link mailed to the address, and the reset posted with it.
sub reset_password {
    my ($email, $new, @extra) = @_;
    $t->post('/auth/password/forgot', form => [login => $email], headers => { Origin => $origin });
    my ($token) = (mails_to($email))[-1][1] =~ m{password/reset\?token=([A-Za-z0-9_-]{43})};
    die 'no reset link' unless $token;
    my $page = $t->open_reset_link($token);
    my $r = $t->post('/auth/password/reset', headers => { Origin => $origin, 'User-Agent' => $ua },
                     form => [token => $token, new_password => $new, password_confirm => $new,
                              @extra]);
    return ($r, $page, (mails_to($email))[-2]);
}

my $email = 'claire.martin@example.org';
my $password = 'Claire-perso-2024!';
my $id = $t->add_identity($email, $password, accounts => ['030000100001', '030000100002']);

# --- adding a passkey is mailed to the owner -----------------------------------------------

my $cookie = $t->login($email, $password, headers => { 'User-Agent' => $ua });
my $phone = $pk->new_key('phone');
my $r = $pk->register($cookie, $phone, password => $password, name => 'Téléphone volé');
is($r->status, 200, 'a passkey registered (the phone that will be stolen)') or diag($r->dump);
my @m = mails_to($email);
is(scalar @m, 1, 'one mail');
is($m[0][0], "Une clé d'accès a été ajoutée à votre espace", 'the addition is mailed');
like($m[0][1], qr/Une nouvelle clé d'accès \(passkey\) a été ajoutée .* le \d\d\/\d\d\/\d{4}/,
     'saying what and when');
unlike($m[0][1], qr/Téléphone volé|http/, 'without the name a client typed, without a link');
is($pk->login($phone)->status, 200, 'the passkey logs in');

# --- the reset page and mail speak of passkeys ----------------------------------------------

my $new = 'Claire-nouveau-2025!';
# The owner unticks the box: the passkeys stay (the box is what removes them).
my ($reset, $page, $reset_mail) = reset_password($email, $new);
is($reset->status, 303, 'a reset without the box ticked') or diag($reset->dump);
like($reset_mail->[1], qr/Supprimer aussi toutes mes clés d'accès \(passkeys\)/,
     'the reset mail names the box');
like($reset_mail->[1], qr/une clé d'accès permet de se connecter sans mot de passe/,
     'and says why');
like($page->body, qr{<input type="checkbox" name="remove_passkeys" id="reset-remove-passkeys" value="1"[^>]* checked>},
     'the reset page has the box, ticked');
like($page->text, qr/Supprimer aussi toutes mes clés d(?:'|&#39;)accès \(passkeys\)/,
     'with its label');
is(passkeys_of($id), 1, 'unticked: the passkey is kept');
is($pk->login($phone)->status, 200, 'and still logs in');

# --- the attack, before: desk revoke + reset, and the stolen phone logs in --------------------
# --- now: the reset with the box ticked removes it -------------------------------------------

my ($rc, $out, $err) = admin('revoke', $email);
is($rc, 0, 'the desk revokes the sessions (no terminal, no flag)') or diag($err);
like($out, qr/1 passkey\(s\) kept: each still logs in/, 'and is told the passkey is kept');
is(passkeys_of($id), 1, 'revoke alone keeps the passkey');
is($pk->login($phone)->status, 200, 'which still logs in');

my $mark = $t->audit_mark;
my $newer = 'Claire-encore-2026!';
($reset) = reset_password($email, $newer, remove_passkeys => '1');
is($reset->status, 303, 'a reset with the box ticked') or diag($reset->dump);
is(passkeys_of($id), 0, 'every passkey of the identity is removed');
$r = $pk->login($phone);
is($r->status, 401, 'the stolen phone no longer logs in');
is(($r->json // {})->{error}, 'unknown_credential', 'its passkey is unknown');
ok(!$r->cookie($t->cookie_name), 'no session');
my ($reset_row) = grep { $_->[0] eq 'password_reset' } @{audit_since($mark)};
like($reset_row->[3], qr/, 1 passkey\(s\) removed$/, 'audit: the reset says so');
my $notice = (mails_to($email))[-1];
is($notice->[0], 'Votre mot de passe a été réinitialisé', 'the reset notice');
like($notice->[1], qr/Votre clé d'accès \(passkey\) a été supprimée en même temps/,
     'tells the owner the passkey went with it');
ok($t->login($email, $newer), 'the new password logs in');

# A JSON client says true.
$cookie = $t->login($email, $newer);
is($pk->register($cookie, $pk->new_key('again'), password => $newer)->status, 200,
   'a passkey again');
($reset) = reset_password($email, 'Claire-json-2026!', remove_passkeys => 'true');
is(passkeys_of($id), 0, 'remove_passkeys=true removes them too');
$password = 'Claire-json-2026!';

# --- the owner's own removal is mailed -----------------------------------------------------

$cookie = $t->login($email, $password, headers => { 'User-Agent' => $ua });
my $laptop = $pk->new_key('laptop');
is($pk->register($cookie, $laptop, password => $password, name => 'Ordinateur')->status, 200,
   'another passkey');
$r = $t->post_as($cookie, '/auth/passkey/delete',
                 [id => MIME::Base64::encode_base64url($laptop->{id})], 'User-Agent' => $ua);
is($r->status, 303, 'the owner removes it');
$notice = (mails_to($email))[-1];
is($notice->[0], "Une clé d'accès a été supprimée de votre espace", 'the removal is mailed');
like($notice->[1], qr/Depuis l'adresse IP 127\.0\.0\.1, navigateur Firefox sur Linux\./,
     'from where');

# --- the desk lists and removes passkeys ------------------------------------------------------

$cookie = $t->login($email, $password);
my @keys = map { $pk->new_key("desk-$_") } 1 .. 3;
# The first one's id starts with '-' in base64url (a first byte of 0xF8):
# one id in 64 does, and the desk pastes it as it is listed.
substr($keys[0]{id}, 0, 1) = "\xF8";
for my $i (0 .. 2) {
    is($pk->register($cookie, $keys[$i], password => $password, name => "Clé $i")->status, 200,
       "passkey $i registered");
}
my $b64 = sub { MIME::Base64::encode_base64url($_[0]{id}) };

$mark = $t->audit_mark;
($rc, $out, $err) = admin('passkeys', $email);
is($rc, 0, 'passkeys EMAIL: exit 0') or diag($err);
like($out, qr/^\s+Passkeys \(3\):$/m, 'three passkeys');
for my $i (0 .. 2) {
    my $short = substr($b64->($keys[$i]), 0, 16);
    like($out, qr/^\s+\Q$short\E  "Clé $i" \(ES256\), created \S+ \S+, last used never$/m,
         "passkey $i listed with its id, name, algorithm and dates");
}
($rc, $out) = admin('passkeys', '0300 0010 0002');
like($out, qr/Passkeys \(3\)/, 'passkeys CODE: those of the identity it is linked to');
($rc, $out) = admin('find', $email);
like($out, qr/^\s+Passkeys \(3\):$/m, 'find EMAIL lists them too');
my $json_out;
($rc, $json_out) = admin('--json', 'passkeys', $email);
my $j = Extranet::Test::json_decode(Encode::encode('UTF-8', $json_out));
is_deeply([sort map { $_->{id} } @{$j->{passkeys}}], [sort map { $b64->($_) } @keys],
          'JSON: the full ids');
($rc) = admin('passkeys', '040000300001');
is($rc, 3, 'passkeys of an unlinked account: exit 3');

# One, by the start of its id.
my $one = substr($b64->($keys[0]), 0, 10);
like($one, qr/^-/, 'its listed id starts with a dash');
my $mails_before = scalar mails_to($email);
($rc, $out, $err) = admin('remove-passkey', $email, $one);
is($rc, 0, 'remove-passkey EMAIL ID: exit 0') or diag($err);
like($out, qr/^1 passkey\(s\) removed for \Q$email\E/m, 'said');
is(passkeys_of($id), 2, 'one passkey gone');
is($pk->login($keys[0])->status, 401, 'it no longer logs in');
is($pk->login($keys[1])->status, 200, 'the others still do');
is(scalar(mails_to($email)), $mails_before + 1, 'the owner is told by mail');
is((mails_to($email))[-1][0], "Une clé d'accès a été supprimée de votre espace", 'this mail');
like((mails_to($email))[-1][1], qr/Le service d'assistance de votre syndic a supprimé une clé/,
     'by the desk');
($rc, $out, $err) = admin('remove-passkey', $email, $one);
is($rc, 3, 'the same again: exit 3');
($rc, $out, $err) = admin('remove-passkey', $email, 'ab');
is($rc, 2, 'an id too short to name one: exit 2');
($rc, $out, $err) = admin('remove-passkey', $email, "x'; --");
is($rc, 2, 'not an id: exit 2');
($rc, $out, $err) = admin('passkeys', $email, '--passkeys');
is($rc, 2, '--passkeys with another command: exit 2');

# --- revoke --passkeys: the stolen phone's passkey and sessions end ---------------------------

my $session = $pk->login($keys[1])->cookie($t->cookie_name);
ok($session, 'a session opened with a passkey');
($rc, $out, $err) = admin('revoke', '--passkeys', $email);
is($rc, 0, 'revoke --passkeys: exit 0') or diag($err);
like($out, qr/^\s+2 passkey\(s\) removed: they no longer log in/m, 'said');
is(passkeys_of($id), 0, 'every passkey removed');
$r = $pk->login($keys[2]);
is($r->status, 401, 'the stolen phone no longer logs in after the desk\'s revoke');
ok(!$r->cookie($t->cookie_name), 'no session');
is($t->psql_value("SELECT count(*) FROM extranet.session WHERE identity_id = $id"
                . " AND revoked_at IS NULL"), 0, 'and every session is revoked');
is((mails_to($email))[-1][0], "Vos clés d'accès ont été supprimées de votre espace",
   'the owner is told');
($rc, $out, $err) = admin('remove-passkey', $email, 'all');
is($rc, 3, 'remove-passkey all with none left: exit 3');

my $rows = audit_since($mark);
my @admin = map { [@$_[0 .. 2]] } grep { $_->[0] =~ /^admin_(?:passkey|revoke)/ } @$rows;
is_deeply(\@admin, [(['admin_passkeys', 't', 'alice']) x 3, ['admin_passkeys', 'f', 'alice'],
                    ['admin_passkey_remove', 't', 'alice'], ['admin_passkey_remove', 'f', 'alice'],
                    ['admin_revoke', 't', 'alice'], ['admin_passkey_remove', 'f', 'alice']],
          'every desk action audited with the operator');
my ($removal) = grep { $_->[0] eq 'admin_passkey_remove' && $_->[1] eq 't' } @$rows;
like($removal->[3], qr/^1 passkey\(s\) removed: \Q$one\E\S* "Clé 0"$/, 'naming what was removed');
my ($revoke) = grep { $_->[0] eq 'admin_revoke' } @$rows;
like($revoke->[3], qr/^\d+ session\(s\) revoked; 2 passkey\(s\) removed$/, 'revoke says both');

# --- the role ------------------------------------------------------------------------------

sub as_admin_fails {
    my ($sql) = @_;
    return !eval { $t->psql("SET ROLE extranet_admin; $sql"); 1 };
}
ok(as_admin_fails('SELECT public_key FROM extranet.passkey'),
   'extranet_admin cannot read public keys');
ok(as_admin_fails('SELECT user_handle FROM extranet.passkey'), 'nor user handles');
ok(as_admin_fails("UPDATE extranet.passkey SET name = 'x'"), 'nor rename a passkey');
ok(as_admin_fails('SELECT body FROM extranet.mail_outbox'), 'still no mail body');
ok(!as_admin_fails('SELECT name, created_at FROM extranet.passkey'), 'it reads names and dates');

$t->error_log_ok;
done_testing;
