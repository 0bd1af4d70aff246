#!/usr/bin/perl
# tools/extranet-migrate, the schema upgrade path: every migration applied
# once, in order, recorded in extranet.schema_migration; a second run
# applies nothing; a recorded migration missing from the folder is refused
# with nothing changed; a failing migration stops the run, is not recorded
# and is picked up by the next run; a database made by hand is adopted with
# --baseline; two runs at once apply nothing twice. Each case on its own
# database of the file's PostgreSQL.

use strict;
use warnings;
use utf8;
use Test::More;
use File::Copy qw(copy);
use File::Path qw(make_path);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $ROOT = $Extranet::Test::ROOT;
my $TOOL = "$ROOT/tools/extranet-migrate";
my ($host, $port) = $t->db =~ /host=(\S+) port=(\d+)/;
my @repo = map { s{.*/}{}r } sort glob("$ROOT/sql/migrations/*.sql");
my $PSQL = '/usr/lib/postgresql/15/bin/psql';
$ENV{PSQL} = $PSQL if -x $PSQL;
$ENV{PGOPTIONS} = '-c client_min_messages=warning';
delete $ENV{EXTRANET_MIGRATIONS};

# --- the harness's own database went through the tool (scripts/pg.sh) -------

is_deeply([map { $_->[0] } $t->psql('SELECT name FROM extranet.schema_migration ORDER BY version')],
          \@repo, 'scripts/pg.sh applied every migration through extranet-migrate');

# --- a fresh database ------------------------------------------------------------

fresh('mig_fresh');
my ($rc, $out) = migrate('mig_fresh');
is($rc, 0, 'fresh database: exit 0') or diag($out);
is_deeply([$out =~ /^applying (\S+)$/mg], \@repo, '... every migration applied, in order');
is_deeply([map { $_->[0] } rows('mig_fresh', 'SELECT name FROM extranet.schema_migration ORDER BY applied_at, version')],
          \@repo, '... and recorded in that order');
is(value('mig_fresh', "SELECT count(*) FROM pg_roles WHERE rolname = 'extranet_module'"), 1,
   '... the migrations ran (role extranet_module exists)');
my ($sum) = split ' ', `sha256sum '$ROOT/sql/migrations/$repo[0]'`;
is(value('mig_fresh', "SELECT checksum FROM extranet.schema_migration WHERE name = '$repo[0]'"), $sum,
   '... with the sha256 of each file');

my $applied_at = value('mig_fresh', 'SELECT max(applied_at) FROM extranet.schema_migration');
($rc, $out) = migrate('mig_fresh');
is($rc, 0, 'run again: exit 0');
unlike($out, qr/^applying/m, '... nothing applied');
like($out, qr/nothing to apply/, '... and it says so');
is(value('mig_fresh', 'SELECT max(applied_at) FROM extranet.schema_migration'), $applied_at,
   '... no record touched');

($rc, $out) = migrate('mig_fresh', '--status');
is(scalar(() = $out =~ /\s+applied \d{4}-/mg), scalar @repo, '--status: every migration applied')
    or diag($out);

# --- new migrations arrive ---------------------------------------------------

my $dir = folder('later', @repo);
write_sql($dir, '900_add_note.sql', <<'SQL');
BEGIN;
CREATE TABLE extranet.t_note (id int PRIMARY KEY);
COMMIT;
SQL
($rc, $out) = migrate('mig_fresh', '--dry-run', '-D', $dir);
is($rc, 0, '--dry-run: exit 0');
like($out, qr/^would apply 900_add_note\.sql$/m, '--dry-run names the pending migration');
is(value('mig_fresh', "SELECT to_regclass('extranet.t_note') IS NULL"), 't', '--dry-run changes nothing');

($rc, $out) = migrate('mig_fresh', '-D', $dir);
is($rc, 0, 'a new migration: exit 0') or diag($out);
is_deeply([$out =~ /^applying (\S+)$/mg], ['900_add_note.sql'], '... only it is applied');
is(value('mig_fresh', "SELECT to_regclass('extranet.t_note') IS NOT NULL"), 't', '... its table exists');

# --- a recorded migration missing from the folder: refused --------------------

my $old = folder('old', @repo);   # the folder of the previous version
my $count = value('mig_fresh', 'SELECT count(*) FROM extranet.schema_migration');
write_sql($old, '950_other.sql', "CREATE TABLE extranet.t_other (id int);\n");
($rc, $out) = migrate('mig_fresh', '-D', $old);
is($rc, 1, 'a recorded migration missing from the folder: exit 1');
like($out, qr/refusing.*missing/s, '... "refusing", "missing"');
like($out, qr/900_add_note\.sql/, '... naming the missing migration');
is(value('mig_fresh', 'SELECT count(*) FROM extranet.schema_migration'), $count, '... nothing recorded');
is(value('mig_fresh', "SELECT to_regclass('extranet.t_other') IS NULL"), 't',
   '... the new migration of that folder not applied either');

