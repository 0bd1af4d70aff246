#!/usr/bin/perl
# A theme's text files are UTF-8. A file saved in Latin-1 (a Windows
# editor's "ANSI", the classic encoding of .properties files) fails nginx -t
# naming the file and line, and a reload keeps the configuration that runs:
# served as is, it showed replacement characters on every page and made
# PostgreSQL refuse the mails it worded (password/forgot then answered 500
# for a known address, 200 for an unknown one). A leading BOM (Windows
# Notepad's "UTF-8") is accepted and skipped. And should the database still
# refuse a reset mail, password/forgot answers as for an unknown address.

use strict;
use warnings;
use Test::More;
use Cwd qw(getcwd);
use Encode qw(decode FB_CROAK);
use lib 't/lib';
use Extranet::Test;

my $t = Extranet::Test->new;
my $theme = $t->dir . '/durand';
mkdir $theme or die;
mkdir "$theme/templates" or die;
my $conf = $t->standard_config(server => "auth_extranet_theme $theme;");

# Byte for byte, as the editor saved it.
sub put {
    my ($file, $body) = @_;
    open my $fh, '>:raw', "$theme/$file" or die "$file: $!";
    print $fh $body;
    close $fh;
}

sub is_utf8 { my ($s) = @_; return eval { decode('UTF-8', $s, FB_CROAK); 1 } }

sub builtin {
    my ($file) = @_;
    open my $fh, '<:raw', getcwd() . "/themes/default/$file" or die "$file: $!";
    local $/;
    return <$fh>;
}

