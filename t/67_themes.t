#!/usr/bin/perl
# Two sites, two themes on one nginx: each login page carries its theme's
# name, logo and colours; assets are served per theme with strong ETags
# and versioned URLs; an identity whose names and account label hold
# markup, quotes and template markers is shown escaped in both themes; a
# broken theme fails nginx -t naming the file and line; a reload picks up
# a changed theme.

use strict;
use warnings;
use Test::More;
use Cwd qw(getcwd);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $example = getcwd() . '/conf.examples/themes/cabinet-durand';

# Site D's theme: a copy of the example, so that the test can change it.
my $theme = $t->dir . '/durand';
system('cp', '-r', $example, $theme) == 0 or die "cp: $!";

sub site_d {
    my ($dir) = @_;
    return <<"EOS";
    server {
        listen 127.0.0.1:%%PORT%%;
        server_name d.test;
        auth_extranet_theme $dir;

        location /auth/ { auth_extranet_portal; }
        location / { auth_extranet on; return 200 "legacy\\n"; }
    }
EOS
}

sub config_with {
    my ($dir) = @_;
    my $conf = $t->standard_config();
    my $d = site_d($dir);
    $conf =~ s/(\n    js_import)/\n$d$1/;
    return $conf;
}

$t->run(config_with($theme));
my %d = (headers => { Host => 'd.test' });

# --- each login page wears its site's theme ------------------------------------

my $a = $t->get('/auth/login');
my $b = $t->get('/auth/login', %d);
is($a->status, 200, 'site A: login page');
is($b->status, 200, 'site D: login page');
like($a->body, qr{<p class="site-name"><img class="site-logo" src="/auth/logo\.svg\?v=([0-9a-f]{16})"[^>]*> Extranet copropriétaires</p>},
     'site A: the built-in name and logo');
