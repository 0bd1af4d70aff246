package Extranet::Test;

# The integration test harness, in the spirit of nginx-tests' Test::Nginx
# (which is not on CPAN), in core Perl only.
#
#   use Extranet::Test;
#   my $t = Extranet::Test->new;            # temp dir, secret, PostgreSQL
#   $t->run($t->standard_config(location => 'add_header X-A 1;'));
#   my $cookie = $t->login('030000100001', 'tilleuls-0001');
#   my $r = $t->http(GET => '/headers', cookie => $cookie);
#   is($r->status, 200); like($r->body, qr/X-Extranet-Account: 030000100001/);
#   $t->error_log_ok;
#
# One throwaway PostgreSQL (scripts/pg.sh) per test file, shared by every
# Extranet::Test object of the file; one nginx per object, in its own
# temporary folder. Everything is stopped and removed at the end (set
# TEST_KEEP=1 to keep the folders for a post-mortem).
#
# Config placeholders: %%TESTDIR%% %%PORT%% %%LEGACY_PORT%% %%MODULE%% %%DB%%
# %%SECRET%% %%NJS_MODULE%% %%LEGACY_APP%%.

use strict;
use warnings;

use Cwd qw(abs_path);
use Digest::SHA qw(hmac_sha256);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');
our $NGINX = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';
our $MODULE = $ENV{TEST_EXTRANET_MODULE}
    || "$ROOT/build/nginx/objs/ngx_http_auth_extranet_module.so";
our $NJS_MODULE = $ENV{TEST_NJS_MODULE}
    || '/usr/lib/nginx/modules/ngx_http_js_module.so';
our $LEGACY_APP = "$ROOT/demo/legacy_app.js";
our $PG_SH = "$ROOT/scripts/pg.sh";

my $PG;             # { dir, port, db }: the file's PostgreSQL
my %LIVE;           # nginx master pids started by this process
my $OWNER = $$;     # only the process that started things stops them
my %USED_PORTS;

$SIG{PIPE} = 'IGNORE';

# ---------------------------------------------------------------------------
# Construction

sub new {
    my ($class, %opts) = @_;

    for my $need ([$NGINX, 'nginx'], [$MODULE, 'the module (make build)'],
                  [$NJS_MODULE, 'njs (libnginx-mod-http-js)'], [$PG_SH, 'scripts/pg.sh']) {
        # A missing part is a failure, never a skip: a suite that skips
        # everything would pass in CI while testing nothing.
        BAIL_OUT("$need->[1] not found: $need->[0]") unless -e $need->[0];
    }

    my $dir = tempdir('extranet-test-XXXXXX', TMPDIR => 1,
                      CLEANUP => !$ENV{TEST_KEEP});
    # The workers (nobody) and PostgreSQL (postgres) go through it.
    chmod 0755, $dir;

    my $self = bless {
        dir         => $dir,
        port        => free_port(),
        legacy_port => free_port(),
        cookie_name => $opts{cookie_name} // 'extranet_session',
        timeout     => $opts{timeout} // 15,
        configs     => 0,
    }, $class;

    $self->{secret} = $opts{secret} // random_bytes(32);
    $self->write_file('secret.key', $self->{secret});
    chmod 0600, "$dir/secret.key";

    pg_ensure() unless defined $opts{pg} && !$opts{pg};
    return $self;
}

sub dir         { $_[0]{dir} }
sub port        { $_[0]{port} }
sub legacy_port { $_[0]{legacy_port} }
sub secret      { $_[0]{secret} }
sub cookie_name { $_[0]{cookie_name} }
sub origin      { 'http://127.0.0.1:' . $_[0]{port} }
sub db          { pg_ensure(); $PG->{db} }

sub random_bytes {
    my ($n) = @_;
    open my $fh, '<:raw', '/dev/urandom' or die "/dev/urandom: $!";
    my $got = read($fh, my $buf, $n);
    die "short read from /dev/urandom" unless $got == $n;
    return $buf;
}

sub free_port {
    for (1 .. 50) {
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                      Proto => 'tcp', Listen => 1)
            or die "no free port: $!";
        my $port = $s->sockport;
        close $s;
        next if $USED_PORTS{$port}++;
        return $port;
    }
    die "no free port";
}

sub write_file {
    my ($self, $name, $content) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{dir}/$name";
    make_path(dirname($path), { mode => 0755 }) unless -d dirname($path);
    open my $fh, '>:raw', $path or die "$path: $!";
    print {$fh} $content;
    close $fh or die "$path: $!";
    return $path;
}

