#!/usr/bin/perl
# make bench, first part: the module measured the way a hosting provider
# compares, nginx WITHOUT the module against the same configuration with the
# module protecting the location. Separate nginx masters side by side (2
# workers each), a separate upstream nginx answering "return 200" with 26
# bytes over a keepalive pool, the same session cookie sent to every one,
# wrk -t2 -c32 -d10s, interleaved rounds; medians and per-round ratios.
#
#   1. req/s: nginx proxy_pass without the module (no load_module), the
#      module loaded with auth_extranet on and a valid cookie (this tree's,
#      and BENCH_MODULE_BEFORE's when given), and the peer: nginx
#      auth_request to a small Python checker (t/bench/checker.py, that
#      verifies the same cookie's seal).
#   2. login storm: GET p99 while 4 connections log in (on the module's
#      portal) vs quiet, for the module and for the auth_request peer,
#      beside the storm's login rate.
#   3. portal pages: req/s of the login page, api/me and accounts (with a
#      session) beside a static file served by the same nginx; and the
#      login page served by this module and by BENCH_MODULE_BEFORE's.
#   4. allocator calls per proxied request (t/bench/malloc_count.c, an
#      LD_PRELOAD counter, in each worker), without and with the module.
#
# Run by scripts/bench.sh. BENCH_QUICK=1: short phases (smoke run).
# BENCH_ONLY=portal: only part 3 (a page change measured before/after);
# BENCH_ONLY=allocs: only part 4; BENCH_ONLY=rps or storm: only part 1 or 2.
# BENCH_COMPARE_OUT=file: a copy of the summary (bench.pl prints it first).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../lib";

use Extranet::Test;
use POSIX ();
use Time::HiRes qw(time sleep);

$| = 1;

my $QUICK = $ENV{BENCH_QUICK} ? 1 : 0;
my $ONLY  = $ENV{BENCH_ONLY} // '';
my %P = (
    seconds        => $QUICK ? 2 : 10,   # one wrk run of the comparison
    rounds         => $QUICK ? 2 : 5,
    threads        => 2,
    conns          => 32,
    storm_logins   => 4,
    storm_rounds   => $QUICK ? 1 : 4,
    portal_seconds => $QUICK ? 1 : 3,
    portal_rounds  => $QUICK ? 1 : 3,
    count_seconds  => $QUICK ? 1 : 3,
);

my $CODE       = '030000100001';   # demo data ($6$)
my $CODE_PASS  = 'tilleuls-0001';
my $STORM_CODE = '030000100002';   # $2y$10$: the demo's most common format
my $STORM_PASS = 'tilleuls-0002';

my $AFTER_SO  = $Extranet::Test::MODULE;
my $BEFORE_SO = $ENV{BENCH_MODULE_BEFORE} || '';
my $SHIM      = $ENV{BENCH_MALLOC_SHIM} || '';
my $started   = time;
my @CHILDREN;

$SIG{INT} = $SIG{TERM} = sub { print STDERR "bench: interrupted\n"; exit 130 };

my $load_before = loadavg();
note("load average before: $load_before");

# ---------------------------------------------------------------------------
# The processes: the upstream, the checker, and the masters compared.

my $mod = Extranet::Test->new(timeout => 30);
my $up  = Extranet::Test->new(pg => 0);
my $plain = Extranet::Test->new(pg => 0);
my $peer  = Extranet::Test->new(pg => 0);
my $before = $BEFORE_SO ? Extranet::Test->new(timeout => 30, secret => $mod->secret) : undef;
my $checker_port = Extranet::Test::free_port();
my $SECRET_FILE = $mod->dir . '/secret.key';

