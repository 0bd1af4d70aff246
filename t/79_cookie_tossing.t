#!/usr/bin/perl
# Cookie tossing where the session cookie cannot take the "__Host-" prefix
# (secure=off, a domain=, a name of the operator's own): a sibling subdomain
# sets a cookie of the session's name with Domain= the parent and a longer
# Path, holding the attacker's own valid session. The browser sends it
# before the owner's. The first cookie that verified won: the owner browsed
# as the attacker, and when that session's refresh was due the module's
# host-only Set-Cookie wrote the attacker's session over her own cookie.
#
# Now a request carrying sessions of different owners has no session:
# refused as without a cookie, nothing refreshed, no Set-Cookie, one info
# line in the log. Several cookies of one owner still pass (the first that
# verifies), as after a change of the cookie's configuration.

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    http => 'auth_extranet_session_timeout idle=30m absolute=12h refresh=2s;'));
my $name = $t->cookie_name;
is($name, 'extranet_session', 'secure=off: the bare name, no "__Host-" prefix');

my $victim = $t->login('030000100001', 'tilleuls-0001');
my $victim2 = $t->login('030000100001', 'tilleuls-0001');
my $attacker = $t->login('040000300001', 'monceau-0001');
ok($victim && $victim2 && $attacker, 'two sessions of the owner, one of the attacker');
isnt($victim, $victim2, "the owner's two sessions are two cookies");

my $pw = 'un mot de passe assez long';
$t->add_identity('proprio@example.org', $pw, accounts => ['030000100002']);
$t->add_identity('voisin@example.org', $pw, accounts => ['030100200001']);
my $mail = $t->login('proprio@example.org', $pw);
my $mail2 = $t->login('proprio@example.org', $pw);
my $other_mail = $t->login('voisin@example.org', $pw);
ok($mail && $mail2 && $other_mail, 'e-mail sessions: two of one identity, one of another');

my $json = { Accept => 'application/json' };

sub upstream_requests { scalar(() = $_[0]->read_file('legacy_access.log') =~ /\n/g) }
sub log_lines { scalar(() = $_[0]->error_log =~ /two sessions of different owners/g) }

