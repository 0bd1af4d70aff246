#!/usr/bin/perl
# The owner's pages on a phone (issue 9, parts 1, 3 and 4): an error
# summary at the top of every failed form, linked to the fields and focused
# without JavaScript, the JSON answers unchanged; the guide's sentences;
# "Retour" keeping the address; the partner refusal and the forgotten
# password of a numeric code saying what to do next with the syndic's
# contact details from extranet.syndic; "Gérer mes comptes" with the default
# account and the personal information first, the rest folded, one label per
# password field, and destructive actions behind a confirmation step.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };

# The error summary of a page: [id, [[href, text], ...]] or undef.
sub summary {
    my ($r) = @_;
    my ($attrs, $inner) = $r->text =~ m{<div class="error-summary"([^>]*)>(.*?)</div>}s or return undef;
    my ($id) = $attrs =~ /id="([^"]+)"/;
    like($attrs, qr/role="alert"/, "summary $id: an alert");
    like($inner, qr/^\s*<p class="error-summary-title" id="\Q$id\E-title" tabindex="-1" autofocus>/,
         "summary $id: its title focused on load");
    my @items;
    while ($inner =~ m{<li>(?:<a href="([^"]*)">)?(.*?)(?:</a>)?</li>}g) {
        push @items, [$1 // '', $2];
    }
    return [$id, \@items];
}

# --- 1. error summaries --------------------------------------------------------------------

my $r = $t->post('/auth/login', form => [login => '030000100001', password => 'faux'],
                 headers => { Origin => $t->origin });
is($r->status, 401, 'wrong login: 401');
my $s = summary($r);
is_deeply($s, ['login-error', [['#login-identifier', 'Identifiant ou mot de passe incorrect.']]],
          'login: the summary links to the identifier');
ok(index($r->text, '<form method="post" action="/auth/login" class="login-form" id="login-form">')
   < index($r->text, 'class="error-summary"'), 'login: the summary is inside the form, at its top');
is(scalar(() = $r->text =~ / autofocus/g), 1, 'login: one element to focus');
$r = $t->post('/auth/login', form => [login => '030000100001', password => 'faux'],
              headers => { Origin => $t->origin, %$json });
is_deeply($r->json, { error => 'invalid_credentials', message => 'Identifiant ou mot de passe incorrect.' },
          'login (JSON): unchanged') or diag($r->body);

my $code = $t->login('030000100001', 'tilleuls-0001');
ok($code, 'logged in with a code');
$r = $t->post_as($code, '/auth/link', [email => 'jean.dupont@gmail']);
is($r->status, 400, 'bad e-mail: 400');
is_deeply(summary($r), ['link-form-errors', [['#link-email', 'Veuillez entrer une adresse email valide.']]],
          'link: the summary links to "Votre email"');
like($r->body, qr/id="link-email-error">Veuillez entrer une adresse email valide\./,
     'link: the error also next to the field');

my $email = 'marie.lefevre.phone.tres.longue.adresse@exemple-de-domaine.example';
$r = $t->post_as($code, '/auth/link/profile',
                 [email => $email, last_name => '', first_name => 'Marie', phone => 'abc',
                  password => 'court', password_confirm => 'autre']);
is($r->status, 400, 'link/profile with errors: 400');
$s = summary($r);
is($s->[0], 'profile-form-errors', 'link/profile: its summary');
is_deeply([map { $_->[0] } @{$s->[1]}],
          ['#profile-last-name', '#profile-phone', '#profile-password', '#profile-password-confirm'],
          'link/profile: one link per field at fault, in the order of the form');
ok(index($r->text, 'id="profile-form"') < index($r->text, 'id="profile-form-errors"'),
   'link/profile: the summary inside the form');
$r = $t->post_as($code, '/auth/link/profile',
                 [email => $email, last_name => '', first_name => 'Marie', phone => '',
                  password => 'court', password_confirm => 'court'], %$json);