$up->run(upstream_config());
my $checker = start_checker();
$mod->write_file('html/static.html', "<!doctype html><title>static</title><p>" . ('x' x 200) . "\n");
my %FRONT = (
    plain  => [$plain, 'nginx proxy_pass, no module loaded'],
    module => [$mod, 'module loaded, auth_extranet on, valid cookie'],
    ($before ? (before => [$before, 'the same, module of BENCH_BASE (before)']) : ()),
    peer   => [$peer, 'nginx auth_request -> Python checker'],
);
my @KINDS = (qw(plain module), ($before ? 'before' : ()), 'peer');
start_front($_) for @KINDS;
note("upstream on " . $up->port . ", checker on $checker_port; "
     . join(', ', map { "$_ on " . $FRONT{$_}[0]->port } @KINDS));

# the session cookie every front gets; the module of the base gets one it
# sealed itself (an older module may not open this tree's)
my ($cookie, $cookie_header, %cookie_of);
new_session();
preflight();

my (%rps, %ratio, %storm, %portal, %allocs, $storm_note);

comparison() if !$ONLY || $ONLY eq 'rps';
login_storm() if !$ONLY || $ONLY eq 'storm';
portal_pages() if !$ONLY || $ONLY eq 'portal';
count_allocations() if !$ONLY || $ONLY eq 'allocs';

$_->[0]->stop for values %FRONT;
$up->stop;
stop_children();

summary();
exit 0;

# ---------------------------------------------------------------------------
# 1. the comparison

sub comparison {
    note("1. req/s, wrk -t$P{threads} -c$P{conns} -d$P{seconds}s, $P{rounds} interleaved rounds: "
         . join(', ', @KINDS));
    wrk($_, '/app/', 1) for @KINDS;   # warm up every path and pool
    for my $round (1 .. $P{rounds}) {
        # a fresh session each round: wrk never stores the refreshed cookie
        # a browser would take, so the cookie must not come due meanwhile
        new_session();
        my @order = rotate($round - 1, @KINDS);
        my %r;
        $r{$_} = wrk($_, '/app/', $P{seconds}) for @order;
        push @{$rps{$_}}, $r{$_}{rps} for @KINDS;
        push @{$ratio{$_}}, $r{$_}{rps} / $r{plain}{rps} for @KINDS;
        note(sprintf("   round %d (%s): %s", $round, join(' ', @order),
                     join(' | ', map { sprintf('%s %.0f (%.3f)', $_, $r{$_}{rps}, $r{$_}{rps} / $r{plain}{rps}) }
                                 @KINDS)));
    }
}

# ---------------------------------------------------------------------------
# 2. GET p99 during a login storm, the module and the auth_request peer

sub login_storm {
    note("2. login storm: GET p99 (wrk -t$P{threads} -c$P{conns} -d$P{seconds}s) quiet vs while "
         . "$P{storm_logins} connections log in on the module's portal; $P{storm_rounds} rounds");
    for my $round (1 .. $P{storm_rounds}) {
        new_session();
        for my $kind (qw(module peer)) {
            # Quiet first on odd rounds, the storm first on even ones: the
            # second of two back-to-back wrk runs came out slower (p99 x1.0
            # to x1.26 with no storm at all), a bias that alternation cancels.
            my ($q, $s, $logins, $rate);
            my $storm = sub {
                my @kids = map { spawn($P{seconds} + 0.5, \&login_loop) } 1 .. $P{storm_logins};
                sleep 0.3;
                $s = wrk($kind, '/app/', $P{seconds});
                ($logins, $rate) = reap(@kids);
            };
            if ($round % 2) {
                $q = wrk($kind, '/app/', $P{seconds});
                $storm->();
            } else {
                $storm->();
                $q = wrk($kind, '/app/', $P{seconds});
            }
            push @{$storm{$kind}{quiet}}, $q->{p99};
            push @{$storm{$kind}{storm}}, $s->{p99};
            push @{$storm{$kind}{quiet_rps}}, $q->{rps};
            push @{$storm{$kind}{storm_rps}}, $s->{rps};
            push @{$storm{$kind}{rate}}, $rate;
            push @{$storm{$kind}{ratio}}, $s->{p99} / ($q->{p99} || 1);
            note(sprintf("   %-6s quiet p99 %6.2f ms (%.0f req/s) | storm p99 %6.2f ms (%.0f req/s), "
                         . "%d logins (%.1f/s) | %.2f",
                         $kind, $q->{p99}, $q->{rps}, $s->{p99}, $s->{rps}, $logins, $rate,
                         $s->{p99} / ($q->{p99} || 1)));
        }
    }
}

