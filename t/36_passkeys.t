#!/usr/bin/perl
# Passkeys end to end (SPEC §11): an e-mail identity registers a passkey in
# "Gérer mes comptes" and logs in with it, landing on its default account;
# every refusal of the two ceremonies (wrong origin, replayed challenge,
# wrong RP ID, counter going back, unknown credential, bad signature, user
# presence missing, a challenge of another session or browser), ES256 and
# EdDSA (Ed25519) keys; the password keeps working and a reset leaves the
# passkeys unless asked (t/55_passkey_recovery.t); removal.
#
# The test is the authenticator: an EC P-256 key made with the openssl
# command-line tool, ES256 signatures with `openssl dgst -sha256 -sign`, and
# authenticatorData / attestationObject written in CBOR by hand here (the
# module parses them with libcbor).

use strict;
use warnings;
use utf8;
use Test::More;
use Digest::SHA qw(sha256 sha256_hex);
use MIME::Base64 qw(encode_base64url decode_base64url);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);
my $port = $t->port;
my $origin = $t->origin;          # http://127.0.0.1:PORT = auth_extranet_site_url
my $rp_id = '127.0.0.1';
my $binding_name = $t->cookie_name . '_passkey';
my $email = 'claire.martin@example.org';
my $password = 'Claire-perso-2024!';

# --- the authenticator ------------------------------------------------------------------

sub run_openssl {
    my @cmd = @_;
    system(@cmd) == 0 or die "openssl failed: @cmd";
}

