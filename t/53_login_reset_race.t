#!/usr/bin/perl
# A login racing a password reset (or the manage page's password change)
# keeps no session. The race, made deterministic: a transaction stands for
# the reset in flight — the new hash written, the identity's sessions
# revoked, not committed yet — while a login with the old password runs.
# The login read the old, committed hash, and it matches; it must check
# under a lock, in the session's transaction, that the hash is still the
# identity's: it waits for the reset, then fails. Before the fix it
# created its session at once, after the revocation, and kept it.

use strict;
use warnings;
use utf8;
use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $email = 'course@example.org';
my $old = 'Ancien-mot-de-passe-1';
my $new = 'Nouveau-mot-de-passe-2';
my $id = $t->add_identity($email, $old, accounts => ['030000100001']);

sub live_sessions {
    return $t->psql_value("SELECT count(*) FROM extranet.session WHERE identity_id = $id"
                        . " AND revoked_at IS NULL AND expires_at > now()");
}

# A password change in flight, as password/reset or manage does it, held
# open for $hold seconds in a child process.
sub change_in_flight {
    my ($hold, $tag) = @_;
    my $hash = $t->pbkdf2_hash($new);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        eval {
            $t->psql("SET application_name = '$tag'; BEGIN;"
                   . ' UPDATE extranet.identity SET password_hash = ' . $t->sql_quote($hash)
                   . ", password_changed_at = now() WHERE id = $id;"
                   . " UPDATE extranet.session SET revoked_at = now() WHERE identity_id = $id"
                   . ' AND revoked_at IS NULL;'
                   . " SELECT pg_sleep($hold); COMMIT;");
        };
        POSIX::_exit($@ ? 1 : 0);
    }
    # Wait until the change holds the identity's row.
    my $deadline = time + 10;
    while (time < $deadline) {
        last if $t->psql_value("SELECT count(*) FROM pg_stat_activity"
                             . " WHERE application_name = '$tag' AND wait_event = 'PgSleep'");
        sleep 0.05;
    }
    return $pid;
}

# --- a reset in flight while a login with the old password runs ---------------------

ok($t->login($email, $old), 'the old password logs in before anything');
$t->psql("UPDATE extranet.session SET revoked_at = now() WHERE identity_id = $id");

my $pid = change_in_flight(2, 'unit_reset');
my $start = time;
my ($cookie, $r) = $t->login($email, $old);
my $took = time - $start;
waitpid($pid, 0);
is($?, 0, 'the change committed');
is($r->status, 401, 'the login with the old password fails') or diag($r->dump);
ok(!$cookie, 'no cookie');
is(live_sessions(), 0, 'no live session of the identity is left');
cmp_ok($took, '>', 1, 'the login waited for the change to commit (it checked under a lock)');
like($t->error_log, qr/password changed while it was checked/, 'the error log says why');
is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE event = 'login_failure'"
                . " AND detail = 'password changed while it was checked'"), 1,
   'audited as a failed login');

ok($t->login($email, $new), 'the new password logs in');

# --- the same with the old password set back: a login that comes first wins the
# lock, and the change's revocation, coming after, ends its session ---------------------

$t->psql('UPDATE extranet.identity SET password_hash = ' . $t->sql_quote($t->pbkdf2_hash($old))
       . " WHERE id = $id");
$t->psql("UPDATE extranet.session SET revoked_at = now() WHERE identity_id = $id");
($cookie) = $t->login($email, $old);
ok($cookie, 'a login before the change: a session');
$pid = change_in_flight(0.2, 'unit_change');
waitpid($pid, 0);
is(live_sessions(), 0, 'the change that came after revoked it');

$t->error_log_ok;
done_testing;
