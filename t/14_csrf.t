#!/usr/bin/perl
# Safety of the state-changing POSTs of linking, switching and managing: a
# CSRF token bound to the session and a same-origin Origin/Referer, else 403
# and nothing stored.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $json = { Accept => 'application/json' };

my $email = 'marie.dupont@example.org';
my $password = 'Marie-perso-2024!';
my $id = $t->add_identity($email, $password, last_name => 'Dupont', first_name => 'Marie',
                          accounts => ['030000100001', '030000100002']);

my $code = $t->login('030100200001', 'closfleuri-01');
my $mail = $t->login($email, $password);
my $spare = $t->login('040000300001', 'monceau-0001');
ok($code && $mail && $spare, 'three sessions');
my %csrf = (code => $t->csrf($code), mail => $t->csrf($mail), spare => $t->csrf($spare));

sub state_of {
    return join '|', map { $_ // '' } (
        $t->psql_value('SELECT count(*) FROM extranet.identity'),
        $t->psql_value('SELECT count(*) FROM extranet.identity_account'),
        $t->psql_value('SELECT coalesce(max(id), 0) FROM extranet.audit_log'),
        $t->psql_value("SELECT string_agg(account_code || ':' || coalesce(revoked_at::text, '-'),"
                     . " ',' ORDER BY created_at) FROM extranet.session"),
        $t->psql_value("SELECT password_hash || default_account || last_name FROM extranet.identity"
                     . " WHERE id = $id"),
    );
}

# Every state-changing POST, with the session it belongs to.
my @posts = (
    [code => '/auth/link', [email => 'nouvelle@example.org']],
    [code => '/auth/link/profile', [email => 'nouvelle@example.org', last_name => 'N',
                                    first_name => 'N', phone => '', password => 'x' x 14,
                                    password_confirm => 'x' x 14]],
    [code => '/auth/link/password', [email => $email, password => $password]],
    [mail => '/auth/switch', [account => '030000100002']],
    [mail => '/auth/manage', [action => 'profile', last_name => 'X', first_name => 'Y']],
    [mail => '/auth/manage', [action => 'default', default_account => '030000100002']],
    [mail => '/auth/manage', [action => 'password', current_password => $password,
                              new_password => 'y' x 14, password_confirm => 'y' x 14]],
    [mail => '/auth/manage', [action => 'unlink', account => '030000100002',
                              current_password => $password]],
    [mail => '/auth/manage', [action => 'end_other_sessions']],
);

my $state = state_of();
for my $p (@posts) {
    my ($who, $path, $fields) = @$p;
    my $cookie = $who eq 'code' ? $code : $mail;
    my $token = $csrf{$who};
    my $name = "$path" . ($fields->[0] eq 'action' ? " $fields->[1]" : '');

    my $r = $t->post($path, cookie => $cookie, form => $fields, headers => $json);
    is($r->status, 403, "$name without a CSRF token: 403");
    is(($r->json // {})->{error}, 'csrf', "$name without a CSRF token: error csrf");

    $r = $t->post($path, cookie => $cookie, form => [csrf => 'A' . substr($token, 1), @$fields],
                  headers => $json);
    is($r->status, 403, "$name with a wrong token: 403");

    $r = $t->post($path, cookie => $cookie, form => [csrf => $csrf{spare}, @$fields],
                  headers => $json);
    is($r->status, 403, "$name with another session's token: 403");

    $r = $t->post($path, cookie => $cookie, form => [csrf => $token, @$fields],
                  headers => { %$json, Origin => 'http://evil.example' });
    is($r->status, 403, "$name from a foreign Origin: 403");
    is(($r->json // {})->{error}, 'origin', "$name from a foreign Origin: error origin");

    $r = $t->post($path, cookie => $cookie, form => [csrf => $token, @$fields],
                  headers => { %$json, Origin => 'null' });
    is($r->status, 403, "$name from an opaque Origin: 403");

    $r = $t->post($path, cookie => $cookie, form => [csrf => $token, @$fields],
                  headers => { %$json, Referer => 'http://evil.example/page' });
    is($r->status, 403, "$name with a foreign Referer: 403");

    $r = $t->post($path, cookie => $cookie, form => [csrf => $token, @$fields],
                  headers => { Origin => 'http://evil.example' });
    is($r->status, 403, "$name from a foreign Origin (HTML): 403");
    like($r->text, qr/ne vient pas de ce site/, "$name from a foreign Origin: French message");
}
is(state_of(), $state, 'nothing stored by any refused POST');
is($t->get('/headers', cookie => $mail)->body =~ /X-Extranet-Account: 030000100001/ ? 1 : 0, 1,
   'the e-mail session is still on its account');

# The same requests with the token from the same origin do pass (the check
# refuses the forgery, not the request).
my $r = $t->post('/auth/switch', cookie => $mail,
                 form => [csrf => $csrf{mail}, account => '030000100002'],
                 headers => { Origin => $t->origin });
is($r->status, 303, 'switch with the token from the same origin: 303');
$r = $t->post('/auth/switch', cookie => $mail,
              form => [csrf => $csrf{mail}, account => '030000100001'],
              headers => { Referer => $t->origin . '/auth/accounts' });
is($r->status, 303, 'switch with a same-origin Referer: 303');
# Neither Origin nor Referer: no browser sends such a POST; refused even
# with the right token, nothing changed.
my $before = state_of();
$r = $t->post('/auth/switch', cookie => $mail, no_origin => 1,
              form => [csrf => $csrf{mail}, account => '030000100002'],
              headers => $json);
is($r->status, 403, 'neither Origin nor Referer, with the token: 403');
is(($r->json // {})->{error}, 'origin', '... error origin');
is(state_of(), $before, '... nothing stored');
$r = $t->post('/auth/switch', cookie => $mail,
              form => [csrf => $csrf{mail}, account => '030000100002'],
              headers => { Origin => $t->origin });
is($r->status, 303, 'the same with its Origin: 303');
$r = $t->post('/auth/link', cookie => $code, form => [csrf => $csrf{code}, email => $email],
              headers => { Origin => $t->origin });
is($r->status, 303, 'link with the token: 303');
$r = $t->post('/auth/link', cookie => $code, json => { csrf => $csrf{code}, email => $email },
              headers => { %$json, Origin => $t->origin });
is($r->status, 200, 'a JSON body carries the token too');

# The forms carry the token.
for my $path ('/auth/link', '/auth/accounts', '/auth/manage') {
    my $cookie = $path eq '/auth/link' ? $code : $mail;
    my $who = $path eq '/auth/link' ? 'code' : 'mail';
    my $body = $t->get($path, cookie => $cookie)->body;
    my @forms = $body =~ /<form method="post"/g;
    my @tokens = $body =~ /name="csrf" value="\Q$csrf{$who}\E"/g;
    ok(@forms && @tokens == @forms, "every form of $path carries the session's token");
}

$t->error_log_ok;

done_testing;
