#!/usr/bin/perl
# The $extranet_* variables, logged on protected and portal requests alike:
# the session's values where the access phase found one, "-" elsewhere, and
# nothing but the portal's own Set-Cookie on portal answers.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(
    http => 'log_format extranet "$uri|$extranet_account|$extranet_syndic|'
          . '$extranet_login_method|$extranet_email|$extranet_identity|$extranet_accounts";'
          . ' access_log %%TESTDIR%%/vars.log extranet;'));

$t->add_identity('vars@example.org', 'Vars-perso-2024!', accounts => ['030000100001', '030100200001']);
my $code = $t->login('030000100002', 'tilleuls-0002');
my $email = $t->login('vars@example.org', 'Vars-perso-2024!');
ok($code && $email, 'a code session and an e-mail session');

is($t->get('/headers', cookie => $code)->status, 200, 'protected, code session');
is($t->get('/headers?e', cookie => $email)->status, 200, 'protected, e-mail session');
for my $route (qw(login accounts api/me style.css)) {
    # Every request field set, so that a context mix-up would show.
    my $r = $t->get("/auth/$route?next=/x", cookie => $email,
                    headers => { Accept => 'application/json', Referer => $t->origin . '/x',
                                 Origin => $t->origin, 'User-Agent' => 'Mozilla/5.0 ' x 4 });
    ok($r->status < 500, "portal $route answers");
    is(scalar(grep { /^extranet_session=/ } $r->headers('set-cookie')), 0,
       "portal $route sets no session cookie of its own accord");
}
$t->get('/headers');   # no session: 302

$t->stop;   # flushes the access log
my %line;
for (split /\n/, $t->read_file('vars.log')) {
    my ($uri, @v) = split /\|/, $_, -1;
    push @{$line{$uri}}, join('|', @v);
}

is($line{'/headers'}[0], '030000100002|0300|code|-|-|030000100002',
   'code session: account, syndic, method, no e-mail nor identity, accounts');
like($line{'/headers'}[1], qr/^030000100001\|0300\|email\|vars\@example\.org\|\d+\|030000100001,030100200001$/,
   'e-mail session: every variable');
is($line{'/headers'}[2], '-|-|-|-|-|-', 'no session: every variable empty');
# The portal's pages look up the session they carry (to refresh it when due):
# their log lines name it, the same values as a protected request's, never
# another request's. The login page does not look it up.
is($line{'/auth/login'}[0], '-|-|-|-|-|-', 'portal login: no variable');
like($line{"/auth/$_"}[0], qr/^030000100001\|0300\|email\|vars\@example\.org\|\d+\|030000100001,030100200001$/,
     "portal $_: the variables of the session it carries")
    for qw(accounts api/me style.css);

$t->error_log_ok;

done_testing;
