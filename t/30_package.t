#!/usr/bin/perl
# The Debian package: `make deb` builds it, lintian finds no error, apt
# installs it on this machine (the module enabled the dh_nginx way, the
# exact nginx ABI in Depends), the installed module passes `nginx -t` loaded
# through its modules-enabled link and serves a login, the installed
# extranet-migrate builds a fresh schema; then remove and purge leave
# nothing behind. Root only (it installs a package); it restores the
# machine: the package is purged at the end, even when a check fails.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $PKG      = 'libnginx-mod-http-auth-extranet';
my $SO       = '/usr/lib/nginx/modules/ngx_http_auth_extranet_module.so';
my $SNIPPET  = '/usr/share/nginx/modules-available/mod-http-auth-extranet.conf';
my $ENABLED  = '/etc/nginx/modules-enabled/50-mod-http-auth-extranet.conf';
my $MIGRATE  = '/usr/sbin/extranet-migrate';
my $SHARE    = "/usr/share/$PKG";
my $DOC      = "/usr/share/doc/$PKG";
my $ROOT     = $Extranet::Test::ROOT;
my @APT      = ('apt-get', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300',
                '--no-install-recommends');

plan skip_all => 'installs a Debian package: run as root' if $> != 0;
plan skip_all => "the package is built for Debian's nginx (nginx-dev), not for "
               . "$Extranet::Test::NGINX (TEST_NGINX_BINARY)"
    if $Extranet::Test::NGINX ne '/usr/sbin/nginx';

my $before = dpkg_status()->{$PKG};
plan skip_all => "$PKG is on this machine already ($before): the test "
               . "would remove it; purge it first to run the test"
    if $before;
plan skip_all => "$ENABLED exists although $PKG is not installed: "
               . "the test will not touch it"
    if -e $ENABLED || -l $ENABLED || -l "$ENABLED.removed";

$ENV{DEBIAN_FRONTEND} = 'noninteractive';
my $installed_by_us = 0;
$SIG{INT} = $SIG{TERM} = sub { die "interrupted\n" };   # so that END runs
END {
    # Whatever happened, leave the machine as we found it.
    if ($installed_by_us && dpkg_status()->{$PKG}) {
        run_log('apt-get', 'purge', '-y', '-q', '-o', 'DPkg::Lock::Timeout=300', $PKG);
    }
}

# --- make deb --------------------------------------------------------------

my ($version) = slurp("$ROOT/debian/changelog") =~ /^\Q$PKG\E \(([^)]+)\)/
    or BAIL_OUT('no version at the top of debian/changelog');
chomp(my $arch = `dpkg --print-architecture`);
my $deb = "$ROOT/build/${PKG}_${version}_$arch.deb";

my $git = -e "$ROOT/.git";
my $tree_before = $git ? `cd '$ROOT' && git status --porcelain --untracked-files=all` : '';
my ($rc, $out) = run_log('make', '-s', '-C', $ROOT, 'deb');
is($rc, 0, 'make deb succeeds') or diag($out);
ok(-f $deb, "make deb made build/${PKG}_${version}_$arch.deb (version from debian/changelog)")
    or BAIL_OUT("no $deb");
if ($git) {
    my $tree_after = `cd '$ROOT' && git status --porcelain --untracked-files=all`;
    is($tree_after, $tree_before, 'make deb leaves the tree as it was (git status)');
}

# --- the .deb itself ---------------------------------------------------------

my %field = map { $_ => scalar `dpkg-deb -f '$deb' $_` } qw(Package Version Depends Recommends Suggests);
chomp %field;
is($field{Package}, $PKG, 'Package');
is($field{Version}, $version, 'Version is debian/changelog\'s');

my ($abi) = slurp('/usr/share/nginx/src/debian/libnginx-mod.abisubstvars') =~ /^nginx:abi=(\S+)/m;
ok($abi, "nginx-dev names the nginx ABI ($abi)");
like($field{Depends}, qr/(^|, )\Q$abi\E(,|$)/, "Depends on the exact nginx ABI ($abi)");
like($field{Depends}, qr/\blibpq5\b/, 'Depends on libpq5 (shlibs)');
like($field{Depends}, qr/\blibssl3\b/, 'Depends on libssl3 (shlibs)');
like($field{Depends}, qr/\blibstdc\+\+6\b/, 'Depends on libstdc++6 (shlibs)');
like($field{Depends}, qr/\blibcbor0/, 'Depends on libcbor (shlibs)');
unlike($field{Recommends}, qr/mta|mail-transport-agent|exim|postfix/,
       'no MTA recommended: nginx nodes that never send mail need none');
like($field{Suggests}, qr/default-mta \| mail-transport-agent/, 'an MTA suggested, for the mailer');

