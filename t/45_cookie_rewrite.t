#!/usr/bin/perl
# Issue 7, findings 5 and 7c. The Cookie header given to the upstream is
# rewritten whenever the session cookie was in it, decided by what was
# removed and never by a length: 195 "a=1;" without blanks once made the
# re-spaced header as long as the original, and the header went whole,
# token included. Duplicated session cookies, as browsers send them
# ("extranet_session=; extranet_session=<valid>", a tossed or stale one
# first): every candidate is tried, the one that verifies wins.

use strict;
use warnings;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'code login');
my $name = $t->cookie_name;

# --- finding 5: the length collision ---------------------------------------------

# n times "a=1;" then "name=<token>": the rewritten header, n times "a=1"
# joined by "; ", is as long as the original when
# 4n + length("name=") + length(token) == 3n + 2(n - 1).
my $n = length("$name=") + length($cookie) + 2;
my $header = ('a=1;' x $n) . "$name=$cookie";
my $stripped = join('; ', ('a=1') x $n);
is(length $stripped, length $header, "with $n cookies the rewritten header is as long as the original");
my $r = $t->get('/cookies', headers => [['Cookie', $header]]);
is($r->status, 200, 'the session passes');
unlike($r->body, qr/\Q$cookie\E/, 'the session token does not reach the upstream');
unlike($r->body, qr/\Q$name\E/, 'nor its name');
like($r->body, qr/^Cookie: \Q$stripped\E$/m, 'the other cookies do, re-spaced');

# Nothing to remove: the header goes as it came, not re-spaced.
$r = $t->get('/cookies', headers => [['Cookie', 'a=1;b=2'], ['Cookie', "$name=$cookie"]]);
like($r->body, qr/^Cookie: a=1;b=2$/m, 'a header without the session cookie is left alone');

# --- finding 7c: an empty (tossed) cookie first ---------------------------------

$r = $t->get('/headers', headers => [['Cookie', "$name=; $name=$cookie"]]);
is($r->status, 200, 'empty session cookie first, valid second: logged in');
like($r->text, qr/^X-Extranet-Account: 030000100001$/m, 'as the valid cookie says');

$r = $t->get('/headers', headers => [['Cookie', "$name=garbage; $name=$cookie"]]);
is($r->status, 200, 'a forged cookie first does not log the owner out');

$r = $t->get('/headers', headers => [['Cookie', "$name=garbage"], ['Cookie', "$name=$cookie"]]);
is($r->status, 200, 'candidates across several Cookie headers (HTTP/2 style)');

$r = $t->get('/cookies', headers => [['Cookie', "$name=; theme=sombre; $name=$cookie"]]);
is($r->status, 200, 'passes');
like($r->body, qr/^Cookie: theme=sombre$/m, 'both session cookies removed, the rest kept');

$r = $t->get('/headers', headers => [['Cookie', "$name=; $name=garbage"]]);
is($r->status, 302, 'no candidate verifies: no session');

$t->error_log_ok;

done_testing;
