#!/usr/bin/perl
# Issue 7, findings 7a and 7b. The link step's e-mail lookup budget (10)
# belongs to the account: logging in again does not start it anew. One
# client cannot ask reset mails for any number of addresses: every
# unauthenticated request that writes or mails counts on the client
# address's budget.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    http => 'auth_extranet_limit identifier=5 address=1000 window=15m lockout=15m;'));
my $json = { Accept => 'application/json' };

# --- 7a: the lookup budget survives a new login ---------------------------------

my $code = $t->login('030000100001', 'tilleuls-0001');
for my $i (1 .. 10) {
    my $r = $t->post_as($code, '/auth/link', [email => "essai$i\@example.org"], %$json);
    $r->status == 200 or fail("lookup $i: " . $r->status);
}
my $r = $t->post_as($code, '/auth/link', [email => 'essai11@example.org'], %$json);
is($r->status, 429, 'the 11th lookup of the session is refused');
my $again = $t->login('030000100001', 'tilleuls-0001');
ok($again, 'a new login of the same account');
$r = $t->post_as($again, '/auth/link', [email => 'essai12@example.org'], %$json);
is($r->status, 429, 'its lookups are refused as well: the budget is the account\'s');
my $other = $t->login('030000100002', 'tilleuls-0002');
$r = $t->post_as($other, '/auth/link', [email => 'essai13@example.org'], %$json);
is($r->status, 200, 'another account has its own budget');

# --- 7b: reset mails for many addresses from one client -----------------------------

# the lookups above were counted on this address in PostgreSQL, which a
# restart does not forget: start this part from no count
$t->psql('DELETE FROM extranet.login_lockout');
$t->run($t->standard_config(
    http => 'auth_extranet_limit identifier=5 address=6 window=15m lockout=15m;'));
my @status;
for my $i (1 .. 9) {
    push @status, $t->post('/auth/password/forgot', form => [login => "inconnu$i\@example.org"],
                           headers => { Origin => $t->origin })->status;
}
is("@status[0 .. 5]", '200 200 200 200 200 200', 'six requests for six addresses pass');
is("@status[6 .. 8]", '429 429 429', 'then the client is refused, whatever the address');
is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE event = 'password_reset_request'"),
   6, 'only six requests reached the database');

$t->error_log_ok;

done_testing;
