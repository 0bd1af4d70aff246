#!/usr/bin/perl
# Protocols: the portal and protected locations over TLS with HTTP/2 (a
# self-signed certificate made here, curl --http2 -k), HTTP/1.0 clients with
# and without Host, many requests with different sessions on one keep-alive
# connection (sequential and pipelined), and an upstream on a Unix socket.

use strict;
use warnings;
use utf8;
use Test::More;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use lib 't/lib';
use Extranet::Test;

my $CURL = '/usr/bin/curl';
BAIL_OUT("curl not found: $CURL (apt-get install curl)") unless -x $CURL;
BAIL_OUT('openssl not found (apt-get install openssl)') unless -x '/usr/bin/openssl';

my $t = Extranet::Test->new;
my $dir = $t->dir;
my $tls_port = Extranet::Test::free_port();

# --- the certificate ----------------------------------------------------------

my $out = Extranet::Test::run_capture('/usr/bin/openssl', 'req', '-x509', '-newkey', 'rsa:2048',
    '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', "$dir/tls.key", '-out', "$dir/tls.pem");
ok(-s "$dir/tls.pem" && -s "$dir/tls.key", 'a self-signed certificate') or BAIL_OUT($out);

# "listen ... http2" until nginx 1.25.1, "http2 on" since.
my ($version) = Extranet::Test::run_capture($Extranet::Test::NGINX, '-v') =~ m{nginx/(\d+\.\d+\.\d+)};
my @v = split /\./, $version // '0.0.0';
my $h2_directive = ($v[0] * 1_000_000 + $v[1] * 1000 + $v[2] >= 1_025_001);
my ($h2_listen, $h2_on) = $h2_directive ? ('', 'http2 on;') : (' http2', '');

$t->run($t->standard_config(
    http => <<"EOF",
    server {
        listen 127.0.0.1:$tls_port ssl$h2_listen;
        $h2_on
        server_name localhost;
        ssl_certificate     %%TESTDIR%%/tls.pem;
        ssl_certificate_key %%TESTDIR%%/tls.key;

        location /auth/ {
            auth_extranet_portal;
        }
        location / {
            auth_extranet on;
            proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;
        }
    }

    # The legacy app on a Unix socket too.
    server {
        listen unix:%%TESTDIR%%/legacy.sock;
        server_name legacy-unix;
        access_log %%TESTDIR%%/legacy_unix_access.log;
        location / {
            js_content legacy.page;
        }
        location = /headers {
            js_content legacy.headers;
        }
    }
EOF
    server => <<'EOF',
        location /unix/ {
            auth_extranet on;
            proxy_pass http://unix:%%TESTDIR%%/legacy.sock:/;
        }
EOF
));

my $cookie = $t->login('030000100001', 'tilleuls-0001');
my $other = $t->login('040000300001', 'monceau-0001');
ok($cookie && $other, 'two sessions');

# The X-Extranet-Account lines the legacy app received.
sub accounts_seen {
    my ($body) = @_;
    return [$body =~ /^X-Extranet-Account: (.*)$/mg];
}

# --- TLS and HTTP/2 -------------------------------------------------------------

my $base = "https://127.0.0.1:$tls_port";
my $n = 0;

