#!/usr/bin/perl
# Database work that asks no password has a budget per client address and
# minute (auth_extranet_limit challenges=30 refreshes=120 by default).
#
# passkey/login/options wrote a challenge row per request: one address made
# 17 888 in 12 s. Past its budget the client gets 429, nothing written;
# expired rows are purged at each write.
#
# A client that never keeps its refreshed cookie sent a due cookie with
# every request: each one read and wrote the session row (24 000 in 12 s,
# logins ten times slower). Past the budget a due cookie that is still
# valid passes without the database: the owner keeps working, the row is
# read again in the next minute.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
# The default budgets (challenges=30 refreshes=120 a minute): the module
# of before runs this file too, and lets every request through.
$t->run($t->standard_config(http => <<'EOS'));
    auth_extranet_limit identifier=5 address=1000 window=15m lockout=15m;
    auth_extranet_session_timeout idle=30m absolute=1h refresh=1s;
EOS

# --- passkey login challenges -----------------------------------------------------

$t->psql("INSERT INTO extranet.passkey_challenge (challenge_hash, purpose, binding_hash,"
       . " expires_at) VALUES ('\\x00', 'login', '\\x00', now() - interval '1 minute')");

my %status;
for (1 .. 40) {
    my $s = $t->post('/auth/passkey/login/options', json => {},
                     headers => { Origin => $t->origin })->status;
    $status{$_ <= 30 ? 'within' : 'past'}{$s}++;
}
is(join(' ', %{$status{within}}), '200 30', 'thirty challenges within the budget');
is(join(' ', %{$status{past}}), '429 10', 'then 429 for this client address');
is($t->psql_value("SELECT count(*) FROM extranet.passkey_challenge"), 30,
   'thirty rows written, the expired one purged');
my $r = $t->post('/auth/passkey/login/options', json => {}, headers => { Origin => $t->origin });
is(($r->json // {})->{error}, 'too_many_requests', 'the refusal says why');

# --- refreshes of a cookie never kept ------------------------------------------------

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'code login');
sleep 2;    # the cookie is due for a refresh

my (%passed, @refreshed);
for (1 .. 150) {
    # the client sends its first cookie again and again
    my $res = $t->get('/headers', cookie => $cookie);
    $passed{$res->status}++;
    push @refreshed, defined $res->cookie('extranet_session') ? 1 : 0;
}
is(join(' ', %passed), '200 150', 'every request passes');
is(scalar(grep { $_ } @refreshed[0 .. 119]), 120, 'the first 120 are refreshed');
is(scalar(grep { $_ } @refreshed[120 .. 149]), 0,
   'then none in the minute: no database work');
like($t->get('/headers', cookie => $cookie)->body, qr/^X-Extranet-Account: 030000100001$/m,
     'still the owner\'s session');

ok($t->login('030000100002', 'tilleuls-0002'), 'a login from the same address still works');

$t->error_log_ok;

$t->config_ok($t->standard_config(http => 'auth_extranet_limit challenges=5 refreshes=0;'),
              'budgets given (0: none)');
$t->config_fails_like($t->standard_config(http => 'auth_extranet_limit refreshes=many;'),
                      [qr/invalid parameter "refreshes=many"/], 'a budget is a number');

done_testing;
