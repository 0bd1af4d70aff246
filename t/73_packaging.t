#!/usr/bin/perl
# What the package's sources promise, checked without building it (cheap,
# no root): Build-Depends names the -dev package of every library the
# module links; make deb installs those and the packaging tools only (no
# PostgreSQL server, no njs); the licence is BSD 2-Clause everywhere it is
# stated (LICENSE, debian/copyright in DEP-5, the two-line notice at the
# top of each source file of src/).

use strict;
use warnings;
use utf8;
use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname basename);
use lib 't/lib';
use Extranet::Test;

my $ROOT = $Extranet::Test::ROOT;

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    return scalar <$fh>;
}

# --- Build-Depends covers what the build links ---------------------------------

my $control = slurp("$ROOT/debian/control");
my ($bd) = $control =~ /^Build-Depends:\s*(.*?)\n(?!\s)/ms;
my %build_depends = map { /^\s*([a-z0-9][a-z0-9.+-]+)/ ? ($1 => 1) : () } split /,/, $bd;
ok(%build_depends, 'debian/control has Build-Depends: ' . join(' ', sort keys %build_depends));

my ($libs) = slurp("$ROOT/config") =~ /^ngx_module_libs="([^"]*)"/m;
my @libs = $libs =~ /-l(\S+)/g;
ok(@libs, "config links: @libs");
# build-essential brings the C and C++ runtimes' -dev packages
my %essential = map { $_ => 1 } qw(c pthread stdc++ m dl);
for my $lib (grep { !$essential{$_} } @libs) {
    chomp(my $path = `gcc -print-file-name=lib$lib.so`);
    $path = abs_path(dirname($path)) . "/lib$lib.so" if $path =~ m{/};
    my ($owner) = `dpkg -S '$path' 2>/dev/null` =~ /^([^:,\s]+)/;
    ok($owner, "-l$lib: $path belongs to $owner") or next;
    ok($build_depends{$owner}, "-l$lib: $owner is in Build-Depends");
}
ok($build_depends{'nginx-dev'}, 'nginx-dev (dh_nginx, the nginx tree) is in Build-Depends');

# --- make deb installs the build's packages only --------------------------------

my $db = `make -s -p -n -C '$ROOT' -f Makefile .DEFAULT 2>/dev/null`;
my ($deb_packages) = $db =~ /^DEB_PACKAGES\s*:?=\s*(.*)$/m;
my %deb = map { $_ => 1 } split ' ', $deb_packages // '';
for my $p (grep { $_ ne 'debhelper-compat' } sort keys %build_depends) {
    ok($deb{$p}, "make deb installs $p (Build-Depends)");
}
for my $p (qw(debhelper dpkg-dev lintian)) {
    ok($deb{$p}, "make deb installs $p");
}
for my $p (grep { /^postgresql(-\d+)?$|^libnginx-mod-http-js$|^nginx$/ } keys %deb) {
    fail("make deb installs $p, which a build does not need");
}
my ($deb_rule) = $db =~ /^deb:(.*)$/m;
is($deb_rule // '', '', 'make deb depends on no other target (make deps would install PostgreSQL and njs)');

# --- the MTA is a suggestion ------------------------------------------------------

my ($recommends) = $control =~ /^Recommends:\s*(.*?)\n(?!\s)/ms;
unlike($recommends // '', qr/mta|mail-transport-agent/, 'Recommends: no MTA');
like($control, qr/^Suggests:.*default-mta \| mail-transport-agent/m, 'Suggests: an MTA');

# --- licence ----------------------------------------------------------------------

my $license = slurp("$ROOT/LICENSE");
like($license, qr/^Copyright \(c\) 2026 The ngx_http_auth_extranet_module authors$/m,
     'LICENSE: the copyright holder');
like($license, qr/Redistribution and use in source and binary forms/, 'LICENSE: BSD 2-Clause text');
unlike($license, qr/3\. Neither the name/, 'LICENSE: two clauses, not three');

my $copyright = slurp("$ROOT/debian/copyright");
like($copyright, qr{\AFormat: https://www\.debian\.org/doc/packaging-manuals/copyright-format/1\.0/\n},
     'debian/copyright: DEP-5 format line');
like($copyright, qr/^Files: \*\nCopyright: 2026 The ngx_http_auth_extranet_module authors\nLicense: BSD-2-clause$/m,
     'debian/copyright: Files: * under BSD-2-clause');
like($copyright, qr/^License: BSD-2-clause\n Redistribution and use/m,
     'debian/copyright: the licence text');
unlike($copyright, qr/no licence|not chosen/i, 'debian/copyright: no "licence not chosen" left');
# every short licence name used has its text
my %named = map { $_ => 1 } $copyright =~ /^License: (\S+)\s*$/mg;
for my $name (sort keys %named) {
    like($copyright, qr/^License: \Q$name\E\n /m, "debian/copyright: the text of $name");
}

my @sources = grep { !/\.inc$/ } split /\n/, `cd '$ROOT' && ls src/*/*.cpp src/*/*.h src/*/*/*.cpp src/*/*/*.h 2>/dev/null`;
ok(@sources > 20, scalar(@sources) . ' source files under src/');
my @bad;
for my $f (@sources) {
    my ($one, $two) = split /\n/, slurp("$ROOT/$f");
    push @bad, $f unless ($one // '') =~ m{^(//|/\*) Copyright \(C\) 2026 The ngx_http_auth_extranet_module authors( \*/)?$}
                     && ($two // '') =~ m{^(//|/\*) SPDX-License-Identifier: BSD-2-Clause( \*/)?$};
}
is_deeply(\@bad, [], 'every source file of src/ starts with the two-line notice');

done_testing;