is(($r->json // {})->{error}, 'invalid_fields', 'link/profile (JSON): unchanged code');
is_deeply([sort keys %{($r->json // {})->{fields} // {}}], ['last_name', 'password'],
          'link/profile (JSON): the fields');

# --- 3. the guide's words, "Retour" ----------------------------------------------------------

$r = $t->get('/auth/link', cookie => $code);
like($r->text, qr/Choisissez l(?:'|&#39;)adresse e-mail à rattacher à votre compte\./,
     'link: "Choisissez l\'adresse e-mail à rattacher à votre compte"');
$r = $t->get('/auth/link/profile?email=' . Extranet::Test::urlencode($email), cookie => $code);
like($r->text, qr/Attention ce mot de passe est personnel et indépendant de votre syndic\. Pensez donc bien à le conserver\./,
     'link/profile: the warning about the personal password');
my ($back) = $r->body =~ m{<a href="([^"]+)">Retour</a>};
is($back, '/auth/link?email=' . Extranet::Test::urlencode($email), 'link/profile: Retour carries the address');
$r = $t->get($back, cookie => $code);
like($r->body, qr/<input id="link-email" name="email" type="email" value="\Q$email\E"/,
     'Retour: the e-mail step shows the address again');

# --- 3. the syndic's contact details --------------------------------------------------------

$r = $t->post('/auth/password/forgot', form => [login => '0400 0030 0001'],
              headers => { Origin => $t->origin });
is($r->status, 200, 'forgot with a code: 200');
like($r->text, qr/contactez votre syndic/, 'forgot with a code: contact the syndic');
like($r->text, qr{<strong>Syndic Leroy</strong>}, 'forgot: the syndic of the code, from the syndic table');
like($r->text, qr{<a href="tel:0144000400">01 44 00 04 00</a>}, 'forgot: its phone, to call');
like($r->text, qr{mailto:coproprietaires\@syndic-leroy\.example}, 'forgot: its e-mail');
like($r->text, qr/8 boulevard de Courcelles, 75017 Paris/, 'forgot: its address');
like($r->text, qr/« Associer mon compte »/, 'forgot: and what to do next');
$r = $t->post('/auth/password/forgot', form => [login => '030000100001'],
              headers => { Origin => $t->origin, %$json });
is(($r->json // {})->{syndic}{name}, 'Cabinet Durand', 'forgot (JSON): the syndic too');
$r = $t->post('/auth/password/forgot', form => [login => '999900000001'],
              headers => { Origin => $t->origin });
is($r->status, 200, 'forgot with a code of no known syndic: 200');
like($r->text, qr/appel de fonds/, 'no syndic known: pointed to the call for funds');
unlike($r->text, qr/tel:/, 'no syndic known: no made-up contact');

# A non-partner syndic: what to do, whom to call.
my $grouped = 'marie.groupe@example.org';
$t->add_identity($grouped, 'Marie-perso-2024!', accounts => ['030000100002']);
my $leroy = $t->login('040000300001', 'monceau-0001');
my $mark = $t->audit_mark;
$r = $t->post_as($leroy, '/auth/link/password', [email => $grouped, password => 'Marie-perso-2024!']);
is($r->status, 409, 'partner refusal: 409');
unlike($r->text, qr/partenaire/i, 'partner refusal: no jargon');
like($r->text, qr/Que faire \?/, 'partner refusal: what to do next');
like($r->text, qr{<a href="/auth/link">choisir une autre adresse e-mail</a>}, 'partner refusal: another address');
like($r->text, qr/code client <strong>040000300001<\/strong>/, 'partner refusal: or keep the code');
like($r->text, qr{<a href="tel:0144000400">01 44 00 04 00</a>}, 'partner refusal: the syndic\'s phone');
like($r->text, qr/Cabinet Durand/, 'partner refusal: names the other syndic');
is($t->psql_value("SELECT count(*) FROM extranet.identity_account WHERE account_code = '040000300001'"),
   0, 'partner refusal: nothing linked');
$r = $t->post_as($leroy, '/auth/link/password', [email => $grouped, password => 'Marie-perso-2024!'],
                 %$json);
is(($r->json // {})->{error}, 'partner', 'partner refusal (JSON): error code unchanged');

# --- 4. "Gérer mes comptes" ------------------------------------------------------------------

my $owner = 'paul.manage@example.org';
$t->add_identity($owner, 'Paul-perso-2024!', last_name => 'Martin', first_name => 'Paul',
                 accounts => ['030000100001', '030100200001']);
my $c = $t->login($owner, 'Paul-perso-2024!');
my $other = $t->login($owner, 'Paul-perso-2024!');
ok($c && $other, 'two sessions of the owner');
$r = $t->get('/auth/manage', cookie => $c);
is($r->status, 200, 'manage: 200');
my $html = $r->text;
my @order = map { index($html, $_) } ('>Compte affiché à la connexion</h2>', '>Informations personnelles</h2>',
                                     '<summary>Changer mon mot de passe</summary>',
                                     '<summary>Comptes associés (2)</summary>',
                                     '<summary>Sessions ouvertes (2)</summary>');
ok(!(grep { $_ < 0 } @order) && join(',', @order) eq join(',', sort { $a <=> $b } @order),
   'manage: default account, personal information, then password, accounts and sessions folded');
unlike($html, qr/<details[^>]* open/, 'manage: everything folded at first');
is(scalar(() = $html =~ /<label[^>]*>Mot de passe actuel</g), 1, 'one "Mot de passe actuel"');
is(scalar(() = $html =~ /<label[^>]*>Nouveau mot de passe</g), 1, 'one "Nouveau mot de passe"');
is(scalar(() = $html =~ /<label[^>]*>Confirmez le nouveau mot de passe</g), 1,
   'one "Confirmez le nouveau mot de passe"');
my @labels = $html =~ m{<label for="[^"]+">([^<]*)</label>\s*(?:<p[^>]*>[^<]*</p>\s*)*<input[^>]*type="password"}g;
# (the fourth: adding a passkey asks for the password, in the passkeys' box)
is(scalar(@labels), 4, 'four password fields');
is(scalar(keys %{{ map { $_ => 1 } @labels }}), 4, 'each with its own label');
unlike($html, qr/name="action" value="(?:unlink|end_session|end_other_sessions)"/,
       'no destructive form acts at once');
like($html, qr{<a class="button button-danger" href="/auth/manage\?confirm=unlink&amp;account=030000100001"},
     '"Dissocier" is a danger-styled link to its confirmation');

# The confirmation step of "Dissocier", without JavaScript.
$r = $t->get('/auth/manage?confirm=unlink&account=030100200001', cookie => $c);
my ($step) = $r->text =~ m{(<section class="confirm" id="manage-confirm".*?</section>)}s;
ok($step, 'the confirmation step');
like($step // '', qr/tabindex="-1" autofocus/, 'the step is focused');
like($step // '', qr/Dissocier le compte 030100200001 \?/, 'it names the account');
like($step // '', qr/<button type="submit" class="danger">Confirmer la dissociation<\/button>/,
     'a danger button to confirm');
like($step // '', qr{<a href="/auth/manage">Annuler</a>}, 'and a way back');

# A wrong password there: the step again, its summary focused.
$r = $t->post_as($c, '/auth/manage', [action => 'unlink', account => '030100200001', confirm => 1,
                                      current_password => 'pas-le-bon']);
is($r->status, 401, 'unlink with a wrong password: 401');
is_deeply(summary($r), ['manage-unlink-errors', [['#manage-confirm-password', 'Mot de passe incorrect.']]],
          'its summary, in the confirmation step');
like($r->text, qr/id="manage-confirm"/, 'the confirmation step is shown again');
$r = $t->post_as($c, '/auth/manage', [action => 'unlink', account => '030100200001', confirm => 1,
                                      current_password => 'Paul-perso-2024!']);
is($r->status, 303, 'confirmed unlink: 303');
is($t->psql_value("SELECT count(*) FROM extranet.identity_account WHERE account_code = '030100200001'"),
   0, 'confirmed unlink: done');

# A wrong current password in the password form: its summary, its <details> open.
$r = $t->post_as($c, '/auth/manage', [action => 'password', current_password => 'pas-le-bon',
                                      new_password => 'Un-nouveau-2024!', password_confirm => 'Un-nouveau-2024!']);
is($r->status, 401, 'password with a wrong current one: 401');
is_deeply(summary($r), ['manage-password-errors', [['#manage-current-password', 'Mot de passe incorrect.']]],
          'password: its summary');
like($r->text, qr/<details class="fold" id="manage-password" open>/, 'password: its section open');
ok(index($r->text, 'id="manage-password-form"') < index($r->text, 'id="manage-password-errors"'),
   'password: the summary inside its form');
$r = $t->post_as($c, '/auth/manage', [action => 'password', current_password => 'pas-le-bon',
                                      new_password => 'Un-nouveau-2024!', password_confirm => 'Un-nouveau-2024!'],
                 %$json);
is_deeply($r->json, { error => 'invalid_password', message => 'Mot de passe incorrect.',
                      field => 'current_password', fields => { current_password => 'Mot de passe incorrect.' } },
          'password (JSON): unchanged') or diag($r->body);

# Ending the other session: a confirmation step too.
$r = $t->get('/auth/manage', cookie => $c);
my ($end) = $r->body =~ m{href="(/auth/manage\?confirm=end_session&amp;session=[0-9a-f]{64})"};
ok($end, 'the other session: a link to end it');
$end =~ s/&amp;/&/g;
$r = $t->get($end, cookie => $c);
like($r->text, qr/Terminer cette session \?/, 'its confirmation step');
my ($handle) = $r->body =~ /name="session" value="([0-9a-f]{64})"/;
$r = $t->post_as($c, '/auth/manage', [action => 'end_session', session => $handle]);
is($r->status, 303, 'confirmed: the session ends');
is($t->get('/headers', cookie => $other)->status, 302, 'the other session is over');

$t->error_log_ok;
done_testing;
