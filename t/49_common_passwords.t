#!/usr/bin/perl
# Passwords owners choose: a personal password found among the 30 000 most
# common passwords (data/common-passwords.txt), whatever its case, is
# refused with a French message at the link, at a change and at a reset;
# nothing is stored.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(http => 'auth_extranet_password_min_length 8;'));
my $json = { Accept => 'application/json' };

my $code = $t->login('030000100001', 'tilleuls-0001');
$t->post_as($code, '/auth/link', [email => 'rose@example.org']);
for my $common ('MotDePasse', 'azertyuiop', 'PASSWORD1234') {
    my $r = $t->post_as($code, '/auth/link/profile', [
        email => 'rose@example.org', last_name => 'Rose', first_name => 'Anne',
        password => $common, password_confirm => $common], %$json);
    is($r->status, 400, "link/profile with \"$common\": 400");
    like(($r->json // {})->{fields}{password} // '', qr/mots de passe les plus courants/,
         "\"$common\": the French message on the password field");
}
my $r = $t->post_as($code, '/auth/link/profile', [
    email => 'rose@example.org', last_name => 'Rose', first_name => 'Anne',
    password => 'MotDePasse'], );
like($r->text, qr/les plus courants/, 'the HTML form shows it too');
is($t->psql_value("SELECT count(*) FROM extranet.identity"), 0, 'nothing stored');

$r = $t->post_as($code, '/auth/link/profile', [
    email => 'rose@example.org', last_name => 'Rose', first_name => 'Anne',
    password => 'Rose-des-Tilleuls', password_confirm => 'Rose-des-Tilleuls']);
is($r->status, 303, 'an uncommon password is accepted');
my $email = $r->cookie($t->cookie_name);
$t->confirm_address('rose@example.org');

$r = $t->post_as($email, '/auth/manage', [
    action => 'password', current_password => 'Rose-des-Tilleuls',
    new_password => 'Qwertyuiop', password_confirm => 'Qwertyuiop'], %$json);
is($r->status, 400, 'manage: a common new password is refused');
like(($r->json // {})->{fields}{new_password} // '', qr/les plus courants/, 'with the message');
ok($t->login('rose@example.org', 'Rose-des-Tilleuls'), 'the password did not change');

$t->error_log_ok;

done_testing;
