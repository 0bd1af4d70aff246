#!/usr/bin/perl
# An unknown or inactive numeric code costs what a real one costs: it is
# checked against a stand-in, the hash of an active account of the site's
# most common legacy format and cost, read once per nginx process (a
# built-in sha512crypt hash when the site has none). A known code is checked
# against its own hash, also when locked out. No timing is measured here
# (make bench does): the error log says which stand-in was used.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $config = $t->standard_config(
    http => 'auth_extranet_limit identifier=3 address=1000 window=15m lockout=15m;');
$t->run($config);

my $known_failure;

# Logs in with a wrong password; returns why the module says it failed.
sub failure_reason {
    my ($code, $password) = @_;
    my $before = length $t->error_log;
    my ($cookie, $r) = $t->login($code, $password // 'pas-le-bon-1');
    is($r->status, 401, "$code: 401");
    ok(!defined $cookie, "$code: no session");
    (my $page = $r->body) =~ s/\Q$code\E/CODE/g;
    $known_failure //= $page;
    is($page, $known_failure, "$code: the same page as any failure");
    my ($reason) = substr($t->error_log, $before) =~ /login failed for "\Q$code\E": ([^,\n]*)/;
    return $reason // '';
}

sub add_account {
    my ($code, $hash, $active) = @_;
    $t->psql('INSERT INTO extranet.legacy_account'
           . ' (code, syndic_code, syndic_name, label, password_hash, active) VALUES ('
           . join(', ', map { $t->sql_quote($_) } $code, substr($code, 0, 4), 'Syndic Test',
                  "Lot $code", $hash)
           . ', ' . ($active ? 'true' : 'false') . ')');
}

# --- the demo's accounts: two bcrypt cost 10, one sha512crypt, one yescrypt ----------------

is(failure_reason('030000100001'), 'wrong password', 'known code: its own hash, refused');
like(failure_reason('059999999991'), qr/^unknown or inactive account \(checked against a \$2y\$10\$ stand-in hash\)/,
     'unknown code: checked against a bcrypt cost 10 stand-in, the most common format');

add_account('050000000002', '$y$j9T$Dd5D1UGn0n7fIIb.E97n50$24UTlk8/cnz6V1eYFTwmkESvcV.DtdyqQPHUxGt3eZA', 0);
like(failure_reason('050000000002', 'monceau-0001'), qr/^unknown or inactive account \(checked against a \$2y\$10\$ stand-in/,
     'inactive code, even with its right password: the stand-in, refused');

# --- a locked-out code is checked against its own hash and refused --------------------------

failure_reason('030000100002') for 1 .. 3;
is(failure_reason('030000100002', 'tilleuls-0002'), 'locked out',
   'locked out, right password: refused after the same work');

# --- the stand-in follows the site's most common format, read once per process --------------

# Three more sha512crypt accounts whose salts begin differently: grouped by
# format and cost, not by their first characters.
for my $salt (qw(aBcdefgh Zyxwvuts 7Qr5tuvw)) {
    my $code = '05000000' . sprintf('%04d', 10 + length($salt) + ord($salt));
    add_account($code, crypt('secret-' . $salt, '$6$' . $salt . '$'), 1);
}
like(failure_reason('059999999992'), qr/\(checked against a \$2y\$10\$ stand-in/,
     'the same process keeps the stand-in it read');
$t->run($config);
like(failure_reason('059999999993'), qr/\(checked against a \$6\$ stand-in/,
     'a new process: sha512crypt is now the most common format');

# --- no usable sample: the built-in stand-in ------------------------------------------------

$t->psql("UPDATE extranet.legacy_account SET password_hash = '!' || password_hash"
       . " WHERE code LIKE '05%' OR code LIKE '03%'");
$t->psql("UPDATE extranet.legacy_account SET active = false WHERE code LIKE '04%'");
$t->run($config);
like(failure_reason('059999999994'), qr/\(checked against a built-in \$6\$ stand-in/,
     'no active account of a known format: the built-in sha512crypt stand-in');

$t->error_log_ok;

done_testing;
