#!/usr/bin/perl
# "Gérer mes comptes": personal information, the default account at login,
# open sessions (end one, end all others), the password change (current one
# required, other sessions revoked at once), unlinking (password required,
# the default moves, the last one only after a confirmation), audit rows.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };

sub manage { $t->post_as(shift, '/auth/manage', [@_]) }
sub manage_json { $t->post_as(shift, '/auth/manage', [@_], Accept => 'application/json') }

sub audit_since {
    my ($mark) = @_;
    return [$t->psql("SELECT event, success, account_code FROM extranet.audit_log"
                   . " WHERE id > $mark ORDER BY id")];
}

sub identity_value {
    my ($column) = @_;
    return $t->psql_value("SELECT $column FROM extranet.identity WHERE email = 'marie.dupont\@example.org'");
}

my $firefox = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0';
my $iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15'
           . ' (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

my $email = 'marie.dupont@example.org';
my $password = 'Marie-perso-2024!';
my $id = $t->add_identity($email, $password, last_name => 'Dupont', first_name => 'Marie',
                          phone => '0612345678',
                          accounts => ['030000100001', '030000100002', '030100200001']);

sub login_as {
    my ($agent, $pw) = @_;
    my $c = $t->login($email, $pw // $password, headers => { 'User-Agent' => $agent });
    return $c;
}

# --- a numeric-code session has nothing to manage yet -----------------------------------

my $code = $t->login('040000300001', 'monceau-0001');
my $r = $t->get('/auth/manage', cookie => $code);
is($r->status, 200, 'manage for a code session: 200 page');
like($r->text, qr/associez d(?:'|&#39;)abord ce compte/, 'it points to linking first');
like($r->body, qr{href="/auth/link"}, 'with a link to "Associer mon compte"');
is(manage_json($code, action => 'profile', last_name => 'X', first_name => 'Y')->status, 403,
   'POST manage for a code session: 403');
is($t->get('/auth/manage')->status, 303, 'manage without a session: to the login');

# --- the page ----------------------------------------------------------------------------

my $cookie = login_as($firefox);
ok($cookie, 'e-mail login');
$r = $t->get('/auth/manage', cookie => $cookie);
is($r->status, 200, 'GET manage: 200') or diag($r->dump);
my $page = $r->text;
like($page, qr/Gérer mes comptes/, 'title');
like($page, qr/\Q$email\E/, 'the e-mail');
like($r->body, qr/value="Dupont"/, 'last name');
like($r->body, qr/value="0612345678"/, 'phone');
like($page, qr/Firefox sur Windows/, 'the session device, readable');
like($page, qr/127\.0\.0\.1/, 'the session address');
like($page, qr/Cette session/, 'the current session marked');
like($page, qr/\d\d\/\d\d\/\d{4} \d\d:\d\d/, 'last seen, French date');
like($r->body, qr/autocomplete="current-password"/, 'current-password autocomplete');
like($r->body, qr/autocomplete="new-password"/, 'new-password autocomplete');

$r = $t->get('/auth/manage', cookie => $cookie, headers => $json);
my $j = $r->json // {};
is($j->{email}, $email, 'JSON: email');
is($j->{default_account}, '030000100001', 'JSON: default account');
is(scalar @{$j->{accounts} // []}, 3, 'JSON: three accounts');
is(scalar(grep { $_->{current} } @{$j->{sessions} // []}), 1, 'JSON: one current session');

# --- personal information -----------------------------------------------------------------

my $mark = $t->audit_mark;
$r = manage($cookie, action => 'profile', last_name => '', first_name => 'Marie-Anne',
            phone => 'abc');
is($r->status, 400, 'profile with errors: 400');
like($r->text, qr/Veuillez indiquer votre nom\./, 'missing last name: message');
like($r->text, qr/numéro de téléphone valide/, 'bad phone: message');
like($r->body, qr/value="Marie-Anne"/, 'typed values kept');
is(identity_value('first_name'), 'Marie', 'nothing stored');

$r = manage($cookie, action => 'profile', last_name => 'Dupont-Martin', first_name => 'Marie-Anne',
            phone => '+33 6 00 00 00 00');
is($r->status, 303, 'profile: 303') or diag($r->dump);
is($r->location_path, '/auth/manage?done=profile', 'back to manage with a notice');
is(identity_value("last_name || '/' || first_name || '/' || phone"),
   'Dupont-Martin/Marie-Anne/+33 6 00 00 00 00', 'profile stored');
like($t->get($r->location_path, cookie => $cookie)->text,
     qr/Vos informations personnelles ont été enregistrées\./, 'the notice is shown');
is_deeply(audit_since($mark), [['profile', 't', '030000100001']], 'audit "profile"');

$r = manage_json($cookie, action => 'profile', last_name => 'Dupont', first_name => 'Marie',
                 phone => '');
is($r->status, 200, 'profile (JSON): 200');
ok(($r->json // {})->{ok}, 'profile (JSON): ok');

# --- the default account ------------------------------------------------------------------

$mark = $t->audit_mark;
is(manage($cookie, action => 'default', default_account => '040000300001')->status, 403,
   'default: an account not linked: 403');
is(manage($cookie, action => 'default', default_account => 'abc')->status, 400,
   'default: a malformed code: 400');
is(identity_value('default_account'), '030000100001', 'default unchanged after refusals');
$r = manage($cookie, action => 'default', default_account => '030100200001');
is($r->status, 303, 'default: 303');
is(identity_value('default_account'), '030100200001', 'default stored');
is_deeply(audit_since($mark), [['default_account', 't', '030100200001']], 'audit "default_account"');
my $next = login_as($firefox);
is($t->upstream_headers($next)->{Account}, '030100200001', 'the next e-mail login lands on the new default');

# --- sessions -----------------------------------------------------------------------------

my $phone_session = login_as($iphone);
$r = $t->get('/auth/manage', cookie => $cookie, headers => $json);
my ($phone_item) = grep { $_->{device} eq 'Safari sur iPhone' } @{($r->json // {})->{sessions} // []};
ok($phone_item, 'the iPhone session is listed');
my ($current_item) = grep { $_->{current} } @{($r->json // {})->{sessions} // []};

is(manage($cookie, action => 'end_session', session => $current_item->{id})->status, 400,
   'ending the current session from here: 400 (use logout)');
is(manage($cookie, action => 'end_session', session => 'zz')->status, 400,
   'a malformed session handle: 400');
is(manage($cookie, action => 'end_session', session => 'ab' x 32)->status, 404,
   'an unknown session: 404');

$mark = $t->audit_mark;
$r = manage($cookie, action => 'end_session', session => $phone_item->{id});
is($r->status, 303, 'end one session: 303');
is($t->upstream_headers($phone_session)->{status}, 302, 'its cookie is refused at once');
is($t->upstream_headers($cookie)->{status}, 200, 'the current session lives on');
is($t->upstream_headers($next)->{status}, 200, 'the other sessions live on');
is_deeply(audit_since($mark), [['session_end', 't', '030000100001']], 'audit "session_end"');

my $s1 = login_as($iphone);
my $s2 = login_as($firefox);
$r = manage($cookie, action => 'end_other_sessions');
is($r->status, 303, 'end all other sessions: 303');
is($t->upstream_headers($_)->{status}, 302, 'another session is refused at once') for ($s1, $s2, $next);
is($t->upstream_headers($cookie)->{status}, 200, 'the current session lives on');
$r = $t->get('/auth/manage', cookie => $cookie, headers => $json);
is(scalar @{($r->json // {})->{sessions} // []}, 1, 'only the current session is listed');

# --- the password -------------------------------------------------------------------------

my $other = login_as($iphone);
my $before = identity_value('password_hash');
my $new = 'Nouveau-mot-de-passe-2025';

$mark = $t->audit_mark;
$r = manage($cookie, action => 'password', current_password => 'pas-le-bon',
            new_password => $new, password_confirm => $new);
is($r->status, 401, 'wrong current password: 401');
like($r->body, qr/id="manage-current-password-error"[^>]*>Mot de passe incorrect\./,
     'the error is next to the current password field');
is_deeply(audit_since($mark), [['password', 'f', '030000100001']], 'audit "password" failed');

$r = manage($cookie, action => 'password', current_password => $password,
            new_password => 'court', password_confirm => 'court');
is($r->status, 400, 'a short new password: 400');
like($r->text, qr/Le mot de passe doit contenir au moins 12 caractères\./, 'short: message');
$r = manage($cookie, action => 'password', current_password => $password,
            new_password => $new, password_confirm => $new . '!');
is($r->status, 400, 'mismatched confirmation: 400');
like($r->text, qr/Les mots de passe ne correspondent pas\./, 'mismatch: message');
unlike($r->body, qr/\Q$new\E/, 'passwords are never sent back');
is(identity_value('password_hash'), $before, 'the password is unchanged after the refusals');
is($t->upstream_headers($other)->{status}, 200, 'other sessions live after the refusals');

$mark = $t->audit_mark;
$r = manage($cookie, action => 'password', current_password => $password,
            new_password => $new, password_confirm => $new);
is($r->status, 303, 'password changed: 303') or diag($r->dump);
like($t->get($r->location_path, cookie => $cookie)->text, qr/Votre mot de passe a été modifié/,
     'notice');
isnt(identity_value('password_hash'), $before, 'a new hash is stored');
is($t->upstream_headers($other)->{status}, 302, 'the other session is refused at once');
is($t->upstream_headers($cookie)->{status}, 200, 'the current session lives on');
is_deeply(audit_since($mark), [['password', 't', '030000100001']], 'audit "password"');
is($t->psql_value("SELECT count(*) FROM extranet.session WHERE identity_id = $id"
                . " AND revoked_at IS NULL AND expires_at > now()"), 1,
   'only the current session row is open');
my ($c, $res) = $t->login($email, $password);
is($res->status, 401, 'the old password no longer logs in');
ok(login_as($firefox, $new), 'the new password logs in');
$password = $new;

# --- unlinking ----------------------------------------------------------------------------

# The current session on the default account 030100200001, another on 030000100002.
$cookie = $t->post_as($cookie, '/auth/switch', [account => '030100200001'])->cookie('extranet_session');
is($t->upstream_headers($cookie)->{Account}, '030100200001', 'current session on 030100200001');
my $b = login_as($iphone);
$b = $t->post_as($b, '/auth/switch', [account => '030000100002'])->cookie('extranet_session');
is($t->upstream_headers($b)->{Account}, '030000100002', 'another session on 030000100002');

$mark = $t->audit_mark;
$r = manage($cookie, action => 'unlink', account => '030100200001', current_password => 'faux');
is($r->status, 401, 'unlink with a wrong password: 401');
like($r->body, qr/Mot de passe incorrect\./, 'unlink: wrong password message');
is(manage($cookie, action => 'unlink', account => '030100200001')->status, 400,
   'unlink without a password: 400');
is(manage($cookie, action => 'unlink', account => '040000300001',
          current_password => $password)->status, 403, 'unlink an account not linked: 403');
is($t->psql_value("SELECT count(*) FROM extranet.identity_account WHERE identity_id = $id"), 3,
   'nothing unlinked by the refusals');
is_deeply(audit_since($mark), [['unlink', 'f', '030100200001']], 'audit "unlink" failed');

$mark = $t->audit_mark;
$r = manage($cookie, action => 'unlink', account => '030100200001', current_password => $password);
is($r->status, 303, 'unlink the default and active account: 303') or diag($r->dump);
$cookie = $r->cookie('extranet_session') // $cookie;
is(identity_value('default_account'), '030000100001', 'the default moves to the oldest link left');
is($t->upstream_headers($cookie)->{Account}, '030000100001', 'the session moved to the new default');
is(join(',', sort split /,/, $t->upstream_headers($cookie)->{Accounts} // ''),
   '030000100001,030000100002', 'the unlinked account left the list');
is_deeply(audit_since($mark), [['unlink', 't', '030100200001']], 'audit "unlink"');
my ($cc, $rr) = $t->login('030100200001', 'closfleuri-01');
ok($cc, 'the unlinked account logs in with its code again');

$r = manage($cookie, action => 'unlink', account => '030000100002', current_password => $password);
is($r->status, 303, 'unlink another account: 303');
is($t->upstream_headers($b)->{status}, 302, 'a session on the unlinked account is refused at once');
is($t->upstream_headers($cookie)->{Account}, '030000100001', 'the current session stays');

# The last one: only after a confirmation.
$r = manage($cookie, action => 'unlink', account => '030000100001', current_password => $password);
is($r->status, 200, 'unlinking the last account asks first: 200');
like($r->text, qr/dernier compte associé/, 'the confirmation explains');
like($r->body, qr/name="confirm" value="1"/, 'the confirmation form');
is($t->psql_value("SELECT count(*) FROM extranet.identity_account WHERE identity_id = $id"), 1,
   'nothing changed before the confirmation');
$r = manage_json($cookie, action => 'unlink', account => '030000100001',
                 current_password => $password);
ok(($r->json // {})->{confirm_required}, 'JSON: confirm_required');

$mark = $t->audit_mark;
$r = manage($cookie, action => 'unlink', account => '030000100001', current_password => $password,
            confirm => '1');
is($r->status, 303, 'confirmed: 303');
like($r->location_path // '', qr{^/auth/login}, 'to the login');
like($r->set_cookie('extranet_session') // '', qr/Max-Age=0/, 'the cookie is cleared');
is($t->upstream_headers($cookie)->{status}, 302, 'the session is over');
ok(!defined identity_value('default_account'), 'no default account left');
is($t->psql_value("SELECT count(*) FROM extranet.identity_account WHERE identity_id = $id"), 0,
   'no link left');
is_deeply(audit_since($mark), [['unlink', 't', '030000100001']], 'audit "unlink" of the last');
($c, $res) = $t->login($email, $password);
is($res->status, 401, 'the e-mail no longer logs in');
($c, $res) = $t->login('030000100001', 'tilleuls-0001');
ok($c, 'the account logs in with its code again');

$t->error_log_ok;

done_testing;
