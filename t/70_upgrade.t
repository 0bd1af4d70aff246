#!/usr/bin/perl
# Upgrading the Debian package over a running nginx: version N is
# installed and serves; version N+1 (the same tree with one more
# debian/changelog entry, built once and kept in build/upgrade-test/) is
# installed over it. A reload alone (the nginx-reload trigger of dh_nginx)
# leaves the old, deleted module running; the package's postinst then does
# a binary upgrade of nginx, after which N+1 serves, and the sessions opened
# under N still pass. auth_extranet_status names the version each time.
#
# The nginx is the test's own (its configuration, ports and pid file):
# invoke-rc.d, which the maintainer scripts call for the machine's nginx, is
# replaced for the run by a script that acts on the test's nginx the way
# Debian's init script acts on the machine's (status, reload, upgrade).
# Root only; leaves the machine as it found it (the package purged).

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $PKG   = 'libnginx-mod-http-auth-extranet';
my $SO    = '/usr/lib/nginx/modules/ngx_http_auth_extranet_module.so';
my $ROOT  = $Extranet::Test::ROOT;
my @APT   = ('apt-get', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300',
             '--no-install-recommends');

plan skip_all => 'installs a Debian package: run as root' if $> != 0;
plan skip_all => "the package is built for Debian's nginx, not $Extranet::Test::NGINX "
               . '(TEST_NGINX_BINARY): nothing to upgrade on this nginx'
    if $Extranet::Test::NGINX ne '/usr/sbin/nginx';
plan skip_all => "$PKG is on this machine already: purge it first to run the test"
    if installed();

$ENV{DEBIAN_FRONTEND} = 'noninteractive';
my $installed_by_us = 0;
$SIG{INT} = $SIG{TERM} = sub { die "interrupted\n" };
END {
    run_log('apt-get', 'purge', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300', $PKG)
        if $installed_by_us && installed();
}

# --- version N (make deb) and N+1 (a copy with one more changelog entry) ----

my ($version) = slurp("$ROOT/debian/changelog") =~ /^\Q$PKG\E \(([^)]+)\)/
    or BAIL_OUT('no version at the top of debian/changelog');
my $next = "$version+upgradetest1";
chomp(my $arch = `dpkg --print-architecture`);
my $deb_n = "$ROOT/build/${PKG}_${version}_$arch.deb";

my ($rc, $out) = run_log('make', '-s', '-C', $ROOT, 'deb');
is($rc, 0, "make deb: version $version") or BAIL_OUT($out);

my $work = "$ROOT/build/upgrade-test";
my $deb_next = "$work/out/${PKG}_${next}_$arch.deb";
# The N+1 package is the N one plus a changelog entry: rebuilt only when
# make deb rebuilt N (the tree changed).
if (!-f $deb_next || -M $deb_next > -M $deb_n) {
    system('rm', '-rf', $work) == 0 or die;
    system('mkdir', '-p', "$work/src", "$work/out") == 0 or die;
    system("tar -C '$ROOT' --exclude=./.git --exclude=./build --exclude=./t -cf - . "
         . "| tar -C '$work/src' -xf -") == 0 or die 'copy of the tree';
    my $changelog = slurp("$work/src/debian/changelog");
    open my $fh, '>', "$work/src/debian/changelog" or die;
    print $fh "$PKG ($next) bookworm; urgency=medium\n\n"
            . "  * The next version, made by t/70_upgrade.t.\n\n"
            . " -- Extranet Developers <dev\@extranet.invalid>  Mon, 07 Dec 2026 00:00:00 +0000\n\n"
            . $changelog;
    close $fh;
    ($rc, $out) = run_log("$work/src/scripts/build-deb.sh", "$work/out");
    is($rc, 0, "version $next built") or BAIL_OUT($out);
    system('rm', '-rf', "$work/src");
}
ok(-f $deb_next, "the package of version $next is there");

# --- invoke-rc.d for the test's nginx -----------------------------------------