# One storm connection: logins of a known code, the right password and a
# wrong one in turn (a session row, then a failure: a hash each).
sub login_loop {
    my ($end) = @_;
    my $n = 0;
    while (time < $end) {
        my $pass = $n % 2 ? 'Pas-le-bon-mot-de-passe' : $STORM_PASS;
        my $r = $mod->post('/auth/login', form => [login => $STORM_CODE, password => $pass], timeout => 30);
        $n++ if $r->status == 303 || $r->status == 401;
    }
    return $n;
}

# ---------------------------------------------------------------------------
# 3. the portal's pages beside a static file of the same nginx

sub portal_pages {
    new_session();
    my @pages = (
        [static   => '/static.html', 0],
        [login    => '/auth/login', 0],
        [api_me   => '/auth/api/me', 1],
        [accounts => '/auth/accounts', 1],
    );
    note("3. portal pages on the module's nginx, wrk -t$P{threads} -c$P{conns} -d$P{portal_seconds}s, "
         . "$P{portal_rounds} interleaved rounds: " . join(', ', map { $_->[1] } @pages));
    for my $p (@pages) {
        my $r = $mod->get($p->[1], $p->[2] ? (cookie => $cookie) : ());
        die "bench: $p->[1]: " . $r->status . "\n" unless $r->status == 200;
    }
    for my $round (1 .. $P{portal_rounds}) {
        for my $p (rotate($round - 1, @pages)) {
            my $r = wrk_url($mod, $p->[1], $P{portal_seconds}, $p->[2] ? $cookie_header : undef);
            push @{$portal{$p->[0]}}, $r->{rps};
        }
    }
    $portal{pages} = \@pages;
    portal_before_after() if $before;
}

# The login page (the render bench's first page) served over HTTP by this
# tree's module and by the base's (the same configuration), interleaved:
# what an owner's browser sees of the render's cost. ("Gérer mes comptes"
# is not here: the bench's session is a numeric code's, whose manage page
# is the short "link your account first" message.)
sub portal_before_after {
    my $path = '/auth/login';
    my %inst = (after => $mod, before => $before);
    for my $side (sort keys %inst) {
        my $r = $inst{$side}->get($path);
        next if $r->status == 200;
        note("   $path on the $side module: " . $r->status . ', left out');
        return;
    }
    note("3b. $path, this tree's module and the base's: wrk -t$P{threads} -c$P{conns} "
         . "-d$P{portal_seconds}s, $P{portal_rounds} interleaved rounds");
    for my $round (1 .. $P{portal_rounds}) {
        my %r;
        for my $side (rotate($round - 1, qw(after before))) {
            $r{$side} = wrk_url($inst{$side}, $path, $P{portal_seconds})->{rps};
            push @{$portal{ba}{$side}}, $r{$side};
        }
        push @{$portal{ba}{ratio}}, $r{after} / ($r{before} || 1);
    }
    $portal{ba}{path} = $path;
}

# ---------------------------------------------------------------------------
# 4. allocator calls per proxied request, in the workers (LD_PRELOAD)

