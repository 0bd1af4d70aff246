#!/usr/bin/perl
# extranet-admin prints what clients chose (passkey names, personal names,
# phones, user agents, audit details that quote them) to the support desk's
# terminal. The attack: a passkey named with a right-to-left override or a
# C1 control sequence (U+009B is CSI) reorders, hides or recolours what the
# operator reads, or talks to the terminal (OSC 52 writes the clipboard).
# Now every control (C0, DEL, C1), bidirectional and format character is
# shown escaped (\u202e), a backslash doubled; --json escapes them as JSON
# \u escapes, which decode to the stored values.

use strict;
use warnings;
use utf8;
use Test::More;
use Encode ();
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

# (exit code, raw stdout bytes, stderr)
sub admin { $t->admin('--operator', 'alice', @_, { raw => 1 }) }

# What a terminal would act on: C0 but newline, DEL, C1, bidi and the
# other invisible format characters.
my $DANGER = qr/[\x00-\x09\x0b-\x1f\x7f-\x9f\x{061c}\x{200b}-\x{200f}\x{2028}-\x{202e}\x{2060}-\x{206f}\x{feff}]/;

sub clean_ok {
    my ($bytes, $what) = @_;
    my $text = Encode::decode('UTF-8', $bytes, Encode::FB_CROAK);
    my @found = map { sprintf 'U+%04X', ord } $text =~ /($DANGER)/g;
    ok(!@found, "$what: nothing a terminal would act on") or diag("found @found");
    return $text;
}

my $email = 'marie.dupont@example.org';
my $id = $t->add_identity($email, 'Marie-perso-2024!', accounts => ['030000100001']);
# As an owner could have typed them (names and phone through the portal's
# profile form, user agent and passkey names sent by a client, before names
# were checked): written straight into the database.
$t->psql("UPDATE extranet.identity SET last_name = E'Dupont\\u202e', first_name = E'Marie\\u009b31m',"
       . " phone = E'06\\u2066 12' WHERE id = $id");
$t->psql("INSERT INTO extranet.session (id_hash, identity_id, account_code, login_method,"
       . " expires_at, client_addr, user_agent) VALUES (decode(repeat('ab', 32), 'hex'), $id,"
       . " '030000100001', 'email', now() + interval '1 hour', '127.0.0.1',"
       . " E'Mozilla\\x1b]52;c;ZWNobyBwd25lZA==\\x07 \\x1b[2J\\u200f')");
$t->psql("INSERT INTO extranet.passkey (credential_id, identity_id, user_handle, public_key,"
       . " algorithm, name) VALUES (decode('0102030405060708', 'hex'), $id, decode('aa', 'hex'),"
       . " decode('a0', 'hex'), -7, E'\\u202egnp.exe\\u2069 \\u009b2J \\\\u202e')");
$t->psql("INSERT INTO extranet.audit_log (event, identity_id, identifier, detail) VALUES"
       . " ('passkey_add', $id, '$email', E'\\u202egnp.exe \\x1b[31m')");

my ($rc, $out, $err) = admin('passkeys', $email);
is($rc, 0, 'passkeys: exit 0') or diag($err);
my $text = clean_ok($out, 'passkeys');
like($text, qr/"\\u202egnp\.exe\\u2069 \\u009b2J \\\\u202e"/,
     'the passkey name, each hidden character shown as \\uXXXX, the backslash doubled');

($rc, $out, $err) = admin('find', $email);
is($rc, 0, 'find: exit 0') or diag($err);
$text = clean_ok($out, 'find');
like($text, qr/Name:\s+Dupont\\u202e Marie\\u009b31m$/m, 'the names');
like($text, qr/Phone:\s+06\\u2066 12$/m, 'the phone');
like($text, qr/\(Mozilla\\u001b\]52;c;ZWNobyBwd25lZA==\\u0007 \\u001b\[2J\\u200f\)/,
     'the user agent: OSC 52 and the screen clear shown, not sent');
like($text, qr/\\u202egnp\.exe/, 'the passkey listed by find');

($rc, $out, $err) = admin('audit', $email);
is($rc, 0, 'audit: exit 0') or diag($err);
$text = clean_ok($out, 'audit');
like($text, qr/passkey_add .* \\u202egnp\.exe \\u001b\[31m$/m, 'the detail of the audit row');

($rc, $out, $err) = admin('remove-passkey', $email, 'AQIDBAUG');
is($rc, 0, 'remove-passkey: exit 0') or diag($err);
clean_ok($out, 'remove-passkey');

# --json: valid JSON, escaped, decoding to the values stored.
$t->psql("INSERT INTO extranet.passkey (credential_id, identity_id, user_handle, public_key,"
       . " algorithm, name) VALUES (decode('0a0b0c0d0e0f', 'hex'), $id, decode('aa', 'hex'),"
       . " decode('a0', 'hex'), -7, E'\\u202eabc\\u0085\\U0001F600')");
($rc, $out, $err) = admin('--json', 'find', $email);
is($rc, 0, 'find --json: exit 0') or diag($err);
clean_ok($out, 'find --json');
like($out, qr/\\u202eabc\\u0085/, 'the name escaped as JSON \\u');
my $j = Extranet::Test::json_decode($out);
is($j->{passkeys}[0]{name}, "\x{202e}abc\x{85}\x{1F600}", 'and it decodes to the stored name');
is($j->{identity}{last_name}, "Dupont\x{202e}", 'so does the last name');
is($j->{sessions}[0]{user_agent}, "Mozilla\e]52;c;ZWNobyBwd25lZA==\a \e[2J\x{200f}",
   'and the user agent (C0 escaped by JSON itself)');

$t->error_log_ok;
done_testing;