# --- a failing migration --------------------------------------------------------

fresh('mig_fail');
$dir = folder('fail', @repo);
write_sql($dir, '901_good.sql', "BEGIN;\nCREATE TABLE extranet.t_good (id int);\nCOMMIT;\n");
write_sql($dir, '902_bad.sql', "BEGIN;\nCREATE TABLE extranet.t_bad (id int);\nSELECT 1/0;\nCOMMIT;\n");
write_sql($dir, '903_after.sql', "BEGIN;\nCREATE TABLE extranet.t_after (id int);\nCOMMIT;\n");
($rc, $out) = migrate('mig_fail', '-D', $dir);
is($rc, 1, 'a failing migration: exit 1');
like($out, qr/902_bad\.sql.*division by zero/s, '... the error names the file');
is_deeply([map { $_->[0] } rows('mig_fail', 'SELECT name FROM extranet.schema_migration ORDER BY version')],
          [@repo, '901_good.sql'], '... those before it are recorded, it and those after it are not');
is(value('mig_fail', "SELECT to_regclass('extranet.t_bad') IS NULL"), 't',
   '... its transaction rolled back');
is(value('mig_fail', "SELECT to_regclass('extranet.t_after') IS NULL"), 't',
   '... the one after it not run');

write_sql($dir, '902_bad.sql', "BEGIN;\nCREATE TABLE extranet.t_bad (id int);\nCOMMIT;\n");
($rc, $out) = migrate('mig_fail', '-D', $dir);
is($rc, 0, 'fixed, run again: exit 0') or diag($out);
is_deeply([$out =~ /^applying (\S+)$/mg], ['902_bad.sql', '903_after.sql'],
          '... picks up at the failed one');

# --- changed, out of order, badly named ---------------------------------------

write_sql($dir, '901_good.sql', "BEGIN;\nCREATE TABLE extranet.t_good2 (id int);\nCOMMIT;\n");
write_sql($dir, '899_late.sql', "BEGIN;\nCREATE TABLE extranet.t_late (id int);\nCOMMIT;\n");
($rc, $out) = migrate('mig_fail', '-D', $dir);
is($rc, 0, 'a changed file and a late one: exit 0') or diag($out);
like($out, qr/warning: 901_good\.sql changed since it was applied/, '... the changed file is reported');
is(value('mig_fail', "SELECT to_regclass('extranet.t_good2') IS NULL"), 't', '... and not applied again');
like($out, qr/warning: 899_late\.sql is older than 903_after\.sql/, '... the late one is reported');
is_deeply([$out =~ /^applying (\S+)$/mg], ['899_late.sql'], '... and applied');

write_sql($dir, 'cleanup.sql', "SELECT 1;\n");
($rc, $out) = migrate('mig_fail', '-D', $dir);
is($rc, 1, 'a file not named NNN_name.sql: exit 1');
like($out, qr/cleanup\.sql: a migration is named NNN_name\.sql/, '... naming it');
unlink "$dir/cleanup.sql";

write_sql($dir, '903_again.sql', "SELECT 1;\n");
($rc, $out) = migrate('mig_fail', '-D', $dir);
is($rc, 1, 'two migrations with one number: exit 1');
like($out, qr/two migrations numbered 903/, '... saying so');
unlink "$dir/903_again.sql";

# --- a database set up by hand, before the tool: --baseline --------------------

fresh('mig_hand');
for my $file (@repo) {   # by hand, as the README said before the tool
    my $out = Extranet::Test::run_capture($ENV{PSQL} // 'psql', '-X', '-q',
        '-v', 'ON_ERROR_STOP=1', '-d', conninfo('mig_hand'), '-f', "$ROOT/sql/migrations/$file");
    die "applying $file by hand failed: $out" if $?;
}
$dir = folder('hand', @repo);
write_sql($dir, '900_add_note.sql', "BEGIN;\nCREATE TABLE extranet.t_note (id int);\nCOMMIT;\n");
($rc, $out) = migrate('mig_hand', '-D', $dir);
is($rc, 1, 'a schema made by hand, no record: exit 1');
like($out, qr/--baseline/, '... pointing at --baseline');
is(value('mig_hand', "SELECT to_regclass('extranet.schema_migration') IS NULL"), 't',
   '... nothing created');

