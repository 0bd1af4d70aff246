#!/usr/bin/perl
# Faults and bad input: PostgreSQL down (503 in bounded time, valid cookies
# keep working, automatic reconnect), oversized and malformed bodies (a clear
# 4xx, nothing stored, nothing crashes).

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config(http => 'auth_extranet_db_timeout 3s;'));

my $json = { Accept => 'application/json' };

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'login while PostgreSQL is up');

# --- bad input (PostgreSQL up) ------------------------------------------------------

sub counts {
    return join '/', map { $t->psql_value("SELECT count(*) FROM extranet.$_") }
                     qw(session audit_log identity login_lockout);
}
my $stored = counts();

my @bad = (
    ['broken %-escape',        'login=%ZZ0300&password=x'],
    ['truncated %-escape',     'login=030000100001&password=tilleuls-0001%4'],
    ['NUL in a field',         'login=030000100001%00&password=tilleuls-0001'],
    ['CR LF in a field',       'login=030000100001%0D%0AX-Evil:%201&password=tilleuls-0001'],
    ['invalid UTF-8',          'login=%C3%28&password=tilleuls-0001'],
    ['overlong field',         'login=' . ('4' x 4000) . '&password=tilleuls-0001'],
    ['overlong password',      'login=030000100001&password=' . ('p' x 5000)],
    ['duplicate field',        'login=030000100001&login=030000100002&password=tilleuls-0001'],
);
for my $case (@bad) {
    my ($name, $body) = @$case;
    my $r = $t->post('/auth/login', body => $body,
                     headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
    is($r->status, 400, "$name: 400");
    ok(!$r->cookie('extranet_session'), "$name: no session");
}

my $r = $t->post('/auth/login', body => '{"login": "030000100001", "password": ',
                 headers => { %$json, 'Content-Type' => 'application/json' });
is($r->status, 400, 'malformed JSON: 400');
is(($r->json // {})->{error} ? 1 : 0, 1, 'malformed JSON: a JSON error');
$r = $t->post('/auth/login', json => { login => ['030000100001'], password => 'tilleuls-0001' },
              headers => $json);
is($r->status, 400, 'JSON array value: 400');

# Over 16 KiB, and far over (2 MiB): 413.
$r = $t->post('/auth/login', body => 'login=030000100001&password=' . ('p' x (20 * 1024)),
              headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
is($r->status, 413, '20 KiB body: 413');
$r = $t->post('/auth/login', body => 'login=030000100001&password=' . ('p' x (2 * 1024 * 1024)),
              headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
is($r->status, 413, '2 MiB body: 413');

is(counts(), $stored, 'nothing stored by the bad requests (sessions, audit, identities, lockouts)');
is($t->get('/auth/login')->status, 200, 'still serving after bad input');
is($t->get('/headers', cookie => $cookie)->status, 200, 'still proxying after bad input');

# --- PostgreSQL down ------------------------------------------------------------------

$t->pg_stop;

my $start = time;
$r = $t->post('/auth/login', form => [login => '030000100002', password => 'tilleuls-0002']);
my $elapsed = time - $start;
is($r->status, 503, 'login with PostgreSQL down: 503') or diag($r->dump);
ok($elapsed < 10, sprintf('answered within 10 s (%.1f s)', $elapsed));
like($r->text, qr/Service momentanément indisponible/, 'a French 503 page');
like($r->header('content-type') // '', qr{^text/html}, '503 page is HTML');
ok(!$r->cookie('extranet_session'), 'no session when the database is down');

$r = $t->post('/auth/login', form => [login => '030000100002', password => 'tilleuls-0002'],
              headers => $json);
is($r->status, 503, 'JSON login with PostgreSQL down: 503');
is(($r->json // {})->{error}, 'unavailable', 'JSON 503: error unavailable');
ok($r->elapsed < 10, sprintf('JSON answered within 10 s (%.1f s)', $r->elapsed));

# Authenticated traffic needs no database.
$r = $t->get('/headers', cookie => $cookie);
is($r->status, 200, 'a valid cookie still passes with PostgreSQL down');
like($r->body, qr/^X-Extranet-Account: 030000100001$/m, 'with its headers');

# The event loop is not blocked: a static portal page answers while a login
# waits on the database.
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    $t->post('/auth/login', form => [login => '030000100002', password => 'tilleuls-0002']);
    POSIX::_exit(0);
}
sleep 0.2;
$r = $t->get('/auth/login', timeout => 5);
is($r->status, 200, 'the login page answers during a pending database operation');
ok($r->elapsed < 2, sprintf('promptly (%.1f s)', $r->elapsed));
waitpid($pid, 0);

my $log = $t->error_log;
unlike($log, qr/\[alert\]/, 'no [alert] while PostgreSQL is down');

# --- PostgreSQL back -------------------------------------------------------------------

$t->pg_start;
my ($again, $status);
my $deadline = time + 20;
while (time < $deadline) {
    ($again, $r) = $t->login('030000100002', 'tilleuls-0002');
    $status = $r->status;
    last if $again;
    sleep 0.5;
}
is($status, 303, 'login works again once PostgreSQL is back');
ok($again, 'with a session cookie');
is($t->get('/headers', cookie => $again)->status, 200, 'and the new session opens the app');

# Database failures may be logged at [crit] (a system failure); nothing else.
$t->error_log_ok(crit => qr/postgres|database|connect|PQ|libpq|server|socket|unavailable/i);

done_testing;