sub count_allocations {
    unless ($SHIM && -f $SHIM) {
        note("4. allocations: no counter (BENCH_MALLOC_SHIM), skipped");
        return;
    }
    note("4. allocator calls per proxied request: $SHIM in the workers, wrk -t$P{threads} -c$P{conns} "
         . "-d$P{count_seconds}s after a warm-up");
    for my $kind (grep { $_ ne 'peer' } @KINDS) {
        my $inst = $FRONT{$kind}[0];
        my $dir = $inst->dir . '/malloc';
        mkdir $dir;
        {
            local $ENV{LD_PRELOAD} = $SHIM;
            local $ENV{MALLOC_COUNT_DIR} = $dir;
            start_front($kind);
        }
        # a session younger than the new zone (an older one is checked
        # against its row once: what a browser then stores, wrk cannot)
        new_session();
        wrk($kind, '/app/', 1);
        my $a = worker_allocs($inst, $dir);
        my $r = wrk($kind, '/app/', $P{count_seconds});
        my $b = worker_allocs($inst, $dir);
        $allocs{$kind} = { map { $_ => ($b->{$_} - $a->{$_}) / $r->{requests} } keys %$b };
        note(sprintf("   %-6s per request: malloc %.3f calloc %.3f realloc %.3f aligned %.3f free %.3f",
                     $kind, @{$allocs{$kind}}{qw(malloc calloc realloc aligned free)}));
    }
}

sub worker_allocs {
    my ($inst, $dir) = @_;
    my ($master) = $inst->read_file('nginx.pid') =~ /(\d+)/;
    my %sum = map { $_ => 0 } qw(malloc calloc realloc aligned free);
    for my $file (glob "$dir/*") {
        my ($pid) = $file =~ m{/(\d+)$} or next;
        my $stat = Extranet::Test->read_file("/proc/$pid/stat") or next;
        my ($ppid) = $stat =~ /^\d+ \(.*\) \S (\d+)/s;
        next unless $ppid && $ppid == $master;
        open my $fh, '<:raw', $file or next;
        read($fh, my $buf, 40) == 40 or next;
        my @c = unpack('Q5', $buf);
        $sum{malloc} += $c[0];
        $sum{calloc} += $c[1];
        $sum{realloc} += $c[2];
        $sum{aligned} += $c[3];
        $sum{free} += $c[4];
    }
    return \%sum;
}

# ---------------------------------------------------------------------------
# Summary

