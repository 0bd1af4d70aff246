#!/usr/bin/perl
# "Mot de passe oublié ?": password/forgot answers the same for a known and
# an unknown address, mails (through the outbox table) a single-use link
# whose token is stored hashed; a numeric code is sent to its syndic;
# password/reset checks the policy, changes the password, spends the link
# and ends every open session; expired and forged links are refused; one
# address cannot be flooded; audit rows.

use strict;
use warnings;
use utf8;
use Test::More;
use Digest::SHA qw(sha256_hex);
use lib 't/lib';
use Extranet::Test;


my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };
my $port = $t->port;

sub forgot {
    my ($login, %headers) = @_;
    return $t->post('/auth/password/forgot', form => [login => $login],
                    headers => { Origin => $t->origin, %headers });
}

sub reset_with {
    my ($token, $password, $confirm, %headers) = @_;
    return $t->post('/auth/password/reset',
                    form => [token => $token, new_password => $password,
                             password_confirm => $confirm // $password],
                    headers => { Origin => $t->origin, %headers });
}

sub audit_since {
    my ($mark) = @_;
    return [$t->psql("SELECT event, success, coalesce(identifier, '') FROM extranet.audit_log"
                   . " WHERE id > $mark ORDER BY id")];
}

sub count {
    my ($sql) = @_;
    return $t->psql_value("SELECT count(*) FROM $sql");
}

# The outbox rows of an address, oldest first, as [subject, body] (through
# hex: psql would split a body on its newlines).
sub mails_to {
    my ($to) = @_;
    my @rows = $t->psql("SELECT encode(convert_to(subject, 'UTF8'), 'hex'),"
                      . " encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
                      . " WHERE recipient = " . $t->sql_quote($to) . " ORDER BY id");
    return map {
        my @m = map { my $s = pack('H*', $_); utf8::decode($s); $s } @$_;
        \@m;
    } @rows;
}

sub token_of {
    my ($body) = @_;
    my ($token) = $body =~ m{http://127\.0\.0\.1:$port/auth/password/reset\?token=([A-Za-z0-9_-]{43})$}m;
    return $token;
}

sub latest_token {
    my ($to) = @_;
    my @mails = mails_to($to);
    return @mails ? token_of($mails[-1][1]) : undef;
}

sub identity_hash {
    my ($email) = @_;
    return $t->psql_value('SELECT password_hash FROM extranet.identity WHERE email = '
                        . $t->sql_quote($email));
}

my $email = 'marie.dupont@example.org';
my $password = 'Marie-perso-2024!';
my $id = $t->add_identity($email, $password, last_name => 'Dupont', first_name => 'Marie',
                          accounts => ['030000100001', '030000100002']);

# --- the page ------------------------------------------------------------------------------

my $r = $t->get('/auth/login');
like($r->body, qr{href="/auth/password/forgot"}, 'the login page links to password/forgot');

$r = $t->get('/auth/password/forgot');
is($r->status, 200, 'GET password/forgot: 200') or diag($r->dump);
like($r->text, qr{<h1>Mot de passe oublié</h1>}, 'title "Mot de passe oublié"');
like($r->text, qr{<label for="forgot-login">Votre adresse e-mail ou votre code client</label>},
     'the field, labelled');
like($r->body, qr{<input id="forgot-login" name="login" type="text" autocomplete="username"},
     'field "login", autocomplete username');
like($r->body, qr{<button type="submit">Envoyer</button>}, 'button "Envoyer"');
like($r->body, qr{action="/auth/password/forgot"}, 'posts to itself');
is(($t->get('/auth/password/forgot', headers => $json)->json // {})->{step}, 'forgot',
   'GET password/forgot (JSON)');

# --- a numeric code -------------------------------------------------------------------------

$r = forgot('030000100001');
is($r->status, 200, 'a numeric code: 200');
like($r->text, qr/Le mot de passe de votre code client est celui que votre syndic vous a communiqué : contactez votre syndic\./,
     'a numeric code: "contactez votre syndic"');
like(forgot('0300 0010 0001')->text, qr/contactez votre syndic/, 'a code with spaces too');
$r = forgot('040000300001', Accept => 'application/json');
like(($r->json // {})->{message} // '', qr/contactez votre syndic/, 'a code (JSON)');
is(count('extranet.mail_outbox'), 0, 'no mail for a code');

# --- bad syntax -----------------------------------------------------------------------------

$r = forgot('marie.dupont@');
is($r->status, 400, 'bad syntax: 400');
like($r->text, qr/Veuillez entrer une adresse email valide\./, 'bad syntax: message');
like($r->body, qr/value="marie\.dupont@"/, 'the typed text is kept');
is(forgot('')->status, 400, 'empty: 400');
$r = forgot('pas une adresse', Accept => 'application/json');
is($r->status, 400, 'bad syntax (JSON): 400');
is(($r->json // {})->{error}, 'invalid_email', 'bad syntax (JSON): invalid_email');
is(($r->json // {})->{field}, 'login', 'bad syntax (JSON): the field');
is(forgot($email, Origin => 'http://evil.example')->status, 403, 'another origin: 403');
is(count('extranet.mail_outbox') + count('extranet.password_reset'), 0, 'nothing stored');

# --- known and unknown addresses ------------------------------------------------------------

my $mark = $t->audit_mark;
my $unknown = forgot('personne@example.org');
my $known = forgot(uc $email);
is($unknown->status, 200, 'an unknown address: 200');
is($known->status, $unknown->status, 'a known address: the same status');
is($known->body, $unknown->body, 'byte-identical bodies');
like($known->text, qr/Si cette adresse correspond à un compte, un message vient de lui être envoyé avec un lien pour choisir un nouveau mot de passe\. Ce lien est valable une heure\./,
     'the message');
is(count("extranet.mail_outbox WHERE recipient = 'personne\@example.org'"), 0,
   'no mail for the unknown address');
is(count('extranet.password_reset'), 1, 'one reset row, for the known address only');
is(count("extranet.password_reset WHERE identity_id = $id AND used_at IS NULL"
       . " AND expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes'"),
   1, 'the reset row is the identity\'s, unused, for one hour');

my @mails = mails_to($email);
is(scalar @mails, 1, 'one mail in the outbox');
is($mails[0][0], 'Réinitialisation de votre mot de passe', 'its subject');
like($mails[0][1], qr/^Bonjour,/, 'a French body');
my $token = token_of($mails[0][1]);
ok($token, 'the body holds the link') or diag($mails[0][1]);
my $stored = $t->psql_value("SELECT encode(token_hash, 'hex') FROM extranet.password_reset"
                          . " WHERE identity_id = $id");
is($stored, sha256_hex($token), 'the stored value is the token\'s SHA-256');
ok(index(lc $mails[0][1], lc $stored) < 0, 'the stored value appears nowhere in the mail');
isnt($stored, $token, 'the token itself is not stored');
is_deeply(audit_since($mark),
          [['password_reset_request', 'f', 'personne@example.org'],
           ['password_reset_request', 't', $email]],
          'audit "password_reset_request" for both');

$r = forgot('quelquun@example.org', Accept => 'application/json');
is($r->status, 200, 'an unknown address (JSON): 200');
like(($r->json // {})->{message} // '', qr/Si cette adresse correspond à un compte/,
     'an unknown address (JSON): the message');

# --- the reset page -------------------------------------------------------------------------

$r = $t->open_reset_link($token);
is($r->status, 200, 'GET password/reset with the token: 200') or diag($r->dump);
like($r->body, qr{<input type="hidden" name="token" value="\Q$token\E">}, 'the token, hidden');
like($r->body, qr{name="new_password" type="password" autocomplete="new-password"},
     'new_password, autocomplete new-password');
like($r->body, qr{name="password_confirm" type="password" autocomplete="new-password"},
     'password_confirm');
like($r->text, qr/Au moins 12 caractères\./, 'the minimum length hint');
like($r->body, qr/autocomplete="username" value="\Q$email\E"/, 'the address for password managers');
is(count("extranet.password_reset WHERE used_at IS NOT NULL"), 0, 'opening the link spends nothing');

$r = $t->get('/auth/password/reset?token=abc');
is($r->status, 400, 'a malformed token: 400');
like($r->text, qr/Ce lien n(?:'|&#39;)est plus valable\. Demandez un nouveau lien\./,
     'a malformed token: message');
like($r->body, qr{href="/auth/password/forgot"}, 'with a link to ask again');
is($t->get('/auth/password/reset')->status, 400, 'no token: 400');
my $forged = 'A' x 43;
is($t->open_reset_link($forged)->status, 400, 'a forged token: 400');

# --- policy refusals ------------------------------------------------------------------------

my $s1 = $t->login($email, $password);
my $s2 = $t->login($email, $password);
my $code = $t->login('040000300001', 'monceau-0001');
ok($s1 && $s2 && $code, 'two e-mail sessions and a code session open');
my $before = identity_hash($email);
my $new = 'Nouveau-mot-de-passe-2025';

$r = reset_with($token, 'court');
is($r->status, 400, 'a short password: 400');
like($r->text, qr/Le mot de passe doit contenir au moins 12 caractères\./, 'short: message');
like($r->body, qr{name="token" value="\Q$token\E"}, 'the form keeps the token');
$r = reset_with($token, $new, "$new!");
is($r->status, 400, 'a mismatched confirmation: 400');
like($r->text, qr/Les mots de passe ne correspondent pas\./, 'mismatch: message');
unlike($r->body, qr/\Q$new\E/, 'passwords are never sent back');
$r = reset_with($token, 'court', 'court', Accept => 'application/json');
is(($r->json // {})->{error}, 'invalid_fields', 'short (JSON): invalid_fields');
ok(exists((($r->json // {})->{fields} // {})->{new_password}), 'short (JSON): on new_password');
is(identity_hash($email), $before, 'the password is unchanged after the refusals');
is(count('extranet.password_reset WHERE used_at IS NOT NULL'), 0, 'the link is unspent');
is($t->upstream_headers($s1)->{status}, 200, 'sessions live on after the refusals');

# --- success --------------------------------------------------------------------------------

$mark = $t->audit_mark;
$r = reset_with($token, $new);
is($r->status, 303, 'reset: 303') or diag($r->dump);
is($r->location_path, '/auth/login?reset=1', 'to the login, with a notice');
like($t->get('/auth/login?reset=1')->text,
     qr/Votre mot de passe a été changé\. Vous pouvez vous connecter\./, 'the notice is shown');
unlike($t->get('/auth/login')->text, qr/Votre mot de passe a été changé/,
       'not without reset=1');
isnt(identity_hash($email), $before, 'a new hash is stored');
is(count("extranet.password_reset WHERE identity_id = $id AND used_at IS NOT NULL"), 1,
   'the link is spent');
is($t->upstream_headers($s1)->{status}, 302, 'an open session is refused at once');
is($t->upstream_headers($s2)->{status}, 302, 'the other one too');
is($t->upstream_headers($code)->{status}, 200, 'another owner\'s session lives on');
is(count("extranet.session WHERE identity_id = $id AND revoked_at IS NULL"), 0,
   'no open session row is left');
is_deeply(audit_since($mark), [['password_reset', 't', $email]], 'audit "password_reset"');
my (undef, $res) = $t->login($email, $password);
is($res->status, 401, 'the old password is refused');
ok($t->login($email, $new), 'the new password logs in');
$password = $new;

$r = reset_with($token, 'Encore-un-autre-2025');
is($r->status, 400, 'the link cannot be used twice');
like($r->text, qr/Ce lien n(?:'|&#39;)est plus valable/, 'used: message');
is($t->open_reset_link($token)->status, 400, 'a used link: GET refused too');
(undef, $res) = $t->login($email, 'Encore-un-autre-2025');
is($res->status, 401, 'the second use changed nothing');

# --- expired and forged links ---------------------------------------------------------------

forgot($email);
my $expired = latest_token($email);
ok($expired && $expired ne $token, 'a second request mails a new link');
$t->psql("UPDATE extranet.password_reset SET expires_at = now() - interval '1 minute'"
       . " WHERE token_hash = decode('" . sha256_hex($expired) . "', 'hex')");
is($t->open_reset_link($expired)->status, 400, 'an expired link: GET 400');
$before = identity_hash($email);
$r = reset_with($expired, 'Expire-depuis-longtemps-1');
is($r->status, 400, 'an expired link: refused');
$r = reset_with($forged, 'Faux-lien-tout-neuf-2025', undef, Accept => 'application/json');
is($r->status, 400, 'a forged token: refused');
is(($r->json // {})->{error}, 'invalid_token', 'a forged token (JSON): invalid_token');
is(reset_with('x' x 10, 'Faux-lien-tout-neuf-2025')->status, 400, 'a malformed token: refused');
is(identity_hash($email), $before, 'nothing changed');

# A new password through one link spends the others.
forgot($email);
my $older = latest_token($email);
forgot($email);
my $newest = latest_token($email);
$r = reset_with($newest, 'Par-le-dernier-lien-2025', undef, Accept => 'application/json');
is($r->status, 200, 'reset (JSON): 200') or diag($r->dump);
is(($r->json // {})->{redirect}, '/auth/login?reset=1', 'reset (JSON): the redirect');
is(reset_with($older, 'Par-un-vieux-lien-2025')->status, 400, 'an older link is spent as well');
ok($t->login($email, 'Par-le-dernier-lien-2025'), 'the last password logs in');

# --- one address cannot be flooded ----------------------------------------------------------

my $paul = 'paul.martin@example.org';
$t->add_identity($paul, 'Paul-perso-2024!!');
my @status = map { forgot($paul)->status } 1 .. 5;
is_deeply(\@status, [(200) x 5], 'five requests for one address: 200');
$r = forgot($paul);
is($r->status, 429, 'the sixth: 429');
like($r->text, qr/Trop de demandes/, 'the sixth: a clear message');
is(scalar(mails_to($paul)), 5, 'five mails, not six');
my @unknown = map { forgot('flood@example.org')->status } 1 .. 6;
is($unknown[-1], 429, 'an unknown address is limited alike');
is(forgot('autre@example.org')->status, 200, 'another address is not');
is(forgot($paul, Accept => 'application/json')->json->{error}, 'too_many_requests',
   '429 (JSON): too_many_requests');

# --- the link is on auth_extranet_site_url, never on the request's Host ---------------------

# A forged Host with a matching Origin passes the origin check: the genuine
# mail must still point to the configured site, not to the sender's.
my $lucie = 'lucie.bernard@example.org';
$t->add_identity($lucie, 'Lucie-perso-2024!');
$r = forgot($lucie, Host => 'evil.example.net', Origin => 'http://evil.example.net');
is($r->status, 200, 'forged Host and Origin: answered as usual');
my @sent = mails_to($lucie);
is(scalar(@sent), 1, 'forged Host: one mail');
ok(token_of($sent[0][1] // ''), 'forged Host: the link is on the configured site')
    or diag($sent[0][1]);
unlike($sent[0][1] // '', qr/evil/, 'forged Host: the forged Host appears nowhere');

my $site = Extranet::Test->new;
$site->run($site->standard_config(site_url => 'https://extranet.example.org'));
my $claire = 'claire.petit@example.org';
$site->add_identity($claire, 'Claire-perso-2024!');
$r = $site->post('/auth/password/forgot', form => [login => $claire],
                 headers => { Origin => 'http://evil.example.net', Host => 'evil.example.net' });
is($r->status, 200, 'site_url: forgot with a forged Host answers as usual');
@sent = mails_to($claire);
is(scalar(@sent), 1, 'site_url: one mail');
like($sent[0][1], qr{^https://extranet\.example\.org/auth/password/reset\?token=[A-Za-z0-9_-]{43}$}m,
     'site_url: the link is on the configured site, not the forged Host');
unlike($sent[0][1], qr/evil/, 'site_url: the forged Host appears nowhere');
$site->config_fails_like($site->standard_config(site_url => 'https://x.org/path'),
                         qr/invalid auth_extranet_site_url/, 'site_url: a path is refused');

$t->error_log_ok;
$site->error_log_ok;

done_testing;
