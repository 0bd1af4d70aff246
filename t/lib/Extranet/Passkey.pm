package Extranet::Passkey;
# A software WebAuthn authenticator for the integration tests, as
# t/36_passkeys.t has it: an EC P-256 key made with the openssl command-line
# tool, ES256 signatures with `openssl dgst -sha256 -sign`, authenticatorData
# and attestationObject written in CBOR by hand; and the portal's side of
# the two ceremonies as passkey.js calls them.
#
#   my $pk = Extranet::Passkey->new($t);     # $t an Extranet::Test, started
#   my $key = $pk->new_key('phone');
#   my $r = $pk->register($cookie, $key, password => $password, name => 'Téléphone');
#   my $r = $pk->login($key);                 # the counter moves on by itself

use strict;
use warnings;
use utf8;
use Digest::SHA qw(sha256);
use MIME::Base64 qw(encode_base64url decode_base64url);

sub new {
    my ($class, $t) = @_;
    return bless { t => $t, rp_id => '127.0.0.1', origin => $t->origin,
                   binding => $t->cookie_name . '_passkey', n => 0 }, $class;
}

sub new_key {
    my ($self, $name) = @_;
    my $t = $self->{t};
    my $pem = $t->dir . "/$name.pem";
    system('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256',
           '-out', $pem) == 0 or die 'openssl genpkey failed';
    my $der = `openssl pkey -in '$pem' -pubout -outform DER`;
    my $point = substr($der, -65);
    die 'no uncompressed point' unless substr($point, 0, 1) eq "\x04";
    return { pem => $pem, x => substr($point, 1, 32), y => substr($point, 33, 32),
             id => Extranet::Test::random_bytes(32), counter => 0 };
}

sub sign {
    my ($self, $key, $data) = @_;
    my $t = $self->{t};
    my $n = ++$self->{n};
    $t->write_file("tbs-$n.bin", $data);
    system('openssl', 'dgst', '-sha256', '-sign', $key->{pem}, '-out', $t->dir . "/sig-$n.bin",
           $t->dir . "/tbs-$n.bin") == 0 or die 'openssl dgst failed';
    return $t->read_file("sig-$n.bin");
}

sub cbor_head {
    my ($major, $n) = @_;
    return chr(($major << 5) | $n) if $n < 24;
    return chr(($major << 5) | 24) . chr($n) if $n < 256;
    return chr(($major << 5) | 25) . pack('n', $n);
}
sub cbor_int   { my ($v) = @_; $v >= 0 ? cbor_head(0, $v) : cbor_head(1, -1 - $v) }
sub cbor_bytes { my ($b) = @_; cbor_head(2, length $b) . $b }
sub cbor_text  { my ($s) = @_; cbor_head(3, length $s) . $s }
sub cbor_map   { my @kv = @_; cbor_head(5, @kv / 2) . join('', @kv) }

sub auth_data {
    my ($self, $key, %o) = @_;
    my $out = sha256($self->{rp_id}) . chr(0x05 | ($o{attested} ? 0x40 : 0))
            . pack('N', $key->{counter});
    if ($o{attested}) {
        my $cose = cbor_map(cbor_int(1), cbor_int(2), cbor_int(3), cbor_int(-7), cbor_int(-1),
                            cbor_int(1), cbor_int(-2), cbor_bytes($key->{x}), cbor_int(-3),
                            cbor_bytes($key->{y}));
        $out .= ("\0" x 16) . pack('n', length $key->{id}) . $key->{id} . $cose;
    }
    return $out;
}

sub client_data {
    my ($self, $type, $challenge) = @_;
    return '{"type":"' . $type . '","challenge":"' . $challenge . '","origin":"'
         . $self->{origin} . '","crossOrigin":false}';
}

sub post_json {
    my ($self, $path, $body, %o) = @_;
    my @headers = (['Accept', 'application/json'], ['Origin', $self->{origin}]);
    push @headers, ['Cookie', $o{raw_cookie}] if $o{raw_cookie};
    return $self->{t}->post($path, json => $body, headers => \@headers,
                            defined $o{cookie} ? (cookie => $o{cookie}) : ());
}

# register/options with the current password (password => ...; absent: none
# sent); (response, publicKey).
sub register_options {
    my ($self, $cookie, %o) = @_;
    my $body = { csrf => $self->{t}->csrf($cookie) };
    $body->{current_password} = $o{password} if defined $o{password};
    my $r = $self->post_json('/auth/passkey/register/options', $body, cookie => $cookie);
    return ($r, ($r->json // {})->{publicKey} // {});
}

# The registration's body for a challenge (base64url), as passkey.js posts it.
sub registration {
    my ($self, $key, $challenge, %o) = @_;
    my $att = cbor_map(cbor_text('fmt'), cbor_text('none'), cbor_text('attStmt'), cbor_map(),
                       cbor_text('authData'), cbor_bytes($self->auth_data($key, attested => 1)));
    return { id => encode_base64url($key->{id}),
             clientDataJSON => encode_base64url($self->client_data('webauthn.create', $challenge)),
             attestationObject => encode_base64url($att),
             name => $o{name} // 'Mon téléphone' };
}

# options then register; the register response (and the options one).
sub register {
    my ($self, $cookie, $key, %o) = @_;
    my ($opt, $pk) = $self->register_options($cookie, %o);
    my $challenge = $o{challenge} // $pk->{challenge} // encode_base64url('c' x 32);
    my $body = $self->registration($key, $challenge, %o);
    $body->{csrf} = $self->{t}->csrf($cookie);
    return wantarray ? ($self->post_json('/auth/passkey/register', $body, cookie => $cookie), $opt)
                     : $self->post_json('/auth/passkey/register', $body, cookie => $cookie);
}

# A whole passkey login; the login response.
sub login {
    my ($self, $key) = @_;
    my $r = $self->post_json('/auth/passkey/login/options', {});
    my $challenge = (($r->json // {})->{publicKey} // {})->{challenge};
    my $value = $r->cookie($self->{binding});
    $key->{counter}++;
    my $cd = $self->client_data('webauthn.get', $challenge);
    my $ad = $self->auth_data($key);
    my $body = { id => encode_base64url($key->{id}),
                 clientDataJSON => encode_base64url($cd),
                 authenticatorData => encode_base64url($ad),
                 signature => encode_base64url($self->sign($key, $ad . sha256($cd))),
                 userHandle => '' };
    return $self->post_json('/auth/passkey/login', $body,
                            raw_cookie => "$self->{binding}=" . ($value // ''));
}

1;
