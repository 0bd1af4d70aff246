#!/usr/bin/perl
# The account code as owners really type or paste it: with plain spaces,
# with the no-break spaces (U+00A0, U+202F) that a PDF call for funds or a
# webmail typesets between its groups, with dashes or dots, or an e-mail
# with a no-break space after it. Each logs in; on "Mot de passe oublié ?"
# the code is taken as a code (the syndic's contact details), not answered
# "Veuillez entrer une adresse email valide.".
use strict; use warnings; use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(http => 'auth_extranet_limit identifier=50 address=500;'));
my %json = (headers => { Accept => 'application/json' });

my @typed = (
    ["0300\x{a0}0010\x{a0}0001",     'no-break spaces (pasted from a PDF)'],
    ["0300\x{202f}0010\x{202f}0001", 'narrow no-break spaces (French digit grouping)'],
    ['0300-0010-0001',               'dashes'],
    ['0300.0010.0001',               'dots'],
    ["030000100001\x{a0}",           'a trailing no-break space'],
);
for (@typed) {
    my ($code, $what) = @$_;
    utf8::upgrade($code);
    my ($c, $r) = $t->login($code, 'tilleuls-0001', %json);
    is($r->status, 200, "login with the code typed with $what: 200") or diag($r->body);
    $r = $t->post('/auth/password/forgot', form => [login => $code], %json);
    is(($r->json // {})->{login}, 'code', "forgot password, code with $what: recognised as a code (syndic's contact)")
        or diag($r->status . ' ' . $r->body);
}
my ($c, $r) = $t->login('0300 0010 0001', 'tilleuls-0001', %json);
is($r->status, 200, 'control: ASCII spaces work');

# An e-mail pasted with a no-break space around it.
$t->add_identity('marie@example.org', 'correct horse battery', accounts => ['030000100002']);
my $e = "marie\@example.org\x{a0}"; utf8::upgrade($e);
($c, $r) = $t->login($e, 'correct horse battery', %json);
is($r->status, 200, 'e-mail pasted with a trailing no-break space: 200') or diag($r->body);
$t->error_log_ok;
done_testing;
