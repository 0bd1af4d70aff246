#!/usr/bin/perl
# An address is proven before it is used. Linking an account to a new
# e-mail makes a claim and mails a single-use confirmation link (stored
# hashed, 48 hours); until the mailbox is proven the address does not log
# in (password or passkey), registers no passkey and receives no other
# account, and it stays free for its real owner. Whoever proves the mailbox
# (the link or a password reset) takes the address; the claimant's links,
# passkeys and sessions go, audited. The link leaves the address bar at
# once, sends no Referer and confirms only on a button press.
# The attacker of each part: the owner of lot 030000100002 (tilleuls-0002)
# claims his neighbour's address; she owns lot 030000100001.

use strict;
use warnings;
use utf8;
use Test::More;
use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(encode_base64url);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);
my $port = $t->port;
my $json = { Accept => 'application/json' };

my $attacker_pw = 'Attaquant-très-malin';
my $owner_pw = 'Voisine-vraiment-à-elle';

sub count {
    my ($sql) = @_;
    return $t->psql_value("SELECT count(*) FROM $sql");
}

sub sqlq { $t->sql_quote($_[0]) }

# The outbox rows of an address, oldest first, as [subject, body].
sub mails_to {
    my ($to) = @_;
    my @rows = $t->psql("SELECT encode(convert_to(subject, 'UTF8'), 'hex'),"
                      . " encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
                      . " WHERE recipient = " . sqlq($to) . " ORDER BY id");
    return map {
        my @m = map { my $s = pack('H*', $_); utf8::decode($s); $s } @$_;
        \@m;
    } @rows;
}

