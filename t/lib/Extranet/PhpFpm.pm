package Extranet::PhpFpm;
# Debian's php-fpm 8.2 for the tests, in an Extranet::Test object's folder:
# its pool listens on <dir>/php-fpm.sock (workers as nobody), started in
# the foreground by the test and stopped with it.
#
#   my $fpm = Extranet::PhpFpm->new($t, children => 2, extra => "...");
#   ... fastcgi_pass unix:%%TESTDIR%%/php-fpm.sock; ...
#   $fpm->stop;     # or at the end of the test file

use strict;
use warnings;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

our $PHP_FPM = $ENV{TEST_PHP_FPM} || '/usr/sbin/php-fpm8.2';

sub new {
    my ($class, $t, %o) = @_;
    BAIL_OUT("php-fpm not found: $PHP_FPM (apt-get install php8.2-fpm)") unless -x $PHP_FPM;
    my $dir = $t->dir;
    my $children = $o{children} // 1;
    my $extra = $o{extra} // '';
    $t->write_file('php-fpm.conf', <<"CONF");
[global]
pid = $dir/php-fpm.pid
error_log = $dir/php-fpm.log
daemonize = no

[extranet]
user = nobody
group = nogroup
listen = $dir/php-fpm.sock
listen.owner = nobody
listen.group = nogroup
listen.mode = 0660
pm = static
pm.max_children = $children
$extra
CONF
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>>', "$dir/php-fpm.out";
        open STDERR, '>&', \*STDOUT;
        exec $PHP_FPM, '-F', '-y', "$dir/php-fpm.conf", '-p', $dir or POSIX::_exit(127);
    }
    my $self = bless { pid => $pid, owner => $$ }, $class;
    my $deadline = time + 15;
    sleep 0.05 while !-S "$dir/php-fpm.sock" && time < $deadline && waitpid($pid, WNOHANG) == 0;
    ok(-S "$dir/php-fpm.sock", 'php-fpm listens on its socket')
        or BAIL_OUT("php-fpm did not start:\n" . $t->read_file('php-fpm.out')
                    . $t->read_file('php-fpm.log'));
    return $self;
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid};
    return unless $pid && $$ == $self->{owner};
    if (kill 0, $pid) {
        kill 'QUIT', $pid;
        my $deadline = time + 10;
        sleep 0.05 while waitpid($pid, WNOHANG) == 0 && time < $deadline;
        kill 'KILL', $pid if kill 0, $pid;
        waitpid($pid, 0);
    }
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $self->stop;
}

1;