# curl --http2 -k, one or several transfers on one connection: for each, a
# hash with status, version, connects (new connections it opened), headers
# (lower-case name => [values]) and body.
sub h2 {
    my (@transfers) = @_;   # [path, [curl options]]
    my @cmd = ($CURL, '-sS', '-k', '--http2', '--max-time', '15');
    my @files;
    for my $tr (@transfers) {
        my ($path, $opts) = @$tr;
        $n++;
        push @files, ["$dir/h2-$n.head", "$dir/h2-$n.body"];
        push @cmd, '--next' if @files > 1;
        push @cmd, '-k', '--http2', '-D', $files[-1][0], '-o', $files[-1][1],
                   '-w', '%{http_code} %{http_version} %{num_connects}\n', @{$opts // []},
                   "$base$path";
    }
    my $w = Extranet::Test::run_capture(@cmd);
    my @lines = $w =~ /^(\d{3} \S+ \d+)$/mg;
    my @res;
    for my $i (0 .. $#files) {
        my ($status, $version, $connects) = split / /, $lines[$i] // '0 0 0';
        my %h;
        for (split /\r?\n/, $t->read_file($files[$i][0])) {
            my ($k, $v) = /^([^:\s]+):\s*(.*)$/ or next;
            push @{$h{lc $k}}, $v;
        }
        push @res, { status => $status, version => $version, connects => $connects,
                     headers => \%h, body => $t->read_file($files[$i][1]), curl => $w };
    }
    return wantarray ? @res : $res[0];
}

my $r = h2(['/auth/login']);
is($r->{status}, 200, 'HTTP/2: the login page') or diag($r->{curl});
is($r->{version}, '2', 'HTTP/2: negotiated by ALPN');

$r = h2(['/auth/login', ['-H', "Origin: $base", '--data-urlencode', 'login=030000100001',
                         '--data-urlencode', 'password=wrong-password']]);
is($r->{status}, 401, 'HTTP/2: a wrong password is refused');

$r = h2(['/auth/login', ['-H', "Origin: $base", '--data-urlencode', 'login=030000100001',
                         '--data-urlencode', 'password=tilleuls-0001',
                         '--data-urlencode', 'next=/headers']]);
is($r->{status}, 303, 'HTTP/2: the portal logs in');
is($r->{version}, '2', 'HTTP/2: over h2');
my ($h2_cookie) = map { /^extranet_session=([^;]+)/ ? $1 : () } @{$r->{headers}{'set-cookie'} // []};
ok($h2_cookie, 'HTTP/2: with a session cookie');
like($r->{headers}{location}[0] // '', qr{/headers$}, 'HTTP/2: to the page it asked for');

# Several requests on one HTTP/2 connection, different sessions and none.
my @r = h2(['/headers', ['-H', "Cookie: extranet_session=$h2_cookie"]],
           ['/headers', ['-H', "Cookie: extranet_session=$other"]],
           ['/headers', ['-H', 'X-Extranet-Account: 030000100001']],
           ['/headers', ['-H', "Cookie: extranet_session=$cookie",
                         '-H', 'Accept: application/json']],
           ['/headers', ['-H', 'Accept: application/json']],
           ['/auth/api/me', ['-H', "Cookie: extranet_session=$h2_cookie",
                             '-H', 'Accept: application/json']]);
is($r[0]{status}, 200, 'HTTP/2: the cookie from h2 passes');
is_deeply(accounts_seen($r[0]{body}), ['030000100001'], 'HTTP/2: the upstream sees its account once');
is($r[1]{status}, 200, 'HTTP/2: a second session on the same connection passes');
is_deeply(accounts_seen($r[1]{body}), ['040000300001'], 'HTTP/2: with its own account');
is($r[2]{status}, 302, 'HTTP/2: no cookie (a forged header): 302');
like($r[2]{headers}{location}[0] // '', qr{/auth/login\?next=%2Fheaders$}, 'HTTP/2: to the login page');
is($r[3]{status}, 200, 'HTTP/2: a cookie from HTTP/1.1 passes');
is_deeply(accounts_seen($r[3]{body}), ['030000100001'], 'HTTP/2: with its account');
is($r[4]{status}, 401, 'HTTP/2: no cookie, Accept: application/json: 401');
is($r[5]{status}, 200, 'HTTP/2: the portal API');
my $me = Extranet::Test::json_decode($r[5]{body}) // {};
is($me->{account}{code}, '030000100001', 'HTTP/2: api/me names the session')
    or diag($r[5]{body});
is_deeply([map { $_->{version} } @r], [('2') x 6], 'HTTP/2: every answer over h2');
is_deeply([map { $_->{connects} } @r], ['1', ('0') x 5], 'HTTP/2: all on one connection');

# Logout over HTTP/2: the Origin check uses :authority.
$r = h2(['/auth/logout', ['-H', "Cookie: extranet_session=$h2_cookie",
                          '-H', 'Origin: https://evil.example',
                          '--data-urlencode', "csrf=$me->{csrf}"]]);
is($r->{status}, 403, 'HTTP/2: a cross-origin logout is refused');
$r = h2(['/auth/logout', ['-H', "Cookie: extranet_session=$h2_cookie",
                          '-H', "Origin: $base",
                          '--data-urlencode', "csrf=$me->{csrf}"]]);
ok($r->{status} =~ /^30[23]$/, 'HTTP/2: logout from the same origin') or diag("$r->{status} $r->{body}");
$r = h2(['/headers', ['-H', "Cookie: extranet_session=$h2_cookie"]]);
is($r->{status}, 302, 'HTTP/2: the logged-out cookie is refused');

# --- HTTP/1.0 -------------------------------------------------------------------

for my $host (0, 1) {
    my $what = $host ? 'HTTP/1.0 with Host' : 'HTTP/1.0 without Host';
    my $hosthdr = $host ? "Host: 127.0.0.1:" . $t->port . "\r\n" : '';
    my $start = time;
    $r = $t->http_raw("GET /headers HTTP/1.0\r\n${hosthdr}Cookie: extranet_session=$cookie\r\n\r\n");
    is($r->status, 200, "$what: a session passes") or diag($r->dump);
    is_deeply(accounts_seen($r->body), ['030000100001'], "$what: the account once");
    ok(!$r->header('transfer-encoding'), "$what: no chunked answer to a 1.0 client");
    ok(!$r->error && time - $start < 5, "$what: the server closes the connection (no keep-alive)");

    $r = $t->http_raw("GET /headers HTTP/1.0\r\n$hosthdr\r\n");
    is($r->status, 302, "$what: no cookie, 302");
    like($r->location_path // '', qr{^/auth/login\?next=%2Fheaders$}, "$what: to the login page");

    my $body = Extranet::Test::form(login => '030100200001', password => 'closfleuri-01');
    $r = $t->http_raw("POST /auth/login HTTP/1.0\r\n$hosthdr"
                    . "Origin: " . $t->origin . "\r\n"
                    . "Content-Type: application/x-www-form-urlencoded\r\n"
                    . 'Content-Length: ' . length($body) . "\r\n\r\n$body");
    if (!$host) {
        # no Host, nothing to compare the Origin with: no browser does that
        is($r->status, 403, "$what: a login has no origin to check, 403");
        next;
    }
    is($r->status, 303, "$what: the portal logs in");
    my $c = $r->cookie('extranet_session');
    $r = $t->http_raw("GET /headers HTTP/1.0\r\n${hosthdr}Cookie: extranet_session=$c\r\n\r\n");
    is_deeply(accounts_seen($r->body), ['030100200001'], "$what: that session passes");
}

# --- many requests on one keep-alive connection ---------------------------------

# Reads one HTTP/1.1 answer (Content-Length or chunked) from a socket.
sub read_answer {
    my ($s, $bufref) = @_;
    my $sel = IO::Select->new($s);
    my $deadline = time + 10;
    my $more = sub {
        return 0 if time > $deadline;
        return 0 unless $sel->can_read($deadline - time);
        my $n = sysread($s, my $chunk, 65536);
        return 0 unless $n;
        $$bufref .= $chunk;
        return 1;
    };
    while ($$bufref !~ /\r\n\r\n/) { $more->() or return undef }
    $$bufref =~ s/^(.*?\r\n)\r\n//s;
    my $head = $1;
    my ($status) = $head =~ m{^HTTP/1\.1 (\d{3})} or return undef;
    my %h;
    for (split /\r\n/, $head) { $h{lc $1} = $2 if /^([^:]+):\s*(.*)$/ }
    my $body = '';
    if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        while (1) {
            while ($$bufref !~ /\r\n/) { $more->() or return undef }
            $$bufref =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//;
            my $len = hex $1;
            while (length $$bufref < $len + 2) { $more->() or return undef }
            $body .= substr($$bufref, 0, $len);
            substr($$bufref, 0, $len + 2, '');
            last if $len == 0;
        }
    } else {
        my $len = $h{'content-length'} // 0;
        while (length $$bufref < $len) { $more->() or return undef }
        $body = substr($$bufref, 0, $len, '');
    }
    return { status => $status, headers => \%h, body => $body };
}

# The sessions that take turns on the connection: account => cookie (undef:
# none, a 302).
my @turns = (['030000100001', $cookie], ['040000300001', $other], [undef, undef]);
sub request_for {
    my ($i) = @_;
    my ($account, $c) = @{$turns[$i % @turns]};
    return "GET /headers?i=$i HTTP/1.1\r\nHost: 127.0.0.1:" . $t->port . "\r\n"
         . "X-Extranet-Account: 999999999999\r\n"
         . (defined $c ? "Cookie: extranet_session=$c\r\n" : '') . "\r\n";
}
sub answer_ok {
    my ($i, $a) = @_;
    my ($account) = @{$turns[$i % @turns]};
    return 0 unless $a;
    return $a->{status} == 302 && !@{accounts_seen($a->{body})} unless defined $account;
    return $a->{status} == 200 && "@{accounts_seen($a->{body})}" eq $account
        && ($a->{headers}{connection} // '') !~ /close/i;
}

for my $mode ('one after the other', 'pipelined') {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $t->port, Proto => 'tcp')
        or die "connect: $!";
    binmode $s;
    my ($buf, @bad, $answers) = ('');
    my $count = 100;
    if ($mode eq 'pipelined') {
        print {$s} join '', map { request_for($_) } 0 .. $count - 1;
    }
    for my $i (0 .. $count - 1) {
        print {$s} request_for($i) if $mode ne 'pipelined';
        my $a = read_answer($s, \$buf);
        last unless $a;
        $answers++;
        push @bad, "$i: $a->{status} " . join(',', @{accounts_seen($a->{body})})
            unless answer_ok($i, $a);
    }
    is($answers, $count, "keep-alive, $mode: $count answers on one connection");
    ok(!@bad, "keep-alive, $mode: each with its own session's headers (or 302)")
        or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);
    close $s;
}

# --- an upstream on a Unix socket -------------------------------------------------

$r = $t->get('/unix/headers', cookie => $cookie);
is($r->status, 200, 'Unix socket upstream: a session passes');
is_deeply(accounts_seen($r->body), ['030000100001'], 'Unix socket upstream: the account once');
$r = $t->get('/unix/headers', cookie => $other, headers => [['X-Extranet-Account', '030000100001']]);
is_deeply(accounts_seen($r->body), ['040000300001'], 'Unix socket upstream: a forged header is replaced');
$r = $t->get('/unix/headers');
is($r->status, 302, 'Unix socket upstream: no cookie, 302');
like($t->read_file('legacy_unix_access.log'), qr{GET /headers }, 'the answers came through the socket');
unlike($t->read_file('legacy_unix_access.log'), qr{" 302 }, 'a request without a session never reached it');

$t->error_log_ok;

done_testing;