(my $last = $repo[-1]) =~ s/_.*//;
($rc, $out) = migrate('mig_hand', '-D', $dir, '--baseline', $last);
is($rc, 0, "--baseline $last: exit 0") or diag($out);
is_deeply([map { $_->[0] } rows('mig_hand', 'SELECT name FROM extranet.schema_migration WHERE baseline ORDER BY version')],
          \@repo, '... the migrations up to it recorded as baseline');
is(value('mig_hand', "SELECT to_regclass('extranet.t_note') IS NULL"), 't', '... nothing run');
like($out, qr/1 migration\(s\) pending/, '... the later one announced as pending');

($rc, $out) = migrate('mig_hand', '-D', $dir, '--baseline', $last);
is($rc, 1, '--baseline again: refused');

($rc, $out) = migrate('mig_hand', '-D', $dir);
is_deeply([$out =~ /^applying (\S+)$/mg], ['900_add_note.sql'], 'then a run applies the later one only');

# --- two runs at once -------------------------------------------------------------

fresh('mig_race');
$dir = folder('race', @repo);
write_sql($dir, '900_slow.sql', "BEGIN;\nSELECT pg_sleep(1);\nCREATE TABLE extranet.t_slow (id int);\nCOMMIT;\n");
my @pids;
for my $n (1, 2) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', $t->dir . "/race$n.log" or die;
        open STDERR, '>&', \*STDOUT;
        exec $TOOL, '-D', $dir, conninfo('mig_race') or POSIX::_exit(127);
    }
    push @pids, $pid;
}
my @rcs = map { waitpid($_, 0); $? >> 8 } @pids;
my @logs = map { $t->read_file("race$_.log") } 1, 2;
is_deeply(\@rcs, [0, 0], 'two runs at once: both exit 0') or diag(join "\n---\n", @logs);
my %applied;
$applied{$_}++ for map { /^applying (\S+)$/mg } @logs;
is_deeply([grep { $applied{$_} != 1 } sort keys %applied], [],
          '... each migration applied by one of them only') or diag(join "\n---\n", @logs);
is(value('mig_race', 'SELECT count(*) FROM extranet.schema_migration'), @repo + 1,
   '... and recorded once');

# --- usage -----------------------------------------------------------------------------

($rc, $out) = migrate('mig_fresh', '--frobnicate');
is($rc, 2, 'an unknown option: exit 2');
($rc, $out) = migrate('mig_fresh', '-D', '/nonexistent');
is($rc, 1, 'a missing folder: exit 1');
like($out, qr{no migrations folder /nonexistent}, '... naming it');
($rc, $out) = run_tool('--status', "host=$host port=$port dbname=no_such_db user=postgres");
is($rc, 1, 'a database that does not exist: exit 1');
like($out, qr/no_such_db/, '... psql says which');

$t->psql("DROP DATABASE $_") for qw(mig_fresh mig_fail mig_hand mig_race);

done_testing;

# ---------------------------------------------------------------------------

sub conninfo { "host=$host port=$port dbname=$_[0] user=postgres" }

sub run_tool {
    my $out = Extranet::Test::run_capture($TOOL, @_);
    return ($? >> 8, $out);
}

# migrate(DB, OPTION...)
sub migrate {
    my ($db, @opts) = @_;
    return run_tool(@opts, conninfo($db));
}

sub fresh {
    my ($db) = @_;
    $t->psql("DROP DATABASE IF EXISTS $db");
    $t->psql("CREATE DATABASE $db");
}

# A migrations folder in the test's directory with copies of the repository's
# migrations named.
sub folder {
    my ($name, @files) = @_;
    my $dir = $t->dir . "/migrations-$name";
    make_path($dir);
    copy("$ROOT/sql/migrations/$_", "$dir/$_") or die "copy $_: $!" for @files;
    return $dir;
}

sub write_sql {
    my ($dir, $name, $sql) = @_;
    $t->write_file("$dir/$name", $sql);
}

sub psql_db {
    my ($db, $sql) = @_;
    my $out = Extranet::Test::run_capture($ENV{PSQL} // 'psql', '-X', '-q', '-A', '-t',
        '-v', 'ON_ERROR_STOP=1', '-d', conninfo($db), '-c', $sql);
    die "psql on $db failed: $out" if $?;
    return $out;
}

sub rows {
    my ($db, $sql) = @_;
    return map { [split /\|/, $_, -1] } grep { length } split /\n/, psql_db($db, $sql);
}

sub value {
    my ($db, $sql) = @_;
    my @r = rows($db, $sql);
    return @r ? $r[0][0] : undef;
}