sub title { my ($r) = @_; my ($title) = $r->body =~ m{<title>(.*?)</title>}s; return $title // '' }

put('messages_fr.properties', "product.name = Cabinet Durand\n");
$t->run($conf);
like(title($t->get('/auth/login')), qr/Cabinet Durand$/, 'the theme runs');

# --- Latin-1: nginx -t names the file, the line and the encoding ----------------

put('messages_fr.properties', "# Textes du cabinet\nproduct.name = Cabinet Dur\xE9\n"
                              . "login.error.failed = Identifiant ou mot de passe erron\xE9.\n");
$t->config_fails_like($conf, [qr{auth_extranet_theme: \S*durand/messages_fr\.properties:2: .*UTF-8}],
                      'a Latin-1 catalog: nginx -t names file, line and encoding');

# A reload keeps the configuration that runs, the file named in error.log.
my $before = length $t->error_log;
kill 'HUP', do { open my $fh, '<', $t->dir . '/nginx.pid' or die; my $p = <$fh>; chomp $p; $p };
my $log = '';
for (1 .. 100) {
    $log = substr($t->error_log, $before);
    last if $log =~ /\[emerg\]/;
    select(undef, undef, undef, 0.05);
}
like($log, qr{\[emerg\].*durand/messages_fr\.properties:2: .*UTF-8}, 'a reload is refused, naming the file');
my $page = $t->get('/auth/login');
is($page->status, 200, 'after the refused reload: the login page');
like(title($page), qr/Cabinet Durand$/, '... still of the theme that ran');
ok(is_utf8($page->body), '... in valid UTF-8');
my $json = $t->post('/auth/login', form => [login => '030000100001', password => 'faux'],
                    headers => { Accept => 'application/json' });
unlike($json->body, qr/\\uFFFD/i, 'a JSON answer carries no replacement character');

# Mail texts: the texts that made PostgreSQL refuse the reset mail.
put('messages_fr.properties', "mail.reset.subject = R\xE9initialisation de votre mot de passe Durand\n");
$t->config_fails_like($conf, [qr{messages_fr\.properties:1: .*UTF-8}], 'a Latin-1 mail text is refused too');

# UTF-8 that is not: a surrogate and an overlong form (PostgreSQL refuses both).
put('messages_fr.properties', "product.name = Cabinet \xED\xA0\x80\n");
$t->config_fails_like($conf, [qr{messages_fr\.properties:1: .*UTF-8}], 'an encoded surrogate is refused');
put('messages_fr.properties', "product.name = Cabinet\nlogin.title = \xC0\xAF\n");
$t->config_fails_like($conf, [qr{messages_fr\.properties:2: .*UTF-8}], 'an overlong form is refused');

# A template, and both stylesheets.
my $login = builtin('templates/login.tpl');
my @lines = split /\n/, $login, -1;
my ($forgot) = grep { $lines[$_] =~ /\$\{login\.forgot\}/ } 0 .. $#lines;
die 'login.tpl: no ${login.forgot}' unless defined $forgot;
(my $latin1 = $login) =~ s/\$\{login\.forgot\}/Mot de passe oubli\xE9 ?/;
put('messages_fr.properties', "product.name = Cabinet Durand\n");
put('templates/login.tpl', $latin1);
my $line = $forgot + 1;
$t->config_fails_like($conf, [qr{durand/templates/login\.tpl:$line: .*UTF-8}],
                      'a Latin-1 template: nginx -t names file, line and encoding');
unlink "$theme/templates/login.tpl";
put('style.css', "/* Couleurs du cabinet Dur\xE9 */\nbody { color: #5b1a35; }\n");
$t->config_fails_like($conf, [qr{durand/style\.css:1: .*UTF-8}], 'a Latin-1 stylesheet is refused');
unlink "$theme/style.css";
put('menu.css', "#extranet-menu {\n  color: #5b1a35;\n  /* \xE9 */\n}\n");
$t->config_fails_like($conf, [qr{durand/menu\.css:3: .*UTF-8}], "a Latin-1 menu stylesheet is refused");
unlink "$theme/menu.css";

# --- a BOM is accepted and skipped ------------------------------------------------

my $bom = "\xEF\xBB\xBF";
put('messages_fr.properties', "${bom}product.name = Cabinet Durand & fils\nlogin.title = Connexion\n");
put('templates/login.tpl', $bom . $login);
put('style.css', "${bom}body { color: #5b1a35; }\n");
put('menu.css', "${bom}#extranet-menu { color: #5b1a35; }\n");
$t->config_ok($conf, 'a catalog, a template and stylesheets saved with a BOM: nginx -t passes');
$t->reload($conf);
$page = $t->get('/auth/login');
like(title($page), qr/Cabinet Durand &amp; fils$/, 'the BOM catalog: its first key, the product name, is shown');
like($page->body, qr{<h1>Connexion</h1>}, '... and the rest of its messages');
unlike($page->body, qr/$bom/, 'no BOM inside the page');
ok(is_utf8($page->body), 'the page is valid UTF-8');
my ($v) = $page->body =~ /style\.css\?v=([0-9a-f]{16})/;
my $css = $t->get("/auth/style.css?v=$v")->body;
is(substr($css, 0, 4), 'body', 'the stylesheet is served without its BOM');
my $menu = $t->get("/auth/menu.js?v=$v")->body;
like($menu, qr/#5b1a35/, "menu.js carries the theme's menu stylesheet");
unlike($menu, qr/$bom/, '... without its BOM');
put('messages_fr.properties', "${bom}product.name = Cabinet\nlogin.title = Dur\xE9\n");
$t->config_fails_like($conf, [qr{messages_fr\.properties:2: .*UTF-8}],
                      'after a BOM, an invalid byte is still found on its line');
unlink "$theme/messages_fr.properties", "$theme/templates/login.tpl", "$theme/style.css", "$theme/menu.css";
$t->reload($conf);

# --- the database refuses a reset mail: the same answer as for no account ---------

$t->add_identity('marie@example.org', 'correct horse battery', accounts => ['030000100001']);
$t->psql(<<'SQL');
CREATE FUNCTION public.refuse_mail() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'invalid byte sequence for encoding "UTF8": 0xe9 0x69 0x6e' USING ERRCODE = '22021';
END $$;
CREATE TRIGGER refuse_mail BEFORE INSERT ON extranet.mail_outbox
    FOR EACH ROW EXECUTE FUNCTION public.refuse_mail();
SQL
my %j = (headers => { Accept => 'application/json' });
$before = length $t->error_log;
my $known = $t->post('/auth/password/forgot', form => [login => 'marie@example.org'], %j);
my $unknown = $t->post('/auth/password/forgot', form => [login => 'personne@example.org'], %j);
is($known->status, 200, 'password/forgot, a known address whose mail the database refuses: 200');
is($known->status, $unknown->status, '... as for an unknown address');
is($known->body, $unknown->body, '... with the same answer');
is($t->psql_value('SELECT count(*) FROM extranet.mail_outbox'), 0, 'no mail queued');
is($t->psql_value('SELECT count(*) FROM extranet.password_reset'), 0, 'no reset link left without its mail');
like(substr($t->error_log, $before), qr/\[alert\].*password reset: .*invalid byte sequence/,
     'the failure is in error.log for the operator');
$t->psql('DROP TRIGGER refuse_mail ON extranet.mail_outbox; DROP FUNCTION public.refuse_mail()');
$known = $t->post('/auth/password/forgot', form => [login => 'marie@example.org'], %j);
is($known->status, 200, 'the database accepting mails again: 200');
is($t->psql_value("SELECT count(*) FROM extranet.mail_outbox WHERE recipient = 'marie\@example.org'"), 1,
   '... and the mail is queued');

# Only what this file provoked: the refused reload and the refused mail.
my @bad = grep { /\[(alert|emerg|crit)\]/ && !/durand\/messages_fr\.properties:2: .*UTF-8/
                 && !/password reset: .*invalid byte sequence/ } split /\n/, $t->error_log;
ok(!@bad, 'nothing else in error.log') or diag(join "\n", @bad);
done_testing;
