#!/usr/bin/perl
# Every file of conf.examples/ is a configuration nginx accepts with the
# module: nginx -t on each, with only the machine-specific paths replaced
# (the module, the key files, certificates, ports).

use strict;
use warnings;
use utf8;
use Test::More;
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $dir = $t->dir;
# nginx's default logs when a configuration names none: Debian's nginx has
# them in /var/log/nginx, an nginx built from nginx.org's source in
# <prefix>/logs/, the test's folder (nginx -p) here
$t->write_file('logs/.keep', '');

Extranet::Test::run_capture('openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
       '-days', '1', '-subj', '/CN=localhost', '-keyout', "$dir/cert.key",
       '-out', "$dir/cert.pem");
-s "$dir/cert.pem" or BAIL_OUT('openssl req made no certificate');

my @examples = sort glob("$Extranet::Test::ROOT/conf.examples/*.conf");
ok(@examples >= 5, scalar(@examples) . ' examples');

my %keys;   # one key file per distinct path, as a site would have
for my $file (@examples) {
    my $conf = $t->read_file($file);
    my $name = ($file =~ m{([^/]+)$})[0];

    $conf =~ s{load_module \S*ngx_http_auth_extranet_module\.so;}{load_module $Extranet::Test::MODULE;}g;
    $conf =~ s{load_module \S*ngx_http_js_module\.so;}{load_module $Extranet::Test::NJS_MODULE;}g;
    $conf =~ s{^\s*user \S+;}{}mg;
    $conf =~ s{auth_extranet_secret_file ([^;]+);}{
        my @files = map {
            (my $k = $_) =~ s{.*/}{};
            $keys{$k} //= $t->write_file("key-$k", Extranet::Test::random_bytes(32));
        } split ' ', $1;
        "auth_extranet_secret_file @files;"
    }ge;
    $conf =~ s{ssl_certificate\s+\S+;}{ssl_certificate $dir/cert.pem;}g;
    $conf =~ s{ssl_certificate_key\s+\S+;}{ssl_certificate_key $dir/cert.key;}g;
    $conf =~ s{listen (?:[\d.]+:)?(\d+)}{'listen 127.0.0.1:' . Extranet::Test::free_port()}ge;
    # relative includes are nginx's own files (Debian: /etc/nginx, from
    # nginx-common), found beside the configuration as nginx would
    for my $inc ($conf =~ /include\s+([a-z][^;\s]*);/g, 'fastcgi.conf', 'fastcgi_params',
                 'mime.types') {
        next if -e "$dir/$inc" || !-e "/etc/nginx/$inc";
        $t->write_file($inc, $t->read_file("/etc/nginx/$inc"));
    }

    # a snippet is tried where it goes: in http, or in a server
    unless ($conf =~ /^\s*events\s*\{/m) {
        my $site = <<"SITE";
    auth_extranet_db "host=/var/run/postgresql dbname=extranet user=extranet_module";
    auth_extranet_secret_file $dir/key-snippet;
    auth_extranet_site_url https://extranet.example.org;
SITE
        $keys{snippet} //= $t->write_file('key-snippet', Extranet::Test::random_bytes(32));
        my $body = $conf =~ /^\s*location\s/m
            ? "$site    upstream legacy { server 127.0.0.1:1; }\n"
              . "    server {\n        listen 127.0.0.1:" . Extranet::Test::free_port()
              . ";\n$conf\n    }\n"
            : "$site$conf\n    server { listen 127.0.0.1:" . Extranet::Test::free_port()
              . "; location / { auth_extranet on; } }\n";
        $conf = "load_module $Extranet::Test::MODULE;\nevents { }\nhttp {\n$body}\n";
    }

    $conf = "pid $dir/$name.pid;\n$conf";

    $t->config_ok($conf, "nginx -t accepts conf.examples/$name");
}

done_testing;
