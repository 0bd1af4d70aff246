#!/usr/bin/perl
# Grouping accounts under one e-mail: the demo journey of the guide
# (030000100001 → new e-mail; 030000100002 and the partner syndic's
# 030100200001 grouped; 040000300001 of syndic 0400 refused), the known-e-mail
# page, a wrong password (refused, counted as a failed login), an account of
# another identity, and partner groups that are not transitive.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };

sub linked_to {
    my ($code) = @_;
    return $t->psql_value("SELECT i.email FROM extranet.identity_account ia"
                        . " JOIN extranet.identity i ON i.id = ia.identity_id"
                        . " WHERE ia.account_code = '$code'");
}

my $email = 'marie.dupont@example.org';
my $password = 'Marie-perso-2024!';
my $already_used = "L'adresse e-mail saisie est déjà utilisée. Si vous souhaitez associer ce "
                 . "compte à cette adresse, veuillez entrer le mot de passe correspondant. Dans "
                 . "le cas contraire, veuillez revenir en arrière et entrer une nouvelle adresse.";
(my $already_used_html = $already_used) =~ s/'/&#39;/g;

# --- 1. 030000100001 → a new e-mail -------------------------------------------------------

my $c1 = $t->login('030000100001', 'tilleuls-0001');
my $r = $t->post_as($c1, '/auth/link', [email => $email]);
is($r->location_path, '/auth/link/profile?email=marie.dupont%40example.org', 'new e-mail: profile');
$r = $t->post_as($c1, '/auth/link/profile',
             [email => $email, last_name => 'Dupont', first_name => 'Marie', phone => '',
              password => $password, password_confirm => $password]);
is($r->status, 303, '030000100001 linked to a new e-mail') or diag($r->dump);
my $id = $t->psql_value("SELECT id FROM extranet.identity WHERE email = '$email'");
ok($id, 'identity created');
# A claimed address receives no other account until its mailbox is proven.
is($t->confirm_address($email)->status, 200, 'the address is confirmed from the mail');

# --- 2. 030000100002 grouped (same syndic) -------------------------------------------------

my $c2 = $t->login('030000100002', 'tilleuls-0002');
ok($c2, 'logged in with 030000100002');
$r = $t->post_as($c2, '/auth/link', [email => 'MARIE.DUPONT@example.org']);
is($r->status, 303, 'known e-mail: 303');
is($r->location_path, '/auth/link/password?email=marie.dupont%40example.org',
   'known e-mail: to link/password');

$r = $t->get($r->location_path, cookie => $c2);
is($r->status, 200, 'GET link/password: 200');
ok(index($r->text, $already_used) >= 0 || index($r->text, $already_used_html) >= 0,
   'the "déjà utilisée" text, word for word') or diag($r->text);
like($r->text, qr/Votre mot de passe/, 'field "Votre mot de passe"');
like($r->text, qr/SUIVANT/, 'button SUIVANT');
like($r->body, qr/name="password"[^>]*autocomplete="current-password"|autocomplete="current-password"/,
     'current-password autocomplete');

# A wrong password: refused, nothing linked, audited.
my $mark = $t->audit_mark;
$r = $t->post_as($c2, '/auth/link/password', [email => $email, password => 'pas-le-bon-mot']);
is($r->status, 401, 'wrong password: 401');
like($r->text, qr/Mot de passe incorrect\./, 'wrong password: message next to the field');
like($r->body, qr/id="link-password-error"/, 'the error belongs to the password field');
ok(!$r->cookie('extranet_session'), 'wrong password: no new cookie');
ok(!defined linked_to('030000100002'), 'wrong password: nothing linked');
my @a = $t->psql("SELECT event, success, identity_id, account_code FROM extranet.audit_log"
               . " WHERE id > $mark");
is_deeply(\@a, [['link', 'f', $id, '030000100002']], 'wrong password: audit "link" failed');

