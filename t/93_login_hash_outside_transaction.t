#!/usr/bin/perl
# A login's hashes run before its transaction. A stored hash that costs
# seconds to check (PBKDF2 with millions of iterations, as a migrated
# site may hold) and then is re-hashed with the site's scheme: while the
# login works, no backend of the module's stays "idle in transaction"
# (a snapshot held, past the role's idle_in_transaction_session_timeout on
# a loaded machine, and for the re-hash the identity row locked) for more
# than a moment. Before, the check and the re-hash ran inside it: PostgreSQL
# showed the login's backend idle in transaction for the whole hash.
# The login still succeeds, re-hashes, and a change that commits while
# the hash is checked still wins (t/53 races it under the lock).

use strict;
use warnings;
use Test::More;
use POSIX ();
use MIME::Base64 ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $email = 'lent@example.org';
my $password = 'Un-mot-de-passe-bien-long';
my $id = $t->add_identity($email, $password, accounts => ['030000100001']);

# The slow hash, made by openssl (the harness's PBKDF2 is pure Perl).
my $iterations = 3_000_000;
my $salt = join '', map { chr(int rand 256) } 1 .. 16;
my $hex = `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:$password -kdfopt hexsalt:${\ unpack('H*', $salt)} -kdfopt iter:$iterations PBKDF2`;
$hex =~ s/[:\s]//g;
is(length $hex, 64, 'openssl made the PBKDF2 hash') or BAIL_OUT("openssl kdf: $hex");
my $b64 = sub { (my $s = MIME::Base64::encode_base64($_[0], '')) =~ s/=+$//; $s };
my $slow = sprintf('$pbkdf2-sha256$i=%d$%s$%s', $iterations, $b64->($salt), $b64->(pack('H*', $hex)));
$t->psql("UPDATE extranet.identity SET password_hash = " . $t->sql_quote($slow) . " WHERE id = $id");

# Backends of this database, but this one, idle in a transaction for
# longer than 0.4 s: a hash's time, not a statement's gap.
my $idle_sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
             . " AND pid <> pg_backend_pid() AND state = 'idle in transaction'"
             . " AND now() - state_change > interval '400 milliseconds'";

my $kids = Extranet::Test::spawn(sub {
    my $t0 = time;
    my ($cookie, $r) = $t->login($email, $password, timeout => 60);
    return sprintf('%d %d %.2f', $r->status, $cookie ? 1 : 0, time - $t0);
});
my ($seen, $polls, $done) = (0, 0, 0);
my $until = time + 60;
while (!$done && time < $until) {
    $seen += $t->psql_value($idle_sql);
    $polls++;
    $done = waitpid($kids->[0][0], POSIX::WNOHANG()) > 0;
    sleep 0.05 unless $done;
}
my ($answer) = Extranet::Test::collect($kids);
my ($status, $has_cookie, $took) = split ' ', $answer;
is($status, 303, 'the login succeeds');
ok($has_cookie, 'with a session cookie');
cmp_ok($polls, '>=', 5, "PostgreSQL watched through the login ($polls looks over $took s)");
is($seen, 0, 'no backend idle in a transaction while the password was checked and re-hashed');
like($t->psql_value("SELECT password_hash FROM extranet.identity WHERE id = $id"),
     qr/^\$scrypt\$/, "re-hashed with the site's scheme at that login");

my ($cookie, $r) = $t->login($email, $password);
is($r->status, 303, 'and logs in with the new hash');

$t->error_log_ok;
done_testing;