# A request with these Cookie headers has no session: the login, not the
# upstream, no cookie set, one line in the log.
sub no_session {
    my ($t, $what, @cookies) = @_;
    my ($up, $lines) = (upstream_requests($t), log_lines($t));
    my $r = $t->get('/headers', headers => [map { ['Cookie', $_] } @cookies]);
    is($r->status, 302, "$what: no session (302)");
    like($r->location_path // '', qr{^/auth/login\?next=%2Fheaders$}, "$what: to the login");
    unlike($r->body, qr/X-Extranet-Account/, "$what: no account given");
    is(upstream_requests($t), $up, "$what: the upstream never sees the request");
    is(scalar(() = $r->headers('set-cookie')), 0, "$what: no Set-Cookie");
    is(log_lines($t), $lines + 1, "$what: one line in the log");
    return $r;
}

sub passes_as {
    my ($t, $what, $account, @cookies) = @_;
    my $r = $t->get('/headers', headers => [map { ['Cookie', $_] } @cookies]);
    is($r->status, 200, "$what: passes");
    like($r->body, qr/^X-Extranet-Account: \Q$account\E$/m, "$what: as $account");
    return $r;
}

# --- sessions of different owners --------------------------------------------------

passes_as($t, 'the attacker alone', '040000300001', "$name=$attacker");
passes_as($t, 'the owner alone', '030000100001', "$name=$victim");
no_session($t, 'tossed cookie first', "$name=$attacker; $name=$victim");
no_session($t, 'tossed cookie second', "$name=$victim; $name=$attacker");
no_session($t, 'in two Cookie headers', "$name=$victim", "$name=$attacker");
no_session($t, 'among other cookies and a forged one',
           "theme=sombre; $name=garbage; $name=$attacker; lang=fr; $name=$victim");
no_session($t, 'two e-mail identities', "$name=$other_mail; $name=$mail");
no_session($t, 'an e-mail session and a code session', "$name=$mail; $name=$victim");
no_session($t, 'a code session and an e-mail session', "$name=$victim; $name=$mail");

my $r = $t->get('/headers', headers => { Cookie => "$name=$attacker; $name=$victim", %$json });
is($r->status, 401, 'JSON client: 401');
is(($r->json // {})->{error}, 'unauthenticated', 'JSON client: unauthenticated');

# The portal reads the session the same way.
my $lines = log_lines($t);
$r = $t->get('/auth/api/me', headers => { Cookie => "$name=$attacker; $name=$victim", %$json });
is($r->status, 401, 'api/me: no session');
is(log_lines($t), $lines + 1, 'api/me: one line in the log');
$r = $t->get('/auth/accounts', headers => { Cookie => "$name=$victim; $name=$attacker" });
is($r->status, 303, 'accounts: no session, to the login');
unlike($r->body, qr/040000300001|030000100001/, 'accounts: no account shown');
my $csrf = $t->csrf($victim);
$r = $t->post('/auth/switch', headers => [['Cookie', "$name=$attacker; $name=$victim"]],
              form => [csrf => $csrf, account => '030000100001']);
ok($r->status == 303 || $r->status == 401 || $r->status == 403,
   'switch: refused') or diag($r->dump);
like($r->location_path // '', qr{^/auth/login}, 'switch: to the login');
is(($t->get('/auth/api/me', headers => { Cookie => "$name=$attacker; $name=$victim", %$json })
      ->json // {})->{account}, undef, 'api/me: no account');

# --- several cookies of one owner ---------------------------------------------------

passes_as($t, "two of the owner's code sessions", '030000100001',
          "$name=$victim2; $name=$victim");
passes_as($t, 'the same cookie twice', '030000100001', "$name=$victim; $name=$victim");
passes_as($t, 'two e-mail sessions of one identity', '030000100002',
          "$name=$mail2; $name=$mail");
passes_as($t, 'with a forged and an empty one', '030000100001',
          "$name=; $name=garbage; $name=$victim2; $name=$victim");
$r = $t->get('/auth/api/me', headers => { Cookie => "$name=$victim2; $name=$victim", %$json });
is($r->status, 200, 'api/me: two cookies of one owner');
is((($r->json // {})->{account} // {})->{code}, '030000100001', 'api/me: her account');

# --- at most 8 candidates -----------------------------------------------------------

passes_as($t, 'eight cookies of one owner', '030000100001',
          join('; ', map { "$name=$victim" } 1 .. 8));
no_session($t, 'seven tossed cookies before the owner',
           join('; ', (map { "$name=$attacker" } 1 .. 7), "$name=$victim"));
# A ninth is not looked at: eight of the attacker's would hide the owner's.
for my $nine (['eight tossed cookies before the owner',
               (map { "$name=$attacker" } 1 .. 8), "$name=$victim"],
              ['nine cookies of one owner', (map { "$name=$victim" } 1 .. 9)],
              ['in two Cookie headers', join('; ', map { "$name=$attacker" } 1 .. 8),
               "$name=$victim"]) {
    my ($what, @pairs) = @$nine;
    my $up = upstream_requests($t);
    my $more = () = $t->error_log =~ /more than 8 session cookies/g;
    my @cookies = $what =~ /two Cookie/ ? @pairs : (join('; ', @pairs));
    $r = $t->get('/headers', headers => [map { ['Cookie', $_] } @cookies]);
    is($r->status, 302, "more than eight, $what: no session");
    is(upstream_requests($t), $up, "more than eight, $what: not upstream");
    is(scalar(() = $t->error_log =~ /more than 8 session cookies/g), $more + 1,
       "more than eight, $what: one line in the log");
}

# --- a refresh due: nothing re-sealed -----------------------------------------------

sleep 2.2;
no_session($t, 'refresh due, tossed cookie first', "$name=$attacker; $name=$victim");
no_session($t, 'refresh due, tossed cookie second', "$name=$victim; $name=$attacker");

$r = passes_as($t, 'refresh due, two of the owner', '030000100001',
               "$name=$victim2; $name=$victim");
my $fresh = $r->cookie($name) // '';
ok($fresh, 'refresh due, one owner: refreshed as before');
passes_as($t, 'the refreshed cookie', '030000100001', "$name=$fresh");

$r = passes_as($t, 'refresh due, the attacker alone', '040000300001', "$name=$attacker");
ok($r->cookie($name), "the attacker's own cookie was due: it would have been re-sealed");

$t->error_log_ok;
like($t->error_log, qr/\[info\].*two sessions of different owners in one request \(a cookie set by another site of the domain\?\)/,
     'the log line says what happened');

# --- a domain= ----------------------------------------------------------------------

my $t2 = Extranet::Test->new;
$t2->run($t2->standard_config(cookie => 'domain=example.org'));
my $res;
($victim, $res) = $t2->login('030000100001', 'tilleuls-0001');
like($res->set_cookie($name) // '', qr/Domain=example\.org/, 'domain=: the bare name, a Domain');
$victim2 = $t2->login('030000100001', 'tilleuls-0001');
$attacker = $t2->login('040000300001', 'monceau-0001');
no_session($t2, 'domain=, tossed cookie first', "$name=$attacker; $name=$victim");
no_session($t2, 'domain=, tossed cookie second', "$name=$victim; $name=$attacker");
passes_as($t2, 'domain=, two of the owner', '030000100001', "$name=$victim; $name=$victim2");
$t2->error_log_ok;

done_testing;
