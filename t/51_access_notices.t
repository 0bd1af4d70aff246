#!/usr/bin/perl
# Owners hear of changes to their access: a French mail in
# extranet.mail_outbox to the identity's address, written in the change's
# transaction, when an account is linked or unlinked and when the password
# is changed or reset; with the time, the client's address and browser,
# what to do if it was not them, and no link.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);
my $ua = 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0';
my %h = ('User-Agent' => $ua);

# The outbox rows of an address, oldest first, as [subject, body].
sub mails_to {
    my ($to) = @_;
    my @rows = $t->psql("SELECT encode(convert_to(subject, 'UTF8'), 'hex'),"
                      . " encode(convert_to(body, 'UTF8'), 'hex') FROM extranet.mail_outbox"
                      . " WHERE recipient = " . $t->sql_quote($to) . " ORDER BY id");
    return map { [map { my $s = pack('H*', $_); utf8::decode($s); $s } @$_] } @rows;
}

sub notice_ok {
    my ($mail, $subject, $sentence, $name) = @_;
    is($mail->[0], $subject, "$name: subject");
    like($mail->[1], qr/\Q$sentence\E le \d\d\/\d\d\/\d{4} à \d\d:\d\d \(heure de Paris\)/,
         "$name: what and when");
    like($mail->[1], qr/Depuis l'adresse IP 127\.0\.0\.1, navigateur Firefox sur Linux\./,
         "$name: from where");
    like($mail->[1], qr/Si ce n'est pas vous/, "$name: what to do if it was not them");
    unlike($mail->[1], qr/http|token=/, "$name: no link");
}

# --- link to a new address ---------------------------------------------------------

my $code = $t->login('030000100001', 'tilleuls-0001');
$t->post_as($code, '/auth/link', [email => 'lea@example.org'], %h);
my $r = $t->post_as($code, '/auth/link/profile', [
    email => 'lea@example.org', last_name => 'Petit', first_name => 'Léa',
    password => 'Lea-des-Tilleuls', password_confirm => 'Lea-des-Tilleuls'], %h);
is($r->status, 303, 'linked');
my @m = mails_to('lea@example.org');
is(scalar @m, 1, 'one mail');
# To a new address the one mail is the confirmation (t/52): it names the
# account linked and says what to do if it was not them.
is($m[0][0], 'Confirmez votre adresse e-mail', 'link: the confirmation mail');
like($m[0][1], qr/le compte 030000100001 .* à cette adresse e-mail/, 'link: what');
like($m[0][1], qr/Si ce n'est pas vous/, 'link: what to do if it was not them');
is($t->confirm_address('lea@example.org')->status, 200, 'the address is confirmed');

# --- grouping into a known address ---------------------------------------------------

my $code2 = $t->login('030000100002', 'tilleuls-0002');
$t->post_as($code2, '/auth/link', [email => 'lea@example.org'], %h);
$r = $t->post_as($code2, '/auth/link/password', [email => 'lea@example.org',
                                                  password => 'Lea-des-Tilleuls'], %h);
is($r->status, 303, 'grouped');
@m = mails_to('lea@example.org');
notice_ok($m[-1], 'Un compte a été associé à votre adresse e-mail',
          'Le compte 030000100002 a été associé à votre adresse e-mail', 'grouping');

# --- a wrong password at the grouping: no mail ----------------------------------------

my $code3 = $t->login('030100200001', 'closfleuri-01');
$t->post_as($code3, '/auth/link', [email => 'lea@example.org'], %h);
$r = $t->post_as($code3, '/auth/link/password', [email => 'lea@example.org',
                                                  password => 'pas-le-bon'], %h);
is($r->status, 401, 'wrong password');
is(scalar(mails_to('lea@example.org')), 2, 'no mail for what did not happen');

# --- unlink and password change --------------------------------------------------------

my $email = $t->login('lea@example.org', 'Lea-des-Tilleuls');
$r = $t->post_as($email, '/auth/manage', [action => 'unlink', account => '030000100002',
                                           current_password => 'Lea-des-Tilleuls'], %h);
is($r->status, 303, 'unlinked') or diag($r->dump);
notice_ok((mails_to('lea@example.org'))[-1], 'Un compte a été dissocié de votre adresse e-mail',
          'Le compte 030000100002 a été dissocié de votre adresse e-mail', 'unlink');

$r = $t->post_as($email, '/auth/manage', [action => 'password',
    current_password => 'Lea-des-Tilleuls', new_password => 'Lea-nouveau-2025',
    password_confirm => 'Lea-nouveau-2025'], %h);
is($r->status, 303, 'password changed');
notice_ok((mails_to('lea@example.org'))[-1], 'Votre mot de passe a été modifié',
          'Le mot de passe de votre espace copropriétaire a été modifié', 'change');
unlike((mails_to('lea@example.org'))[-1][1], qr/Lea-nouveau-2025|Lea-des-Tilleuls/,
       'no password in the mail');

# --- reset -------------------------------------------------------------------------------

$t->post('/auth/password/forgot', form => [login => 'lea@example.org'],
         headers => { Origin => $t->origin });
my ($token) = (mails_to('lea@example.org'))[-1][1] =~ /token=([A-Za-z0-9_-]{43})/;
ok($token, 'the reset link');
$r = $t->post('/auth/password/reset', headers => { Origin => $t->origin, %h }, form => [
    token => $token, new_password => 'Lea-encore-2026', password_confirm => 'Lea-encore-2026']);
is($r->status, 303, 'password reset');
notice_ok((mails_to('lea@example.org'))[-1], 'Votre mot de passe a été réinitialisé',
          'a été réinitialisé avec le lien « Mot de passe oublié »', 'reset');

$t->error_log_ok;

done_testing;
