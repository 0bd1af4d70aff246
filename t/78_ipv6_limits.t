#!/usr/bin/perl
# An IPv6 client holds a whole /64 (2^64 addresses) and may take another
# one for each request. The per-address limits (the lockout, counted in the
# zone and in PostgreSQL; the passkey challenges; the cookie refreshes)
# count an IPv6 client by its /64, an IPv4-mapped address as the IPv4 one;
# IPv4 as before. Audit and session rows keep the full address. The desk's
# unlock of one address of a /64 lifts the /64.
#
# Behind a load balancer, as conf.examples/multi-node.conf: the balancer is
# 127.0.0.1 here, the client's address comes in X-Forwarded-For.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(http => <<'EOS'));
    auth_extranet_limit identifier=50 address=3 window=15m lockout=15m challenges=5 refreshes=4;
    auth_extranet_session_timeout idle=30m absolute=1h refresh=1s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
EOS

sub from { return (headers => { 'X-Forwarded-For' => $_[0], Accept => 'application/json' }) }

# A wrong password for an unknown code: one failure of the address.
sub fail_from {
    my ($addr, $n) = @_;
    return $t->post('/auth/login', form => [login => sprintf('04000031%04d', $n),
                                            password => 'wrong-password-x'], from($addr))->status;
}

sub login_from {
    my ($addr, $code, $password) = @_;
    my ($cookie, $r) = $t->login($code, $password, from($addr));
    return ($cookie, $r->status);
}

sub lockout_keys {
    return join ' ', map { $_->[0] } $t->psql(
        "SELECT key FROM extranet.login_lockout WHERE key LIKE 'ip:%' ORDER BY key");
}

sub admin {
    my ($rc, $out, $err) = $t->admin('--operator', 'alice', @_);
    return ($rc, $out . $err);
}

# --- IPv4, as before -----------------------------------------------------------------

is(join(' ', map { fail_from('198.51.100.7', $_) } 1 .. 3), '401 401 401', 'IPv4: three failures');
my ($c, $st) = login_from('198.51.100.7', '030100200001', 'closfleuri-01');
ok(!$c, "IPv4: the address is locked, the right password is refused ($st)");
($c, $st) = login_from('198.51.100.9', '030100200001', 'closfleuri-01');
ok($c, "IPv4: the next address is not ($st)");
# an IPv4-mapped IPv6 address is that IPv4 address
($c, $st) = login_from('::ffff:198.51.100.7', '030100200001', 'closfleuri-01');
ok(!$c, "IPv4-mapped: ::ffff:198.51.100.7 is 198.51.100.7, locked ($st)");

# --- one /64, many addresses ---------------------------------------------------------

is(join(' ', map { fail_from(sprintf('2001:db8:1:2::%x', $_), 10 + $_) } 1 .. 3),
   '401 401 401', 'IPv6: three failures, each from another address of 2001:db8:1:2::/64');
($c, $st) = login_from('2001:db8:1:2::ffff', '030000100002', 'tilleuls-0002');
ok(!$c, "the /64 is locked: a fourth address of it is refused the right password ($st)");
($c, $st) = login_from('2001:DB8:1:2:aaaa:bbbb:cccc:dddd', '030000100002', 'tilleuls-0002');
ok(!$c, "whatever its spelling ($st)");
($c, $st) = login_from('2001:db8:1:3::1', '030000100002', 'tilleuls-0002');
ok($c, "another /64 is not locked ($st)");
($c, $st) = login_from('2001:db8:1:2:0:0:0:1', '030000100002', 'tilleuls-0002');
ok(!$c, "nor was it unlocked by that ($st)");

like(lockout_keys(), qr{(?:^| )ip:2001:db8:1:2::/64(?: |$)}, 'PostgreSQL counts the /64');
unlike(lockout_keys(), qr{ip:2001:db8:1:2::[0-9a-f]+(?: |$)}, 'and no address of it apart')
    or diag(lockout_keys());
cmp_ok($t->psql_value("SELECT failures FROM extranet.login_lockout WHERE key = 'ip:2001:db8:1:2::/64'"),
       '>=', 3, 'the failures of its three addresses, on one row');
