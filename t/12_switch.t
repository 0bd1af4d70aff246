#!/usr/bin/perl
# The "immeuble" menu (accounts) and the switch: every linked account listed,
# the active and the default one marked; one click switches, no new login,
# back to where the owner was; an account not linked to the identity: 403 and
# nothing changes; the upstream's X-Extranet-Account follows.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };

# The demo's grouped identity, written directly: 0300 ×2 and partner 0301.
my $email = 'marie.dupont@example.org';
my $password = 'Marie-perso-2024!';
my $id = $t->add_identity($email, $password, last_name => 'Dupont', first_name => 'Marie',
                          accounts => ['030000100001', '030000100002', '030100200001']);

my ($cookie, $res) = $t->login($email, $password);
ok($cookie, 'e-mail login') or diag($res->dump);
is($t->upstream_headers($cookie)->{Account}, '030000100001', 'the default account is active');

# --- the menu ------------------------------------------------------------------------

my $r = $t->get('/auth/accounts?next=%2Fdocuments%3Fannee%3D2024', cookie => $cookie);
is($r->status, 200, 'GET accounts: 200') or diag($r->dump);
my $page = $r->text;
like($page, qr/Mes comptes/, 'the menu page');
for my $code ('030000100001', '030000100002', '030100200001') {
    like($page, qr/$code/, "lists $code");
}
unlike($page, qr/040000300001/, 'not an account of another identity');
like($page, qr/Cabinet Durand/, 'syndic names shown');
like($page, qr/Gestion Martin/, 'partner syndic name shown');
like($page, qr/Résidence Les Tilleuls — lot 47/, 'labels shown');
like($page, qr/aria-current="true">\s*<p class="account-code"[^>]*>Compte <strong[^>]*>030000100001/,
     'the active account is marked');
like($page, qr/Compte par défaut/, 'the default account is marked');
my @buttons = $r->body =~ /name="account" value="(\d+)"/g;
is_deeply([sort @buttons], ['030000100002', '030100200001'], 'one switch button per other account');
like($r->body, qr/name="next" value="\/documents\?annee=2024"/, 'the way back is carried');
like($page, qr/Gérer mes comptes/, 'a link to "Gérer mes comptes"');

