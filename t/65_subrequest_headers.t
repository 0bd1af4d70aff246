#!/usr/bin/perl
# Whatever shape a configuration takes, a request that reaches an upstream
# behind the module carries the module's identity headers or none of its
# prefix: auth_request to a protected location (the main request gets the
# session's headers, not the client's), mirror and addition subrequests to
# a protected location (their main request, unprotected, gets none), an
# unprotected location of the site, and an unprotected subrequest of a
# protected page (it gets the session's headers).

use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $rec = Extranet::Test::free_port();

# The recorder: an upstream that answers and logs the prefix headers and
# the cookie it receives.
my $seen = '"$request_uri acct=[$http_x_extranet_account] syndic=[$http_x_extranet_syndic]'
         . ' ident=[$http_x_extranet_identity] foo=[$http_x_extranet_foo] cookie=[$http_cookie]\n"';
$t->run($t->standard_config(
    http => <<"EOH",
    log_format seen $seen;
    server {
        listen 127.0.0.1:$rec;
        server_name recorder;
        default_type text/html;
        location / {
            access_log %%TESTDIR%%/seen.log seen;
            return 200 $seen;
        }
    }
EOH
    server => <<"EOS"));
        location /x/ {
            auth_request /_check;
            proxy_pass http://127.0.0.1:$rec;
        }
        location = /_check {
            internal;
            auth_extranet on;
            proxy_pass http://127.0.0.1:$rec/check;
            proxy_pass_request_body off;
        }

        location /m/ {
            mirror /_m;
            proxy_pass http://127.0.0.1:$rec;
        }
        location = /_m {
            internal;
            auth_extranet on;
            proxy_pass http://127.0.0.1:$rec/mirror;
        }

        location /a/ {
            addition_types *;
            add_before_body /_b;
            add_after_body /_b;
            proxy_pass http://127.0.0.1:$rec;
        }
        location = /_b {
            auth_extranet on;
            proxy_pass http://127.0.0.1:$rec/addition;
        }

        location /open/ {
            proxy_pass http://127.0.0.1:$rec;
        }

        location /pm/ {
            auth_extranet on;
            mirror /_mo;
            proxy_pass http://127.0.0.1:$rec;
        }
        location = /_mo {
            internal;
            proxy_pass http://127.0.0.1:$rec/mirror-open;
        }
EOS

my $cookie = $t->login('030000100001', 'tilleuls-0001');
ok($cookie, 'logged in as 030000100001');
my $name = $t->cookie_name;

my @spoof = (
    ['X-Extranet-Account', '040000300001'],
    ['X-Extranet-Syndic', '0400'],
    ['X-Extranet-Identity', '7'],
    ['X_Extranet_Foo', 'bar'],
);

sub seen_lines {
    my ($uri) = @_;
    # mirror subrequests end after their main request: give them time
    for (1 .. 20) {
        my @l = grep { index($_, $uri) == 0 } split /\n/, ($t->read_file('seen.log') // '');
        return @l if @l;
        sleep 0.1;
    }
    return ();
}

# the module's identity, or nothing of the prefix, and never the session cookie
sub module_or_none {
    my ($line, $what, %o) = @_;
    unlike($line, qr/040000300001|syndic=\[0400\]|ident=\[7\]|foo=\[bar\]/,
           "$what: no client copy of the prefix");
    if ($o{identity}) {
        like($line, qr/acct=\[030000100001\] syndic=\[0300\]/, "$what: the session's identity");
    } elsif (defined $o{identity}) {
        like($line, qr/acct=\[\] syndic=\[\] ident=\[\] foo=\[\]/, "$what: none of the prefix");
    }
    unlike($line, qr/\Q$name\E=/, "$what: no session cookie") if $o{no_cookie};
}

# --- auth_request to a protected location --------------------------------------

my $r = $t->get('/x/page', cookie => $cookie, headers => \@spoof);
is($r->status, 200, 'auth_request with a session: 200');
module_or_none($r->body, 'auth_request main request', identity => 1, no_cookie => 1);
module_or_none((seen_lines('/check '))[0] // '', 'auth_request subrequest', identity => 1, no_cookie => 1);

$r = $t->get('/x/anon', headers => \@spoof);
is($r->status, 401, 'auth_request without a session: 401');
ok(!grep({ m{^/x/anon } } split /\n/, ($t->read_file('seen.log') // '')),
   'the main request did not reach the upstream');

# --- mirror to a protected location ----------------------------------------------

$r = $t->get('/m/page', cookie => $cookie, headers => \@spoof);
is($r->status, 200, 'mirror: 200');
module_or_none($r->body, 'mirror main request', identity => 0);
module_or_none((seen_lines('/mirror '))[0] // '', 'mirror subrequest', identity => 1, no_cookie => 1);

# --- addition to a protected location --------------------------------------------

$r = $t->get('/a/page', cookie => $cookie, headers => \@spoof);
is($r->status, 200, 'addition: 200');
my ($main) = grep { m{^/a/page } } split /\n/, $r->body;
module_or_none($main // '', 'addition main request', identity => 0);
my ($add) = grep { m{^/addition } } split /\n/, $r->body;
ok($add, 'the addition subrequest answered');
module_or_none($add // '', 'addition subrequest', identity => 1, no_cookie => 1);

# --- an unprotected location of the site ------------------------------------------

$r = $t->get('/open/page', cookie => $cookie, headers => \@spoof);
is($r->status, 200, 'unprotected location: 200');
module_or_none($r->body, 'unprotected location', identity => 0);
like($r->body, qr/cookie=\[.*\Q$name\E=/, 'an unprotected location keeps the cookie');

# --- a protected page's unprotected mirror -----------------------------------------

$r = $t->get('/pm/page', cookie => $cookie, headers => \@spoof);
is($r->status, 200, 'protected page with an unprotected mirror: 200');
module_or_none($r->body, 'protected main request', identity => 1, no_cookie => 1);
module_or_none((seen_lines('/mirror-open '))[0] // '', 'its unprotected mirror', identity => 1, no_cookie => 1);

# --- unprotected main, protected subrequest, without a session ---------------------

$r = $t->get('/m/anon', headers => \@spoof);
is($r->status, 200, 'mirror without a session: 200');
module_or_none($r->body, 'mirror main request without a session', identity => 0);

$t->error_log_ok;
done_testing();
