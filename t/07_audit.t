#!/usr/bin/perl
# The audit log: every login success and failure is recorded, with what was
# typed as identifier and the client address, never the password.

use strict;
use warnings;
use utf8;
use Test::More;
use Time::HiRes qw(sleep time);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
$t->run($t->standard_config);

# Rows of audit_log after $after (an id) matching $where, waiting a little
# in case the row is written after the answer.
sub audit_rows {
    my ($after, $where) = @_;
    my @rows;
    my $deadline = time + 3;
    do {
        @rows = $t->psql("SELECT event, success, identity_id, account_code, identifier, client_addr, detail"
                       . " FROM extranet.audit_log WHERE id > $after AND ($where) ORDER BY id");
        return @rows if @rows;
        sleep 0.1;
    } while (time < $deadline);
    return @rows;
}


# --- success -----------------------------------------------------------------------

my $mark = $t->audit_mark;
my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'code login');
my @rows = audit_rows($mark, "success");
is(scalar @rows, 1, 'one success row for one login');
my ($event, $success, $identity, $account, $identifier, $addr) = @{$rows[0] // []};
is($event, 'login', 'event login');
is($success, 't', 'success true');
is($account, '030000100001', 'account code');
is($identifier, '030000100001', 'identifier typed');
is($addr, '127.0.0.1', 'client address');
ok(!defined $identity, 'no identity for a code login');

# --- failures ------------------------------------------------------------------------

$mark = $t->audit_mark;
my ($none, $r) = $t->login('030000100001', 'Mauvais-Secret-42');
is($r->status, 401, 'wrong password refused');
@rows = audit_rows($mark, "NOT success");
is(scalar @rows, 1, 'one failure row for a wrong password');
($event, $success, $identity, $account, $identifier) = @{$rows[0] // []};
like($event // '', qr/^login(_failure)?$/, "failure event ($event)");
is($success, 'f', 'success false');
is($identifier, '030000100001', 'the identifier typed');

$mark = $t->audit_mark;
($none, $r) = $t->login('inconnu@example.org', 'Mauvais-Secret-42');
is($r->status, 401, 'unknown e-mail refused');
@rows = audit_rows($mark, "NOT success");
is(scalar @rows, 1, 'one failure row for an unknown identifier');
is($rows[0][4], 'inconnu@example.org', 'the unknown identifier is recorded');
ok(!defined $rows[0][2], 'no identity for an unknown identifier');

# --- e-mail login ----------------------------------------------------------------------

my $id = $t->add_identity('audit@example.org', 'Audit-mot-de-passe-1', accounts => ['040000300001']);
$mark = $t->audit_mark;
ok($t->login('audit@example.org', 'Audit-mot-de-passe-1'), 'e-mail login');
@rows = audit_rows($mark, "event = 'login' AND success");
is(scalar @rows, 1, 'one success row for the e-mail login');
is($rows[0][2], $id, 'with the identity');
is($rows[0][3], '040000300001', 'and the default account');

$mark = $t->audit_mark;
($none, $r) = $t->login('audit@example.org', 'Audit-mauvais-mot-2');
@rows = audit_rows($mark, "NOT success");
is(scalar @rows, 1, 'a failure row for a wrong e-mail password');

# --- the passwords are nowhere in the log ---------------------------------------------

my $leaks = $t->psql_value(
    "SELECT count(*) FROM extranet.audit_log WHERE concat_ws(' ', event, identifier, detail, account_code)"
  . " ~ '(tilleuls-0001|Mauvais-Secret-42|Audit-mot-de-passe-1|Audit-mauvais-mot-2)'");
is($leaks, 0, 'no password in the audit log');
unlike($t->error_log, qr/tilleuls-0001|Mauvais-Secret-42|Audit-mot-de-passe-1|Audit-mauvais-mot-2/,
       'no password in the error log');

$t->error_log_ok;

done_testing;