sub summary {
    my @out;
    my $p = sub { push @out, sprintf(shift, @_) };
    my $bytes = length($cookie_header) - length('Cookie: ');
    $p->("==== the user's comparison: nginx without the module vs with it\n");
    $p->("     separate masters, 2 workers each; upstream: a separate nginx, return 200 with 26 bytes,\n"
       . "     keepalive 32; the same %d-byte cookie sent to all; wrk -t%d -c%d -d%ds; %d interleaved rounds\n",
         $bytes, $P{threads}, $P{conns}, $P{seconds}, $P{rounds});
    if (%rps) {
        $p->("%-50s %10s  %s\n", '', 'req/s', 'vs nginx without the module: median (each round)');
        for my $kind (@KINDS) {
            $p->("%-50s %10.0f  %.3f (%s)\n", $FRONT{$kind}[1], median(@{$rps{$kind}}), median(@{$ratio{$kind}}),
                 join(' ', map { sprintf '%.3f', $_ } @{$ratio{$kind}}));
        }
        $p->("%-50s target >= 0.95 (module, after)\n", '');
    }
    if (%allocs) {
        my $n = sub { my $a = $allocs{$_[0]} or return 'n/a';
                      sprintf('%.2f', $a->{malloc} + $a->{calloc} + $a->{realloc} + $a->{aligned}) };
        my $d = sub { my ($x, $y) = @allocs{@_}; return 'n/a' unless $x && $y;
                      sprintf('%+.2f', ($x->{malloc} + $x->{calloc} + $x->{realloc} + $x->{aligned})
                                     - ($y->{malloc} + $y->{calloc} + $y->{realloc} + $y->{aligned})) };
        $p->("%-50s without the module %s, module %s (%s)%s; target: the module adds 0\n",
             'allocator calls per proxied request', $n->('plain'), $n->('module'), $d->('module', 'plain'),
             $before ? sprintf(', before %s (%s)', $n->('before'), $d->('before', 'plain')) : '');
        $p->("%-50s (malloc+calloc+realloc+posix_memalign in the workers, LD_PRELOAD counter;\n"
           . "%-50s  nginx's own request and upstream pools are the part without the module)\n", '', '');
    }
    if (%storm) {
        for my $kind (qw(module peer)) {
            my $s = $storm{$kind};
            my ($q, $st) = (median(@{$s->{quiet}}), median(@{$s->{storm}}));
            $p->("%-50s quiet %.2f ms, storm %.2f ms = %.2f (rounds %s); logins %.1f/s; req/s %.0f -> %.0f\n",
                 "GET p99 during a login storm, " . ($kind eq 'peer' ? 'auth_request peer' : 'module'),
                 $q, $st, $st / ($q || 1), join(' ', map { sprintf('%.2f', $_) } @{$s->{ratio}}),
                 median(@{$s->{rate}}), median(@{$s->{quiet_rps}}), median(@{$s->{storm_rps}}));
        }
        $p->("%-50s target <= 1.50 (module); medians of %d rounds; the storm: %d connections logging in on the module's portal\n"
           . "%-50s (code %s, bcrypt \$2y\$10\$, right and wrong password in turn)\n",
             '', $P{storm_rounds}, $P{storm_logins}, '', $STORM_CODE);
    }
    if (%portal) {
        my $static = median(@{$portal{static}});
        $p->("%-50s %s\n", 'portal pages, req/s (vs a static file, same nginx)',
             join(', ', map { sprintf('%s %.0f (%.2f)', $_->[1], median(@{$portal{$_->[0]}}),
                                       median(@{$portal{$_->[0]}}) / ($static || 1)) } @{$portal{pages}}));
        if (my $b = $portal{ba}) {
            $p->("%-50s after %.0f, before %.0f req/s = %.2f (rounds %s)\n",
                 "portal $b->{path}, this module vs the base's", median(@{$b->{after}}), median(@{$b->{before}}),
                 median(@{$b->{ratio}}), join(' ', map { sprintf('%.2f', $_) } @{$b->{ratio}}));
        }
    }
    $p->("%-50s before %s; after %s; part took %.0f s\n", 'load average', $load_before, loadavg(), time - $started);
    my $text = join('', @out);
    print "\n$text";
    if (my $file = $ENV{BENCH_COMPARE_OUT}) {
        open my $fh, '>', $file or die "$file: $!";
        print {$fh} $text;
        close $fh;
    }
}

# ---------------------------------------------------------------------------
# Helpers

sub note { printf STDERR "[%5.1f s] %s\n", time - $started, $_[0] }

sub loadavg {
    open my $fh, '<', '/proc/loadavg' or return '?';
    my ($l1, $l5) = split ' ', scalar <$fh>;
    return "$l1 (1 min), $l5 (5 min)";
}

