#!/usr/bin/perl
# A legacy PHP app behind fastcgi_pass (SPEC §5): the module's headers reach
# it as HTTP_X_EXTRANET_* parameters ($_SERVER['HTTP_X_EXTRANET_ACCOUNT']...),
# client-sent copies never do, and neither does the session cookie. The
# FastCGI side is a real responder (Extranet::FastCGI) speaking the protocol
# to a real nginx, with and without fastcgi_keep_conn.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;
use Extranet::FastCGI;

my $fcgi = Extranet::FastCGI->new;
my $t = Extranet::Test->new;
my $fcgi_port = $fcgi->port;

# What fastcgi_params gives PHP-FPM, trimmed to what a PHP app needs;
# request headers go as HTTP_* (fastcgi_pass_request_headers on, the
# default, said here on purpose).
my $params = <<'EOF';
            fastcgi_param SCRIPT_FILENAME   /var/www/extranet$fastcgi_script_name;
            fastcgi_param SCRIPT_NAME       $fastcgi_script_name;
            fastcgi_param REQUEST_METHOD    $request_method;
            fastcgi_param QUERY_STRING      $query_string;
            fastcgi_param REQUEST_URI       $request_uri;
            fastcgi_param CONTENT_TYPE      $content_type;
            fastcgi_param CONTENT_LENGTH    $content_length;
            fastcgi_param SERVER_PROTOCOL   $server_protocol;
            fastcgi_param GATEWAY_INTERFACE CGI/1.1;
            fastcgi_param REMOTE_ADDR       $remote_addr;
            fastcgi_pass_request_headers on;
EOF

$t->run($t->standard_config(
    http => <<"EOF",
    upstream php_keepalive {
        server 127.0.0.1:$fcgi_port;
        keepalive 4;
    }
EOF
    server => <<"EOF"));
        location /php/ {
            auth_extranet on;
            fastcgi_pass 127.0.0.1:$fcgi_port;
$params
        }

        # PHP-FPM behind a kept-alive upstream: several requests, of
        # several sessions, over one FastCGI connection.
        location /php-keep/ {
            auth_extranet on;
            fastcgi_pass php_keepalive;
            fastcgi_keep_conn on;
$params
        }
EOF

# What the app saw: name => [values, in the order received].
sub app_params {
    my ($r) = @_;
    my %p;
    for (split /\n/, $r->body) {
        my ($k, $v) = /^([A-Z_]+)=(.*)$/ or next;
        push @{$p{$k}}, $v;
    }
    return \%p;
}

sub extranet_names {
    my ($p) = @_;
    return [sort grep { /^HTTP_X_EXTRANET_/ } keys %$p];
}

# --- unauthenticated requests never reach the app --------------------------------

my $r = $t->get('/php/index.php?page=appels&annee=2024');
is($r->status, 302, 'no session: 302');
is($r->location_path, '/auth/login?next=%2Fphp%2Findex.php%3Fpage%3Dappels%26annee%3D2024',
   'to the login page, with next= the url-encoded path and query');

$r = $t->get('/php/index.php?probe=json', headers => { Accept => 'application/json' });
is($r->status, 401, 'no session, Accept JSON: 401');

$r = $t->get('/php/index.php?probe=spoof', headers => { 'X-Extranet-Account' => '030000100001' });
is($r->status, 302, 'no session, spoofed Account header: 302 all the same');
is_deeply([$fcgi->requests], [], 'no unauthenticated request reached the FastCGI app');

# --- a numeric-code session -------------------------------------------------------

my $code = $t->login('030000100001', 'tilleuls-0001');
ok($code, 'code login');