my ($va) = $a->body =~ /style\.css\?v=([0-9a-f]{16})/;
my ($vd) = $b->body =~ /style\.css\?v=([0-9a-f]{16})/;
like($b->body, qr{<title>Connexion à votre espace — Espace clients Cabinet Durand</title>}, "site D: its own words");
like($b->body, qr{class="site-logo" src="/auth/logo\.svg\?v=$vd"}, 'site D: its logo under its version');
like($b->body, qr/firm-hours/, 'site D: its own login template');
unlike($a->body, qr/Cabinet Durand|firm-hours/, 'site A: nothing of site D');
like($b->body, qr/Mot de passe oublié/, 'site D: what its theme leaves out comes from the built-in one');
isnt($va, $vd, 'each theme has its own asset version');
unlike($a->body . $b->body, qr/<script>|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+="/i, 'no inline script on either page');

# --- assets per theme: colours, ETags, versioned URLs ---------------------------

my $css_a = $t->get("/auth/style.css?v=$va");
my $css_d = $t->get("/auth/style.css?v=$vd", %d);
like($css_a->body, qr/#12355b/, 'site A: the built-in colours');
like($css_d->body, qr/#5b1a35/, "site D: the firm's colours");
unlike($css_d->body, qr/#12355b/, "site D: none of the built-in header colour");
like($css_d->header('Cache-Control') // '', qr/immutable/, 'a versioned URL is cached for good');
like($t->get("/auth/style.css?v=$va", %d)->header('Cache-Control') // '', qr/max-age=300/,
     "another theme's version is not this site's");
my $etag = $css_d->header('ETag') // '';
like($etag, qr/^"[0-9a-f]{32}"$/, 'a strong ETag');
isnt($etag, $css_a->header('ETag'), 'each theme its own ETag');
is($t->get('/auth/style.css', headers => { Host => 'd.test', 'If-None-Match' => $etag })->status, 304,
   'a matching If-None-Match: 304');
my $logo = $t->get("/auth/logo.svg?v=$vd", %d);
is($logo->status, 200, 'site D: its logo is served');
like($logo->header('Content-Type') // '', qr{^image/svg\+xml}, 'as SVG');
like($logo->body, qr/CD/, "the firm's logo");
like($t->get('/auth/menu.js', %d)->body, qr/#5b1a35/, "site D: the menu's look from its menu.css");
is($t->post('/auth/style.css', %d, form => [a => 1])->status, 405, 'an asset only answers GET');

# --- data is escaped in both themes ----------------------------------------------

my $evil = q{<script>alert(1)</script>"' {{PREFIX}} {{#X}}};
$t->add_identity('evil@example.fr', 'motdepasse-evil-1', accounts => ['030000100001'],
                 last_name => $evil, first_name => $evil);
$t->psql("UPDATE extranet.legacy_account SET label = " . $t->sql_quote($evil)
       . " WHERE code = '030000100001'");
my $escaped = qr/&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;&#39; \{\{PREFIX\}\} \{\{#X\}\}/;
for my $site (['A', {}], ['D', \%d]) {
    my ($name, $o) = @$site;
    my $cookie = $t->login('evil@example.fr', 'motdepasse-evil-1', %$o);
    ok($cookie, "site $name: the identity logs in");
    my %c = (%$o, cookie => $cookie);
    for my $page ('manage', 'accounts') {
        my $r = $t->get("/auth/$page", %c);
        is($r->status, 200, "site $name: $page");
        unlike($r->body, qr/<script>alert/, "site $name: $page has no raw markup");
        like($r->body, $escaped, "site $name: $page shows the datum escaped, markers as text");
    }
}

# --- the flows' messages come from the theme's catalog -------------------------

# Site D rewords a message of several flows, with markup in the words (and
# a placeholder in one): shown as text on its pages, as is in its JSON;
# site A keeps the built-in words.
my $catalog = do { local (@ARGV, $/) = ("$theme/messages_fr.properties"); <> };
$t->write_file('durand/messages_fr.properties', $catalog
    . "login.error.failed = Ces identifiants ne nous disent rien (Durand) <b>.\n"
    . "link.grouping.message = Vous voilà connecté en {0} <i>chez Durand</i>.\n"
    . "forgot.mail_sent = Regardez votre boîte <b>Durand</b>.\n"
    . "passkey.error.email_only = Clés d'accès <réservées> aux adresses (Durand).\n"
    . "mail.reset.subject = Cabinet Durand : votre mot de passe\n"
    . "mail.reset.body = Bonjour de chez Durand,\\n\\n{0}\\n\\nÀ bientôt.\\n\n");
$t->reload;

my %json = (Accept => 'application/json');
sub site_headers { my ($o, %h) = @_; return { %{ $o->{headers} // {} }, %h } }

# A POST of the session on its site, with its CSRF token and origin.
sub session_post {
    my ($o, $cookie, $path, $fields, %h) = @_;
    my $host = ($o->{headers} // {})->{Host} // '127.0.0.1:' . $t->port;
    my $me = $t->get('/auth/api/me', cookie => $cookie, headers => site_headers($o, %json));
    my $csrf = ($me->json // {})->{csrf} // '';
    return $t->post($path, cookie => $cookie, form => [csrf => $csrf, @$fields],
                    headers => site_headers($o, Origin => "http://$host", %h));
}

my %words = (
    A => {
        login   => 'Identifiant ou mot de passe incorrect.',
        link    => "Vous êtes connecté avec l'adresse e-mail evil\@example.fr. Pour lui associer un autre compte",
        forgot  => 'Si cette adresse correspond à un compte, un message vient de lui être envoyé',
        passkey => "Les clés d'accès sont réservées aux connexions par adresse e-mail. "
                 . "Associez d'abord votre compte à une adresse e-mail.",
    },
    D => {
        login   => 'Ces identifiants ne nous disent rien (Durand) <b>.',
        link    => 'Vous voilà connecté en evil@example.fr <i>chez Durand</i>.',
        forgot  => 'Regardez votre boîte <b>Durand</b>.',
        passkey => "Clés d'accès <réservées> aux adresses (Durand).",
    },
);
# The words as a page shows them: escaped.
sub html_of {
    my ($s) = @_;
    $s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g; $s =~ s/"/&quot;/g; $s =~ s/'/&#39;/g;
    return $s;
}
sub has_text { my ($body, $s) = @_; return index($body, html_of($s)) >= 0 }
# The JSON answer's message, as UTF-8 bytes like the words above.
sub jmsg {
    my ($r) = @_;
    my $m = ($r->json // {})->{message} // '';
    utf8::encode($m);
    return $m;
}

for my $site (['A', {}], ['D', \%d]) {
    my ($name, $o) = @$site;
    my $w = $words{$name};

    # Login: a wrong password.
    my (undef, $r) = $t->login('030000100001', 'not-the-password', %$o);
    is($r->status, 401, "site $name: a wrong password");
    ok(has_text($r->body, $w->{login}), "site $name: its theme's words for it, as text");
    unlike($r->body, qr/<b>\./, "site $name: no markup from the catalog");
    (undef, $r) = $t->login('030000100001', 'not-the-password', %$o, headers => site_headers($o, %json));
    is(jmsg($r), $w->{login}, "site $name: the same words in JSON");

    # Link: an e-mail session has nothing to link; the message names its
    # address, filled into the theme's words.
    my $cookie = $t->login('evil@example.fr', 'motdepasse-evil-1', %$o);
    $r = $t->get('/auth/link', %$o, cookie => $cookie);
    is($r->status, 200, "site $name: link from an e-mail session explains");
    ok(has_text($r->body, $w->{link}), "site $name: link's message in its words, address filled in, as text");
    $r = $t->get('/auth/link', cookie => $cookie, headers => site_headers($o, %json));
    like(jmsg($r), qr/^\Q$w->{link}\E/, "site $name: link's message in JSON");

    # Forgotten password: the answer to an address.
    $r = $t->post('/auth/password/forgot', %$o, form => [login => "nobody-\L$name\E\@example.fr"]);
    is($r->status, 200, "site $name: password/forgot answers");
    ok(has_text($r->body, $w->{forgot}), "site $name: the reset message in its words, as text");
    $r = $t->post('/auth/password/forgot', form => [login => "nobody-json-\L$name\E\@example.fr"],
                  headers => site_headers($o, %json));
    like(jmsg($r), qr/^\Q$w->{forgot}\E/, "site $name: the reset message in JSON");

    # The reset mail to a known address: its subject and body (the link on
    # a line of its own) in the site's words.
    $r = $t->post('/auth/password/forgot', %$o, form => [login => 'evil@example.fr']);
    is($r->status, 200, "site $name: a reset asked for a known address");
    my $hex = $t->psql_value("SELECT encode(convert_to(subject || '|' || body, 'UTF8'), 'hex')"
                           . " FROM extranet.mail_outbox WHERE recipient = 'evil\@example.fr'"
                           . " ORDER BY id DESC LIMIT 1") // '';
    my $mail = pack('H*', $hex);
    if ($name eq 'A') {
        like($mail, qr/^Réinitialisation de votre mot de passe\|Bonjour,\n\nVous avez demandé/,
             "site A: the built-in mail");
    } else {
        like($mail, qr{^Cabinet Durand : votre mot de passe\|Bonjour de chez Durand,\n\nhttp://\S+/auth/password/reset\?token=\S+\n\nÀ bientôt\.\n$},
             "site D: its theme's mail, the link on its own line");
    }

    # Passkeys: a numeric-code session may not register one.
    my $code = $t->login('030000100002', 'tilleuls-0002', %$o);
    ok($code, "site $name: a numeric-code session");
    $r = session_post($o, $code, '/auth/passkey/register/options', [], %json);
    is($r->status, 403, "site $name: no passkey for a numeric-code session");
    is(jmsg($r), $w->{passkey}, "site $name: the passkey refusal in its words, in JSON");
    unlike($r->body, qr/</, "site $name: its JSON holds no raw markup");
}
$t->write_file('durand/messages_fr.properties', $catalog);
$t->reload;

# A catalog may drop a placeholder, never add one the portal does not fill.
my $bad = $t->dir . '/badwords';
mkdir $bad;
$t->write_file('badwords/messages_fr.properties', "# words\nlink.grouping.message = {0} et {1}\n");
$t->config_fails_like(config_with($bad),
    [qr{badwords/messages_fr\.properties:2: message "link\.grouping\.message": unknown placeholder "\{1\}"}],
    'a placeholder the portal does not fill: nginx -t names file and line');

# --- a broken theme fails nginx -t, naming file and line -------------------------

my $broken = $t->dir . '/broken';
mkdir "$broken"; mkdir "$broken/templates";
$t->write_file('broken/templates/message.tpl', "<h1>{{TITLE}}</h1>\n<p>{{MESSAGE:none}}</p>\n");
$t->config_fails_like(config_with($broken),
    [qr{auth_extranet_theme: \S*broken/templates/message\.tpl:2: .*no modifier}],
    'a raw-output modifier: nginx -t names file and line');
$t->write_file('broken/templates/message.tpl', "<h1>{{TITLE}}</h1>\n{{#LINK}}\n<p>{{MESSAGE}}</p>\n");
$t->config_fails_like(config_with($broken), [qr{message\.tpl:2: "\{\{#LINK\}\}" is never closed}],
    'a template that does not parse');
$t->write_file('broken/templates/message.tpl', "<h1>{{TITLE}}</h1>\n");
$t->config_fails_like(config_with($broken), [qr{message\.tpl:1: missing placeholder "\{\{MESSAGE\}\}"}],
    'a missing placeholder');
unlink "$broken/templates/message.tpl";
$t->write_file('broken/messages_fr.properties', "product.name = X\nlogin.titre = Y\n");
$t->config_fails_like(config_with($broken), [qr{messages_fr\.properties:2: unknown message key "login\.titre"}],
    'an unknown message key');
$t->config_fails_like(config_with($t->dir . '/nowhere'), [qr{nowhere:1: not a theme folder}],
    'a theme folder that does not exist');

# --- a reload picks up a changed theme ------------------------------------------

$t->write_file('durand/messages_fr.properties', "product.name = Cabinet Durand & associés\n");
$t->reload;
my $after = $t->get('/auth/login', %d);
like($after->body, qr/Cabinet Durand &amp; associés/, 'after a reload: the new name');
my ($vd2) = $after->body =~ /style\.css\?v=([0-9a-f]{16})/;
is($vd2, $vd, 'the same assets: the same version') ;
$t->write_file('durand/style.css', "body { color: #000000; }\n");
$t->reload;
($vd2) = $t->get('/auth/login', %d)->body =~ /style\.css\?v=([0-9a-f]{16})/;
isnt($vd2, $vd, 'a changed stylesheet: a new version, so browsers fetch it');
like($t->get("/auth/style.css?v=$vd2", %d)->body, qr/#000000/, 'the new stylesheet');

$t->error_log_ok;
done_testing;
