#!/usr/bin/perl
# A password with accents or a no-break space, typed on two devices: the
# same word may come as "é" (one character) or as "e" and a combining
# accent (macOS, some keyboards, a password manager), a space as U+00A0
# (Alt+Space on a French Mac). Passwords are hashed prepared (no-break
# spaces read as spaces, then Unicode's NFC, as RFC 8265 compares them):
# either way logs in. A hash made before, of the bytes as typed, still
# logs in as typed and is re-hashed prepared at that login.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config());

# "Été à Paris, 2026!" as one-character letters (NFC), then as letters and
# combining accents (NFD); bytes, as a browser sends them (UTF-8).
my $nfc = "\xC3\x89t\xC3\xA9 \xC3\xA0 Paris, 2026!";
my $nfd = "E\xCC\x81te\xCC\x81 a\xCC\x80 Paris, 2026!";

sub logs_in {
    my ($email, $password) = @_;
    my ($cookie, $r) = $t->login($email, $password);
    return $r->status == 303 && $cookie ? 1 : 0;
}
sub stored {
    my ($email) = @_;
    return $t->psql_value('SELECT password_hash FROM extranet.identity WHERE email = '
                        . $t->sql_quote($email));
}

# --- a hash made by an earlier module, of the bytes as typed (NFD) ----------------------

my $email = 'mac.user@example.org';
$t->add_identity($email, $nfd, accounts => ['030000100001']);
my $before = stored($email);
ok(!logs_in($email, $nfc), 'before its first login, the other form does not log in (as before)');
ok(logs_in($email, $nfd), 'typed as when it was set: logs in');
isnt(stored($email), $before, 're-hashed at that login');
ok(logs_in($email, $nfc), 'from then on, the other form logs in too');
ok(logs_in($email, $nfd), 'and the first still does');
ok(!logs_in($email, "Ete a Paris, 2026!"), 'without the accents: refused');

# --- a password set now, with a no-break space --------------------------------------------

my $cookie = $t->login($email, $nfc);
my $nbsp = "Mot\xC2\xA0de passe \xC3\xA9t\xC3\xA9 2026";
my $r = $t->post_as($cookie, '/auth/manage',
                    [action => 'password', current_password => $nfd,
                     new_password => $nbsp, password_confirm => $nbsp]);
is($r->status, 303, 'the password changed, the current one typed the other way') or diag($r->dump);
ok(logs_in($email, "Mot de passe \xC3\xA9t\xC3\xA9 2026"), 'a plain space for the no-break one: logs in');
ok(logs_in($email, "Mot\xC2\xA0de passe e\xCC\x81te\xCC\x81 2026"), 'the accents decomposed: logs in');
ok(!logs_in($email, $nfc), 'the old password: refused');

$t->error_log_ok;
done_testing;