sub read_file {
    my ($self, $name) = @_;
    my $path = $name =~ m{^/} ? $name : "$self->{dir}/$name";
    open my $fh, '<:raw', $path or return '';
    local $/;
    my $s = <$fh>;
    return $s // '';
}

# ---------------------------------------------------------------------------
# Configuration

# A full configuration with the portal under /auth/ and the legacy app behind
# "location /". Options (strings of directives):
#   main, http, server, location, portal  extra directives at that level
#   secret_files  arguments of auth_extranet_secret_file (default %%SECRET%%)
#   cookie        arguments of auth_extranet_cookie (default "secure=off");
#                 "" leaves the directive out (module defaults)
#   extranet_zone 0 leaves auth_extranet_zone out
#   site_url      argument of auth_extranet_site_url (default
#                 http://127.0.0.1:%%PORT%%); "" leaves the directive out
#   db            the conninfo of auth_extranet_db (default %%DB%%, the
#                 file's PostgreSQL)
sub standard_config {
    my ($self, %o) = @_;
    my $main     = $o{main} // '';
    # Variables nginx must keep for a new binary (a binary upgrade starts it
    # with nginx's own environment only): make test-sanitize's runtime.
    $main = join('', map { "env $_;\n" } split ' ', $ENV{TEST_NGINX_KEEP_ENV} // '') . $main;
    my $http     = $o{http} // '';
    my $server   = $o{server} // '';
    my $location = $o{location} // '';
    my $portal   = $o{portal} // '';
    my $secrets  = $o{secret_files} // '%%SECRET%%';
    my $cookie   = $o{cookie} // 'secure=off';
    my $cookie_directive = $cookie eq '' ? '' : "auth_extranet_cookie $cookie;";
    my $zone = (defined $o{extranet_zone} && !$o{extranet_zone})
        ? '' : 'auth_extranet_zone extranet 10m;';
    my $site_url = $o{site_url} // 'http://127.0.0.1:%%PORT%%';
    my $site_url_directive = $site_url eq '' ? '' : "auth_extranet_site_url $site_url;";
    my $db = $o{db} // '%%DB%%';

    return <<"EOF";
load_module %%MODULE%%;
load_module %%NJS_MODULE%%;

daemon on;
master_process on;
worker_processes 1;
pid %%TESTDIR%%/nginx.pid;
error_log %%TESTDIR%%/error.log info;
thread_pool extranet threads=4;
$main

events {
    worker_connections 256;
}

http {
    access_log %%TESTDIR%%/access.log;
    client_body_temp_path %%TESTDIR%%/client_body_temp;
    proxy_temp_path       %%TESTDIR%%/proxy_temp;
    fastcgi_temp_path     %%TESTDIR%%/fastcgi_temp;
    uwsgi_temp_path       %%TESTDIR%%/uwsgi_temp;
    scgi_temp_path        %%TESTDIR%%/scgi_temp;

    auth_extranet_db "$db";
    auth_extranet_thread_pool extranet;
    auth_extranet_secret_file $secrets;
    auth_extranet_partners gimiweb 0300 0301;
    $cookie_directive
    $zone
    $site_url_directive
    $http

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        $server

        location /auth/ {
            auth_extranet_portal;
            $portal
        }

        location / {
            auth_extranet on;
            proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;
            proxy_set_header Accept-Encoding "";
            sub_filter '</body>' '<nav id="extranet-menu" aria-label="Mon compte extranet"><a href="/auth/accounts">Mon compte</a></nav><script src="/auth/menu.js?v=\$extranet_asset_version" defer></script></body>';
            sub_filter_once on;
            $location
        }
    }

    js_import legacy from %%LEGACY_APP%%;

    server {
        listen 127.0.0.1:%%LEGACY_PORT%%;
        server_name legacy;
        access_log %%TESTDIR%%/legacy_access.log;

        location / {
            js_content legacy.page;
        }
        location = /headers {
            js_content legacy.headers;
        }
        location = /cookies {
            js_content legacy.cookies;
        }
    }
}
EOF
}

