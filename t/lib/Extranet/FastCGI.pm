package Extranet::FastCGI;

# A minimal FastCGI responder for the integration tests, in core Perl only:
# it stands in for PHP-FPM and answers every request with what PHP would
# see in $_SERVER of interest to the module, as text/plain lines:
#
#   HTTP_X_EXTRANET_ACCOUNT=030000100001     every HTTP_X_EXTRANET_* param,
#   HTTP_X_EXTRANET_LOGIN=code               sorted by name, each occurrence
#   HTTP_COOKIE=theme=sombre                 when the request had cookies
#
#   use Extranet::FastCGI;
#   my $fcgi = Extranet::FastCGI->new;      # listening, child forked
#   ... fastcgi_pass 127.0.0.1:${\ $fcgi->port}; ...
#   $fcgi->requests;                        # REQUEST_URIs served so far
#   $fcgi->served;                          # [connection number, REQUEST_URI]...
#   $fcgi->stop;                            # or let DESTROY / END do it
#
# The responder never outlives the test: it is stopped by stop(), DESTROY or
# END, exits by itself when its parent dies, and after `timeout` seconds
# (default 300) whatever happens.
#
# FastCGI 1.0 (https://fastcgi-archives.github.io/FastCGI_Specification.html):
# records of an 8-byte header (version, type, request id, content length,
# padding length, reserved) then content and padding.

use strict;
use warnings;

use File::Temp qw(tempfile);
use IO::Select;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

use constant {
    FCGI_VERSION_1         => 1,
    FCGI_BEGIN_REQUEST     => 1,
    FCGI_ABORT_REQUEST     => 2,
    FCGI_END_REQUEST       => 3,
    FCGI_PARAMS            => 4,
    FCGI_STDIN             => 5,
    FCGI_STDOUT            => 6,
    FCGI_GET_VALUES        => 9,
    FCGI_GET_VALUES_RESULT => 10,
    FCGI_UNKNOWN_TYPE      => 11,
    FCGI_KEEP_CONN         => 1,
    FCGI_REQUEST_COMPLETE  => 0,
    FCGI_UNKNOWN_ROLE      => 3,
    FCGI_RESPONDER         => 1,
};

my %LIVE;           # responder pids started by this process
my $OWNER = $$;     # only the process that started them stops them

# Options: port (default: one the system picks, so never taken), timeout
# (the responder's whole life in seconds, default 300), io_timeout (how long
# one connection may stall, default 10).
sub new {
    my ($class, %o) = @_;
    my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                       LocalPort => $o{port} // 0,
                                       Proto => 'tcp', Listen => 64, ReuseAddr => 1)
        or die "FastCGI responder: listen: $!";
    # "connection number TAB REQUEST_URI" per request served, for the test.
    my (undef, $log) = tempfile('extranet-fcgi-XXXXXX', TMPDIR => 1, UNLINK => 0);

    my $self = bless {
        port       => $listen->sockport,
        log        => $log,
        timeout    => $o{timeout} // 300,
        io_timeout => $o{io_timeout} // 10,
    }, $class;

    my $parent = $$;
    my $pid = fork // die "FastCGI responder: fork: $!";
    if ($pid == 0) {
        # No END block, no Test::More summary, no harness cleanup in here.
        local $SIG{TERM} = sub { POSIX::_exit(0) };
        eval { $self->serve($listen, $parent) };
        POSIX::_exit(0);
    }
    close $listen;  # the child's copy keeps listening: connects queue until it accepts
    $self->{pid} = $pid;
    $LIVE{$pid} = 1;
    return $self;
}

sub port { $_[0]{port} }
sub pid  { $_[0]{pid} }

# The requests answered so far, oldest first, as [connection number (from
# 1, in accept order), REQUEST_URI]: requests sharing a number came over one
# kept-alive connection.
sub served {
    my ($self) = @_;
    open my $fh, '<', $self->{log} or return ();
    chomp(my @lines = <$fh>);
    return map { [split /\t/, $_, 2] } @lines;
}

# The REQUEST_URIs answered so far, oldest first.
sub requests {
    my ($self) = @_;
    return map { $_->[1] } $self->served;
}

sub stop {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    stop_pid($pid);
    unlink $self->{log} if $self->{log};
}