sub new_key {
    my ($name, $type) = @_;
    my $pem = $t->dir . "/$name.pem";
    if (($type // '') eq 'ed25519') {
        run_openssl('openssl', 'genpkey', '-algorithm', 'ed25519', '-out', $pem);
        my $der = `openssl pkey -in '$pem' -pubout -outform DER`;
        return { pem => $pem, ed25519 => substr($der, -32),
                 id => Extranet::Test::random_bytes(16), counter => 0 };
    }
    run_openssl('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
                '-out', $pem);
    my $der = `openssl pkey -in '$pem' -pubout -outform DER`;
    my $point = substr($der, -65);    # 04 || x || y at the end of the SubjectPublicKeyInfo
    die 'no uncompressed point' unless substr($point, 0, 1) eq "\x04";
    return { pem => $pem, x => substr($point, 1, 32), y => substr($point, 33, 32),
             id => Extranet::Test::random_bytes(32), counter => 0 };
}

sub sign {
    my ($key, $data) = @_;
    my $in = $t->dir . '/tbs.bin';
    my $out = $t->dir . '/sig.bin';
    $t->write_file('tbs.bin', $data);
    if ($key->{ed25519}) {
        run_openssl('openssl', 'pkeyutl', '-sign', '-rawin', '-inkey', $key->{pem},
                    '-in', $in, '-out', $out);
    } else {
        run_openssl('openssl', 'dgst', '-sha256', '-sign', $key->{pem}, '-out', $out, $in);
    }
    return $t->read_file('sig.bin');
}

# CBOR (RFC 8949) for the few items an authenticator writes.
sub cbor_head {
    my ($major, $n) = @_;
    return chr(($major << 5) | $n) if $n < 24;
    return chr(($major << 5) | 24) . chr($n) if $n < 256;
    return chr(($major << 5) | 25) . pack('n', $n);
}
sub cbor_int   { my ($v) = @_; $v >= 0 ? cbor_head(0, $v) : cbor_head(1, -1 - $v) }
sub cbor_bytes { my ($b) = @_; cbor_head(2, length $b) . $b }
sub cbor_text  { my ($s) = @_; cbor_head(3, length $s) . $s }
sub cbor_map   { my @kv = @_; cbor_head(5, @kv / 2) . join('', @kv) }

sub cose_key {
    my ($key) = @_;
    return cbor_map(cbor_int(1), cbor_int(1), cbor_int(3), cbor_int(-8), cbor_int(-1),
                    cbor_int(6), cbor_int(-2), cbor_bytes($key->{ed25519}))
        if $key->{ed25519};
    return cbor_map(cbor_int(1), cbor_int(2), cbor_int(3), cbor_int(-7), cbor_int(-1),
                    cbor_int(1), cbor_int(-2), cbor_bytes($key->{x}), cbor_int(-3),
                    cbor_bytes($key->{y}));
}

sub auth_data {
    my ($key, %o) = @_;
    my $flags = $o{flags} // 0x05;    # UP | UV
    my $out = sha256($o{rp_id} // $rp_id) . chr($flags | ($o{attested} ? 0x40 : 0))
            . pack('N', $o{counter} // $key->{counter});
    $out .= ("\0" x 16) . pack('n', length $key->{id}) . $key->{id} . cose_key($key)
        if $o{attested};
    return $out;
}

sub client_data {
    my ($type, $challenge, %o) = @_;
    return '{"type":"' . $type . '","challenge":"' . $challenge . '","origin":"'
         . ($o{origin} // $origin) . '","crossOrigin":false}';
}

# The JSON passkey.js sends after navigator.credentials.create().
sub registration {
    my ($key, $challenge, %o) = @_;
    my $att = cbor_map(cbor_text('fmt'), cbor_text($o{fmt} // 'none'), cbor_text('attStmt'),
                       cbor_map(), cbor_text('authData'),
                       cbor_bytes(auth_data($key, attested => 1, %o)));
    return { id => encode_base64url($key->{id}),
             clientDataJSON => encode_base64url(client_data('webauthn.create', $challenge, %o)),
             attestationObject => encode_base64url($att),
             name => $o{name} // 'Mon téléphone' };
}

# The JSON passkey.js sends after navigator.credentials.get().
sub assertion {
    my ($key, $challenge, %o) = @_;
    my $cd = client_data('webauthn.get', $challenge, %o);
    my $ad = auth_data($key, %o);
    my $sig = sign($o{signer} // $key, $ad . sha256($cd));
    substr($sig, 10, 1) = chr(ord(substr($sig, 10, 1)) ^ 1) if $o{corrupt};
    return { id => encode_base64url($o{credential_id} // $key->{id}),
             clientDataJSON => encode_base64url($cd),
             authenticatorData => encode_base64url($ad),
             signature => encode_base64url($sig),
             userHandle => $o{user_handle} // '' };
}

# --- the portal's side ----------------------------------------------------------------------

my $json = { Accept => 'application/json', Origin => $origin };

sub post_json {
    my ($path, $body, %o) = @_;
    my @headers = (['Accept', 'application/json'], ['Origin', $o{origin_header} // $origin]);
    push @headers, ['Cookie', $o{raw_cookie}] if $o{raw_cookie};
    return $t->post($path, json => $body, headers => \@headers,
                    defined $o{cookie} ? (cookie => $o{cookie}) : ());
}

# Adding a passkey asks for the current password (t/57_passkey_reauth.t).
sub register_options {
    my ($cookie) = @_;
    my $r = post_json('/auth/passkey/register/options',
                      { csrf => $t->csrf($cookie), current_password => $password },
                      cookie => $cookie);
    return ($r, ($r->json // {})->{publicKey} // {});
}

sub register {
    my ($cookie, $key, %o) = @_;
    my ($r, $pk) = register_options($cookie);
    my $body = registration($key, $o{challenge} // $pk->{challenge}, %o);
    $body->{csrf} = $t->csrf($cookie);
    return (post_json('/auth/passkey/register', $body, cookie => $cookie), $pk);
}

# login/options: (challenge, binding cookie "name=value").
sub login_options {
    my $r = post_json('/auth/passkey/login/options', {});
    my $pk = ($r->json // {})->{publicKey} // {};
    my $value = $r->cookie($binding_name);
    return ($pk->{challenge}, defined $value ? "$binding_name=$value" : undef, $r);
}

sub passkey_login {
    my ($key, %o) = @_;
    my ($challenge, $binding) = login_options();
    my $body = assertion($key, $o{challenge} // $challenge, %o);
    my $r = post_json('/auth/passkey/login', $body,
                      raw_cookie => exists $o{binding} ? $o{binding} : $binding);
    return wantarray ? ($r, $body, $binding) : $r;
}

sub audit_since {
    my ($mark) = @_;
    my @rows = $t->psql("SELECT event, success, coalesce(account_code, ''), detail"
                      . " FROM extranet.audit_log WHERE id > $mark ORDER BY id");
    for my $row (@rows) { utf8::decode($_) for @$row }
    return \@rows;
}

sub count_rows { $t->psql_value("SELECT count(*) FROM $_[0]") }

my $identity = $t->add_identity($email, $password,
                                accounts => ['030000100001', '030000100002'],
                                default_account => '030000100002');

# --- the script and the pages -------------------------------------------------------------

my $r = $t->get('/auth/passkey.js');
is($r->status, 200, 'passkey.js: 200');
like($r->header('content-type') // '', qr{^application/javascript}, 'passkey.js: JavaScript');
like($r->body, qr/PublicKeyCredential/, 'passkey.js checks for WebAuthn');
is($t->post('/auth/passkey.js', headers => $json)->status, 405, 'POST passkey.js: 405');

$r = $t->get('/auth/login');
like($r->body, qr{<script src="/auth/passkey\.js\?v=[0-9a-f]{16}" defer></script>}, "login page loads passkey.js (the theme's, versioned)");
like($r->body, qr{<div class="passkey-login" id="passkey-login"[^>]* hidden>},
     'the passkey button is hidden until the script finds WebAuthn');
unlike($r->body, qr{<script>}, 'no inline script on the login page');

# --- registration -----------------------------------------------------------------------------

my $code_cookie = $t->login('040000300001', 'monceau-0001');
is(post_json('/auth/passkey/register/options', { csrf => $t->csrf($code_cookie) },
             cookie => $code_cookie)->status, 403, 'a numeric-code session cannot add a passkey');
is(post_json('/auth/passkey/register/options', {})->status, 401,
   'register/options without a session: 401');

my $cookie = $t->login($email, $password);
ok($cookie, 'e-mail login');
is(post_json('/auth/passkey/register/options', {}, cookie => $cookie)->status, 403,
   'register/options without the CSRF token: 403');

my ($opt, $pk) = register_options($cookie);
is($opt->status, 200, 'register/options: 200') or diag($opt->dump);
is($pk->{rp}{id}, $rp_id, 'RP ID: the host of auth_extranet_site_url');
is(length(decode_base64url($pk->{challenge} // '')), 32, 'challenge: 256 random bits');
is($pk->{user}{name}, $email, 'user name: the e-mail');
ok(length(decode_base64url($pk->{user}{id} // '')) >= 16, 'an opaque user handle');
is_deeply([map { $_->{alg} } @{$pk->{pubKeyCredParams}}], [-8, -7, -257],
          'EdDSA, ES256, RS256 offered');
is($pk->{attestation}, 'none', 'attestation: none');
is($pk->{authenticatorSelection}{userVerification}, 'required', 'user verification required');
is(count_rows("extranet.passkey_challenge WHERE purpose = 'register'"), 1,
   'one challenge stored');
my $stored = $t->psql_value("SELECT encode(challenge_hash, 'hex') FROM extranet.passkey_challenge");
is($stored, sha256_hex(decode_base64url($pk->{challenge})), 'stored as its SHA-256 only');

my $key = new_key('phone');
my $mark = $t->audit_mark;
my $body = registration($key, $pk->{challenge});
$body->{csrf} = $t->csrf($cookie);
$r = post_json('/auth/passkey/register', $body, cookie => $cookie);
is($r->status, 200, 'register: 200') or diag($r->dump);
is(($r->json // {})->{done}, 'passkey_added', 'register: done');
is(count_rows("extranet.passkey WHERE identity_id = $identity"), 1, 'one passkey stored');
my $name = $t->psql_value("SELECT name FROM extranet.passkey");
utf8::decode($name);
is($name, 'Mon téléphone', 'with its name');
is($t->psql_value("SELECT algorithm FROM extranet.passkey"), -7, 'ES256');
is_deeply(audit_since($mark), [['passkey_add', 't', '', 'Mon téléphone']], 'audit: passkey_add');
is(count_rows('extranet.passkey_challenge'), 0, 'the challenge is spent');

$r = post_json('/auth/passkey/register', $body, cookie => $cookie);
is($r->status, 400, 'the same registration replayed: 400');
is(($r->json // {})->{error}, 'wrong_challenge', 'replay: wrong_challenge');

$r = $t->get('/auth/manage', cookie => $cookie);
my $page = $r->text;
like($page, qr{<h2 id="manage-passkeys">Clés d'accès</h2>}, 'manage: section "Clés d\'accès"');
like($page, qr/Ajouter une clé d'accès/, 'manage: "Ajouter une clé d\'accès"');
like($page, qr/Mon téléphone/, 'manage: the passkey listed by name');
like($page, qr/Créée le \d\d\/\d\d\/\d{4} \d\d:\d\d/, 'manage: created');
like($page, qr/Dernière utilisation : jamais/, 'manage: never used yet');
my $id_b64 = encode_base64url($key->{id});
like($r->body, qr{name="id" value="\Q$id_b64\E"}, 'manage: a remove button for it');

# Registration refusals, each with a fresh challenge.
my %refusals = (
    wrong_origin     => [origin => 'http://evil.example.net'],
    wrong_rp_id      => [rp_id => 'evil.example.net'],
    user_not_present => [flags => 0x04],
    user_not_verified => [flags => 0x01],
    unsupported_attestation => [fmt => 'packed'],
);
for my $case (sort keys %refusals) {
    my $other = new_key("reg-$case");
    ($r) = register($cookie, $other, @{$refusals{$case}});
    is($r->status, 400, "register, $case: 400");
    is(($r->json // {})->{error}, $case, "register, $case: the reason");
}
# A challenge issued to another session is not this session's.
my $cookie2 = $t->login($email, $password);
my (undef, $pk2) = register_options($cookie2);
($r) = register($cookie, new_key('stolen'), challenge => $pk2->{challenge});
is(($r->json // {})->{error}, 'wrong_challenge', "another session's challenge: refused");
is(count_rows("extranet.passkey WHERE identity_id = $identity"), 1, 'still one passkey');
$r = post_json('/auth/passkey/register', { csrf => $t->csrf($cookie), clientDataJSON => '!!',
                                           attestationObject => 'AA' }, cookie => $cookie);
is($r->status, 400, 'register with garbage: 400');
# An attestationObject whose CBOR head declares 2^28 items in 6 bytes.
(undef, $pk) = register_options($cookie);
$body = registration(new_key('huge'), $pk->{challenge});
$body->{attestationObject} = encode_base64url("\x9a\x10\x00\x00\x00\x01");
$body->{csrf} = $t->csrf($cookie);
$r = post_json('/auth/passkey/register', $body, cookie => $cookie);
is($r->status, 400, 'register with a huge declared CBOR array: 400');
is(($r->json // {})->{error}, 'bad_encoding', 'huge CBOR: bad_encoding');
ok($r->elapsed < 2, 'huge CBOR: refused at once');

# --- login ------------------------------------------------------------------------------------

my ($challenge, $binding, $lo) = login_options();
is($lo->status, 200, 'login/options: 200');
like($lo->set_cookie($binding_name) // '', qr/HttpOnly/, 'binding cookie: HttpOnly');
like($lo->set_cookie($binding_name) // '', qr/Max-Age=300/, 'binding cookie: 5 minutes');
is(($lo->json // {})->{publicKey}{rpId}, $rp_id, 'login/options: rpId');

$key->{counter} = 1;
$mark = $t->audit_mark;
my $assert = assertion($key, $challenge);
$r = post_json('/auth/passkey/login', $assert, raw_cookie => $binding);
is($r->status, 200, 'passkey login: 200') or diag($r->dump);
my $j = $r->json // {};
is($j->{login}, 'passkey', 'JSON: login passkey');
is($j->{account}, '030000100002', 'lands on the default account');
my $pk_session = $r->cookie($t->cookie_name);
ok($pk_session, 'a session cookie');
like($r->set_cookie($binding_name) // '', qr/Max-Age=0/, 'the binding cookie is cleared');
my $h = $t->upstream_headers($pk_session);
is($h->{Account}, '030000100002', 'X-Extranet-Account: the default account');
is($h->{Email}, $email, 'X-Extranet-Email');
is_deeply(audit_since($mark), [['login', 't', '030000100002', 'passkey']],
          'audit: login, detail passkey');
is($t->psql_value('SELECT sign_count FROM extranet.passkey'), 1, 'counter stored');
is($t->psql_value('SELECT last_used_at IS NOT NULL FROM extranet.passkey'), 't', 'last used set');
like($t->get('/auth/manage', cookie => $pk_session)->text, qr/Dernière utilisation : \d\d\//,
     'manage shows the last use');

$r = post_json('/auth/passkey/login', $assert, raw_cookie => $binding);
is($r->status, 400, 'the same login replayed: 400');
is(($r->json // {})->{error}, 'wrong_challenge', 'replay: wrong_challenge');
ok(!$r->cookie($t->cookie_name), 'replay: no session');

# Every refusal; the counter moves on before each so that only the case fails.
my @login_refusals = (
    [wrong_origin       => 401, origin => 'https://127.0.0.1.evil.example'],
    [wrong_rp_id        => 401, rp_id => 'evil.example.net'],
    [user_not_present   => 401, flags => 0x04],
    [bad_signature      => 401, corrupt => 1],
    [bad_signature      => 401, signer => new_key('other-signer')],
    [unknown_credential => 401, credential_id => Extranet::Test::random_bytes(32)],
    [wrong_challenge    => 400, challenge => encode_base64url('x' x 32)],
    [wrong_challenge    => 400, binding => undef],
    [wrong_challenge    => 400, binding => "$binding_name=forged"],
);
for my $case (@login_refusals) {
    my ($error, $status, @o) = @$case;
    $key->{counter}++;
    ($r) = passkey_login($key, @o);
    my $what = "login, $error (" . join(' ', map { ref $_ ? 'key' : $_ // 'none' } @o) . ')';
    is($r->status, $status, "$what: $status") or diag($r->dump);
    is(($r->json // {})->{error}, $error, "$what: the reason");
    ok(!$r->cookie($t->cookie_name), "$what: no session");
}
$key->{counter}++;
($r) = passkey_login($key, user_handle => encode_base64url('someone else'));
is($r->status, 401, 'login with another user handle: 401');

# The counter going back (a cloned key) and staying put.
$key->{counter} = 1;
($r) = passkey_login($key);
is(($r->json // {})->{error}, 'counter_regressed', 'counter going back: refused');
is($r->status, 401, 'counter going back: 401');
$key->{counter} = 50;
($r) = passkey_login($key);
is($r->status, 200, 'counter moving forward: 200') or diag($r->dump);
($r) = passkey_login($key);
is(($r->json // {})->{error}, 'counter_regressed', 'the same counter again: refused');
is($t->psql_value('SELECT sign_count FROM extranet.passkey'), 50, 'counter at the last success');

# A cross-site request cannot use the login route.
$key->{counter} = 60;
($challenge, $binding) = login_options();
$r = post_json('/auth/passkey/login', assertion($key, $challenge), raw_cookie => $binding,
               origin_header => 'http://evil.example.net');
is($r->status, 403, 'login from another site (Origin): 403');
is($t->post('/auth/passkey/login', headers => $json)->status, 400, 'login with nothing: 400');
is($t->get('/auth/passkey/login/options', headers => $json)->status, 405,
   'GET login/options: 405');

my $failures = count_rows("extranet.audit_log WHERE event = 'login_failure' AND detail LIKE 'passkey:%'");
ok($failures >= 8, "failed passkey logins audited ($failures)");

# --- a second passkey, EdDSA (Ed25519) ----------------------------------------------------------

my $ed = new_key('laptop', 'ed25519');
($r) = register($cookie, $ed, name => 'Ordinateur');
is($r->status, 200, 'an Ed25519 passkey registered') or diag($r->dump);
is($t->psql_value("SELECT algorithm FROM extranet.passkey WHERE name = 'Ordinateur'"), -8,
   'stored as EdDSA');
(undef, $pk) = register_options($cookie);
is(scalar @{$pk->{excludeCredentials}}, 2, 'both passkeys excluded from a new registration');
($r) = register($cookie, $ed, name => 'Encore');
is($r->status, 409, 'the same credential again: 409');
$ed->{counter} = 0;    # an authenticator without a counter
($r) = passkey_login($ed);
is($r->status, 200, 'login with the Ed25519 passkey') or diag($r->dump);
($r) = passkey_login($ed, corrupt => 1);
is(($r->json // {})->{error}, 'bad_signature', 'Ed25519, bad signature: refused');
$t->psql("DELETE FROM extranet.passkey WHERE name = 'Ordinateur'");

# --- the password keeps working, a reset keeps the passkeys ---------------------------------

ok($t->login($email, $password), 'the password still logs in');
$r = $t->post('/auth/password/forgot', form => [login => $email], headers => { Origin => $origin });
my $mail = $t->psql_value("SELECT encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
                        . " WHERE recipient = '$email' ORDER BY id DESC LIMIT 1") // '';
my ($token) = pack('H*', $mail) =~ m{password/reset\?token=([A-Za-z0-9_-]{43})};
ok($token, 'a reset link was mailed');
my $new_password = 'Claire-nouveau-2025!';
$r = $t->post('/auth/password/reset',
              form => [token => $token, new_password => $new_password,
                       password_confirm => $new_password],
              headers => { Origin => $origin });
ok($r->status == 303 || $r->status == 200, 'password reset done') or diag($r->dump);
ok($t->login($email, $new_password), 'the new password logs in');
is(count_rows("extranet.passkey WHERE identity_id = $identity"), 1, 'the passkey survived the reset');
$key->{counter} = 70;
($r) = passkey_login($key);
is($r->status, 200, 'and still logs in') or diag($r->dump);
my $session = $r->cookie($t->cookie_name);

# --- removal ----------------------------------------------------------------------------------

my $other_id = $t->add_identity('autre@example.org', 'Autre-perso-2024!',
                                accounts => ['030100200001']);
my $other = $t->login('autre@example.org', 'Autre-perso-2024!');
$r = $t->post_as($other, '/auth/passkey/delete', [id => $id_b64]);
is($r->status, 404, "another identity cannot remove it: 404");
is(count_rows('extranet.passkey'), 1, 'still there');
is($t->post('/auth/passkey/delete', cookie => $session, form => [id => $id_b64],
            headers => { Origin => $origin })->status, 403, 'remove without CSRF: 403');

$mark = $t->audit_mark;
$r = $t->post_as($session, '/auth/passkey/delete', [id => $id_b64]);
is($r->status, 303, 'remove: 303');
is($r->location_path, '/auth/manage?done=passkey_deleted#passkeys', 'back to manage');
is(count_rows('extranet.passkey'), 0, 'removed');
is_deeply(audit_since($mark), [['passkey_delete', 't', '', 'Mon téléphone']], 'audit: passkey_delete');
like($t->get('/auth/manage?done=passkey_deleted', cookie => $session)->text,
     qr/La clé d(?:'|&#39;)accès a été supprimée\./, 'the notice');
$r = $t->post_as($session, '/auth/passkey/delete', [id => $id_b64]);
is($r->status, 404, 'remove again: 404');
$key->{counter} = 80;
($r) = passkey_login($key);
is(($r->json // {})->{error}, 'unknown_credential', 'a removed passkey no longer logs in');

$t->error_log_ok;
done_testing;