my @contents = map { (split ' ', $_, 6)[5] } split /\n/, `dpkg-deb -c '$deb'`;
s{^\./}{/} for @contents;
s{ -> .*}{} for @contents;
my %in_deb = map { $_ => 1 } @contents;
for my $path ($SO, $SNIPPET, $MIGRATE, "$SHARE/sql/migrations/001_schema.sql",
              "$SHARE/sql/demo/demo_data.sql", "$SHARE/sql/examples/legacy_view.sql",
              "$DOC/examples/minimal-proxy.conf", "$DOC/copyright",
              '/usr/share/man/man8/extranet-migrate.8.gz',
              '/usr/sbin/extranet-admin', '/usr/sbin/extranet-mailer',
              '/lib/systemd/system/extranet-mailer.service',
              '/lib/systemd/system/extranet-mailer@.service',
              '/etc/extranet/mailer.conf',
              "$SHARE/sql/examples/legacy_check.sql",
              (map { "$DOC/$_.md.gz" } qw(deploying portal-api legacy-accounts mailer
                                           support-desk several-sites)),
              '/usr/share/man/man8/extranet-admin.8.gz',
              '/usr/share/man/man8/extranet-mailer.8.gz') {
    ok($in_deb{$path}, "the package has $path");
}
my @migrations = map { s{.*/}{}r } glob("$ROOT/sql/migrations/*.sql");
is_deeply([sort grep { m{^\Q$SHARE\E/sql/migrations/.+\.sql$} } @contents],
          [map { "$SHARE/sql/migrations/$_" } sort @migrations],
          'the package has every migration of sql/migrations');
is_deeply([grep { m{^/etc/} && !m{/$} } @contents], ['/etc/extranet/mailer.conf'],
   'under /etc, the mailer\'s configuration only (the modules-enabled link is made by postinst)');
my $conffiles = `dpkg-deb --ctrl-tarfile '$deb' | tar -xOf - ./conffiles 2>/dev/null`;
is($conffiles, "/etc/extranet/mailer.conf\n", 'it is a conffile');
# every document a man page or README.Debian names is in the package
for my $page ("$ROOT/tools/extranet-admin", "$ROOT/tools/extranet-mailer",
              "$ROOT/debian/extranet-migrate.8", "$ROOT/debian/$PKG.README.Debian") {
    my $text = slurp($page);
    for my $doc ($text =~ m{(?:docs/|/usr/share/doc/\Q$PKG\E/)([a-z-]+\.md)}g) {
        ok($in_deb{"$DOC/$doc.gz"} || $in_deb{"$DOC/$doc"},
           "$doc, named by " . ($page =~ s{.*/}{}r) . ', is in the package');
    }
}

# lintian: errors fail, warnings are shown
($rc, $out) = run_log('lintian', '--fail-on', 'error', $deb);
is($rc, 0, 'lintian reports no error') or diag($out);
my @errors = $out =~ /^(E: .*)$/mg;
is(scalar @errors, 0, 'no E: line from lintian') or diag(join "\n", @errors);
note("lintian: $_") for $out =~ /^([WI]: .*)$/mg;

# --- install -----------------------------------------------------------------

$installed_by_us = 1;
($rc, $out) = run_log(@APT, 'install', $deb);
is($rc, 0, 'apt-get install ./the.deb succeeds') or diag($out);
is(dpkg_status()->{$PKG}, 'install ok installed', 'dpkg: installed')
    or BAIL_OUT('not installed; nothing else can be checked');

ok(-f $SO, "$SO installed");
is(slurp($SNIPPET), "load_module modules/ngx_http_auth_extranet_module.so;\n",
   'the load_module snippet is in modules-available');
is(readlink($ENABLED), $SNIPPET, "$ENABLED links to it (postinst, dh_nginx)");
ok(-x $MIGRATE, "$MIGRATE installed, executable");
ok(-f "$DOC/README.Debian" || -f "$DOC/README.Debian.gz", 'README.Debian installed');
ok(-f "$DOC/deploying.md" || -f "$DOC/deploying.md.gz", 'deploying.md installed');
is(slurp('/etc/extranet/mailer.conf'), slurp("$ROOT/tools/mailer.conf.example"),
   '/etc/extranet/mailer.conf installed from tools/mailer.conf.example');

# --- nginx -t with the installed module -------------------------------------

my $t = Extranet::Test->new;
my $dir = $t->dir;
my $temps = join "\n", map { "    ${_}_temp_path $dir/$_;" }
                           qw(client_body proxy fastcgi uwsgi scgi);

sub nginx_t {
    my ($name, $conf) = @_;
    my $path = $t->write_file("$name.conf", $conf);
    return run_log('/usr/sbin/nginx', '-t', '-c', $path, '-e', "$dir/$name.log");
}

# The module loaded through the package's link, unused: a site that does
# not use it is unchanged.
($rc, $out) = nginx_t('unused', <<"EOF");
include $ENABLED;
pid $dir/unused.pid;
events {}
http {
    access_log off;
$temps
    server { listen 127.0.0.1:${\ $t->port}; location / { return 204; } }
}
EOF
is($rc, 0, 'nginx -t: the module loaded through modules-enabled, unused') or diag($out);