sub stop_pid {
    my ($pid) = @_;
    delete $LIVE{$pid};
    kill 'TERM', $pid;
    my $deadline = time + 5;
    while (time < $deadline) {
        return if waitpid($pid, WNOHANG) != 0;
        sleep 0.02;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

sub DESTROY {
    my ($self) = @_;
    return unless $$ == $OWNER;
    local ($?, $!, $@);
    $self->stop;
}

END {
    return unless $$ == $OWNER;
    local $?;
    stop_pid($_) for keys %LIVE;
}

# ---------------------------------------------------------------------------
# The child

sub serve {
    my ($self, $listen, $parent) = @_;
    my $end = time + $self->{timeout};
    my $sel = IO::Select->new($listen);
    while (time < $end) {
        # Orphaned (the test died without END): reparented, so stop, and
        # take the log nobody will read along.
        if (getppid() != $parent) {
            unlink $self->{log};
            return;
        }
        next unless $sel->can_read(0.2);
        my $c = $listen->accept or next;
        binmode $c;
        $self->{connections}++;
        eval { $self->connection($c) };
        close $c;
    }
}

# One connection: requests one after another while nginx asks to keep it
# (fastcgi_keep_conn on), a single one otherwise.
sub connection {
    my ($self, $c) = @_;
    my %req;    # request id -> { keep, params (raw), stdin_done, params_done }
    while (1) {
        my $head = $self->read_exact($c, 8) // return;
        my ($version, $type, $id, $len, $pad) = unpack('C C n n C', $head);
        die "FastCGI version $version" unless $version == FCGI_VERSION_1;
        my $content = $self->read_exact($c, $len + $pad) // return;
        $content = substr($content, 0, $len);

        if ($type == FCGI_GET_VALUES) {
            write_record($c, FCGI_GET_VALUES_RESULT, 0, '');
            next;
        }
        if ($id == 0) {
            write_record($c, FCGI_UNKNOWN_TYPE, 0, pack('C x7', $type));
            next;
        }
        if ($type == FCGI_BEGIN_REQUEST) {
            my ($role, $flags) = unpack('n C', $content);
            if ($role != FCGI_RESPONDER) {
                write_record($c, FCGI_END_REQUEST, $id, pack('N C x3', 0, FCGI_UNKNOWN_ROLE));
                return unless $flags & FCGI_KEEP_CONN;
                next;
            }
            $req{$id} = { keep => $flags & FCGI_KEEP_CONN, params => '' };
        } elsif ($type == FCGI_ABORT_REQUEST) {
            my $r = delete $req{$id} or next;
            write_record($c, FCGI_END_REQUEST, $id, pack('N C x3', 0, FCGI_REQUEST_COMPLETE));
            return unless $r->{keep};
        } elsif ($type == FCGI_PARAMS) {
            my $r = $req{$id} or next;
            if ($len) { $r->{params} .= $content } else { $r->{params_done} = 1 }
        } elsif ($type == FCGI_STDIN) {
            my $r = $req{$id} or next;
            # The body itself is of no interest; an empty record ends it.
            $r->{stdin_done} = 1 unless $len;
        } else {
            write_record($c, FCGI_UNKNOWN_TYPE, 0, pack('C x7', $type));
        }

        my $r = $req{$id};
        next unless $r && $r->{params_done} && $r->{stdin_done};
        delete $req{$id};
        $self->respond($c, $id, parse_params($r->{params}));
        return unless $r->{keep};
    }
}

sub respond {
    my ($self, $c, $id, $params) = @_;
    my %first;
    for (@$params) { $first{$_->[0]} //= $_->[1] }
    if (open my $fh, '>>', $self->{log}) {
        print {$fh} $self->{connections}, "\t",
                    ($first{REQUEST_URI} // $first{SCRIPT_FILENAME} // '?'), "\n";
        close $fh;
    }
    # Every occurrence, so that a duplicate (a client's copy next to the
    # module's) shows; sort is stable, repeated names keep their order.
    my $body = join '', map { "$_->[0]=$_->[1]\n" }
                        sort { $a->[0] cmp $b->[0] }
                        grep { $_->[0] =~ /^HTTP_X_EXTRANET_/ } @$params;
    $body .= join '', map { "HTTP_COOKIE=$_->[1]\n" } grep { $_->[0] eq 'HTTP_COOKIE' } @$params;

    my $out = "Content-Type: text/plain\r\n\r\n$body";
    # A record carries at most 65535 bytes.
    while (length $out) {
        write_record($c, FCGI_STDOUT, $id, substr($out, 0, 65535, ''));
    }
    write_record($c, FCGI_STDOUT, $id, '');
    write_record($c, FCGI_END_REQUEST, $id, pack('N C x3', 0, FCGI_REQUEST_COMPLETE));
}

# Name-value pairs, as [name, value] in the order received: each length is
# one byte (< 128) or four bytes with the high bit set.
sub parse_params {
    my ($raw) = @_;
    my @p;
    my $off = 0;
    my $length = sub {
        die "truncated params" if $off >= length $raw;
        my $b = ord substr($raw, $off, 1);
        if ($b < 0x80) { $off += 1; return $b }
        die "truncated params" if $off + 4 > length $raw;
        my $n = unpack('N', substr($raw, $off, 4)) & 0x7fffffff;
        $off += 4;
        return $n;
    };
    while ($off < length $raw) {
        my $nlen = $length->();
        my $vlen = $length->();
        die "truncated params" if $off + $nlen + $vlen > length $raw;
        my $name = substr($raw, $off, $nlen);
        my $value = substr($raw, $off + $nlen, $vlen);
        $off += $nlen + $vlen;
        push @p, [$name, $value];
    }
    return \@p;
}

sub write_record {
    my ($c, $type, $id, $content) = @_;
    my $pad = (8 - length($content) % 8) % 8;
    my $rec = pack('C C n n C x', FCGI_VERSION_1, $type, $id, length $content, $pad)
            . $content . ("\0" x $pad);
    my $off = 0;
    while ($off < length $rec) {
        my $n = syswrite($c, $rec, length($rec) - $off, $off);
        die "write: $!" unless defined $n;
        $off += $n;
    }
}

# Exactly $n bytes, or undef at end of stream or after io_timeout.
sub read_exact {
    my ($self, $c, $n) = @_;
    my $buf = '';
    my $deadline = time + $self->{io_timeout};
    my $sel = IO::Select->new($c);
    while (length $buf < $n) {
        my $left = $deadline - time;
        return undef if $left <= 0 || !$sel->can_read($left);
        my $got = sysread($c, $buf, $n - length $buf, length $buf);
        return undef unless $got;
    }
    return $buf;
}

1;