unlike(lockout_keys(), qr{ip:::ffff}, 'the IPv4-mapped address counted as IPv4');

# the audit and session rows keep each full address
is($t->psql_value("SELECT string_agg(DISTINCT client_addr, ' ' ORDER BY client_addr)"
                . " FROM extranet.audit_log WHERE event = 'login_failure'"
                . " AND client_addr LIKE '2001:db8:1:2:%'"),
   '2001:db8:1:2::1 2001:db8:1:2::2 2001:db8:1:2::3 2001:db8:1:2::ffff'
   . ' 2001:db8:1:2:aaaa:bbbb:cccc:dddd', 'audit rows: the full addresses (as nginx writes them)');
is($t->psql_value("SELECT client_addr FROM extranet.session WHERE client_addr LIKE '2001:db8:1:3:%'"),
   '2001:db8:1:3::1', 'session row: the full address');

# --- passkey challenges: a budget per /64 ----------------------------------------------

my $rows = sub { $t->psql_value('SELECT count(*) FROM extranet.passkey_challenge') };
sub options_from {
    return $t->post('/auth/passkey/login/options', json => {},
                    headers => { 'X-Forwarded-For' => $_[0], Origin => $t->origin })->status;
}
my $before = $rows->();
my @s = map { options_from('198.51.100.8') } 1 .. 7;
is("@s", '200 200 200 200 200 429 429', 'IPv4: five challenges, then 429');
@s = map { options_from(sprintf('2001:db8:1:4::%x', $_)) } 1 .. 7;
is("@s", '200 200 200 200 200 429 429', 'IPv6: five challenges for the /64, then 429');
is($rows->() - $before, 10, 'ten rows written');
is(options_from('2001:db8:1:5::1'), 200, 'another /64 has its own budget');

# --- cookie refreshes: a budget per /64 ------------------------------------------------

my ($cookie) = login_from('2001:db8:1:6::1', '030000100001', 'tilleuls-0001');
ok($cookie, 'a login from 2001:db8:1:6::1');
sleep 1.5;    # the cookie is due for a refresh
my @refreshed = map {
    my $r = $t->get('/headers', cookie => $cookie,
                    headers => { 'X-Forwarded-For' => sprintf('2001:db8:1:6::%x', 100 + $_) });
    $r->status == 200 ? (defined $r->cookie('extranet_session') ? 1 : 0) : 'status ' . $r->status;
} 1 .. 7;
is("@refreshed", '1 1 1 1 0 0 0',
   'the due cookie is refreshed four times for the /64, then passes without the database');

# --- the desk unlocks the /64 from any address of it ------------------------------------

my ($rc, $out) = admin('unlock', '--address', '2001:DB8:1:2::abcd');
is($rc, 0, 'unlock --address of one address of the /64: exit 0') or diag($out);
like($out, qr{Lockout ip:2001:db8:1:2::/64 lifted}, 'the /64 is lifted') or diag($out);
like($out, qr{2001:db8:1:2::abcd}, 'and the address given is named') or diag($out);
is($t->psql_value("SELECT count(*) FROM extranet.login_lockout WHERE key = 'ip:2001:db8:1:2::/64'"),
   0, 'the row is gone');
is($t->psql_value("SELECT identifier FROM extranet.audit_log WHERE event = 'admin_unlock'"
                . " ORDER BY id DESC LIMIT 1"), 'ip:2001:db8:1:2::/64', 'audited with the key');
sleep 1;    # the zone's copy is cleared through the revocation feed
($c, $st) = login_from('2001:db8:1:2::ffff', '030000100002', 'tilleuls-0002');
ok($c, "the /64 logs in again ($st)");

($rc, $out) = admin('unlock', '--address', '198.51.100.7');
is($rc, 0, 'IPv4: unlock as before') or diag($out);
like($out, qr{Lockout ip:198\.51\.100\.7 lifted}, 'its own key');
($rc, $out) = admin('unlock', '--address', '::FFFF:192.0.2.200');
is($rc, 3, 'an IPv4-mapped address is the IPv4 one: nothing recorded') or diag($out);
like($out, qr{no lockout recorded for ip:192\.0\.2\.200 }, 'said with the IPv4 key');

$t->error_log_ok;

done_testing;
