#!/usr/bin/perl
# Client headers whose names a PHP app reads as the module's: with
# "ignore_invalid_headers off" (common in front of legacy apps), nginx
# passes "X.Extranet.Account" or "X-Extranet[Account" to FastCGI as
# HTTP_X.EXTRANET.ACCOUNT / HTTP_X-EXTRANET[ACCOUNT, and PHP registers
# $_SERVER names with ".", " " and an unclosed "[" turned into "_": such a
# header must go like "X-Extranet-Account" itself, or an owner logged in
# with his own code would pass for any account (and, on a code session,
# add an e-mail and identity of his choosing). Real php-fpm 8.2.
use strict;
use warnings;
use Test::More;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;
use Extranet::PhpFpm;

my $t = Extranet::Test->new;
my $dir = $t->dir;
mkdir "$dir/www"; chmod 0755, "$dir/www";
$t->write_file('www/index.php', <<'PHP');
<?php
header('Content-Type: text/plain');
foreach ($_SERVER as $k => $v) {
    if (strncmp($k, 'HTTP_X_EXTRANET_', 16) === 0) echo "$k=$v\n";
}
PHP
chmod 0644, "$dir/www/index.php";
my $fpm = Extranet::PhpFpm->new($t);

my $conf = $t->standard_config(
    server => 'ignore_invalid_headers off;',
    location => '');
# the protected location goes to PHP
$conf =~ s{proxy_pass http://127\.0\.0\.1:%%LEGACY_PORT%%;}
          {include /etc/nginx/fastcgi_params; fastcgi_param SCRIPT_FILENAME %%TESTDIR%%/www/index.php; fastcgi_pass unix:%%TESTDIR%%/php-fpm.sock;};
$t->run($conf);

my $cookie = $t->login('040000300001', 'monceau-0001');
ok($cookie, 'attacker logs in with his own account 040000300001');

my $r = $t->get('/x', cookie => $cookie);
like($r->body, qr/^HTTP_X_EXTRANET_ACCOUNT=040000300001$/m, 'baseline: PHP sees his account');

# Both orders of the spoof and the Cookie header; the attacker writes his own request.
for my $name ('X.Extranet.Account', 'x.extranet.account', 'X-Extranet.Account', 'X-Extranet[Account', 'X[Extranet[Account') {
    for my $order ('spoof first', 'cookie first') {
        my @h = ([$name, '030000100001'], ['Cookie', $t->cookie_name . "=$cookie"]);
        @h = reverse @h if $order eq 'cookie first';
        my $r = $t->get('/x', headers => \@h);
        is($r->status, 200, "'$name', $order: 200");
        my @acc = $r->body =~ /^HTTP_X_EXTRANET_ACCOUNT=(.*)$/mg;
        is_deeply(\@acc, ['040000300001'],
                  "'$name', $order: PHP's \$_SERVER['HTTP_X_EXTRANET_ACCOUNT'] is the session's account")
            or diag("PHP saw:\n" . $r->body);
    }
}
# A code session has no Email/Identity headers of its own: a dotted copy is then
# the only one PHP sees, whatever the order.
{
    my $r = $t->get('/x', headers => [['Cookie', $t->cookie_name . "=$cookie"],
                                      ['X.Extranet.Email', 'victime@example.org'],
                                      ['X.Extranet.Identity', '1']]);
    unlike($r->body, qr/^HTTP_X_EXTRANET_(EMAIL|IDENTITY)=/m,
           'code session: no HTTP_X_EXTRANET_EMAIL / _IDENTITY forged through dotted names')
        or diag("PHP saw:\n" . $r->body);
}
$t->error_log_ok;
done_testing;
