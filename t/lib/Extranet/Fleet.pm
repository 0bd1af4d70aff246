package Extranet::Fleet;
# A fleet for the tests: two nginx nodes sharing one key, a third nginx as
# round-robin load balancer in front, the file's PostgreSQL cluster as the
# primary with a streaming standby made by pg_basebackup -R, and PgBouncer
# in transaction mode between node A and the primary. Node B connects
# directly with both servers in its conninfo (target_session_attrs).

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use Extranet::Test;

our $PGBIN = $ENV{PGBIN} || '/usr/lib/postgresql/15/bin';
our $PGBOUNCER = '/usr/sbin/pgbouncer';

sub new {
    my ($class, %o) = @_;
    for (qw(pg_basebackup pg_ctl)) {
        BAIL_OUT("$PGBIN/$_ not found: apt-get install postgresql-15") unless -x "$PGBIN/$_";
    }
    BAIL_OUT("$PGBOUNCER not found: apt-get install pgbouncer") unless -x $PGBOUNCER;

    my $a = Extranet::Test->new;
    my $b = Extranet::Test->new(secret => $a->secret);
    my $lb = Extranet::Test->new(pg => 0);
    my %db = $a->db =~ /(\w+)=(\S+)/g;
    my $self = bless { a => $a, b => $b, lb => $lb, db => \%db, owner => $$,
                       as_postgres => $> == 0, http => $o{http} // '' }, $class;
    $self->standby_start;
    $self->bouncer_start;
    return $self;
}

sub a  { $_[0]{a} }
sub b  { $_[0]{b} }
sub lb { $_[0]{lb} }

sub as_server {
    my ($self, @cmd) = @_;
    @cmd = ('runuser', '-u', 'postgres', '--', @cmd) if $self->{as_postgres};
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT;
        chdir '/';
        exec { $cmd[0] } @cmd or POSIX::_exit(127);
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

sub own_dir {
    my ($self, $dir) = @_;
    mkdir $dir or die "$dir: $!";
    if ($self->{as_postgres}) {
        my (undef, undef, $uid, $gid) = getpwnam('postgres') or BAIL_OUT('no postgres user');
        chown $uid, $gid, $dir;
    }
}

# --- the standby ---------------------------------------------------------------------

sub standby_start {
    my ($self) = @_;
    my %db = %{$self->{db}};
    my $sdir = $self->{sdir} = $self->a->dir . '/standby';
    $self->own_dir($sdir);
    $self->{sport} = Extranet::Test::free_port();
    my $out = $self->as_server("$PGBIN/pg_basebackup", '-h', $db{host}, '-p', $db{port},
                               '-U', 'postgres', '-D', "$sdir/data", '-R', '-X', 'stream',
                               '-c', 'fast');
    BAIL_OUT("pg_basebackup: $out") if $?;
    $out = $self->as_server("$PGBIN/pg_ctl", '-D', "$sdir/data", '-l', "$sdir/postgres.log",
                            '-w', '-t', '30', 'start', '-o',
                            "-k '$sdir' -p $self->{sport} -c listen_addresses='127.0.0.1'"
                            . ' -c fsync=off -c max_connections=200');
    BAIL_OUT("the standby did not start: $out") if $?;
    $self->{standby_running} = 1;
}

sub standby_value {
    my ($self, $sql) = @_;
    my $v = Extranet::Test::run_capture($Extranet::Test::PG_SH, 'psql', $self->{sdir},
                                        $self->{sport}, '-X', '-q', '-A', '-t', '-c', $sql);
    $v =~ s/\s+\z//;
    return $v;
}

# Waits until the standby replayed what the primary wrote so far.
sub standby_caught_up {
    my ($self) = @_;
    my $lsn = $self->a->psql_value('SELECT pg_current_wal_lsn()');
    my $deadline = time + 10;
    sleep 0.05 until $self->standby_value("SELECT pg_last_wal_replay_lsn() >= '$lsn'") eq 't'
                     || time > $deadline;
}

# Stops the primary (fast: what it wrote reaches the standby first), then
# promotes the standby and points PgBouncer at it, as an operator would.
sub failover {
    my ($self) = @_;
    Extranet::Test::pg_stop();
    my $out = $self->as_server("$PGBIN/pg_ctl", '-D', "$self->{sdir}/data", '-w', '-t', '30',
                               'promote');
    die "pg_ctl promote: $out" if $?;
    $self->{promoted} = 1;
    $self->bouncer_config;
    kill 'HUP', $self->{bouncer_pid};
}

# --- PgBouncer -----------------------------------------------------------------------

sub bouncer_config {
    my ($self) = @_;
    my %db = %{$self->{db}};
    my $bdir = $self->{bdir};
    my ($host, $port) = $self->{promoted} ? ($self->{sdir}, $self->{sport})
                                          : ($db{host}, $db{port});
    $self->a->write_file("$bdir/pgbouncer.ini", <<"EOF");
[databases]
extranet = host=$host port=$port dbname=extranet

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $self->{bport}
unix_socket_dir =
auth_type = trust
auth_file = $bdir/userlist.txt
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
server_connect_timeout = 2
# what docs/fleet.md asks of a PgBouncer that fails over: a login refused by
# the old primary as it shuts down would hold every new server connection
# for the default 15 s
server_login_retry = 1
logfile = $bdir/pgbouncer.log
pidfile = $bdir/pgbouncer.pid
EOF
}

sub bouncer_start {
    my ($self) = @_;
    my $bdir = $self->{bdir} = $self->a->dir . '/pgbouncer';
    $self->own_dir($bdir);
    $self->{bport} = Extranet::Test::free_port();
    $self->a->write_file("$bdir/userlist.txt",
                         join('', map { qq("$_" ""\n) } qw(extranet_module postgres)));
    $self->bouncer_config;
    my @cmd = ($PGBOUNCER, '-d', "$bdir/pgbouncer.ini");
    @cmd = ('runuser', '-u', 'postgres', '--', @cmd) if $self->{as_postgres};
    my $out = Extranet::Test::run_capture(@cmd);
    die "pgbouncer did not start: $out" if $?;
    my $deadline = time + 10;
    until (($self->{bouncer_pid}) = $self->a->read_file("$bdir/pgbouncer.pid") =~ /(\d+)/
           and Extranet::Test::port_open($self->{bport})) {
        die "pgbouncer is not listening" if time > $deadline;
        sleep 0.05;
    }
}

# --- the nodes and the load balancer ---------------------------------------------------

sub conninfo_a {
    my ($self) = @_;
    return "host=127.0.0.1 port=$self->{bport} dbname=extranet user=extranet_module"
         . ' connect_timeout=2';
}

sub conninfo_b {
    my ($self) = @_;
    my %db = %{$self->{db}};
    return "host=$db{host},$self->{sdir} port=$db{port},$self->{sport} dbname=extranet"
         . " user=$db{user} target_session_attrs=read-write connect_timeout=2";
}

sub node_config {
    my ($self, $node, %o) = @_;
    my $behind_bouncer = $node eq $self->a;
    return $node->standard_config(
        db       => $behind_bouncer ? $self->conninfo_a : $self->conninfo_b,
        site_url => $self->lb->origin,
        secret_files => $o{secret_files},
        http     => 'auth_extranet_session_timeout idle=30m absolute=2h refresh=5m;'
                  . ' auth_extranet_db_timeout 2s;'
                  . ($behind_bouncer ? ' auth_extranet_db_prepared_statements off;' : '')
                  . ' ' . $self->{http} . ' ' . ($o{http} // ''));
}

sub lb_config {
    my ($self) = @_;
    my ($pa, $pb) = ($self->a->port, $self->b->port);
    return <<"EOF";
daemon on;
master_process on;
worker_processes 1;
pid %%TESTDIR%%/nginx.pid;
error_log %%TESTDIR%%/error.log info;

events {
    worker_connections 256;
}

http {
    access_log %%TESTDIR%%/access.log;
    client_body_temp_path %%TESTDIR%%/client_body_temp;
    proxy_temp_path       %%TESTDIR%%/proxy_temp;

    upstream fleet {
        server 127.0.0.1:$pa;
        server 127.0.0.1:$pb;
    }

    server {
        listen 127.0.0.1:%%PORT%%;

        location / {
            proxy_pass http://fleet;
            proxy_set_header Host \$http_host;
            proxy_next_upstream off;
        }
    }
}
EOF
}

sub start {
    my ($self) = @_;
    $self->a->run($self->node_config($self->a));
    $self->b->run($self->node_config($self->b));
    $self->lb->run($self->lb_config);
}

# Whether the cookie passes on the node: the legacy app got the account.
sub passes {
    my ($self, $node, $cookie) = @_;
    my $h = $node->upstream_headers($cookie);
    return $h->{status} == 200 && ($h->{Account} // '') ne '';
}

# Seconds until the cookie is refused on the node (polled every 20 ms),
# undef if it still passes after `limit` seconds.
sub refused_after {
    my ($self, $node, $cookie, $since, $limit) = @_;
    $limit //= 3;
    while (time - $since < $limit) {
        return time - $since unless $self->passes($node, $cookie);
        sleep 0.02;
    }
    return undef;
}

sub DESTROY {
    my ($self) = @_;
    return unless $$ == $self->{owner};
    local ($?, $!, $@);
    $_->stop for grep { $_ } @{$self}{qw(lb a b)};
    if ($self->{bouncer_pid}) {
        kill 'TERM', $self->{bouncer_pid};
        my $deadline = time + 5;
        sleep 0.05 while kill(0, $self->{bouncer_pid}) && time < $deadline;
        kill 'KILL', $self->{bouncer_pid} if kill 0, $self->{bouncer_pid};
    }
    if ($self->{standby_running}) {
        $self->as_server("$PGBIN/pg_ctl", '-D', "$self->{sdir}/data", '-m', 'immediate', '-w',
                         'stop');
    }
}

1;