$r = $t->get('/php/index.php', cookie => $code);
is($r->status, 200, 'code session: 200 from the FastCGI app') or diag($r->dump);
like($r->header('content-type') // '', qr{^text/plain}, 'the answer is the app\'s');
my $p = app_params($r);
is_deeply($p->{HTTP_X_EXTRANET_ACCOUNT}, ['030000100001'], 'HTTP_X_EXTRANET_ACCOUNT, once');
is_deeply($p->{HTTP_X_EXTRANET_SYNDIC}, ['0300'], 'HTTP_X_EXTRANET_SYNDIC');
is_deeply($p->{HTTP_X_EXTRANET_LOGIN}, ['code'], 'HTTP_X_EXTRANET_LOGIN=code');
is(scalar @{$p->{HTTP_X_EXTRANET_ACCOUNTS} // []}, 1, 'HTTP_X_EXTRANET_ACCOUNTS, once');
like($p->{HTTP_X_EXTRANET_ACCOUNTS}[0] // '', qr/^\d+(,\d+)*$/, 'HTTP_X_EXTRANET_ACCOUNTS: comma-separated codes');
is($p->{HTTP_X_EXTRANET_ACCOUNTS}[0], $t->upstream_headers($code)->{Accounts},
   'HTTP_X_EXTRANET_ACCOUNTS is what proxy_pass upstreams get');
ok(!exists $p->{HTTP_X_EXTRANET_EMAIL}, 'no HTTP_X_EXTRANET_EMAIL for a code session');
ok(!exists $p->{HTTP_X_EXTRANET_IDENTITY}, 'no HTTP_X_EXTRANET_IDENTITY for a code session');
is_deeply(extranet_names($p), [qw(HTTP_X_EXTRANET_ACCOUNT HTTP_X_EXTRANET_ACCOUNTS
                                  HTTP_X_EXTRANET_LOGIN HTTP_X_EXTRANET_SYNDIC)],
          'nothing else under the prefix');
ok((grep { m{^/php/index\.php$} } $fcgi->requests), 'the FastCGI app served it');

# --- client-sent copies are not passed ---------------------------------------------

$r = $t->get('/php/index.php?spoof=1', cookie => $code, headers => [
    ['X-Extranet-Account', '999'],
    ['X-Extranet-Foo', 'bar'],
    ['x-extranet-syndic', '0400'],
    ['X-EXTRANET-EMAIL', 'boss@example.org'],
    ['X-Extranet-Identity', '1'],
    ['X-Extranet-Account', '040000300001'],
]);
is($r->status, 200, 'spoofed headers: 200');
$p = app_params($r);
is_deeply($p->{HTTP_X_EXTRANET_ACCOUNT}, ['030000100001'], 'only the module\'s HTTP_X_EXTRANET_ACCOUNT');
is_deeply($p->{HTTP_X_EXTRANET_SYNDIC}, ['0300'], 'only the module\'s HTTP_X_EXTRANET_SYNDIC');
ok(!exists $p->{HTTP_X_EXTRANET_FOO}, 'HTTP_X_EXTRANET_FOO not passed');
ok(!exists $p->{HTTP_X_EXTRANET_EMAIL}, 'spoofed HTTP_X_EXTRANET_EMAIL not passed');
ok(!exists $p->{HTTP_X_EXTRANET_IDENTITY}, 'spoofed HTTP_X_EXTRANET_IDENTITY not passed');
unlike($r->body, qr/=(?:999|bar|0400|040000300001|boss\@example\.org)$/m, 'no spoofed value reaches the app');

# --- the session cookie is not passed, the others are -------------------------------

$r = $t->get('/php/index.php', headers => { Cookie => "theme=sombre; extranet_session=$code; lang=fr" });
is($r->status, 200, 'session among other cookies: 200');
$p = app_params($r);
my $cookies = join '; ', @{$p->{HTTP_COOKIE} // []};
like($cookies, qr/(?:^|; )theme=sombre(?:;|$)/, 'HTTP_COOKIE has theme=sombre');
like($cookies, qr/(?:^|; )lang=fr(?:;|$)/, 'HTTP_COOKIE has lang=fr');
unlike($cookies, qr/extranet_session/, 'HTTP_COOKIE has no session cookie');
unlike($r->body, qr/\Q$code\E/, 'nor its value anywhere');
is_deeply($p->{HTTP_X_EXTRANET_ACCOUNT}, ['030000100001'], '(and the session was used)');

$r = $t->get('/php/index.php', cookie => $code);
is($r->status, 200, 'session cookie alone: 200');
unlike($r->body, qr/extranet_session|\Q$code\E/, 'alone: the session cookie does not reach the app');

# A POST with a body: FCGI_STDIN carries it, the parameters are the same.
$r = $t->post('/php/form.php', cookie => $code, form => [message => 'Bonjour' x 200],
              headers => { 'X-Extranet-Login' => 'email' });
is($r->status, 200, 'POST with a body: 200');
$p = app_params($r);
is_deeply($p->{HTTP_X_EXTRANET_LOGIN}, ['code'], 'POST: HTTP_X_EXTRANET_LOGIN is the module\'s');
is_deeply($p->{HTTP_X_EXTRANET_ACCOUNT}, ['030000100001'], 'POST: HTTP_X_EXTRANET_ACCOUNT');

# --- an e-mail session -------------------------------------------------------------

my $email = 'jean.martin@example.org';
my $id = $t->add_identity($email, 'Jean-mot-de-passe-2024', accounts => ['030100200001']);
ok($id, 'identity created');
my $mail = $t->login($email, 'Jean-mot-de-passe-2024');
ok($mail, 'e-mail login');

$r = $t->get('/php/index.php', cookie => $mail,
             headers => { 'X-Extranet-Email' => 'evil@example.org' });
is($r->status, 200, 'e-mail session: 200');
$p = app_params($r);
is_deeply($p->{HTTP_X_EXTRANET_EMAIL}, [$email], 'HTTP_X_EXTRANET_EMAIL (spoof replaced)');
is_deeply($p->{HTTP_X_EXTRANET_IDENTITY}, [$id], 'HTTP_X_EXTRANET_IDENTITY');
is_deeply($p->{HTTP_X_EXTRANET_LOGIN}, ['email'], 'HTTP_X_EXTRANET_LOGIN=email');
is_deeply($p->{HTTP_X_EXTRANET_ACCOUNT}, ['030100200001'], 'HTTP_X_EXTRANET_ACCOUNT: the default account');
is_deeply($p->{HTTP_X_EXTRANET_SYNDIC}, ['0301'], 'HTTP_X_EXTRANET_SYNDIC');
is_deeply($p->{HTTP_X_EXTRANET_ACCOUNTS}, ['030100200001'], 'HTTP_X_EXTRANET_ACCOUNTS: the linked account');

# --- kept-alive FastCGI connections: each request carries its own session ------------

for my $round (1 .. 2) {
    $r = $t->get("/php-keep/index.php?round=$round", cookie => $code);
    is($r->status, 200, "keep_conn, code session, round $round: 200");
    $p = app_params($r);
    is_deeply([$p->{HTTP_X_EXTRANET_ACCOUNT}, $p->{HTTP_X_EXTRANET_LOGIN}, $p->{HTTP_X_EXTRANET_EMAIL}],
              [['030000100001'], ['code'], undef], "keep_conn, code session, round $round: its values");

    $r = $t->get("/php-keep/index.php?round=$round", cookie => $mail);
    is($r->status, 200, "keep_conn, e-mail session, round $round: 200");
    $p = app_params($r);
    is_deeply([$p->{HTTP_X_EXTRANET_ACCOUNT}, $p->{HTTP_X_EXTRANET_LOGIN}, $p->{HTTP_X_EXTRANET_EMAIL}],
              [['030100200001'], ['email'], [$email]], "keep_conn, e-mail session, round $round: its values");
}
my %keep_conns = map { $_->[0] => 1 } grep { $_->[1] =~ m{^/php-keep/} } $fcgi->served;
is(scalar keys %keep_conns, 1, 'keep_conn: the four requests came over one FastCGI connection');
my @plain = grep { $_->[1] =~ m{^/php/} } $fcgi->served;
my %plain_conns = map { $_->[0] => 1 } @plain;
is(scalar keys %plain_conns, scalar @plain, 'without keep_conn: one connection per request');
is($t->get('/php-keep/index.php?probe=keep-unauth')->status, 302, 'keep_conn, no session: 302');
ok(!grep({ /keep-unauth|probe=json|probe=spoof/ } $fcgi->requests),
   'no unauthenticated request ever reached the FastCGI app');

$t->error_log_ok;
$t->stop;
my $fcgi_pid = $fcgi->pid;
$fcgi->stop;
ok($fcgi_pid && !kill(0, $fcgi_pid), 'the FastCGI responder is stopped (and reaped)');

done_testing;