sub expand {
    my ($self, $text) = @_;
    my %v = (
        TESTDIR     => $self->{dir},
        PORT        => $self->{port},
        LEGACY_PORT => $self->{legacy_port},
        MODULE      => $MODULE,
        NJS_MODULE  => $NJS_MODULE,
        LEGACY_APP  => $LEGACY_APP,
        SECRET      => "$self->{dir}/secret.key",
        DB          => ($text =~ /%%DB%%/ ? $self->db : ''),
    );
    $text =~ s/%%([A-Z_]+)%%/exists $v{$1} ? $v{$1} : die "unknown placeholder %%$1%%\n"/ge;
    return $text;
}

sub write_config {
    my ($self, $text) = @_;
    $self->write_file('nginx.conf', $self->expand($text));
}

# nginx -t on a configuration (default: the current nginx.conf), in its own
# file and with its own -e log so that the instance's error.log stays clean.
# Returns (passed, everything nginx said).
sub config_test {
    my ($self, $text) = @_;
    my $n = ++$self->{configs};
    my $conf = defined $text ? $self->write_file("test-$n.conf", $self->expand($text))
                             : "$self->{dir}/nginx.conf";
    my $log = "$self->{dir}/test-$n.log";
    my $out = run_capture($NGINX, '-t', '-p', "$self->{dir}/", '-c', $conf, '-e', $log);
    my $rc = $?;
    $out .= $self->read_file($log);
    return ($rc == 0, $out);
}

sub config_ok {
    my ($self, $text, $name) = @_;
    my ($ok, $out) = $self->config_test($text);
    ok($ok, $name // 'nginx -t passes') or diag($out);
    return $ok;
}

# Asserts that nginx -t refuses the configuration with a message matching
# every pattern given.
sub config_fails_like {
    my ($self, $text, $patterns, $name) = @_;
    $patterns = [$patterns] unless ref $patterns eq 'ARRAY';
    my ($ok, $out) = $self->config_test($text);
    my @missing = grep { $out !~ $_ } @$patterns;
    my $pass = !$ok && !@missing;
    ok($pass, $name // 'nginx -t fails')
        or diag($ok ? "nginx -t passed:\n$out"
                    : "message does not match @missing:\n$out");
    return $pass;
}

# Each code ref run at once in a child of its own (parallel logins, a
# trickle beside other requests): spawn() starts them, collect() waits for
# them and returns what each returned, as a string, in order ('' for a
# child that died before answering).
sub spawn {
    my (@subs) = @_;
    my @kids;
    for my $sub (@subs) {
        pipe(my $rd, my $wr) or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            close $rd;
            my $out = eval { $sub->() } // '';
            print {$wr} $out;
            close $wr;
            POSIX::_exit(0);
        }
        close $wr;
        push @kids, [$pid, $rd];
    }
    return \@kids;
}

sub collect {
    my ($kids) = @_;
    my @out;
    for (@$kids) {
        my ($pid, $rd) = @$_;
        local $/;
        my $got = <$rd> // '';
        close $rd;
        waitpid($pid, 0);
        push @out, $got;
    }
    return @out;
}

# Runs cond until it returns a true value or seconds pass (50 ms apart);
# its last value. For what another process does in its own time.
sub eventually {
    my ($cond, $seconds) = @_;
    my $deadline = Time::HiRes::time() + $seconds;
    while (Time::HiRes::time() < $deadline) {
        my $v = $cond->();
        return $v if $v;
        Time::HiRes::sleep(0.05);
    }
    return $cond->();
}

# Waits until the query's value is true, 30 s at most, else a failed test
# that names what was awaited.
sub wait_sql {
    my ($self, $sql, $what) = @_;
    return 1 if eventually(sub { $self->psql_value($sql) }, 30);
    Test::More::fail("waiting: $what");
    return 0;
}

sub run_capture {
    my @cmd = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh>;
    close $fh;
    return $out // '';
}

# ---------------------------------------------------------------------------
# nginx

# Writes the configuration, checks it with nginx -t and starts nginx.
sub run {
    my ($self, $text) = @_;
    $self->stop if $self->{pid};
    $self->write_config($text) if defined $text;
    my ($ok, $out) = $self->config_test;
    die("nginx -t failed:\n$out") unless $ok;

    unlink "$self->{dir}/nginx.pid";
    my $startout = run_capture($NGINX, '-p', "$self->{dir}/",
                               '-c', "$self->{dir}/nginx.conf",
                               '-e', "$self->{dir}/error.log");
    die("nginx did not start:\n$startout") if $?;

    my $deadline = time + 10;
    my $pid;
    while (time < $deadline) {
        ($pid) = $self->read_file('nginx.pid') =~ /(\d+)/;
        last if $pid && port_open($self->{port});
        sleep 0.05;
    }
    die("nginx is not listening on $self->{port}:\n"
             . $self->read_file('error.log')) unless $pid && port_open($self->{port});
    $self->{pid} = $pid;
    $LIVE{$pid} = 1;

    # A new zone asks the session row of every cookie refreshed within the
    # second it was created in (it cannot tell whether the zone before it
    # revoked them): the tests begin in the next second, as a site's owners
    # would, so that their first refresh is the one they expect.
    my $now = time;
    sleep(int($now) + 1 - $now);
    return $self;
}

sub port_open {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 1);
    return $s ? 1 : 0;
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    stop_pid($pid);
}

