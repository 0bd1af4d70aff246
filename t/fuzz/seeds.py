#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets into t/fuzz/corpus/.

Run once by hand when a format changes (python3 t/fuzz/seeds.py); the
seeds are committed. Tokens are sealed as core/session_token does, with the
key the session_token target uses; hash strings are those of
sql/demo/demo_data.sql plus one of each other format, made with libcrypt
and hashlib.
"""
import base64
import hashlib
import hmac
import os
import re
import shutil
import struct
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # libcrypt, as the module uses it

ROOT = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(ROOT, "corpus")
KEY_NEW = b"n" * 40  # t/fuzz/session_token.cpp
KEY_OLD = b"o" * 32


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def text(s):
    return bytes([len(s)]) + s


def claims(sid, issued, refreshed, method, identity, email, account, syndic, accounts):
    out = text(sid) + struct.pack(">QQ", issued, refreshed) + bytes([method])
    out += struct.pack(">Q", identity) + text(email) + text(account) + text(syndic)
    out += bytes([len(accounts)]) + b"".join(text(a) for a in accounts)
    return out


def seal(key, body):
    raw = b"\x01" + hashlib.sha256(key).digest()[:4] + body
    raw += hmac.new(key, raw, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def ab64(b):
    return base64.b64encode(b).rstrip(b"=").replace(b"+", b".").decode()


def b64(b):
    return base64.b64encode(b).rstrip(b"=").decode()


shutil.rmtree(CORPUS, ignore_errors=True)

# --- form: mode byte (bit 0 JSON, bit 1 small limits), then the body
for name, mode, body in [
    ("login-code", 0, "login=030000100001&password=tilleuls-0001"),
    ("login-email", 0, "login=proprietaire%40example.fr&password=p%C3%A9+x%26y&next=%2Faccounts"),
    ("link-profile", 0, "csrf=abc_DEF-123&email=a%40b.fr&password=motdepasse-long&password2=motdepasse-long"),
    ("empty-pairs", 0, "a=1&&b&c="),
    ("bad-escape", 0, "a=%zz"),
    ("control", 0, "a=%0D%0A"),
    ("duplicate", 0, "a=1&a=2"),
    ("json-login", 1, '{"login":"030000100001","password":"tilleuls-0001"}'),
    ("json-types", 1, '{ "email" : "a@b.fr", "n": -1.5e3, "ok": true, "no": false }'),
    ("json-escapes", 1, r'{"s":"\u00e9\ud83d\ude00\"\\\/\b\t","t":"été"}'),
    ("json-null", 1, '{"a":null}'),
    ("json-nested", 1, '{"a":{"b":"c"}}'),
    ("small-limits", 2, "a=1&bb=22&ccc=333&dddd=4444"),
    ("small-json", 3, '{"a":"1","bb":"22","ccc":"333"}'),
]:
    write("form", name, bytes([mode]) + body.encode())

# --- webauthn: mode byte (0 clientDataJSON, 1 authenticatorData, 2 COSE key,
# 3 attestationObject, 4 authenticatorData + signature, 5 clientDataJSON of a
# registration), then the bytes (t/fuzz/webauthn.cpp). RP ID
# extranet.example.org, challenge 32 bytes of 0x42, as the target has them.
def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    if n < 256:
        return bytes([major << 5 | 24, n])
    return bytes([major << 5 | 25]) + struct.pack(">H", n)


def cbor_int(v):
    return cbor_head(0, v) if v >= 0 else cbor_head(1, -1 - v)


def cbor_bytes(b):
    return cbor_head(2, len(b)) + b


def cbor_text(t):
    return cbor_head(3, len(t)) + t.encode()


def cbor_map(*kv):
    return cbor_head(5, len(kv) // 2) + b"".join(kv)


RP_HASH = hashlib.sha256(b"extranet.example.org").digest()
CHALLENGE = base64.urlsafe_b64encode(b"\x42" * 32).rstrip(b"=").decode()
# P-256's generator point: on the curve.
GX = bytes.fromhex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
GY = bytes.fromhex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
ES256 = cbor_map(cbor_int(1), cbor_int(2), cbor_int(3), cbor_int(-7), cbor_int(-1), cbor_int(1),
                 cbor_int(-2), cbor_bytes(GX), cbor_int(-3), cbor_bytes(GY))
EDDSA = cbor_map(cbor_int(1), cbor_int(1), cbor_int(3), cbor_int(-8), cbor_int(-1), cbor_int(6),
                 cbor_int(-2), cbor_bytes(bytes(range(32))))
RS256 = cbor_map(cbor_int(1), cbor_int(3), cbor_int(3), cbor_int(-257),
                 cbor_int(-1), cbor_bytes(((1 << 2047) | 0xC3).to_bytes(256, "big")),
                 cbor_int(-2), cbor_bytes(b"\x01\x00\x01"))
OFF_CURVE = ES256.replace(GY, bytes(32))


def auth_data(flags, counter=1, key=None, ext=None):
    out = RP_HASH + bytes([flags]) + struct.pack(">I", counter)
    if key is not None:
        cred = b"\x07" * 16
        out += bytes(16) + struct.pack(">H", len(cred)) + cred + key
    if ext is not None:
        out += ext
    return out


def client_data(kind, challenge=CHALLENGE, origin="https://extranet.example.org", extra=""):
    return ('{"type":"%s","challenge":"%s","origin":"%s","crossOrigin":false%s}'
            % (kind, challenge, origin, extra)).encode()


def attestation(fmt, ad, stmt=None):
    return cbor_map(cbor_text("fmt"), cbor_text(fmt), cbor_text("attStmt"),
                    stmt if stmt is not None else cbor_map(), cbor_text("authData"), cbor_bytes(ad))


EXT = cbor_map(cbor_text("credProtect"), cbor_int(2))
for name, mode, data in [
    ("cd-create", 0, client_data("webauthn.create")),
    ("cd-get", 0, client_data("webauthn.get")),
    ("cd-cross", 0, client_data("webauthn.get").replace(b"false", b"true")),
    ("cd-extra", 0, client_data("webauthn.get", extra=',"other_keys_can_be_added_here":"x"')),
    ("cd-escapes", 0, b'{"type":"webauthn.get","challenge":"QkJC","origin":"https:\\/\\/\\u00e9.example"}'),
    ("cd-nested", 0, b'{"type":"webauthn.get","challenge":"QkJC","origin":"o","tokenBinding":{"status":"present"}}'),
    ("ad-plain", 1, auth_data(0x05)),
    ("ad-es256", 1, auth_data(0x45, key=ES256)),
    ("ad-eddsa", 1, auth_data(0x45, key=EDDSA)),
    ("ad-rs256-ext", 1, auth_data(0xC5, key=RS256, ext=EXT)),
    ("ad-ext-only", 1, auth_data(0x85, ext=EXT)),
    ("ad-trailing", 1, auth_data(0x05) + b"\x00"),
    ("ad-long-id", 1, RP_HASH + b"\x45\x00\x00\x00\x01" + bytes(16) + b"\x03\xff" + b"\x01" * 1023 + ES256),
    ("cose-es256", 2, ES256),
    ("cose-eddsa", 2, EDDSA),
    ("cose-rs256", 2, RS256),
    ("cose-off-curve", 2, OFF_CURVE),
    ("cose-dup-keys", 2, cbor_map(cbor_int(1), cbor_int(2), cbor_int(1), cbor_int(2), cbor_int(3), cbor_int(-7))),
    ("att-none", 3, attestation("none", auth_data(0x45, key=ES256))),
    ("att-none-eddsa", 3, attestation("none", auth_data(0x45, key=EDDSA))),
    ("att-packed", 3, attestation("packed", auth_data(0x45, key=ES256),
                                  cbor_map(cbor_text("alg"), cbor_int(-7), cbor_text("sig"), cbor_bytes(b"s" * 70)))),
    ("att-no-uv", 3, attestation("none", auth_data(0x41, key=ES256))),
    ("att-no-at", 3, attestation("none", auth_data(0x05))),
    ("att-huge-array", 3, b"\x9a\x10\x00\x00\x00\x01"),
    ("att-indefinite", 3, b"\xbf" + cbor_text("fmt") + cbor_text("none") + b"\xff"),
    ("assert", 4, auth_data(0x05, counter=7) + b"\x30\x44\x02\x20" + b"\x11" * 32 + b"\x02\x20" + b"\x22" * 32),
    ("assert-short-sig", 4, auth_data(0x05) + b"\x30\x06\x02\x01\x01\x02\x01\x01"),
    ("reg-cd", 5, client_data("webauthn.create")),
    ("reg-cd-wrong-origin", 5, client_data("webauthn.create", origin="https://evil.example")),
    ("reg-cd-wrong-type", 5, client_data("webauthn.get")),
]:
    write("webauthn", name, bytes([mode]) + data)

# --- email
for name, addr in [
    ("simple", "proprietaire@example.fr"),
    ("case-blanks", " Jean.Dupont+Extranet@Gestion-Martin.FR\t"),
    ("atext", "!#$%&'*+-/=?^_`{|}~@x.example"),
    ("no-dot", "a@localhost"),
    ("ip", "x@1.2.3.4"),
    ("double-dot", "a..b@example.com"),
    ("two-at", "a@b@example.com"),
    ("crlf", "a@example.com\r\nBcc: x@y.fr"),
    ("long-label", "a@" + "b" * 64 + ".fr"),
    ("utf8", "élodie@exemple.fr"),
]:
    write("email", name, addr)

# --- session tokens: a code session and an identity session
code = claims(b"\x11" * 16, 1767225000, 1767225500, 1, 0, b"", b"030000100001", b"0300",
              [b"030000100001"])
ident = claims(b"\x22" * 16, 1767225000, 1767225500, 2, 42, b"proprietaire@example.fr",
               b"030000100002", b"0300", [b"030000100001", b"030000100002", b"030100200001"])
token_code = seal(KEY_NEW, code)
token_ident = seal(KEY_NEW, ident)
token_old = seal(KEY_OLD, ident)

write("session_token", "open-code", b"\x00" + token_code)
write("session_token", "open-identity", b"\x00" + token_ident)
write("session_token", "open-old-key", b"\x00" + token_old)
write("session_token", "open-truncated", b"\x00" + token_code[:-3])
write("session_token", "claims-code", b"\x01" + code)
write("session_token", "claims-identity", b"\x01" + ident)
write("session_token", "claims-both-keys", b"\x02" + ident)
write("session_token", "claims-bad-method", b"\x01" + code.replace(b"\x01\x00\x00", b"\x07\x00\x00", 1))
write("session_token", "tamper-last", b"\x03\xff" + code)
write("session_token", "tamper-first", b"\x03\x00" + ident)

# --- cookie: name byte (0 extranet_session, 1 s, 2 lang, 3 a), then the header
for name, which, header in [
    ("browser", 0, b"lang=fr; extranet_session=" + token_ident + b"; theme=dark"),
    ("only", 0, b"extranet_session=" + token_code),
    ("no-space", 0, b"a=1;a=1;a=1;extranet_session=" + token_code),
    ("empty-first", 0, b"extranet_session=; extranet_session=" + token_code),
    ("quoted", 0, b'extranet_session="' + token_code + b'"; x'),
    ("quoted-blanks", 0, b'lang=fi; extranet_session=" s=x ";;'),
    ("prefixes", 0, b"extranet_session_old=a; xextranet_session=b; extranet_sessio=c"),
    ("blanks", 0, b" \ta = 1 ;\textranet_session =  v \t;;b"),
    ("first-of-two", 1, b"s=first; s=second"),
    ("bare", 3, b"a; a=; =a; a==b"),
]:
    write("cookie", name, bytes([which]) + header)

# --- password: stored hash, NUL, password; or "H" + params byte + password
demo = open(os.path.join(ROOT, "..", "..", "sql", "demo", "demo_data.sql")).read()
passwords = {"030000100001": "tilleuls-0001", "030000100002": "tilleuls-0002",
             "030100200001": "closfleuri-01", "040000300001": "monceau-0001"}
for account, stored in re.findall(r"'(\d{12})'.*?'(\$[^']+)'", demo, re.S):
    tag = {"$6": "sha512crypt", "$2": "bcrypt", "$y": "yescrypt"}[stored[:2]]
    write("password", "demo-%s-%s" % (tag, account), stored + "\0" + passwords[account])

salt = bytes(range(16))
sc = hashlib.scrypt(b"motdepasse", salt=salt, n=16, r=1, p=1, dklen=32)
write("password", "scrypt", "$scrypt$ln=4,r=1,p=1$%s$%s\0motdepasse" % (b64(salt), b64(sc)))
write("password", "scrypt-wrong", "$scrypt$ln=4,r=1,p=1$%s$%s\0motdepass" % (b64(salt), b64(sc)))
write("password", "scrypt-expensive", "$scrypt$ln=24,r=64,p=64$%s$%s" % (b64(salt), b64(sc)))
pb = hashlib.pbkdf2_hmac("sha256", b"motdepasse", salt, 1000)
write("password", "pbkdf2", "$pbkdf2-sha256$i=1000$%s$%s\0motdepasse" % (b64(salt), b64(pb)))
write("password", "pbkdf2-passlib", "$pbkdf2-sha256$1000$%s$%s\0motdepasse" % (ab64(salt), ab64(pb)))
write("password", "pbkdf2-padded", "$pbkdf2-sha256$i=1000$%s==$%s=\0motdepasse" % (b64(salt), b64(pb)))
for tag, setting in [("bcrypt-2b", "$2b$04$" + "abcdefghijklmnopqrstuv"),
                     ("sha256crypt", "$5$rounds=1000$saltsalt"),
                     ("sha512crypt-rounds", "$6$rounds=1000$saltsalt"),
                     ("md5crypt", "$1$saltsalt"),
                     ("yescrypt-cheap", "$y$j5.$abcdefghijklmnop")]:
    stored = crypt.crypt("motdepasse", setting)
    assert stored and stored[0] == "$", (tag, stored)
    write("password", tag, stored + "\0motdepasse")
write("password", "unknown", "{SSHA}abcdef\0x")
write("password", "roundtrip-scrypt", b"H\x00motdepasse")
write("password", "roundtrip-pbkdf2", b"H\x0bmotdepasse")

# --- portal: method, route, Content-Type, Origin, Referer, flags, query,
# then the body (see t/fuzz/portal.cpp)
O = "http://127.0.0.1:8080"
for name, lines, body in [
    ("login-form", ["POST", "login", "application/x-www-form-urlencoded", O, "", "", ""],
     "login=030000100001&password=tilleuls-0001&next=%2F"),
    ("login-json", ["POST", "login", "application/json", O, "", "j", ""],
     '{"login":"proprietaire@example.fr","password":"motdepasse-long"}'),
    ("login-locked", ["POST", "login", "application/x-www-form-urlencoded", "", "", "l", ""],
     "login=030000100001&password=x"),
    ("login-page", ["GET", "login", "", "", "", "", "next=%2Faccounts&error=1"], ""),
    ("login-foreign", ["POST", "login", "application/x-www-form-urlencoded",
                       "http://evil.example", "", "", ""], "login=a&password=b"),
    ("me", ["GET", "api/me", "", "", "", "sej", ""], ""),
    ("me-anonymous", ["GET", "api/me", "", "", "", "j", ""], ""),
    ("switch", ["POST", "switch", "application/x-www-form-urlencoded", O, "", "sc", ""],
     "account=030000100002&next=%2F"),
    ("switch-no-csrf", ["POST", "switch", "application/x-www-form-urlencoded", O, "", "s", ""],
     "account=030000100002"),
    ("link-profile", ["POST", "link/profile", "application/json", O, "", "sejc", ""],
     '{"email":"proprietaire@example.fr","password":"motdepasse-long","password2":"motdepasse-long"}'),
    ("manage", ["POST", "manage", "application/x-www-form-urlencoded", "", O + "/auth/manage",
                "sec", ""], "action=default&account=030000100002"),
    ("logout", ["POST", "logout", "application/x-www-form-urlencoded", O, "", "sc", ""], ""),
    ("forgot", ["POST", "password/forgot", "application/x-www-form-urlencoded", O, "", "", ""],
     "email=proprietaire%40example.fr"),
    ("reset", ["POST", "password/reset", "application/x-www-form-urlencoded", O, "", "", ""],
     "token=abc&password=motdepasse-long&password2=motdepasse-long"),
    ("too-large", ["POST", "login", "application/x-www-form-urlencoded", O, "", "L", ""], "x=1"),
    ("static", ["GET", "menu.js", "", "", "", "", ""], ""),
    ("put", ["PUT", "accounts", "", "", "", "s", ""], ""),
    ("not-found", ["GET", "../etc/passwd", "", "", "", "", ""], ""),
    # "<fuzz" must come back escaped in HTML pages
    ("echo-next", ["GET", "login", "", "", "", "", "next=%3Cfuzz%3E&login=%3Cfuzz"], ""),
    ("echo-login", ["POST", "login", "application/x-www-form-urlencoded", O, "", "l", ""],
     "login=<fuzz>&password=x&next=/<fuzz>"),
    ("echo-email", ["POST", "link/profile", "application/x-www-form-urlencoded", O, "", "sc", ""],
     "email=%3Cfuzz%3E%40example.fr&password=<fuzz>&password2=x"),
    ("echo-field", ["POST", "password/forgot", "application/x-www-form-urlencoded", O, "", "", ""],
     "<fuzz>=%ff"),
    ("echo-redirect", ["GET", "switch", "", "", "", "s", "account=030000100002&next=//evil.example"], ""),
]:
    write("portal", name, "\n".join(lines) + "\n" + body)


# confirm_link: a method byte (0 GET, 1 HEAD, 2 POST, 3 PUT), the query or
# form, a newline, the Cookie header.
def confirm_seeds():
    good = base64.urlsafe_b64encode(b"\x5a" * 32).rstrip(b"=")
    other = base64.urlsafe_b64encode(bytes(range(32))).rstrip(b"=")
    for name, method, query, cookie in [
        ("first-load", 0, b"token=" + good, b""),
        ("first-load-head", 1, b"token=" + good, b""),
        ("page-from-cookie", 0, b"", b"extranet_confirm=" + good),
        ("page-two-cookies", 0, b"", b"a=1; extranet_confirm=" + other + b"; extranet_confirm=" + good),
        ("button", 2, b"token=" + good, b"extranet_confirm=" + good),
        ("button-cookie-only", 2, b"", b"extranet_confirm=" + good),
        ("button-other-form", 2, b"token=" + other + b"&label=R%C3%A9sidence", b"extranet_confirm=" + good),
        ("short-token", 0, b"token=" + good[:-1], b""),
        ("long-token", 0, b"token=" + good + b"A", b""),
        ("encoded-token", 0, b"token=" + good[:-1] + b"%2B", b""),
        ("empty-token", 0, b"token=", b"extranet_confirm=" + good),
        ("put", 3, b"token=" + good, b""),
    ]:
        write("confirm_link", name, bytes([method]) + query + b"\n" + cookie)


confirm_seeds()
