#!/usr/bin/perl
# Linking an account to a new e-mail ("Associer mon compte"): the e-mail
# step, the personal information and password policy, the identity created
# and made the session's, the default account at the next e-mail login, the
# legacy code refused afterwards, the per-session limit on e-mail lookups.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };

sub count_rows {
    my ($sql) = @_;
    return $t->psql_value("SELECT count(*) FROM $sql");
}

my $email = 'marie.dupont@example.org';
my $password = 'Tilleuls-été-2024';   # 17 characters, some of two bytes

# --- only for a logged-in session -------------------------------------------------

my $r = $t->get('/auth/link');
is($r->status, 303, 'link without a session: 303');
like($r->location_path // '', qr{^/auth/login}, 'link without a session: to the login');
is($t->get('/auth/link', headers => $json)->status, 401, 'link without a session (JSON): 401');
$r = $t->post('/auth/link', form => [email => $email], headers => $json);
is($r->status, 401, 'POST link without a session: 401');
is($t->get('/auth/link/profile?email=a%40b.fr', headers => $json)->status, 401,
   'link/profile without a session: 401');

# --- the e-mail step -----------------------------------------------------------------

my $code = $t->login('030000100001', 'tilleuls-0001');
ok($code, 'logged in with the numeric code');

$r = $t->get('/auth/link', cookie => $code);
is($r->status, 200, 'GET link: 200') or diag($r->dump);
like($r->text, qr/Associer un compte/, 'page "Associer un compte"');
like($r->text, qr/Votre email/, 'field "Votre email"');
like($r->text, qr/SUIVANT/, 'button "SUIVANT"');
like($r->body, qr/name="email"/, 'email field');
like($r->body, qr/autocomplete="email"/, 'email field autocomplete');
like($r->body, qr/name="csrf" value="[^"]+"/, 'the form carries the CSRF token');

$r = $t->get('/auth/link', cookie => $code, headers => $json);
is(($r->json // {})->{step}, 'email', 'GET link (JSON): step email');

for my $bad ('pas-une-adresse', 'marie@', '@example.org', 'marie dupont@example.org',
             'marie@example') {
    $r = $t->post_as($code, '/auth/link', [email => $bad]);
    is($r->status, 400, "POST link '$bad': 400");
    like($r->text, qr/Veuillez entrer une adresse email valide\./, "POST link '$bad': message");
}
$r = $t->post_as($code, '/auth/link', [email => 'pas-une-adresse']);
like($r->body, qr/value="pas-une-adresse"/, 'the typed e-mail is kept after an error');
$r = $t->post_as($code, '/auth/link', [email => 'pas-une-adresse'], %$json);
is(($r->json // {})->{error}, 'invalid_email', 'JSON: error invalid_email');
is(($r->json // {})->{field}, 'email', 'JSON: field email');

$r = $t->post_as($code, '/auth/link', [email => '  Marie.Dupont@Example.ORG ']);
is($r->status, 303, 'POST link, new e-mail: 303') or diag($r->dump);
is($r->location_path, '/auth/link/profile?email=marie.dupont%40example.org',
   'new e-mail: to link/profile, normalised');
$r = $t->post_as($code, '/auth/link', [email => $email], %$json);
is($r->status, 200, 'POST link (JSON): 200');
is_deeply($r->json, { next => 'profile', email => $email }, 'POST link (JSON): next profile');

# --- the profile step ---------------------------------------------------------------

$r = $t->get('/auth/link/profile?email=marie.dupont%40example.org', cookie => $code);
is($r->status, 200, 'GET link/profile: 200') or diag($r->dump);
for my $field (qw(last_name first_name phone password password_confirm)) {
    like($r->body, qr/name="$field"/, "link/profile has field $field");
}
like($r->body, qr/autocomplete="new-password"/, 'new-password autocomplete');
like($r->body, qr/\Q$email\E/, 'the e-mail is shown');
like($r->text, qr/SUIVANT/, 'button SUIVANT');

$r = $t->get('/auth/link/profile?email=nimporte', cookie => $code);
is($r->status, 303, 'GET link/profile with a bad e-mail: 303');
is($r->location_path, '/auth/link', 'back to the e-mail step');

my @good = (email => $email, last_name => 'Dupont', first_name => 'Marie',
            phone => '+33 6 12.34-56 78', password => $password, password_confirm => $password);
sub with { my %f = (@good, @_); return map { ($_ => $f{$_}) } qw(email last_name first_name phone password password_confirm) }

my %refusals = (
    'short password' => [[with(password => 'court-11car', password_confirm => 'court-11car')],
                         qr/Le mot de passe doit contenir au moins 12 caractères\./],
    'short in characters, long in bytes' =>
        [[with(password => 'ééééééééééé', password_confirm => 'ééééééééééé')],
         qr/Le mot de passe doit contenir au moins 12 caractères\./],
    'mismatched confirmation' => [[with(password_confirm => $password . 'x')],
                                  qr/Les mots de passe ne correspondent pas\./],
    'missing last name' => [[with(last_name => '  ')], qr/Veuillez indiquer votre nom\./],
    'missing first name' => [[with(first_name => '')], qr/Veuillez indiquer votre prénom\./],
    'long last name' => [[with(last_name => 'D' x 101)],
                         qr/Le nom ne doit pas dépasser 100 caractères\./],
    'bad phone' => [[with(phone => '06 12 ab 56')], qr/numéro de téléphone valide/],
    'long phone' => [[with(phone => '0' x 31)], qr/ne doit pas dépasser 30 caractères/],
);
for my $name (sort keys %refusals) {
    my ($fields, $message) = @{$refusals{$name}};
    $r = $t->post_as($code, '/auth/link/profile', $fields);
    is($r->status, 400, "link/profile, $name: 400");
    like($r->text, $message, "link/profile, $name: message");
}

# The error sits next to its field; what was typed stays, passwords do not.
$r = $t->post_as($code, '/auth/link/profile', [with(password_confirm => 'autre-chose-123')]);
like($r->body, qr/id="profile-password-confirm-error"[^>]*>Les mots de passe/,
     'the mismatch error is attached to the confirmation field');
like($r->body, qr/aria-describedby="[^"]*profile-password-confirm-error/,
     'the confirmation field points to its error');
like($r->body, qr/value="Dupont"/, 'last name kept');
like($r->body, qr/value="Marie"/, 'first name kept');
unlike($r->body, qr/\Q$password\E/, 'the password is never sent back');

$r = $t->post_as($code, '/auth/link/profile', [with(password => 'court', password_confirm => 'autre')],
                 %$json);
is($r->status, 400, 'JSON field errors: 400');
my $j = $r->json // {};
like($j->{fields}{password} // '', qr/au moins 12/, 'JSON: password error');
like($j->{fields}{password_confirm} // '', qr/ne correspondent pas/, 'JSON: confirmation error');

is(count_rows('extranet.identity'), 0, 'nothing stored after the refusals');
is(count_rows('extranet.identity_account'), 0, 'no link stored after the refusals');

# --- linked ---------------------------------------------------------------------------

my $mark = $t->audit_mark;
$r = $t->post_as($code, '/auth/link/profile', [@good]);
is($r->status, 303, 'link/profile: 303') or diag($r->dump);
is($r->location_path, '/auth/link/done?confirm=1', 'to link/done, a confirmation mail sent');
my $linked = $r->cookie('extranet_session');
ok($linked, 'the cookie is re-issued');

my ($id, $default, $last, $first, $phone, $hash) = @{($t->psql(
    "SELECT id, default_account, last_name, first_name, phone, password_hash"
  . " FROM extranet.identity WHERE email = '$email'"))[0] // []};
ok($id, 'identity created');
is($default, '030000100001', 'the first linked account is the default');
is("$last/$first/$phone", 'Dupont/Marie/+33 6 12.34-56 78', 'personal information stored');
like($hash // '', qr/^\$scrypt\$/, 'the password is stored hashed (scrypt)');
is($t->psql_value("SELECT identity_id FROM extranet.identity_account"
                . " WHERE account_code = '030000100001'"), $id, 'the account is linked');
my @audit = $t->psql("SELECT event, success, identity_id, account_code FROM extranet.audit_log"
                   . " WHERE id > $mark AND event = 'link'");
is_deeply(\@audit, [['link', 't', $id, '030000100001']], 'audit row "link"');
is($t->psql_value("SELECT login_method || ':' || identity_id FROM extranet.session"
                . " WHERE identity_id IS NOT NULL"), "email:$id",
   'the session row became an e-mail session');

$r = $t->get('/auth/link/done', cookie => $linked);
is($r->status, 200, 'link/done: 200');
like($r->text, qr/Ce compte est associé/, 'link/done: "Ce compte est associé"');
like($r->body, qr/030000100001/, 'link/done: the account');
like($r->body, qr/\Q$email\E/, 'link/done: the e-mail');

$r = $t->get('/headers', cookie => $linked);
is($r->status, 200, 'the re-issued cookie opens the legacy app');
like($r->body, qr/^X-Extranet-Login: email$/m, 'now an e-mail session');
like($r->body, qr/^X-Extranet-Email: \Q$email\E$/m, 'with the e-mail');
like($r->body, qr/^X-Extranet-Identity: $id$/m, 'and the identity');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'on the same account');

# An e-mail session is told how to group another account.
$r = $t->get('/auth/link', cookie => $linked);
is($r->status, 200, 'link for an e-mail session: 200');
like($r->text, qr/code client de cet autre compte/, 'it explains how to group another account');
like($r->text, qr/Associer mon compte/, 'naming "Associer mon compte"');
$r = $t->post_as($linked, '/auth/link', [email => 'autre@example.org'], %$json);
is($r->status, 409, 'POST link for an e-mail session: 409');
is(($r->json // {})->{error}, 'email_session', 'error email_session');

# --- the next logins ------------------------------------------------------------------

# Until the mailbox is proven the address is only claimed (t/52): its owner
# opens the mail first.
is($t->confirm_address($email)->status, 200, 'the address is confirmed from the mail');

my ($c, $res) = $t->login('030000100001', 'tilleuls-0001');
is($res->status, 403, 'the linked code no longer logs in (legacy_login unlinked): 403');
ok(!$c, 'no cookie');
like($res->text, qr/connectez-vous avec votre adresse e-mail/, 'told to use the e-mail');
($c, $res) = $t->login('030000100001', 'wrong-password');
is($res->status, 401, 'a wrong legacy password still gets the generic 401');

($c, $res) = $t->login('Marie.Dupont@example.org', $password);
is($res->status, 303, 'e-mail login with the personal password') or diag($res->dump);
like($t->get('/headers', cookie => $c)->body, qr/^X-Extranet-Account: 030000100001$/m,
     'the default account is active after the e-mail login');

# --- a 128-character password, counted in characters -------------------------------

my $code2 = $t->login('030000100002', 'tilleuls-0002');
my $long = 'é' x 64 . 'x' x 64;
$r = $t->post_as($code2, '/auth/link/profile',
                 [email => 'long@example.org', last_name => 'Long', first_name => 'Mot',
                  phone => '', password => $long, password_confirm => $long]);
is($r->status, 303, 'a 128-character password is accepted') or diag($r->dump);
$t->confirm_address('long@example.org');
($c, $res) = $t->login('long@example.org', $long);
ok($c, 'and logs in');
is($t->psql_value("SELECT '[' || phone || ']' FROM extranet.identity"
                . " WHERE email = 'long\@example.org'"), '[]',
   'the phone is optional');

my $code3 = $t->login('030100200001', 'closfleuri-01');
my $twelve = 'àéîõüçàéîõüç';
$r = $t->post_as($code3, '/auth/link/profile',
                 [email => 'douze@example.org', last_name => 'D', first_name => 'D', phone => '',
                  password => $twelve, password_confirm => $twelve], %$json);
is($r->status, 200, 'exactly 12 characters (24 bytes) is accepted (JSON)') or diag($r->dump);
is(($r->json // {})->{account}, '030100200001', 'JSON link: the account');
ok($r->cookie('extranet_session'), 'JSON link: the cookie');
$t->confirm_address('douze@example.org');

# --- a race: the e-mail became known between the two steps --------------------------

my $code4 = $t->login('040000300001', 'monceau-0001');
$r = $t->post_as($code4, '/auth/link/profile',
                 [with(email => 'douze@example.org')]);
is($r->status, 303, 'link/profile for an e-mail created meanwhile: 303');
is($r->location_path, '/auth/link/password?email=douze%40example.org',
   'sent to the known e-mail step');
ok(!$r->cookie('extranet_session'), 'nothing linked');
is($t->psql_value("SELECT count(*) FROM extranet.identity_account"
                . " WHERE account_code = '040000300001'"), 0, 'the account stays unlinked');

# --- e-mail lookups are limited per session ------------------------------------------

my $status = 0;
my $n = 0;
while ($n < 20) {
    $n++;
    $r = $t->post_as($code4, '/auth/link', [email => "essai$n\@example.org"]);
    $status = $r->status;
    last if $status == 429;
}
is($status, 429, "e-mail lookups are refused after a while ($n)");
ok($n > 5 && $n <= 12, 'after about link_check_limit lookups');
like($r->text, qr/trop d(?:'|&#39;)adresses e-mail/, 'with a clear French message');
$r = $t->post_as($code4, '/auth/link/profile', [with(email => 'encore@example.org')]);
is($r->status, 429, 'the profile step is limited too');
my $fresh = $t->login('040000300001', 'monceau-0001');
is($t->post_as($fresh, '/auth/link', [email => 'essai@example.org'])->status, 429,
   'a new login of the same account does not start the allowance anew (issue 7, 7a)');

$t->error_log_ok;

done_testing;