my $t = Extranet::Test->new;
my $dir = $t->dir;
my $calls = "$dir/invoke-rc.d.log";
$t->write_file('bin/invoke-rc.d', <<"EOF");
#!/bin/sh
# The test's stand-in: "nginx" is the test's nginx; other services untouched.
echo "\$*" >> $calls
[ "\$1" = --quiet ] && shift
[ "\$1" = nginx ] || exit 0
pid=\$(cat $dir/nginx.pid)
case "\$2" in
    status) kill -0 "\$pid" ;;
    reload) kill -HUP "\$pid" ;;
    upgrade)
        # as Debian's /etc/init.d/nginx upgrade: USR2, wait for both pid
        # files, QUIT to the old master
        kill -USR2 "\$pid" || exit 1
        n=0
        while [ ! -s $dir/nginx.pid.oldbin ] || [ "\$(cat $dir/nginx.pid)" = "\$pid" ]; do
            n=\$((n + 1)); [ \$n -gt 100 ] && exit 2
            sleep 0.1
        done
        kill -QUIT "\$(cat $dir/nginx.pid.oldbin)" ;;
    *) exit 1 ;;
esac
EOF
chmod 0755, "$dir/bin/invoke-rc.d";
# apt gives dpkg, and so the maintainer scripts, a PATH of its own
# (DPkg::Path): the stand-in goes first in it
push @APT, '-o', "DPkg::Path=$dir/bin:/usr/sbin:/usr/bin:/sbin:/bin";

sub status_version {
    my $r = $t->get('/metrics');
    my ($v) = $r->body =~ /^auth_extranet_build_info\{version="([^"]*)"/m;
    return $v // '(none)';
}

# --- N installed, serving -------------------------------------------------------

$installed_by_us = 1;
($rc, $out) = run_log(@APT, 'install', $deb_n);
is($rc, 0, "version $version installed") or BAIL_OUT($out);

local $Extranet::Test::MODULE = $SO;
$t->run($t->standard_config(server => 'location = /metrics { auth_extranet_status; }'));
is(status_version(), $version, "the running nginx serves version $version");
my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, "a session opened under $version");

# --- N+1 over it, reloaded only ------------------------------------------------

{
    local $ENV{EXTRANET_NGINX_UPGRADE} = 'no';
    ($rc, $out) = run_log(@APT, 'install', $deb_next);
}
is($rc, 0, "version $next installed (EXTRANET_NGINX_UPGRADE=no)") or diag($out);
like(slurp($calls), qr/^nginx reload$/m, 'nginx was reloaded (the trigger of dh_nginx)');
unlike(slurp($calls), qr/^nginx upgrade$/m, '... and not upgraded');
sleep 1;
is(status_version(), $version, "after a reload the old module ($version) still serves");
my ($worker) = `pgrep -P $t->{pid}` =~ /(\d+)/;
like(slurp("/proc/$worker/maps"), qr/\Q$SO\E \(deleted\)/,
     '... from the deleted .so, still mapped in the workers');

# --- N+1 installed the package's way -------------------------------------------

unlink $calls;
($rc, $out) = run_log(@APT, 'install', '--reinstall', $deb_next);
is($rc, 0, "version $next installed again, the default way") or diag($out);
like($out, qr/nginx binary upgrade/, 'the postinst says it upgrades nginx');
like(slurp($calls), qr/^nginx upgrade$/m, 'the postinst asked for a binary upgrade');
my ($pid) = slurp("$dir/nginx.pid") =~ /(\d+)/;
isnt($pid, $t->{pid}, 'a new master runs');
$t->{pid} = $pid;
my $deadline = time + 10;
sleep 0.1 while time < $deadline && -e "$dir/nginx.pid.oldbin";
ok(!-e "$dir/nginx.pid.oldbin", 'the old master is gone');
is(status_version(), $next, "the new module ($next) serves");
is($t->upstream_headers($cookie)->{Account}, '030000100001',
   "the session opened under $version still passes");
ok($t->login('030000100002', 'tilleuls-0002'), 'a new login works');

$t->stop;
$t->error_log_ok;

($rc, $out) = run_log(@APT, 'purge', $PKG);
is($rc, 0, 'purged') or diag($out);
$installed_by_us = 0;

done_testing;

# ---------------------------------------------------------------------------

sub installed {
    my $s = `dpkg-query -W -f='\${Status}' $PKG 2>/dev/null`;
    return !$? && $s !~ /not-installed/ && $s ne '';
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub run_log {
    my $out = Extranet::Test::run_capture(@_);
    return ($? >> 8, $out);
}