sub median {
    my @s = sort { $a <=> $b } @_;
    return 0 unless @s;
    return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

sub rotate {
    my ($n, @l) = @_;
    $n %= @l;
    return (@l[$n .. $#l], @l[0 .. $n - 1]);
}

sub new_session {
    $cookie = fresh_login();
    $cookie_header = 'Cookie: ' . $mod->cookie_name . "=$cookie";
    %cookie_of = map { $_ => $cookie } @KINDS;
    if ($before) {
        $cookie_of{before} = $before->login($CODE, $CODE_PASS)
            or die "bench: login with $CODE on the base's module failed\n" . $before->error_log;
    }
}

sub fresh_login {
    my $c = $mod->login($CODE, $CODE_PASS) or die "bench: login with $CODE failed\n" . $mod->error_log;
    return $c;
}

# What every front gets and must answer: 200 from the upstream (the module
# with the session; and without it, not 200).
sub preflight {
    for my $kind (@KINDS) {
        my $inst = $FRONT{$kind}[0];
        my $r = $inst->get('/app/', cookie => $cookie_of{$kind});
        $r->status == 200 && $r->body eq "upstream answer, 26 bytes\n"
            or die "bench: $kind /app/ with the session: " . $r->status . ' ' . $r->body . "\n";
        next if $kind eq 'plain';
        $r = $inst->get('/app/', headers => { Accept => 'application/json' });
        $r->status == 401 or die "bench: $kind /app/ without a session: " . $r->status . "\n";
    }
}

sub wrk {
    my ($kind, $path, $seconds) = @_;
    return wrk_url($FRONT{$kind}[0], $path, $seconds,
                   'Cookie: ' . $FRONT{$kind}[0]->cookie_name . "=$cookie_of{$kind}");
}

# One wrk run; any error answer or socket error aborts: the figures would
# be meaningless.
sub wrk_url {
    my ($inst, $path, $seconds, $cookie_line) = @_;
    my $out = Extranet::Test::run_capture(
        'wrk', '-t', $P{threads}, '-c', $P{conns}, '-d', "${seconds}s", '--timeout', '5s', '--latency',
        ($cookie_line ? ('-H', $cookie_line) : ()),
        'http://127.0.0.1:' . $inst->port . $path);
    my %r;
    ($r{rps}) = $out =~ /^Requests\/sec:\s+([\d.]+)/m;
    ($r{requests}) = $out =~ /^\s*(\d+) requests in/m;
    $r{p50} = wrk_ms($out, 50);
    $r{p99} = wrk_ms($out, 99);
    die "bench: wrk $path failed:\n$out" if $? || grep { !defined } values %r;
    my ($non2xx) = $out =~ /Non-2xx or 3xx responses:\s+(\d+)/;
    die "bench: wrk $path: $non2xx error answers (session refused?):\n$out" if $non2xx;
    if (my ($errors) = $out =~ /Socket errors:\s+(.*)/) {
        die "bench: wrk $path: socket errors $errors:\n$out" if $errors =~ /[1-9]/;
    }
    return \%r;
}

sub wrk_ms {
    my ($out, $p) = @_;
    my ($v, $unit) = $out =~ /^\s+$p%\s+([\d.]+)(us|ms|s|m)\s*$/m or return undef;
    return $v / 1000 if $unit eq 'us';
    return $v if $unit eq 'ms';
    return $v * 1000 if $unit eq 's';
    return $v * 60000;
}

sub spawn {
    my ($seconds, $work) = @_;
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        close $r;
        $SIG{INT} = $SIG{TERM} = 'DEFAULT';
        my $t0 = time;
        my $count = $work->($t0 + $seconds);
        printf {$w} "%s %.3f\n", $count, time - $t0;
        close $w;
        POSIX::_exit(0);
    }
    close $w;
    push @CHILDREN, $pid;
    return [$pid, $r];
}

sub reap {
    my ($total, $rate) = (0, 0);
    for (@_) {
        my ($pid, $r) = @$_;
        my ($count, $elapsed) = split ' ', <$r> // '';
        close $r;
        waitpid($pid, 0);
        @CHILDREN = grep { $_ != $pid } @CHILDREN;
        $total += $count // 0;
        $rate += ($count // 0) / $elapsed if $elapsed;
    }
    return ($total, $rate);
}

sub stop_children {
    for my $pid (@CHILDREN) {
        kill 'TERM', $pid;
        waitpid($pid, 0);
    }
    @CHILDREN = ();
}

END { stop_children() }

# The checker of the auth_request peer: t/bench/checker.py, that verifies
# the cookie's seal with the same secret, over HTTP/1.1 keep-alive.
sub start_checker {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', $mod->dir . '/checker.log';
        open STDERR, '>&', \*STDOUT;
        exec 'python3', "$FindBin::Bin/checker.py", $checker_port, $SECRET_FILE, $mod->cookie_name,
             $mod->origin
            or POSIX::_exit(127);
    }
    push @CHILDREN, $pid;
    for (1 .. 100) {
        return $pid if Extranet::Test::port_open($checker_port);
        sleep 0.05;
    }
    die "bench: the checker did not start: " . $mod->read_file('checker.log');
}

sub upstream_config {
    return <<'EOF';
daemon on;
master_process on;
worker_processes 2;
pid %%TESTDIR%%/nginx.pid;
error_log %%TESTDIR%%/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %%TESTDIR%%/client_body_temp;
    proxy_temp_path       %%TESTDIR%%/proxy_temp;
    fastcgi_temp_path     %%TESTDIR%%/fastcgi_temp;
    uwsgi_temp_path       %%TESTDIR%%/uwsgi_temp;
    scgi_temp_path        %%TESTDIR%%/scgi_temp;
    server {
        listen 127.0.0.1:%%PORT%%;
        keepalive_requests 100000;
        location / {
            return 200 "upstream answer, 26 bytes\n";
        }
    }
}
EOF
}

# The fronts: one configuration, the module's directives in it or not.
sub start_front {
    my ($kind) = @_;
    my $inst = $FRONT{$kind}[0];
    my $with = $kind eq 'module' || $kind eq 'before';
    my $load = $with ? "load_module " . ($kind eq 'before' ? $BEFORE_SO : $AFTER_SO) . ";\n" : '';
    my $pools = $with ? "thread_pool extranet threads=4;\nthread_pool extranet_hash threads=2;\n" : '';
    my $site = $with ? <<"EOS" : '';
    auth_extranet_db "%%DB%%";
    auth_extranet_thread_pool extranet;
    auth_extranet_hash_thread_pool extranet_hash;
    auth_extranet_secret_file $SECRET_FILE;
    auth_extranet_partners gimiweb 0300 0301;
    auth_extranet_cookie secure=off;
    auth_extranet_zone extranet 10m;
    auth_extranet_site_url http://127.0.0.1:%%PORT%%;
    # the storm fails logins on purpose
    auth_extranet_limit identifier=100000 address=100000 hashes=100;
EOS
    my $app = $with ? 'auth_extranet on;' : $kind eq 'peer' ? <<'EOS' : '';
auth_request /_check;
            auth_request_set $account $upstream_http_x_account;
            proxy_set_header X-Extranet-Account $account;
EOS
    my $portal = $with ? "location /auth/ { auth_extranet_portal; }" : '';
    my $check = $kind eq 'peer' ? <<"EOS" : '';
        location = /_check {
            internal;
            proxy_pass http://checker;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
EOS
    my $checker_up = $kind eq 'peer' ? "upstream checker { server 127.0.0.1:$checker_port; keepalive 16; }" : '';
    my $up_port = $up->port;
    $inst->run(<<"EOF");
$load
daemon on;
master_process on;
worker_processes 2;
pid %%TESTDIR%%/nginx.pid;
error_log %%TESTDIR%%/error.log warn;
$pools
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path %%TESTDIR%%/client_body_temp;
    proxy_temp_path       %%TESTDIR%%/proxy_temp;
    fastcgi_temp_path     %%TESTDIR%%/fastcgi_temp;
    uwsgi_temp_path       %%TESTDIR%%/uwsgi_temp;
    scgi_temp_path        %%TESTDIR%%/scgi_temp;
$site
    upstream legacy {
        server 127.0.0.1:$up_port;
        keepalive 32;
    }
    $checker_up

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name localhost;
        root %%TESTDIR%%/html;

        $portal

        location /app/ {
            $app
            proxy_pass http://legacy;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
$check
        location = /static.html { }
    }
}
EOF
}