$r = $t->post_as($c2, '/auth/link/password', [email => $email, password => 'faux'], %$json);
is($r->status, 401, 'wrong password (JSON): 401');
is(($r->json // {})->{error}, 'invalid_password', 'wrong password (JSON): error code');

$r = $t->post_as($c2, '/auth/link/password', [email => $email, password => $password]);
is($r->status, 303, 'right password: 303') or diag($r->dump);
is($r->location_path, '/auth/link/done', 'right password: link/done');
$c2 = $r->cookie('extranet_session');
ok($c2, 'right password: the cookie is re-issued');
is(linked_to('030000100002'), $email, '030000100002 linked to the e-mail');
is($t->psql_value("SELECT default_account FROM extranet.identity WHERE id = $id"),
   '030000100001', 'the default account stays the first one');
my $h = $t->upstream_headers($c2);
is($h->{Account}, '030000100002', 'the grouped account is active');
is($h->{Login}, 'email', 'the session is now an e-mail session');
is($h->{Email}, $email, 'with the e-mail');
is(join(',', sort split /,/, $h->{Accounts} // ''), '030000100001,030000100002',
   'both accounts listed');
$r = $t->get('/auth/link/done', cookie => $c2);
like($r->text, qr/Ce compte est associé/, 'link/done');

# --- 3. 030100200001 grouped (partner syndic 0301) -----------------------------------------

my $c3 = $t->login('030100200001', 'closfleuri-01');
$r = $t->post_as($c3, '/auth/link', [email => $email], %$json);
is_deeply($r->json, { next => 'password', email => $email }, 'known e-mail (JSON): next password');
$r = $t->post_as($c3, '/auth/link/password', [email => $email, password => $password], %$json);
is($r->status, 200, 'partner syndic 0301 grouped (JSON): 200') or diag($r->dump);
is(($r->json // {})->{account}, '030100200001', 'JSON: the account');
$c3 = $r->cookie('extranet_session');
is(linked_to('030100200001'), $email, '030100200001 linked (partner group gimiweb)');
is(join(',', sort split /,/, $t->upstream_headers($c3)->{Accounts} // ''),
   '030000100001,030000100002,030100200001', 'three accounts listed');

# --- 4. 040000300001 refused (syndic 0400, no partner) -------------------------------------

my $c4 = $t->login('040000300001', 'monceau-0001');
$r = $t->post_as($c4, '/auth/link', [email => $email]);
is($r->location_path, '/auth/link/password?email=marie.dupont%40example.org', '0400: known e-mail');
$mark = $t->audit_mark;
$r = $t->post_as($c4, '/auth/link/password', [email => $email, password => $password]);
is($r->status, 409, 'syndic 0400: 409');
my $partner_message = 'Ce compte ne peut pas être associé à cette adresse : il est géré par le '
                    . 'syndic 0400 (Syndic Leroy), et les comptes déjà associés à cette adresse par '
                    . 'le syndic 0300 (Cabinet Durand). Des comptes de ces deux syndics ne peuvent '
                    . 'pas être réunis sous une même adresse e-mail.';
(my $partner_html = $partner_message) =~ s/'/&#39;/g;
ok(index($r->text, $partner_html) >= 0, 'the refusal names the syndics and the reason')
    or diag($r->text);
ok(!$r->cookie('extranet_session'), 'syndic 0400: no new cookie');
ok(!defined linked_to('040000300001'), 'syndic 0400: not linked');
@a = $t->psql("SELECT event, success FROM extranet.audit_log WHERE id > $mark");
is_deeply(\@a, [['link', 'f']], 'syndic 0400: audit "link" failed');
$r = $t->post_as($c4, '/auth/link/password', [email => $email, password => $password], %$json);
is(($r->json // {})->{error}, 'partner', 'JSON: error partner');
is(($r->json // {})->{message}, $partner_message, 'JSON: the same message');
is($t->upstream_headers($c4)->{Login}, 'code', 'the refused session stays a code session');

# --- 5. the next e-mail login ----------------------------------------------------------------

my ($c, $res) = $t->login($email, $password);
ok($c, 'e-mail login');
$h = $t->upstream_headers($c);
is($h->{Account}, '030000100001', 'the default account is active at the next login');
is(join(',', sort split /,/, $h->{Accounts} // ''),
   '030000100001,030000100002,030100200001', 'with the three accounts');
for my $code ('030000100002', '030100200001') {
    my ($cc, $rr) = $t->login($code, $code eq '030000100002' ? 'tilleuls-0002' : 'closfleuri-01');
    is($rr->status, 403, "$code: its numeric code no longer logs in");
}

# --- 6. an account of another identity (legacy_login all) -----------------------------------

my $t2 = Extranet::Test->new;
$t2->run($t2->standard_config(http => 'auth_extranet_legacy_login all;'));

my $paul = $t2->login('040000300001', 'monceau-0001');
$r = $t2->post_as($paul, '/auth/link/profile',
             [email => 'paul@example.org', last_name => 'Martin', first_name => 'Paul',
              phone => '', password => 'Paul-perso-2024!', password_confirm => 'Paul-perso-2024!']);
is($r->status, 303, '040000300001 linked to another e-mail') or diag($r->dump);
$t2->confirm_address('paul@example.org');

my $legacy = $t2->login('040000300001', 'monceau-0001');
ok($legacy, 'legacy_login all: the linked code still logs in');
$r = $t2->get('/auth/link', cookie => $legacy);
is($r->status, 409, 'link for a code session of a linked account: 409');
like($r->text, qr/déjà associé à une adresse e-mail/, 'told it is linked already');
$r = $t2->post_as($legacy, '/auth/link/password', [email => $email, password => $password]);
is($r->status, 409, "an account of another identity: 409");
like($r->text, qr/Ce compte est déjà associé à une autre adresse e-mail\./,
     'an account of another identity: message');
is(linked_to('040000300001'), 'paul@example.org', 'it stays with its identity');

my $own = $t2->login('030000100002', 'tilleuls-0002');
$r = $t2->post_as($own, '/auth/link/password', [email => $email, password => $password], %$json);
is($r->status, 409, 'an account already linked to this very e-mail: 409');
is(($r->json // {})->{error}, 'already_linked', 'error already_linked');
$t2->error_log_ok(name => 'legacy_login all instance: error log clean');
$t2->stop;

# --- 7. partner groups are not transitive ----------------------------------------------------

my $legacy_hash = $t->pbkdf2_hash('nouveau-compte-1', iterations => 1000);
$t->psql("INSERT INTO extranet.legacy_account (code, syndic_code, syndic_name, label, password_hash)"
       . " VALUES ('030100200002', '0301', 'Gestion Martin', 'Le Clos Fleuri — lot 9', "
       . $t->sql_quote($legacy_hash) . "),"
       . " ('030000100003', '0300', 'Cabinet Durand', 'Les Tilleuls — lot 80', "
       . $t->sql_quote($legacy_hash) . ")");

my $t3 = Extranet::Test->new;
$t3->run($t3->standard_config(http => 'auth_extranet_partners leroy 0301 0400;'));
my $n1 = $t3->login('030100200002', 'nouveau-compte-1');
ok($n1, 'a new 0301 account logs in');
$r = $t3->post_as($n1, '/auth/link/password',
             [email => 'paul@example.org', password => 'Paul-perso-2024!']);
is($r->status, 303, '0301 joins 0400 through the group "leroy"') or diag($r->dump);
my $n2 = $t3->login('030000100003', 'nouveau-compte-1');
$r = $t3->post_as($n2, '/auth/link/password',
             [email => 'paul@example.org', password => 'Paul-perso-2024!']);
is($r->status, 409, '0300 may not join 0400 and 0301: partners of a partner are not partners');
like($r->text, qr/géré par le syndic 0300 \(Cabinet Durand\), et les comptes déjà associés à cette adresse par le syndic 0400 \(Syndic Leroy\)/,
     'the refusal names the syndic it conflicts with');
$t3->error_log_ok(name => 'partner groups instance: error log clean');
$t3->stop;

# --- 8. a wrong password counts as a failed login -------------------------------------------

my $c5 = $t->login('030000100003', 'nouveau-compte-1');
ok($c5, 'a code session to try passwords from');
for my $i (1 .. 5) {
    $r = $t->post_as($c5, '/auth/link/password', [email => $email, password => "mauvais-$i"]);
}
is($r->status, 401, 'five wrong passwords: 401');
($c, $res) = $t->login($email, $password);
is($res->status, 401, 'the e-mail is now locked out for logins too');
$r = $t->post_as($c5, '/auth/link/password', [email => $email, password => $password]);
is($r->status, 401, 'and for linking, even with the right password');
ok(!defined linked_to('030000100003'), 'nothing linked while locked out');

$t->error_log_ok;

done_testing;
