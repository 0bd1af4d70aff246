#!/usr/bin/perl
# "SUIVANT" of link/profile or link/password sent twice: an owner on an old
# phone taps again while the first answer is slow, or the browser sends the
# form again. The second request carries the cookie of the code session
# the first has just made an e-mail session. It used to be answered with
# the login page ("Votre session a expiré"), where a linked account's code
# no longer logs in and a new address cannot log in before its mail is
# confirmed: the owner was stuck. Within two minutes of the link, it is now
# answered as the first was: link/done, with the session's cookie as it is
# now. Nothing is linked, mailed or audited twice.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

sub count { $t->psql_value("SELECT count(*) FROM $_[0]") }

# --- a new address (link/profile) --------------------------------------------------------

my $code = $t->login('030000100001', 'tilleuls-0001');
ok($code, 'a numeric-code session');
my $email = 'double.tap@example.org';
my $pw = 'Double-tap-2024!!';
my @form = (email => $email, last_name => 'Tap', first_name => 'Double', phone => '',
            password => $pw, password_confirm => $pw);
my $mails = count('extranet.mail_outbox');
my $r1 = $t->post_as($code, '/auth/link/profile', [@form]);
is($r1->status, 303, 'the first tap links the account') or diag($r1->dump);
is($r1->location_path, '/auth/link/done?confirm=1', 'to link/done');

my $r2 = $t->post_as($code, '/auth/link/profile', [@form]);
is($r2->status, 303, 'the second tap, with the cookie from before the link: 303') or diag($r2->dump);
is($r2->location_path, '/auth/link/done?confirm=1', 'to link/done, as the first');
my $again = $r2->cookie($t->cookie_name);
ok($again, 'with the session cookie');
my $h = $t->upstream_headers($again);
is($h->{Login}, 'email', 'which is the e-mail session the link made');
is($h->{Email}, $email, 'of the new address');
is($h->{Account}, '030000100001', 'on the account');
is(count("extranet.identity WHERE email = '$email'"), 1, 'one identity');
is(count('extranet.mail_outbox') - $mails, 1, 'one confirmation mail');
is(count("extranet.audit_log WHERE event = 'link' AND success"), 1, 'one link audited');
like($t->error_log, qr/link of account 030000100001 asked again by its session/, 'logged');

# --- a known address (link/password) -------------------------------------------------------

my $known = 'known.owner@example.org';
my $known_pw = 'Known-owner-2024!!';
$t->add_identity($known, $known_pw, accounts => ['030100200001']);
my $c2 = $t->login('030000100002', 'tilleuls-0002');
ok($c2, 'another numeric-code session');
my @pform = (email => $known, password => $known_pw);
$r1 = $t->post_as($c2, '/auth/link/password', [@pform]);
is($r1->status, 303, 'the first tap groups the account') or diag($r1->dump);
is($r1->location_path, '/auth/link/done', 'to link/done');
$r2 = $t->post_as($c2, '/auth/link/password', [@pform]);
is($r2->status, 303, 'the second tap: 303') or diag($r2->dump);
is($r2->location_path, '/auth/link/done', 'to link/done, as the first');
$h = $t->upstream_headers($r2->cookie($t->cookie_name));
is($h->{Email}, $known, 'the e-mail session of the known address');
like($h->{Accounts} // '', qr/030000100002/, 'the account is among its accounts');

# --- what still leads to the login page ----------------------------------------------------

my $c3 = $t->login('040000300001', 'monceau-0001');
my $late = 'late.tap@example.org';
my @lform = (email => $late, last_name => 'Tap', first_name => 'Late', phone => '',
             password => $pw, password_confirm => $pw);
is($t->post_as($c3, '/auth/link/profile', [@lform])->status, 303, 'a third account linked');
$t->psql("UPDATE extranet.identity_account SET linked_at = now() - interval '5 minutes'"
       . " WHERE account_code = '040000300001'");
$r2 = $t->post_as($c3, '/auth/link/profile', [@lform]);
is($r2->status, 303, 'the old cookie minutes after the link');
like($r2->location_path, qr{^/auth/login\b}, 'goes to the login page, as before');
ok(!$r2->cookie($t->cookie_name), 'with no session cookie');

done_testing();
