#!/usr/bin/perl
# Connecting the support desk's tool to PostgreSQL the way
# docs/support-desk.md says, on a cluster whose pg_hba.conf is Debian's
# (peer authentication for every local user, "local all all peer" last):
#
# - the line "local extranet extranet_admin peer map=support" after
#   Debian's "local all all peer" is never reached: alice is refused;
# - before it, with "support alice extranet_admin" in pg_ident.conf, alice
#   (her own OS account, no sudo) finds an account; bob, not in the map, is
#   refused; the audit row names alice;
# - "sudo extranet-admin" is seen by PostgreSQL as root: refused by the
#   per-person map; with the map line "support root extranet_admin" it
#   passes and the audit row names the sudo caller ($SUDO_USER).
#
# Root only: it creates two system users for the run (removed at the end).

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;
use POSIX ();
use Time::HiRes qw(sleep);

plan skip_all => 'creates OS users for peer authentication: run as root' if $> != 0;

my $ROOT  = $Extranet::Test::ROOT;
my $ADMIN = "$ROOT/tools/extranet-admin";
my @users = ('xdesk_alice', 'xdesk_bob');
my ($alice, $bob) = @users;

plan skip_all => "user $_ exists already: the test will not touch it"
    for grep { defined getpwnam($_) } @users;

my @made;
END { system('userdel', $_) for @made }
for my $u (@users) {
    system('useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin', $u) == 0
        or BAIL_OUT("useradd $u");
    push @made, $u;
}
plan skip_all => "$ADMIN is not readable by another user (the tree's folders): "
              . 'the test runs the tool as the desk\'s OS users'
    unless run_as($alice, '/usr/bin/test', '-r', $ADMIN) == 0;

my $t = Extranet::Test->new;
my ($host, $port) = $t->db =~ /host=(\S+) port=(\d+)/;
my $conninfo = "host=$host port=$port dbname=extranet";   # the tool's default role

my $hba   = $t->psql_value('SHOW hba_file');
my $ident = $t->psql_value('SHOW ident_file');
my $hba_before   = slurp($hba);
my $ident_before = slurp($ident);
END {
    # the harness's own connections need its pg_hba.conf back
    if (defined $hba_before) {
        spew($hba, $hba_before);
        spew($ident, $ident_before);
        eval { $t->psql('SELECT pg_reload_conf()') };
    }
}

# Debian 12's pg_hba.conf (the harness connects as postgres, trusted here
# as Debian's "local all postgres peer" trusts the postgres OS user).
my $debian = <<'EOF';
local   all             postgres                                trust
local   all             all                                     peer
host    all             all             127.0.0.1/32            scram-sha-256
EOF
my $desk_line = "local   extranet        extranet_admin                          peer map=support\n";

sub configure {
    my ($hba_text, $ident_text) = @_;
    spew($hba, $hba_text);
    spew($ident, $ident_text);
    $t->psql('SELECT pg_reload_conf()');
    sleep 0.3;
}

sub admin {
    my ($user, %env) = @_;
    my @cmd = ($ADMIN, '--db', $conninfo, 'find', '030000100001');
    my $out = "$ENV{TMPDIR}/admin.$$.out";
    my $rc = run_as($user, @cmd, { %env, OUT => $out });
    my $text = slurp($out);
    unlink $out;
    return ($rc, $text);
}

$ENV{TMPDIR} = $t->dir;
my $audit = sub {
    $t->psql_value("SELECT operator FROM extranet.audit_log WHERE event = 'admin_find'"
                 . ' ORDER BY id DESC LIMIT 1') // '';
};

# --- the line after Debian's "local all all peer": never reached ------------------

configure($debian . $desk_line, "support   $alice   extranet_admin\n");
my ($rc, $out) = admin($alice);
is($rc, 1, 'desk line after "local all all peer": alice is refused (exit 1)');
like($out, qr/Peer authentication failed for user "extranet_admin"/,
     '... by the "local all all peer" line above it');

# --- before it: the documented way --------------------------------------------------

(my $ordered = $debian) =~ s/^(local\s+all\s+all\s+peer)/$desk_line$1/m;
configure($ordered, "support   $alice   extranet_admin\n");
($rc, $out) = admin($alice);
is($rc, 0, 'desk line before "local all all peer", alice mapped: find works') or diag($out);
like($out, qr/^Account 030000100001: syndic 0300/m, '... and shows the account');
is($audit->(), $alice, '... the audit row names alice');

($rc, $out) = admin($bob);
is($rc, 1, 'bob, not in the map: refused');
like($out, qr/Peer authentication failed/, '... by peer authentication');

# --- sudo extranet-admin: PostgreSQL sees root ------------------------------------

($rc, $out) = admin('root', SUDO_USER => $alice);
is($rc, 1, 'sudo extranet-admin with the per-person map: refused (PostgreSQL sees root)');
like($out, qr/Peer authentication failed for user "extranet_admin"/, '... peer authentication');

configure($ordered, "support   $alice   extranet_admin\nsupport   root   extranet_admin\n");
($rc, $out) = admin('root', SUDO_USER => $alice);
is($rc, 0, 'with the map line for root: sudo extranet-admin works') or diag($out);
is($audit->(), $alice, '... the audit row names the sudo caller');
($rc, $out) = admin('root');
is($rc, 2, 'root without sudo nor --operator: refused by the tool (exit 2)');

done_testing;

# ---------------------------------------------------------------------------

# Runs a command as an OS user (its stdout and stderr into OUT); exit code.
sub run_as {
    my ($user, @cmd) = @_;
    my %env = ref $cmd[-1] eq 'HASH' ? %{pop @cmd} : ();
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $out = delete $env{OUT} // '/dev/null';
        open STDOUT, '>', $out or POSIX::_exit(126);
        open STDERR, '>&', \*STDOUT;
        delete @ENV{qw(SUDO_USER PGUSER PGPASSWORD PGSERVICE)};
        $ENV{$_} = $env{$_} for keys %env;
        if ($user ne 'root') {
            my (undef, undef, $uid, $gid) = getpwnam($user) or POSIX::_exit(126);
            $ENV{USER} = $ENV{LOGNAME} = $user;
            $ENV{HOME} = '/';
            $( = $) = "$gid $gid";
            $< = $> = $uid;
            POSIX::_exit(126) if $> != $uid;
        }
        chdir '/';
        exec @cmd or POSIX::_exit(127);
    }
    waitpid $pid, 0;
    return $? >> 8;
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

sub spew {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}