sub latest_token {
    my ($to, $route) = @_;
    $route //= 'link/confirm';
    for my $m (reverse mails_to($to)) {
        return $1 if $m->[1] =~ m{^http://127\.0\.0\.1:$port/auth/\Q$route\E\?token=([A-Za-z0-9_-]{43})$}m;
    }
    return undef;
}

# Logs in with the code and links the account to a new address; the
# cookie (its session, now the claim's) and the last answer.
sub claim {
    my ($code, $code_pw, $email, $password, %o) = @_;
    my $cookie = $t->login($code, $code_pw) or return;
    my $r = $t->post_as($cookie, '/auth/link', [email => $email]);
    return (undef, $r) unless ($r->location_path // '') =~ m{^/auth/link/profile};
    $r = $t->post_as($cookie, '/auth/link/profile',
                     [email => $email, last_name => $o{last} // 'Martin',
                      first_name => $o{first} // 'Paul', phone => '',
                      password => $password, password_confirm => $password]);
    my $new = $r->cookie($t->cookie_name);
    return ($new // $cookie, $r);
}

# The three steps of the mailed link; the last answer.
sub confirm {
    my ($token) = @_;
    my $r = $t->get("/auth/link/confirm?token=$token");
    my $c = $r->cookie('extranet_confirm') // return $r;
    $r = $t->get('/auth/link/confirm', headers => { Cookie => "extranet_confirm=$c" });
    return $r unless $r->status == 200;
    return $t->post('/auth/link/confirm', form => [token => $token],
                    headers => { Origin => $t->origin, Cookie => "extranet_confirm=$c" });
}

sub email_login {
    my ($email, $password) = @_;
    my ($cookie, $r) = $t->login($email, $password);
    return $cookie;
}

# --- 1. the attacker claims the neighbour's address ------------------------------------

my $addr = 'voisine@example.org';
my ($attacker, $r) = claim('030000100002', 'tilleuls-0002', $addr, $attacker_pw);
ok($attacker, 'attacker: linked his lot to the new address');
is($r->status, 303, 'link/profile: 303');
is($r->location_path, '/auth/link/done?confirm=1', 'to link/done, confirmation sent');
$r = $t->get('/auth/link/done?confirm=1', cookie => $attacker);
is($r->status, 200, 'link/done: 200');
like($r->text, qr/Ce compte est associé/, 'link/done: "Ce compte est associé"');
like($r->text, qr/Un message vient d'être envoyé à cette adresse : ouvrez-le/,
     'link/done: one more sentence, open the mail');
is(count("extranet.identity WHERE email = '$addr' AND email_confirmed_at IS NULL"), 1,
   'the identity is a claim (unconfirmed)');

my @mails = mails_to($addr);
is(scalar @mails, 1, 'one mail to the address');
is($mails[0][0], 'Confirmez votre adresse e-mail', 'its subject');
like($mails[0][1], qr/030000100002/, 'it names the account being linked');
like($mails[0][1], qr/Si ce n'est pas vous, ne confirmez pas/, 'and what to do if not asked');
my $attacker_token = latest_token($addr);
ok($attacker_token, 'the mail carries a link/confirm token of 43 characters (256 bits)');
is(count("extranet.address_confirmation WHERE token_hash = decode('"
         . sha256_hex($attacker_token) . "', 'hex')"
         . " AND expires_at BETWEEN now() + interval '47 hours' AND now() + interval '49 hours'"),
   1, 'only its sha256 is stored, valid 48 hours');
is(count("extranet.address_confirmation WHERE position(convert_to("
         . sqlq($attacker_token) . ", 'UTF8') in token_hash) > 0"), 0, 'never the token itself');

# The claim opens nothing.
is(email_login($addr, $attacker_pw), undef, 'attacker: no e-mail login with his password');
# (with the claim's password, which adding a passkey asks for: the claim
# itself is what refuses)
$r = $t->post('/auth/passkey/register/options', cookie => $attacker,
              json => { csrf => $t->csrf($attacker), current_password => $attacker_pw },
              headers => { %$json, Origin => $t->origin });
is($r->status, 403, 'attacker: no passkey registration on the claim');
is(($r->json // {})->{error}, 'address_unconfirmed', 'error address_unconfirmed');

# The claim receives no other account: the address still looks new to a
# second lot, and its password does not attach.
my $second = $t->login('030100200001', 'closfleuri-01');
$r = $t->post_as($second, '/auth/link', [email => $addr]);
is($r->location_path, "/auth/link/profile?email=voisine%40example.org",
   'another lot: the claimed address is new (profile step)');
$r = $t->post_as($second, '/auth/link/password', [email => $addr, password => $attacker_pw]);
is($r->status, 401, "link/password with the claim's password: refused");
is(count("extranet.identity_account WHERE account_code = '030100200001'"), 0,
   'nothing attached to the claim');

# --- 2. the neighbour links hers: the address is free for her ------------------------

my ($owner, $r2) = claim('030000100001', 'tilleuls-0001', $addr, $owner_pw,
                         last => 'Durand', first => 'Alice');
ok($owner, 'neighbour: the address was free (profile step), her lot linked');
is($r2->location_path, '/auth/link/done?confirm=1', 'neighbour: confirmation sent');
is(count("extranet.identity WHERE email = '$addr'"), 2, 'two claims side by side');
my $owner_token = latest_token($addr);
isnt($owner_token, $attacker_token, 'her own link');

# The link leaves the address bar, sends no Referer, confirms on a POST only.
my $mark = $t->audit_mark;
$r = $t->get("/auth/link/confirm?token=$owner_token");
is($r->status, 303, 'first load: 303');
is($r->location_path, '/auth/link/confirm', 'to the same route, without the token');
is($r->header('Referrer-Policy'), 'no-referrer', 'first load: Referrer-Policy no-referrer');
my $set = join("\n", $r->headers('Set-Cookie'));
like($set, qr/extranet_confirm=\Q$owner_token\E; Path=\/auth\/link\/confirm;.*HttpOnly/,
     'the token rides in a short HttpOnly cookie of that path');
my $c = $r->cookie('extranet_confirm');
$r = $t->get('/auth/link/confirm', headers => { Cookie => "extranet_confirm=$c" });
is($r->status, 200, 'the page: 200') or diag($r->dump);
# Its URL holds no token; under no-referrer a browser would send the form
# with "Origin: null", which the origin check refuses.
is($r->header('Referrer-Policy'), 'same-origin', 'the page: the site\'s policy (clean URL)');
like($r->text, qr/Confirmer votre adresse e-mail/, 'the page asks to confirm');
like($r->text, qr/030000100001/, 'it shows the account to be linked');
like($r->text, qr/Alice Durand/, 'and who asked');
like($r->body, qr/<form method="post" action="\/auth\/link\/confirm"/, 'a POST form');
# A scanner opening the link twice confirms nothing.
$t->get("/auth/link/confirm?token=$owner_token") for 1 .. 2;
is(count("extranet.identity WHERE email = '$addr' AND email_confirmed_at IS NOT NULL"), 0,
   'GETs confirmed nothing');
$r = $t->post('/auth/link/confirm', form => [token => $owner_token],
              headers => { Origin => 'http://evil.example' });
is($r->status, 403, 'a cross-origin POST is refused');
$r = $t->post('/auth/link/confirm', form => [token => $owner_token],
              headers => { Origin => 'null' });
is($r->status, 403, 'so is one with "Origin: null"');

$r = $t->post('/auth/link/confirm', form => [token => $owner_token],
              headers => { Origin => $t->origin, Cookie => "extranet_confirm=$c" });
is($r->status, 200, 'the button: 200') or diag($r->dump);
like($r->text, qr/Adresse e-mail confirmée/, 'confirmed');
like(join("\n", $r->headers('Set-Cookie')), qr/extranet_confirm=; .*Max-Age=0/,
     'the token cookie is cleared');

is(count("extranet.identity WHERE email = '$addr'"), 1, "the attacker's claim is gone");
is(count("extranet.identity_account WHERE account_code = '030000100002'"), 0,
   "the attacker's link is gone");
is($t->upstream_headers($attacker)->{Account}, undef, "the attacker's session is over");
is(count("extranet.audit_log WHERE id > $mark AND event = 'claim_dropped'"
         . " AND account_code = '030000100002'"), 1, 'the dropped link is audited');
is(count("extranet.audit_log WHERE id > $mark AND event = 'address_confirmed'"), 1,
   'the confirmation is audited');
ok(email_login($addr, $owner_pw), 'she logs in with her address');
is(email_login($addr, $attacker_pw), undef, "the attacker's password opens nothing");
is(confirm($attacker_token)->status, 400, "the attacker's link no longer works");
is(confirm($owner_token)->status, 400, 'hers is spent (single use)');

# --- 3. a proven address cannot be re-claimed -----------------------------------------

my $again = $t->login('030000100002', 'tilleuls-0002');
ok($again, 'attacker: his lot logs in by code again (its link was dropped)');
$r = $t->post_as($again, '/auth/link', [email => $addr]);
is($r->location_path, '/auth/link/password?email=voisine%40example.org',
   'the proven address is known: password step');
$r = $t->post_as($again, '/auth/link/profile',
                 [email => $addr, last_name => 'X', first_name => 'Y', phone => '',
                  password => $attacker_pw, password_confirm => $attacker_pw]);
is($r->location_path, '/auth/link/password?email=voisine%40example.org',
   'link/profile on a proven address: sent to the password step');
is(count("extranet.identity WHERE email = '$addr'"), 1, 'no second identity');
$r = $t->post_as($again, '/auth/link/password', [email => $addr, password => $attacker_pw]);
is($r->status, 401, 'a wrong password does not attach');

# --- 4. the other way: a password reset from the mailbox -----------------------------

my $addr2 = 'marie@example.org';
my ($claimant) = claim('030000100002', 'tilleuls-0002', $addr2, $attacker_pw);
ok($claimant, 'attacker: claimed a second address');
my ($claim_id) = $t->psql_value("SELECT id FROM extranet.identity WHERE email = '$addr2'");
# A passkey attached under the claim (as one could have been before this
# check existed): it must go with the rest.
$t->psql("INSERT INTO extranet.passkey (credential_id, identity_id, user_handle, public_key,"
       . " algorithm) VALUES ('\\x0102030405', $claim_id, '\\x01', '\\x02', -7)");

# The claim's passkey does not log in: the lookup ignores claims.
my $opt = $t->post('/auth/passkey/login/options', headers => { %$json, Origin => $t->origin },
                   json => {});
my $challenge = ($opt->json // {})->{publicKey}{challenge};
my $binding = $opt->cookie($t->cookie_name . '_passkey');
my $cdj = encode_base64url($t->json_encode({ type => 'webauthn.get', challenge => $challenge,
                                             origin => $t->origin }));
$r = $t->post('/auth/passkey/login',
              headers => { %$json, Origin => $t->origin,
                           Cookie => $t->cookie_name . "_passkey=$binding" },
              json => { id => encode_base64url("\x01\x02\x03\x04\x05"),
                        clientDataJSON => $cdj,
                        authenticatorData => encode_base64url('x' x 37),
                        signature => encode_base64url('sig') });
is($r->status, 401, "the claim's passkey: 401");
is(($r->json // {})->{error}, 'unknown_credential', 'as an unknown credential');

$mark = $t->audit_mark;
$r = $t->post('/auth/password/forgot', form => [login => $addr2],
              headers => { Origin => $t->origin });
is($r->status, 200, 'the owner asks for a reset');
my $reset = latest_token($addr2, 'password/reset');
ok($reset, 'a reset link reaches the mailbox of the claimed address');
$r = $t->post('/auth/password/reset',
              form => [token => $reset, new_password => $owner_pw, password_confirm => $owner_pw],
              headers => { Origin => $t->origin });
is($r->status, 303, 'reset done') or diag($r->dump);
is(count("extranet.identity WHERE email = '$addr2' AND email_confirmed_at IS NOT NULL"), 1,
   'the address is proven');
is(count("extranet.identity_account WHERE identity_id = $claim_id"), 0,
   "the claimant's link is gone");
is(count("extranet.passkey WHERE identity_id = $claim_id"), 0, "the claimant's passkey is gone");
is(count("extranet.session WHERE identity_id = $claim_id AND revoked_at IS NULL"), 0,
   "the claimant's sessions are gone");
is($t->upstream_headers($claimant)->{Account}, undef, "the claimant's cookie opens nothing");
is(count("extranet.audit_log WHERE id > $mark AND event = 'claim_stripped'"
         . " AND account_code = '030000100002'"), 1, 'audited on the account');
is(email_login($addr2, $attacker_pw), undef, "the claimant's password is gone");
my $hers = $t->login('030000100001', 'tilleuls-0001');
ok(!$hers, 'her lot is linked to the first address (code login refused)');

# --- 5. pending claims expire -------------------------------------------------------

my $addr3 = 'expire@example.org';
claim('030000100002', 'tilleuls-0002', $addr3, $attacker_pw);
my $old_token = latest_token($addr3);
$t->psql("UPDATE extranet.identity SET created_at = now() - interval '49 hours'"
       . " WHERE email = '$addr3'");
$t->psql("UPDATE extranet.address_confirmation SET expires_at = now() - interval '1 hour'"
       . " WHERE identity_id = (SELECT id FROM extranet.identity WHERE email = '$addr3')");
is(confirm($old_token)->status, 400, 'an expired link: 400');
is(count("extranet.identity WHERE email = '$addr3' AND email_confirmed_at IS NOT NULL"), 0,
   'nothing confirmed');
# The next link anywhere purges it.
claim('030100200001', 'closfleuri-01', 'autre@example.org', $owner_pw);
is(count("extranet.identity WHERE email = '$addr3'"), 0, 'the expired claim is purged');
is(count("extranet.audit_log WHERE event = 'claim_dropped' AND detail LIKE '%expired%'"), 2,
   'audited (one row for the link, one for the claim)');

# --- bad tokens -----------------------------------------------------------------------

for my $bad ('', 'short', 'x' x 43 . '!', 'A' x 44) {
    $r = $t->get('/auth/link/confirm?token=' . $t->urlencode($bad));
    is($r->status, 400, "a malformed token ('$bad'): 400");
    is($r->header('Referrer-Policy'), 'no-referrer', "... and no Referer from that URL");
}
$r = $t->get('/auth/link/confirm');
is($r->status, 400, 'no token at all: 400');
$r = $t->post('/auth/link/confirm', form => [token => 'A' x 43],
              headers => { Origin => $t->origin });
is($r->status, 400, 'an unknown token: 400');

$t->error_log_ok;
done_testing;
