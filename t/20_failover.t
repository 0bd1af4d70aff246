#!/usr/bin/perl
# libpq multi-host failover (auth_extranet_db "host=a,b ..."): when the first
# host hangs (it accepts the TCP connection and never answers the startup
# packet) or refuses at once, the pool thread moves on to the second host
# and the login succeeds; connect_timeout applies to each host, ours by
# default or the conninfo's own; with no host left, 503.

use strict;
use warnings;
use utf8;
use Test::More;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;

# The harness's cluster also listens on 127.0.0.1:<its port>.
my %db = $t->db =~ /(\w+)=(\S+)/g;
ok($db{port} && $db{dbname} && $db{user}, 'the cluster conninfo has port, dbname, user')
    or BAIL_OUT('unexpected conninfo: ' . $t->db);

# A "host" that accepts and never answers: a child process that takes every
# connection, reads the startup packet and keeps the socket open, silent.
# Each accepted connection is noted in a file, to prove it was tried.
my $listener = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                     Proto => 'tcp', Listen => 64, ReuseAddr => 1)
    or die "listen: $!";
my $hang_port = $listener->sockport;
my $hang_log = $t->dir . '/hang.log';
my $hang_pid = fork // die "fork: $!";
if ($hang_pid == 0) {
    my @held;
    while (my $c = $listener->accept) {
        sysread($c, my $startup, 8192);
        open my $fh, '>>', $hang_log or POSIX::_exit(1);
        print {$fh} 'accepted ', length($startup // ''), " bytes\n";
        close $fh;
        push @held, $c;
    }
    POSIX::_exit(0);
}
close $listener;
my $parent = $$;
END { kill 'TERM', $hang_pid if $hang_pid && $$ == $parent }

# A port nothing listens on: the connection is refused at once.
my $closed_port = Extranet::Test::free_port();

sub conninfo {
    my ($first_port, $extra) = @_;
    return "host=127.0.0.1,127.0.0.1 port=$first_port,$db{port} dbname=$db{dbname}"
         . " user=$db{user} target_session_attrs=read-write" . ($extra // '');
}

sub accepted { scalar(() = $t->read_file($hang_log) =~ /^accepted/mg) }

sub login_ok {
    my ($name) = @_;
    my ($cookie, $r) = $t->login('030000100001', 'tilleuls-0001');
    is($r->status, 303, "$name: login 303") or diag($r->dump);
    ok($cookie, "$name: a session cookie");
    my $h = $t->upstream_headers($cookie);
    is($h->{Account}, '030000100001', "$name: the session reaches the legacy app");
}

# --- the first host hangs, connect_timeout=1 in the conninfo -------------------------------

$t->run($t->standard_config(db => conninfo($hang_port, ' connect_timeout=1')));
login_ok('first host hangs (connect_timeout=1)');
cmp_ok(accepted(), '>=', 1, 'the hanging host was tried first');
like($t->read_file($hang_log), qr/^accepted [1-9]\d* bytes$/m,
     'it got a startup packet and never answered it');

# --- the first host hangs, no connect_timeout: the module's default per host ---------------

my $before = accepted();
$t->run($t->standard_config(db => conninfo($hang_port),
                            http => 'auth_extranet_db_timeout 2s;'));
login_ok('first host hangs (default connect_timeout)');
cmp_ok(accepted(), '>', $before, 'the hanging host was tried again');

# --- the first host refuses at once --------------------------------------------------------

$t->run($t->standard_config(db => conninfo($closed_port, ' connect_timeout=1')));
login_ok('first host refuses');

# --- a URI conninfo fails over too ---------------------------------------------------------

$t->run($t->standard_config(
    db => "postgresql://$db{user}\@127.0.0.1:$closed_port,127.0.0.1:$db{port}/$db{dbname}"
        . '?target_session_attrs=read-write&connect_timeout=1'));
login_ok('URI conninfo, first host refuses');

# --- no host answers: 503 ------------------------------------------------------------------

$t->run($t->standard_config(
    db => "host=127.0.0.1,127.0.0.1 port=$closed_port,$hang_port dbname=$db{dbname}"
        . " user=$db{user} connect_timeout=1"));
my $r = $t->post('/auth/login', form => [login => '030000100001', password => 'tilleuls-0001']);
is($r->status, 503, 'no host answers: 503');
like($r->text, qr/Service momentanément indisponible/, 'no host answers: the French page');
like($t->error_log, qr/database connection failed/, 'no host answers: logged');

$t->error_log_ok(crit => qr/database|connection/);

kill 'TERM', $hang_pid;
waitpid($hang_pid, 0);
$hang_pid = 0;

done_testing;