# The minimal site of docs/deploying.md (a plain listen for the test).
my $site = sub {
    my ($settings) = @_;
    return <<"EOF";
include $ENABLED;
pid $dir/site.pid;
thread_pool extranet threads=4;
events {}
http {
    access_log off;
$temps
$settings
    upstream legacy { server 127.0.0.1:${\ $t->legacy_port}; keepalive 16; }
    server {
        listen 127.0.0.1:${\ $t->port};
        server_name extranet.example.org;
        location /auth/ { auth_extranet_portal; }
        location / {
            auth_extranet on;
            proxy_pass http://legacy;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
};
my $settings = <<"EOF";
    auth_extranet_db "host=/var/run/postgresql dbname=extranet user=extranet_module";
    auth_extranet_thread_pool extranet;
    auth_extranet_secret_file $dir/secret.key;
    auth_extranet_site_url https://extranet.example.org;
    auth_extranet_zone extranet 10m;
EOF
($rc, $out) = nginx_t('site', $site->($settings));
is($rc, 0, 'nginx -t: the minimal site of docs/deploying.md') or diag($out);

# The directives are the installed module's: a missing secret is refused.
(my $no_secret = $settings) =~ s/^.*auth_extranet_secret_file.*\n//m;
($rc, $out) = nginx_t('nosecret', $site->($no_secret));
isnt($rc, 0, 'nginx -t: the same site without a secret file fails');
like($out . $t->read_file('nosecret.log'), qr/\[emerg\].*auth_extranet_secret_file/,
     '... naming auth_extranet_secret_file');

# --- the installed module serves a login -------------------------------------

{
    local $Extranet::Test::MODULE = $SO;
    $t->run($t->standard_config);
    my $cookie = $t->login('030000100001', 'tilleuls-0001');
    ok($cookie, 'the installed module: a demo account logs in');
    my $h = $t->upstream_headers($cookie);
    is($h->{Account}, '030000100001', '... and the legacy app gets X-Extranet-Account');
    $t->stop;
    $t->error_log_ok;
}

# --- the installed extranet-migrate on a fresh database ----------------------

my ($host, $port) = $t->db =~ /host=(\S+) port=(\d+)/;
my $conninfo = "host=$host port=$port dbname=package_test user=postgres";
$t->psql('DROP DATABASE IF EXISTS package_test');
$t->psql('CREATE DATABASE package_test');
{
    local $ENV{EXTRANET_MIGRATIONS};
    delete $ENV{EXTRANET_MIGRATIONS};
    local $ENV{PGOPTIONS} = '-c client_min_messages=warning';

    ($rc, $out) = run_log($MIGRATE, $conninfo);
    is($rc, 0, 'extranet-migrate (installed) applies the packaged migrations') or diag($out);
    is_deeply([$out =~ /^applying (\S+)$/mg], [sort @migrations],
              '... each one, in order, from the package\'s folder');

    ($rc, $out) = run_log($MIGRATE, $conninfo);
    is($rc, 0, 'run again: success');
    like($out, qr/nothing to apply/, '... nothing applied');

    ($rc, $out) = run_log($MIGRATE, '--status', $conninfo);
    is(scalar(() = $out =~ /^\S+\.sql\s+applied /mg), scalar @migrations,
       '--status: every migration applied') or diag($out);
}
$t->psql('DROP DATABASE package_test');

# --- remove, then purge --------------------------------------------------------

($rc, $out) = run_log(@APT, 'remove', $PKG);
is($rc, 0, 'apt-get remove succeeds') or diag($out);
ok(!-e $SO && !-e $SNIPPET && !-e $MIGRATE, 'remove: the files are gone');
ok(!-e $ENABLED && !-l $ENABLED, 'remove: the module is no longer enabled');
is(readlink("$ENABLED.removed"), $SNIPPET,
   'remove: the link is kept as .removed (dh_nginx), which nginx does not load');

($rc, $out) = run_log(@APT, 'purge', $PKG);
is($rc, 0, 'apt-get purge succeeds') or diag($out);
ok(!dpkg_status()->{$PKG}, 'dpkg: not installed, no configuration left');
my @left = grep { -e $_ || -l $_ }
           ($SO, $SNIPPET, $ENABLED, "$ENABLED.removed", $MIGRATE, $SHARE, $DOC,
            '/usr/share/man/man8/extranet-migrate.8.gz', '/usr/sbin/extranet-admin',
            '/usr/sbin/extranet-mailer', '/lib/systemd/system/extranet-mailer.service',
            '/lib/systemd/system/extranet-mailer@.service', '/etc/extranet/mailer.conf');
is_deeply(\@left, [], 'purge: nothing of the package is left');
my @dangling = grep { -l $_ && !-e $_ } glob('/etc/nginx/modules-enabled/*');
is_deeply([grep { /auth-extranet/ } @dangling], [], 'no dangling link in modules-enabled');
$installed_by_us = 0;

done_testing;

# ---------------------------------------------------------------------------

# { package => status } for the package, '' when dpkg does not know it.
sub dpkg_status {
    my $s = `dpkg-query -W -f='\${Status}' $PKG 2>/dev/null`;
    $s = '' if $? || $s =~ /not-installed/;
    return { $PKG => $s };
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

# Runs a command, stdout and stderr together; (exit status, output).
sub run_log {
    my $out = Extranet::Test::run_capture(@_);
    return ($? >> 8, $out);
}
