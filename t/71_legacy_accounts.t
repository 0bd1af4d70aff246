#!/usr/bin/perl
# The legacy accounts contract of docs/legacy-accounts.md: a legacy schema
# like the one sql/examples/legacy_view.sql expects, mapped onto
# extranet.legacy_account by that file as shipped; one account per accepted
# hash format (crypt(3) $2y$ $6$ $5$ $y$ $1$, PHC $scrypt$ and
# $pbkdf2-sha256$) logs in with its password through the portal, a wrong
# password does not, an unknown format is refused and logged, an inactive
# account is refused; sql/examples/legacy_check.sql shows the formats and
# the problems; extranet-admin find shows an account of the view.

use strict;
use warnings;
use utf8;
use Test::More;
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use Extranet::Test;

my $ROOT = $Extranet::Test::ROOT;
my $t = Extranet::Test->new;

# --- the legacy schema, as a legacy application has it ------------------------

my $password = 'Ancien-mot-2019';
my $b64 = sub { (my $s = encode_base64($_[0], '')) =~ s/=+$//; $s };

# scrypt as a PHC string (ln=10 keeps the test fast), with OpenSSL through
# Python's hashlib: no scrypt in core Perl.
my $scrypt = `python3 -c 'import hashlib,base64,sys; s=b"0123456789abcdef"; h=hashlib.scrypt(sys.argv[1].encode(), salt=s, n=1024, r=8, p=1, dklen=32); e=lambda b: base64.b64encode(b).decode().rstrip("="); print("\$scrypt\$ln=10,r=8,p=1\$" + e(s) + "\$" + e(h))' '$password'`;
chomp $scrypt;
like($scrypt, qr/^\$scrypt\$ln=10,r=8,p=1\$/, 'a PHC scrypt hash made');

my %accounts = (
    # code => [hash, label, active]
    '050000000001' => [crypt($password, '$2y$05$abcdefghijklmnopqrstuu'), 'bcrypt', 1],
    '050000000002' => [crypt($password, '$6$saltsalt$'), 'sha512-crypt', 1],
    '050000000003' => [crypt($password, '$5$rounds=5000$saltsalt$'), 'sha256-crypt', 1],
    '050000000004' => [crypt($password, '$y$j9T$abcdefghijklmnop$'), 'yescrypt', 1],
    '050000000005' => [crypt($password, '$1$saltsalt$'), 'md5-crypt', 1],
    '050000000006' => [$scrypt, 'scrypt', 1],
    '050000000007' => [$t->pbkdf2_hash($password, iterations => 1000), 'pbkdf2', 1],
    # a plain md5() of the password, as some old applications stored
    '050000000008' => ['5f4dcc3b5aa765d61d8327deb882cf99', 'md5 hex', 1],
    # closed in the legacy application
    '050000000009' => [crypt($password, '$6$saltsalt$'), 'closed', 0],
);
for my $code (sort keys %accounts) {
    ok(length $accounts{$code}[0] > 20, "hash of $accounts{$code}[1] made");
}

my $rows = join ",\n", map {
    my ($hash, $label, $active) = @{$accounts{$_}};
    sprintf("('%s', '0500', %s, %s, %s)", $_, $t->sql_quote($hash),
            $t->sql_quote("Lot $label"), $active ? 'true' : 'false')
} sort keys %accounts;
$t->psql(<<"EOF");
CREATE SCHEMA legacy;
CREATE TABLE legacy.syndic (code varchar(4) PRIMARY KEY, raison_sociale varchar(80) NOT NULL);
CREATE TABLE legacy.coproprietaire (
    num_compte varchar(12) PRIMARY KEY, code_syndic varchar(4) NOT NULL REFERENCES legacy.syndic,
    mot_de_passe varchar(255) NOT NULL, libelle_lot varchar(120), actif boolean);
INSERT INTO legacy.syndic VALUES ('0500', 'Syndic Legrand');
INSERT INTO legacy.coproprietaire VALUES
$rows;
EOF

# --- legacy_view.sql, as shipped ------------------------------------------------

my $view = do { local (@ARGV, $/) = ("$ROOT/sql/examples/legacy_view.sql"); <> };
$t->psql($view);
is($t->psql_value("SELECT relkind FROM pg_class WHERE oid = 'extranet.legacy_account'::regclass"),
   'v', 'extranet.legacy_account is now a view');
is($t->psql_value("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', '"
                . " ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'extranet.legacy_account'::regclass"
                . " AND attnum > 0"),
   'code text, syndic_code text, syndic_name text, password_hash text, label text, active boolean',
   'its six columns, names and types as docs/legacy-accounts.md lists them');

$t->run($t->standard_config);

for my $code (sort keys %accounts) {
    my ($hash, $label, $active) = @{$accounts{$code}};
    my $typed = join ' ', unpack('(A4)*', $code);    # as printed on paper
    my ($cookie, $r) = $t->login($typed, $password);
    if ($label eq 'md5 hex' || !$active) {
        ok(!$cookie, "$label: refused");
        is($r->status, 401, "$label: the answer of a wrong password");
        next;
    }
    ok($cookie, "$label: logs in with the legacy password") or diag($r->dump);
    my $h = $t->upstream_headers($cookie);
    is($h->{Account}, $code, "$label: X-Extranet-Account");
    is($h->{Syndic}, '0500', "$label: X-Extranet-Syndic");
    my ($wrong) = $t->login($code, "$password-x");
    ok(!$wrong, "$label: a wrong password is refused");
}
like($t->error_log, qr/unknown legacy password hash format for account 050000000008/,
     'the unknown format is named in the error log');
unlike($t->error_log, qr/unknown legacy password hash format for account 05000000000[1-7]/,
       'no accepted format is called unknown');

# --- legacy_check.sql -----------------------------------------------------------

my ($host, $port) = $t->db =~ /host=(\S+) port=(\d+)/;
my $out = Extranet::Test::run_capture($Extranet::Test::PG_SH, 'psql', $host, $port,
                                      '-X', '-A', '-F', '|',
                                      '-v', 'ON_ERROR_STOP=1',
                                      '-f', "$ROOT/sql/examples/legacy_check.sql");
is($? >> 8, 0, 'legacy_check.sql runs') or diag($out);
for my $f ('bcrypt $2y$05', 'sha512-crypt $6$', 'sha256-crypt $5$', 'yescrypt $y$',
           'scrypt (PHC)', 'pbkdf2-sha256 (PHC)') {
    like($out, qr/^\Q$f\E[^|]*\|1$/m, "legacy_check.sql counts one $f account");
}
like($out, qr/^UNKNOWN\|1$/m, 'legacy_check.sql counts the unknown format');
like($out, qr/^sha512-crypt \$6\$\|1$/m, '... and leaves the inactive account out');
like($out, qr/Index (Only )?Scan/, 'the lookup by code uses the legacy index');

# --- extranet-admin find --------------------------------------------------------

(my $conninfo = $t->db) =~ s/\s*user=\S+//;
{
    local $ENV{PGUSER};
    delete $ENV{PGUSER};
    $out = Extranet::Test::run_capture("$ROOT/tools/extranet-admin", '--db', $conninfo,
                                       '--operator', 'test', 'find', '050000000001');
}
is($? >> 8, 0, 'extranet-admin find, as extranet_admin, reads the view') or diag($out);
like($out, qr/^Account 050000000001: syndic 0500 Syndic Legrand, Lot bcrypt$/m,
     '... the account, its syndic and label');

$t->stop;
$t->error_log_ok;
done_testing;