sub stop_pid {
    my ($pid) = @_;
    delete $LIVE{$pid};
    return unless kill 0, $pid;
    kill 'TERM', $pid;
    my $deadline = time + 10;
    while (time < $deadline && kill 0, $pid) {
        sleep 0.05;
    }
    kill 'KILL', $pid if kill 0, $pid;
}

# Graceful reload (SIGHUP), optionally with a new configuration; returns
# once a new worker was started.
sub reload {
    my ($self, $text) = @_;
    die "nginx is not running" unless $self->{pid};
    if (defined $text) {
        $self->write_config($text);
        my ($ok, $out) = $self->config_test;
        unless ($ok) { fail('reload: nginx -t'); diag($out); return }
    }
    my $before = length $self->read_file('error.log');
    kill 'HUP', $self->{pid};
    my $deadline = time + 10;
    while (time < $deadline) {
        my $log = substr($self->read_file('error.log'), $before);
        last if $log =~ /start worker process/;
        sleep 0.05;
    }
    sleep 0.3;   # let the old worker finish its connections
    return $self;
}

sub DESTROY {
    my ($self) = @_;
    return unless $$ == $OWNER;
    local ($?, $!, $@);
    $self->stop;
}

# ---------------------------------------------------------------------------
# Error log

# Passes when the error log has no [alert], no [emerg] and no [crit] other
# than those matching crit => qr/.../ (or an array of patterns).
sub error_log_ok {
    my ($self, %o) = @_;
    my @crit_ok = ref $o{crit} eq 'ARRAY' ? @{$o{crit}} : grep { defined } $o{crit};
    my @bad;
    for my $line (split /\n/, $self->read_file('error.log')) {
        if ($line =~ /\[(alert|emerg)\]/ || $line =~ /exited on signal/) {
            push @bad, $line;
        } elsif ($line =~ /\[crit\]/) {
            push @bad, $line unless grep { $line =~ $_ } @crit_ok;
        }
    }
    ok(!@bad, $o{name} // 'error log has no alert, emerg or unexpected crit')
        or diag(join "\n", @bad[0 .. ($#bad < 19 ? $#bad : 19)]);
}

sub error_log { $_[0]->read_file('error.log') }

# ---------------------------------------------------------------------------
# HTTP client

# $t->http(METHOD => '/path', headers => {..} or [[k, v], ..], body => '..',
#          cookie => 'session value', json => {..}, form => [k => v, ..],
#          timeout => s, port => n, raw => 'whole request',
#          from => '127.0.0.2' (the client's address),
#          no_origin => 1 (a POST without the Origin added by default))
sub http {
    my ($self, $method, $path, %o) = @_;
    my $port = $o{port} // $self->{port};
    my $timeout = $o{timeout} // $self->{timeout};

    my @h = (['Host', "127.0.0.1:$port"]);
    my $hdr = $o{headers} // [];
    $hdr = [map { [$_, $hdr->{$_}] } sort keys %$hdr] if ref $hdr eq 'HASH';
    @h = () if grep { lc $_->[0] eq 'host' } @$hdr;
    push @h, @$hdr;
    # A browser's POST carries Origin, and the portal refuses a POST with
    # neither Origin nor Referer: the site's own origin unless the test
    # names one (or says no_origin => 1).
    if ($method eq 'POST' && !$o{no_origin} && !$o{raw}
        && !grep { lc($_->[0]) =~ /^(origin|referer)$/ } @h) {
        my ($host) = map { $_->[1] } grep { lc $_->[0] eq 'host' } @h;
        push @h, ['Origin', "http://$host"];
    }

    my $body = $o{body};
    if ($o{json}) {
        $body = JSON::PP->new->utf8->canonical->encode($o{json});
        push @h, ['Content-Type', 'application/json']
            unless grep { lc $_->[0] eq 'content-type' } @h;
    } elsif ($o{form}) {
        $body = form(@{$o{form}});
        push @h, ['Content-Type', 'application/x-www-form-urlencoded']
            unless grep { lc $_->[0] eq 'content-type' } @h;
    }
    if (defined $o{cookie}) {
        my $c = "$self->{cookie_name}=$o{cookie}";
        my ($existing) = grep { lc $_->[0] eq 'cookie' } @h;
        if ($existing) { $existing->[1] .= "; $c" } else { push @h, ['Cookie', $c] }
    }
    if (defined $body) {
        utf8::encode($body) if utf8::is_utf8($body);
        push @h, ['Content-Length', length $body]
            unless grep { lc $_->[0] =~ /^(content-length|transfer-encoding)$/ } @h;
    }
    push @h, ['Connection', 'close'];

    my $request = $o{raw} // join('', "$method $path HTTP/1.1\r\n",
                                  (map { "$_->[0]: $_->[1]\r\n" } @h), "\r\n",
                                  $body // '');
    return $self->http_raw($request, port => $port, timeout => $timeout,
                           head => $method eq 'HEAD', from => $o{from});
}

sub get  { my ($self, $path, %o) = @_; $self->http(GET => $path, %o) }

# A reset link opened as a browser does: its first load answers 303 to the
# page without the token, which then comes from a cookie for that page
# (the session cookie's name with "_reset", here without a prefix).
sub open_reset_link {
    my ($self, $token) = @_;
    my $r = $self->get("/auth/password/reset?token=$token");
    return $r unless $r->status == 303;
    my $held = $r->cookie('extranet_session_reset') // '';
    return $self->get($r->location_path, headers => [['Cookie', "extranet_session_reset=$held"]]);
}
sub post { my ($self, $path, %o) = @_; $self->http(POST => $path, %o) }

sub http_raw {
    my ($self, $request, %o) = @_;
    my $start = time;
    my $deadline = $start + ($o{timeout} // $self->{timeout});
    my $res = Extranet::Test::Response->new;

    # from: the client's own loopback address (127.0.0.2...), as another
    # client on the network would be
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $o{port} // $self->{port},
                                  ($o{from} ? (LocalAddr => $o{from}) : ()),
                                  Proto => 'tcp', Timeout => 5);
    unless ($s) {
        $res->{error} = "connect: $!";
        return $res;
    }
    $s->blocking(0);
    binmode $s;
    my $sel = IO::Select->new($s);
    my ($in, $off) = ('', 0);
    my $writing = 1;

    while (1) {
        my $left = $deadline - time;
        if ($left <= 0) { $res->{error} = 'timeout'; last }
        my ($r, $w) = IO::Select->select($sel, $writing ? $sel : undef, undef, $left);
        if ($w && @$w) {
            my $n = syswrite($s, $request, 65536, $off);
            if (defined $n) {
                $off += $n;
                $writing = 0 if $off >= length $request;
            } elsif (!$!{EAGAIN}) {
                $writing = 0;   # the server closed early (a 413, say): read its answer
            }
        }
        if ($r && @$r) {
            my $n = sysread($s, my $buf, 65536);
            if (!defined $n) {
                next if $!{EAGAIN};
                last if length $in;     # reset after the answer was sent
                $res->{error} = "read: $!";
                last;
            }
            last if $n == 0;
            $in .= $buf;
        }
    }
    close $s;
    $res->{elapsed} = time - $start;
    $res->{raw} = $in;
    $res->parse($in, $o{head});
    return $res;
}

# ---------------------------------------------------------------------------
# Portal helpers

# application/x-www-form-urlencoded, in the order given; callable as a
# function or a method.
sub form {
    shift if ref $_[0] && eval { $_[0]->isa(__PACKAGE__) };
    my @kv = @_;
    my @out;
    while (@kv) {
        my ($k, $v) = splice(@kv, 0, 2);
        push @out, urlencode($k) . '=' . urlencode($v // '');
    }
    return join '&', @out;
}

sub urlencode {
    my ($s) = @_;
    shift if ref $s;
    utf8::encode($s) if utf8::is_utf8($s);
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub json_decode {
    my ($self, $s) = @_;
    $s = $self unless ref $self;
    return eval { JSON::PP->new->utf8->allow_nonref->decode($s) };
}

sub json_encode {
    my ($self, $v) = @_;
    return JSON::PP->new->utf8->canonical->encode($v);
}

# POSTs the login form; the session cookie's value (undef when refused) or,
# in list context, (cookie, response). Extra fields: next => ..., and any
# http() option (headers => ...).
sub login {
    my ($self, $login, $password, %o) = @_;
    my @fields = (login => $login, password => $password);
    push @fields, next => delete $o{next} if exists $o{next};
    my $r = $self->http(POST => delete $o{path} // '/auth/login', form => \@fields, %o);
    my $cookie = $r->cookie($self->{cookie_name});
    $cookie = undef if defined $cookie && $cookie eq '';
    return wantarray ? ($cookie, $r) : $cookie;
}

# The session's CSRF token, from api/me.
sub csrf {
    my ($self, $cookie) = @_;
    my $r = $self->http(GET => '/auth/api/me', cookie => $cookie,
                        headers => { Accept => 'application/json' });
    my $j = $r->json or return undef;
    return $j->{csrf};
}

# POSTs a portal form as the session would: its CSRF token first, from the
# portal's own origin. Extra arguments are request headers.
sub post_as {
    my ($self, $cookie, $path, $fields, %headers) = @_;
    my $csrf = $self->csrf($cookie);
    return $self->post($path, cookie => $cookie, form => [csrf => $csrf, @$fields],
                       headers => { Origin => $self->origin, %headers });
}

# What the legacy app behind /headers received for the session: the
# X-Extranet-* headers by name without the prefix (Account, Login, Email,
# ...), and the status of that request under "status".
sub upstream_headers {
    my ($self, $cookie) = @_;
    my $r = $self->get('/headers', cookie => $cookie);
    my %h = $r->body =~ /^X-Extranet-([A-Za-z]+): (.*)$/mg;
    $h{status} = $r->status;
    return \%h;
}

# The id of the newest audit row (0 when none): the rows a step writes are
# those after it.
sub audit_mark {
    my ($self) = @_;
    return $self->psql_value('SELECT coalesce(max(id), 0) FROM extranet.audit_log');
}

# Writes an e-mail identity straight into the database and links it to the
# accounts given, each linked a day after the one before (the first is the
# oldest). Options: last_name, first_name, phone (left out: NULL),
# default_account (default: the first account). The password is stored as
# pbkdf2_hash writes it (1000 iterations). Returns the identity's id, or in
# list context (id, stored hash).
sub add_identity {
    my ($self, $email, $password, %o) = @_;
    my @accounts = @{$o{accounts} // []};
    my %row = (email => $email, password_hash => $self->pbkdf2_hash($password),
               default_account => $o{default_account} // $accounts[0]);
    for (qw(last_name first_name phone)) {
        $row{$_} = $o{$_} if exists $o{$_};
    }
    my @columns = grep { exists $row{$_} }
                  qw(email password_hash last_name first_name phone default_account);
    my $id = $self->psql_value(
        'INSERT INTO extranet.identity (' . join(', ', @columns) . ') VALUES ('
      . join(', ', map { $self->sql_quote($row{$_}) } @columns) . ') RETURNING id');
    if (@accounts) {
        my $days = @accounts;
        $self->psql('INSERT INTO extranet.identity_account (account_code, identity_id, linked_at)'
                  . ' VALUES ' . join(', ', map {
                        '(' . $self->sql_quote($accounts[$_]) . ", $id, now() - interval '"
                      . ($days - $_) . " days')" } 0 .. $#accounts));
    }
    return wantarray ? ($id, $row{password_hash}) : $id;
}

# Proves an address as its owner would after a link to a new address: the
# newest confirmation link mailed to it (extranet.mail_outbox), its button
# pressed (POST link/confirm). Returns the answer (200 when confirmed).
# Option: prefix (default '/auth/').
sub confirm_address {
    my ($self, $email, %o) = @_;
    my $prefix = $o{prefix} // '/auth/';
    my $token = $self->psql_value(
        "SELECT substring(body from 'link/confirm[?]token=([A-Za-z0-9_-]{43})')"
      . ' FROM extranet.mail_outbox WHERE recipient = ' . $self->sql_quote($email)
      . " AND body LIKE '%link/confirm?token=%' ORDER BY id DESC LIMIT 1");
    return $self->post("${prefix}link/confirm", form => [token => $token // ''],
                       headers => { Origin => $self->origin });
}

# "$pbkdf2-sha256$i=N$salt$hash" (unpadded standard base64), as the module
# writes with auth_extranet_password_hash pbkdf2-sha256.
sub pbkdf2_hash {
    my ($self, $password, %o) = @_;
    my $iterations = $o{iterations} // 1000;
    my $salt = $o{salt} // random_bytes(16);
    utf8::encode($password) if utf8::is_utf8($password);
    my $hash = pbkdf2_sha256($password, $salt, $iterations, 32);
    my $b64 = sub { (my $s = encode_base64($_[0], '')) =~ s/=+$//; $s };
    return sprintf('$pbkdf2-sha256$i=%d$%s$%s', $iterations, $b64->($salt), $b64->($hash));
}

sub pbkdf2_sha256 {
    my ($password, $salt, $iterations, $len) = @_;
    my $out = '';
    for (my $block = 1; length $out < $len; $block++) {
        my $u = hmac_sha256($salt . pack('N', $block), $password);
        my $t = $u;
        for (2 .. $iterations) {
            $u = hmac_sha256($u, $password);
            $t ^= $u;
        }
        $out .= $t;
    }
    return substr($out, 0, $len);
}

# ---------------------------------------------------------------------------
# The support desk's tool

# Runs tools/extranet-admin on the file's database (its conninfo without a
# user: the tool's own role rules apply), stdin from /dev/null, SUDO_USER
# and PGUSER unset; a last hash argument adds to its environment, with
# raw => 1 keeping its output as bytes and db => '...' another conninfo.
# Returns (exit code, stdout, stderr), decoded from UTF-8 unless raw.
sub admin {
    my ($self, @args) = @_;
    my %env = ref $args[-1] eq 'HASH' ? %{pop @args} : ();
    my $raw = delete $env{raw};
    (my $conninfo = delete $env{db} // $self->db) =~ s/\s*user=\S+//;
    my ($out, $err) = ("$self->{dir}/admin.out", "$self->{dir}/admin.err");
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        delete @ENV{qw(SUDO_USER PGUSER)};
        $ENV{$_} = $env{$_} for keys %env;
        open STDIN, '<', '/dev/null' or die;
        open STDOUT, '>', $out or die;
        open STDERR, '>', $err or die;
        exec "$ROOT/tools/extranet-admin", '--db', $conninfo, @args or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    my $rc = $? >> 8;
    my @text = map { my $s = $self->read_file($_); utf8::decode($s) unless $raw; $s } $out, $err;
    return ($rc, @text);
}

# ---------------------------------------------------------------------------
# PostgreSQL

sub pg_ensure {
    return if $PG;
    my $root = tempdir('extranet-pg-XXXXXX', TMPDIR => 1, CLEANUP => 0);
    chmod 0755, $root;
    my $port = free_port();
    my $db = run_capture($PG_SH, 'start', "$root/pg", $port);
    if ($?) {
        remove_tree($root);
        die("scripts/pg.sh start failed:\n$db");
    }
    ($db) = $db =~ /^(host=\S+ port=\d+ .*)$/m;
    die("scripts/pg.sh start printed no conninfo") unless $db;
    $PG = { root => $root, dir => "$root/pg", port => $port, db => $db, running => 1 };
}

sub pg_stop {
    pg_ensure();
    my $out = run_capture($PG_SH, 'stop', $PG->{dir});
    diag("pg.sh stop: $out") if $?;
    $PG->{running} = 0;
}

sub pg_start {
    pg_ensure();
    return if $PG->{running};
    my $out = run_capture($PG_SH, 'start', $PG->{dir}, $PG->{port});
    diag("pg.sh start: $out") if $?;
    $PG->{running} = 1;
}

# Runs SQL as the superuser on the "extranet" database; the rows as arrays
# (NULL is undef). Dies on an SQL error.
sub psql {
    my ($self, $sql) = @_;
    pg_ensure();
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        exec $PG_SH, 'psql', $PG->{dir}, $PG->{port}, '-X', '-q', '-A', '-t',
             '-F', "\x1f", '-P', 'null=\\N', '-v', 'ON_ERROR_STOP=1', '-c', $sql
            or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    die "psql failed: $sql\n$out" if $?;
    return map { [map { $_ eq '\\N' ? undef : $_ } split /\x1f/, $_, -1] }
           grep { length } split /\n/, $out;
}

# A second database of the file's cluster, a copy of "extranet" (schema,
# roles' grants, demo data) made before any connection to it; returns its
# conninfo. With a third argument, runs SQL there first.
sub create_database {
    my ($self, $name, $sql) = @_;
    pg_ensure();
    my $out = run_capture($PG_SH, 'psql', $PG->{dir}, $PG->{port}, '-X', '-q',
                          '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c',
                          "CREATE DATABASE $name TEMPLATE extranet");
    die "CREATE DATABASE $name failed:\n$out" if $?;
    if (defined $sql) {
        $out = run_capture($PG_SH, 'psql', $PG->{dir}, $PG->{port}, '-X', '-q',
                           '-d', $name, '-v', 'ON_ERROR_STOP=1', '-c', $sql);
        die "psql on $name failed:\n$out" if $?;
    }
    (my $db = $PG->{db}) =~ s/dbname=\S+/dbname=$name/;
    return $db;
}

# One value (first column of the first row).
sub psql_value {
    my ($self, $sql) = @_;
    my @rows = $self->psql($sql);
    return @rows ? $rows[0][0] : undef;
}

sub sql_quote {
    my ($self, $s) = @_;
    return 'NULL' unless defined $s;
    $s =~ s/'/''/g;
    return "'$s'";
}

END {
    return unless $$ == $OWNER;
    local $?;
    stop_pid($_) for keys %LIVE;
    if ($PG) {
        run_capture($PG_SH, 'stop', $PG->{dir}) if $PG->{running};
        remove_tree($PG->{root}) unless $ENV{TEST_KEEP};
    }
}

# ---------------------------------------------------------------------------

package Extranet::Test::Response;

use strict;
use warnings;
use JSON::PP;

sub new { bless { status => 0, headers => {}, body => '' }, shift }

sub parse {
    my ($self, $in, $head) = @_;
    my ($top, $body) = split /\r\n\r\n/, $in, 2;
    return unless defined $top && $top =~ m{^HTTP/\d\.\d (\d{3}) ?([^\r\n]*)};
    ($self->{status}, $self->{reason}) = ($1, $2);
    my @lines = split /\r\n/, $top;
    shift @lines;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        push @{$self->{headers}{lc $k}}, $v;
    }
    $body = '' if $head || !defined $body;
    if (($self->header('transfer-encoding') // '') =~ /chunked/i) {
        my $out = '';
        while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
            my $n = hex $1;
            last if $n == 0;
            $out .= substr($body, 0, $n, '');
            $body =~ s/^\r\n//;
        }
        $body = $out;
    }
    $self->{body} = $body;
}

sub status  { $_[0]{status} }
sub body    { $_[0]{body} }
sub error   { $_[0]{error} }
sub elapsed { $_[0]{elapsed} }
sub raw     { $_[0]{raw} }

# The first value of a header (names are case-insensitive), or undef.
sub header {
    my ($self, $name) = @_;
    my $v = $self->{headers}{lc $name} or return undef;
    return $v->[0];
}

# Every value of a header.
sub headers {
    my ($self, $name) = @_;
    return @{$self->{headers}{lc $name} // []};
}

# The Location without scheme and authority (the module's redirects may be
# relative or made absolute by nginx).
sub location_path {
    my ($self) = @_;
    my $l = $self->header('location') // return undef;
    $l =~ s{^https?://[^/]+}{};
    return $l;
}

# The Set-Cookie line of a cookie, or undef.
sub set_cookie {
    my ($self, $name) = @_;
    for ($self->headers('set-cookie')) {
        return $_ if /^\Q$name\E=/;
    }
    return undef;
}

# The value a Set-Cookie gives a cookie, or undef.
sub cookie {
    my ($self, $name) = @_;
    my $line = $self->set_cookie($name) // return undef;
    my ($v) = $line =~ /^\Q$name\E=([^;]*)/;
    return $v;
}

sub json {
    my ($self) = @_;
    return eval { JSON::PP->new->utf8->allow_nonref->decode($self->{body}) };
}

# The body decoded from UTF-8 (for matching French text with a "use utf8"
# pattern); the raw bytes otherwise.
sub text {
    my ($self) = @_;
    my $s = $self->{body};
    utf8::decode($s);
    return $s;
}

sub dump {
    my ($self) = @_;
    return "error: $self->{error}\n" . ($self->{raw} // '') if $self->{error};
    my $raw = $self->{raw} // '';
    return length $raw > 2000 ? substr($raw, 0, 2000) . "\n[...]" : $raw;
}

1;