$r = $t->get('/auth/accounts', cookie => $cookie, headers => $json);
my $j = $r->json // {};
is($j->{active}, '030000100001', 'JSON: active');
is($j->{default_account}, '030000100001', 'JSON: default_account');
is_deeply([map { $_->{code} } @{$j->{accounts} // []}],
          ['030000100001', '030000100002', '030100200001'], 'JSON: accounts, oldest link first');
is_deeply([map { $_->{active} ? 1 : 0 } @{$j->{accounts} // []}], [1, 0, 0], 'JSON: active flags');

is($t->get('/auth/accounts')->status, 303, 'accounts without a session: to the login');

# --- switching -----------------------------------------------------------------------

my $mark = $t->audit_mark;
$r = $t->post_as($cookie, '/auth/switch', [account => '030000100002', next => '/documents?annee=2024']);
is($r->status, 303, 'switch: 303') or diag($r->dump);
is($r->location_path, '/documents?annee=2024', 'switch: back where the owner was');
my $switched = $r->cookie('extranet_session');
ok($switched, 'switch: the cookie is re-issued');
my $h = $t->upstream_headers($switched);
is($h->{Account}, '030000100002', 'the upstream sees the new account');
is($h->{Syndic}, '0300', 'and its syndic');
is($h->{Login}, 'email', 'still the e-mail session');
is(join(',', sort split /,/, $h->{Accounts} // ''), '030000100001,030000100002,030100200001',
   'with every linked account');
is($t->psql_value("SELECT account_code FROM extranet.session WHERE identity_id = $id"
                . " AND revoked_at IS NULL ORDER BY last_seen_at DESC LIMIT 1"),
   '030000100002', 'the session row follows');
my @a = $t->psql("SELECT event, success, identity_id, account_code, detail FROM extranet.audit_log"
               . " WHERE id > $mark");
is_deeply(\@a, [['switch', 't', $id, '030000100002', 'from 030000100001']], 'audit row "switch"');
$cookie = $switched;

$r = $t->post_as($cookie, '/auth/switch', [account => '030100200001']);
is($r->location_path, '/', 'without next: to /');
$cookie = $r->cookie('extranet_session');
is($t->upstream_headers($cookie)->{Account}, '030100200001', 'switched to the partner syndic account');
is($t->upstream_headers($cookie)->{Syndic}, '0301', 'syndic 0301');

for my $evil ('//evil.example/x', 'https://evil.example/', '/\\evil.example') {
    $r = $t->post_as($cookie, '/auth/switch', [account => '030000100001', next => $evil]);
    is($r->location_path, '/', "next=$evil is not followed");
    $cookie = $r->cookie('extranet_session') // $cookie;
}

$r = $t->post_as($cookie, '/auth/switch', [account => '030000100002', next => '/x'], %$json);
is($r->status, 200, 'switch (JSON): 200');
is(($r->json // {})->{account}, '030000100002', 'switch (JSON): the account');
$cookie = $r->cookie('extranet_session');
is($t->upstream_headers($cookie)->{Account}, '030000100002', 'switch (JSON): the upstream follows');

# --- refusals: nothing changes ---------------------------------------------------------

# Another identity's account.
$t->add_identity('paul@example.org', $password, accounts => ['040000300001']);

$mark = $t->audit_mark;
for my $case (['040000300001', 403, 'an account of another identity'],
              ['099999999999', 403, 'an unknown account'],
              ['030000100001x', 400, 'a malformed code'],
              ['', 400, 'no account']) {
    my ($code, $status, $name) = @$case;
    $r = $t->post_as($cookie, '/auth/switch', [account => $code, next => '/'], %$json);
    is($r->status, $status, "switch to $name: $status");
    ok(!$r->cookie('extranet_session'), "switch to $name: no cookie");
    is($t->upstream_headers($cookie)->{Account}, '030000100002', "switch to $name: X-Extranet-Account unchanged");
}
$r = $t->post_as($cookie, '/auth/switch', [account => '040000300001']);
is($r->status, 403, 'switch to a foreign account (HTML): 403');
like($r->text, qr/Ce compte n(?:'|&#39;)est pas associé à votre adresse e-mail\./,
     'switch to a foreign account: message');
$r = $t->post_as($cookie, '/auth/switch', [account => '040000300001'], %$json);
is(($r->json // {})->{error}, 'not_linked', 'switch to a foreign account: not_linked');
is($t->psql_value("SELECT count(*) FROM extranet.audit_log WHERE id > $mark"), 0,
   'refused switches store nothing');
is($t->psql_value("SELECT count(*) FROM extranet.session WHERE identity_id = $id"
                . " AND account_code = '040000300001'"), 0, 'no session row moved');

# The cookie's account list is not trusted: unlinked in the database, refused.
$t->psql("DELETE FROM extranet.identity_account WHERE account_code = '030100200001'");
$r = $t->post_as($cookie, '/auth/switch', [account => '030100200001'], %$json);
is($r->status, 403, 'an account unlinked meanwhile: 403 (the database decides)');
$t->psql("INSERT INTO extranet.identity_account (account_code, identity_id)"
       . " VALUES ('030100200001', $id)");

# GET is no way to switch.
is($t->get('/auth/switch?account=030000100001', cookie => $cookie)->status, 405,
   'GET switch: 405');

# A numeric-code session has only its own account.
my $code = $t->login('040000300001', 'monceau-0001');
ok(!$code, 'the linked 0400 account cannot log in with its code');
$t->psql("DELETE FROM extranet.identity_account WHERE account_code = '040000300001'");
$code = $t->login('040000300001', 'monceau-0001');
ok($code, 'code session');
$r = $t->get('/auth/accounts', cookie => $code);
is($r->status, 200, 'accounts for a code session: 200');
like($r->text, qr/040000300001/, 'its own account');
like($r->text, qr/Associer mon compte/, 'offers to link it');
$r = $t->post_as($code, '/auth/switch', [account => '030000100001'], %$json);
is($r->status, 403, 'a code session cannot switch to another account');
is($t->upstream_headers($code)->{Account}, '040000300001', 'code session: account unchanged');

$t->error_log_ok;

done_testing;
