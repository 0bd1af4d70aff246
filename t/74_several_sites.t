#!/usr/bin/perl
# Several sites, as docs/several-sites.md sets them up:
#
# - metrics: a site with a zone of its own counts apart; two sites that
#   share a zone add up in it; auth_extranet_site_info names each site
#   (server_name) with its zone; auth_extranet_build_info the version;
# - mail: one mailer per database, as the template unit
#   extranet-mailer@<site> runs it (--config /etc/extranet/mailer-<site>.conf):
#   each sends its own database's outbox only, and an instance whose file
#   is missing does not start.

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $ROOT = $Extranet::Test::ROOT;
my $t = Extranet::Test->new;

my $db2 = $t->create_database('extranet_b');
$t->write_file('secret_b.key', Extranet::Test::random_bytes(32));

my $backend = 'rewrite ^ /headers break; proxy_pass http://127.0.0.1:%%LEGACY_PORT%%;';
my $sites = <<"EOS";
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name b.test;
        auth_extranet_db "$db2";
        auth_extranet_secret_file %%TESTDIR%%/secret_b.key;
        auth_extranet_site_url http://b.test;
        auth_extranet_zone site_b 2m;
        location /auth/ { auth_extranet_portal; }
        location / { auth_extranet on; $backend }
    }

    server {
        listen 127.0.0.1:%%PORT%%;
        server_name c.test;
        location /auth/ { auth_extranet_portal; }
        location / { auth_extranet on; $backend }
    }
EOS
my $conf = $t->standard_config(server => 'location = /metrics { auth_extranet_status; }');
$conf =~ s/(\n    js_import)/\n$sites$1/ or die 'no js_import in the standard configuration';
$t->run($conf);

sub metrics {
    my %m;
    for (split /\n/, $t->get('/metrics')->body) {
        $m{$1} = $2 if /^(\S+\{[^}]*\}) (\S+)$/;
    }
    return \%m;
}
my $key = sub { "auth_extranet_logins_total{zone=\"$_[0]\",method=\"code\",result=\"success\"}" };

my $m0 = metrics();
ok($t->login('030000100001', 'tilleuls-0001'), 'site A (localhost): a login');
ok($t->login('030000100002', 'tilleuls-0002'), 'site A: another');
ok($t->login('030000100001', 'tilleuls-0001', headers => { Host => 'b.test' }), 'site B: a login');
ok($t->login('040000300001', 'monceau-0001', headers => { Host => 'c.test' }), 'site C: a login');
my $m1 = metrics();

is($m1->{$key->('site_b')} - ($m0->{$key->('site_b')} // 0), 1,
   'site B, its own zone: its one login');
is($m1->{$key->('extranet')} - $m0->{$key->('extranet')}, 3,
   'sites A and C share the zone "extranet": their three logins summed');
is($m1->{'auth_extranet_site_info{zone="extranet",site="localhost"}'}, 1,
   'site_info: site A counts in zone extranet');
is($m1->{'auth_extranet_site_info{zone="extranet",site="c.test"}'}, 1,
   'site_info: site C too');
is($m1->{'auth_extranet_site_info{zone="site_b",site="b.test"}'}, 1,
   'site_info: site B in its own zone');
is(scalar(grep { /^auth_extranet_site_info\{/ } keys %$m1), 3,
   'site_info: the three sites that use the module, and only them');

my ($version) = do { local (@ARGV, $/) = ("$ROOT/debian/changelog"); <> } =~ /\(([^)]+)\)/;
ok((grep { /^auth_extranet_build_info\{version="\Q$version\E",nginx="[0-9.]+"\}$/ } keys %$m1),
   "build_info names the module's version ($version) and nginx's");

# --- one mailer per database -----------------------------------------------------

my $unit = do { local (@ARGV, $/) = ("$ROOT/tools/extranet-mailer\@.service"); <> };
like($unit, qr{^ExecStart=/usr/sbin/extranet-mailer --config /etc/extranet/mailer-%i\.conf }m,
     'the template unit reads /etc/extranet/mailer-<instance>.conf');
my $plain = do { local (@ARGV, $/) = ("$ROOT/tools/extranet-mailer.service"); <> };
like($plain, qr{^ExecStart=/usr/sbin/extranet-mailer --config /etc/extranet/mailer\.conf }m,
     'the plain unit still reads /etc/extranet/mailer.conf');
SKIP: {
    skip 'no systemd-analyze', 1 unless -x '/usr/bin/systemd-analyze';
    my $copy = $t->write_file('extranet-mailer@b.service', $unit);
    my $out = Extranet::Test::run_capture('systemd-analyze', 'verify', '--man=no', $copy);
    unlike($out, qr/(Unknown|Invalid|Failed to parse|bad-setting|Missing '=')/i,
           'systemd-analyze verify finds nothing wrong in the template unit') or diag($out);
}

my ($host, $port) = $t->db =~ /host=(\S+) port=(\d+)/;
my $sendmail = $t->write_file('sendmail', <<"EOF");
#!/bin/sh
cat >> ${\ $t->dir}/sent.\$SITE
EOF
chmod 0755, $sendmail;

my %queued;
for my $site ('a', 'b') {
    my $db = $site eq 'a' ? 'extranet' : 'extranet_b';
    $t->write_file("mailer-$site.conf", <<"EOF");
db = host=$host port=$port dbname=$db
from = Espace $site <no-reply\@$site.example>
sendmail = $sendmail
EOF
    my $sql = "INSERT INTO extranet.mail_outbox (recipient, subject, body) VALUES"
            . " ('owner\@$site.example', 'Site $site', 'Bonjour de $site') RETURNING id";
    if ($site eq 'a') {
        $queued{a} = $t->psql_value($sql);
    } else {
        my $out = Extranet::Test::run_capture($Extranet::Test::PG_SH, 'psql', $host, $port,
                                              '-X', '-q', '-A', '-t', '-d', 'extranet_b', '-c', $sql);
        ($queued{b}) = $out =~ /(\d+)/;
    }
}
ok($queued{a} && $queued{b}, 'one mail queued in each database');

for my $site ('a', 'b') {
    local $ENV{SITE} = $site;
    my $out = Extranet::Test::run_capture("$ROOT/tools/extranet-mailer", '--config',
                                          $t->dir . "/mailer-$site.conf", '--once');
    is($? >> 8, 0, "the mailer of site $site (--config mailer-$site.conf) runs") or diag($out);
    my $sent = $t->read_file("sent.$site");
    like($sent, qr/^To: owner\@$site\.example/m, "... and sends its own database's mail");
    my $other = $site eq 'a' ? 'b' : 'a';
    unlike($sent, qr/owner\@$other\.example/, "... and not the other's");
}

my $out = Extranet::Test::run_capture("$ROOT/tools/extranet-mailer", '--config',
                                      $t->dir . '/mailer-typo.conf', '--once');
is($? >> 8, 2, 'an instance without its file does not start (exit 2)');
like($out, qr/mailer-typo\.conf/, '... naming the file');

$t->stop;
$t->error_log_ok;
done_testing;
