// Unit tests of src/core/webauthn: the two ceremonies with responses built
// here as an authenticator would (authenticatorData and attestationObject
// in CBOR with libcbor, signed with OpenSSL keys for ES256, EdDSA and
// RS256), one ceremony recorded from Chromium's virtual authenticator, and
// every refusal: wrong origin, a challenge already spent, wrong RP ID hash,
// counter going back, another credential's key, bad signature, user
// presence or verification missing, other attestation formats, bad CBOR.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <cbor.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <memory>
#include <string>
#include <vector>

#include "core/primitives/crypto.h"
#include "core/primitives/webauthn.h"

using namespace extranet;

namespace {

const RelyingParty kRp{"extranet.example.org", "https://extranet.example.org"};

// A 2048-bit RSA key made once with `openssl genrsa 2048` for these tests.
const char kRsaPem[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQCuNs63JNC0i5sY\n"
    "t0LbY08Px+BDiagwgonAv0ZR/WXvwRPXFUeJ5qJ28Uh5auuk7e+n2IgKQEKs7aZY\n"
    "Msgu/5Q5na92COjrtD+fq50HPSfAwilgNfvk/A7Mt24ConqotglYl+5Ha6N/VZ7A\n"
    "xIiCj2UqskFtgrCwtlKegNfR0gPVmYYzYYUJ/ZliTQHzJULVPXT+ynW+LMjHooa6\n"
    "NZsca4OWFvw5z/I8Yp+LFaaxzRWRZc6/hbU6hrdeWyNvoKTFh1rYSGk1WM6EqOar\n"
    "f/bb6z0MtSq/01eKxJzJoLutWdG1SgvPKSaNlpB1u5Lk8O6YeGna73vh0AkL6MBq\n"
    "xMvbHljfAgMBAAECggEATvq75l2DXIZ57s+OOMWh3yafLh8nJ67WYpKUf7EgWHww\n"
    "0W5tO0Ba4Q9r6telMuVHo9FPg040rA8lPZDwHhZyDVjGZf2OEuVpfqqfituXvRSJ\n"
    "C3wN0XbQAtEZx4n/j6LPQ+HE/Y331k9rpDq1JHN7ysp7TPlVvxc5B3Cj5xSN9nRd\n"
    "uB8lZU/foYfh0YsP64X1u8aFIEsYjYgnhV5rlfWgTTxjSOjSB6peVEpiQy5+0SiR\n"
    "agTMkLS98wu2q4c8notI8XnVbm+kP9ItdCpABjO35ta4wg6RjoIi7/vv/ZY6tmnQ\n"
    "V0mLKrxa9CDmfxOVvQyAaj5V5HptmybpVPWBmRGEQQKBgQDrnyhEtJCf+QZrTX9J\n"
    "PG+Sc1CH5+xPPbrwH9b5i0c5pHMZ7NaOlmJKVnn2pfiqGDi3e9KKU6e1tn6Uou+Y\n"
    "2QeaE8L9FvDbq9wGtRpyWXLyfYEkXklxkiIG598Dqh1ZnnUDT0alDdoYD5EQIDdI\n"
    "tsIGH94KieTZsQgh4sadFguM/wKBgQC9SAoFTJmouXAOTp2hYLaBsNxCcT2ZJYkT\n"
    "QnmTJge9nF3w0Q/NBaXYFzHHjimeQJ18brPB0AkBZigBQcVsRgp0YJULaBwMzc1a\n"
    "4VUIbjTb4LMlLX5AmxcVSDBV5wqqAbe0ju4Oc4OE3N2w1xgyVvqO25I0QVUfQ2bt\n"
    "MxJZRyLUIQKBgQCmwiLu1ViST93yLYwLmiFg5go11bfSsV7PuckdHizPqArqa0vC\n"
    "6L4x3Jg/L2IZiEED4ze0PNaybbGSouquI9QUgS38j7Lx1eVIPf60tYf8BUVUJwMV\n"
    "xRYeCxc0cb6KAfLQ39eg03fqlYHWhuZ5qRcS3JT6onN8eqXFzclBvit4owKBgDtd\n"
    "u97bnpofxziFicUSu0tD+GFSeRpufmavA8iWNflPcNtWBtmr+s8ivzcyrHT5GSvs\n"
    "4K5aHGj27HcwdMY31ZGYtUaFmb6eUdk+MVhakHOiLy3q7d0/h2biZF6c/2hA76hO\n"
    "5/VaX5atW07at7kaNK3XyixfjV4n2sFsskWUHSVhAoGBALqssC/TgleUMMA5rtYy\n"
    "AMajuxbCZ1qXPJIXdwsm0d7q+mO790GF4PX1IluNH39g9nMpdRtavFYecNZ1S5JX\n"
    "VG0ek2HwFtfM6ciJ/MMzbSQT87r7dW29D5Y0vcDZYdhyreQuFPpXYpr5ifjqDN6q\n"
    "tQml1QJEFAbn5gVy2MigLpmd\n"
    "-----END PRIVATE KEY-----\n";

struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

struct CborFree {
    void operator()(cbor_item_t* i) const { cbor_decref(&i); }
};
using Item = std::unique_ptr<cbor_item_t, CborFree>;

// The same keys on every run: fixed private scalars and seed.
Key es256_key() {
    unsigned char d[32];
    for (int i = 0; i < 32; i++) d[i] = static_cast<unsigned char>(0x11 + i);
    BIGNUM* priv = BN_bin2bn(d, sizeof d, nullptr);
    // OpenSSL 3.0 does not derive the public point on import: compute it.
    EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    EC_POINT* point = EC_POINT_new(group);
    EC_POINT_mul(group, point, priv, nullptr, nullptr, nullptr);
    unsigned char pub[65];
    std::size_t pub_len = EC_POINT_point2oct(group, point, POINT_CONVERSION_UNCOMPRESSED, pub,
                                             sizeof pub, nullptr);
    EC_POINT_free(point);
    EC_GROUP_free(group);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, pub_len);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    EVP_PKEY_fromdata_init(ctx);
    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(priv);
    return Key(key);
}

Key ed25519_key(unsigned char seed_byte = 0x42) {
    unsigned char seed[32];
    for (int i = 0; i < 32; i++) seed[i] = static_cast<unsigned char>(seed_byte + i);
    return Key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof seed));
}

Key rsa_key() {
    BIO* bio = BIO_new_mem_buf(kRsaPem, -1);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return Key(key);
}

std::string serialize(const cbor_item_t* item) {
    unsigned char* buffer = nullptr;
    std::size_t size = 0;
    std::size_t n = cbor_serialize_alloc(item, &buffer, &size);
    std::string out(reinterpret_cast<char*>(buffer), n);
    free(buffer);
    return out;
}

cbor_item_t* bytes_item(const std::string& s) {
    return cbor_build_bytestring(reinterpret_cast<cbor_data>(s.data()), s.size());
}

cbor_item_t* int_item(long long v) {
    if (v >= 0) return cbor_build_uint64(static_cast<std::uint64_t>(v));
    return cbor_build_negint64(static_cast<std::uint64_t>(-1 - v));
}

void put(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
    cbor_map_add(map, cbor_pair{cbor_move(key), cbor_move(value)});
}

std::string bignum_bytes(EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    EVP_PKEY_get_bn_param(key, name, &bn);
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(&out[0]));
    BN_free(bn);
    return out;
}

// The credential public key as an authenticator encodes it (RFC 9053).
std::string cose_key(EVP_PKEY* key, int alg) {
    Item map(cbor_new_definite_map(5));
    if (alg == -7) {
        unsigned char point[65];
        std::size_t len = 0;
        EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &len);
        put(map.get(), int_item(1), int_item(2));
        put(map.get(), int_item(3), int_item(-7));
        put(map.get(), int_item(-1), int_item(1));
        put(map.get(), int_item(-2), bytes_item(std::string(reinterpret_cast<char*>(point + 1), 32)));
        put(map.get(), int_item(-3), bytes_item(std::string(reinterpret_cast<char*>(point + 33), 32)));
    } else if (alg == -8) {
        unsigned char raw[32];
        std::size_t len = sizeof raw;
        EVP_PKEY_get_raw_public_key(key, raw, &len);
        put(map.get(), int_item(1), int_item(1));
        put(map.get(), int_item(3), int_item(-8));
        put(map.get(), int_item(-1), int_item(6));
        put(map.get(), int_item(-2), bytes_item(std::string(reinterpret_cast<char*>(raw), len)));
    } else {
        put(map.get(), int_item(1), int_item(3));
        put(map.get(), int_item(3), int_item(-257));
        put(map.get(), int_item(-1), bytes_item(bignum_bytes(key, OSSL_PKEY_PARAM_RSA_N)));
        put(map.get(), int_item(-2), bytes_item(bignum_bytes(key, OSSL_PKEY_PARAM_RSA_E)));
    }
    return serialize(map.get());
}

std::string sign(EVP_PKEY* key, int alg, const std::string& data) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EVP_DigestSignInit(md, nullptr, alg == -8 ? nullptr : EVP_sha256(), nullptr, key);
    std::size_t len = 0;
    EVP_DigestSign(md, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                   data.size());
    std::string sig(len, '\0');
    EVP_DigestSign(md, reinterpret_cast<unsigned char*>(&sig[0]), &len,
                   reinterpret_cast<const unsigned char*>(data.data()), data.size());
    sig.resize(len);
    EVP_MD_CTX_free(md);
    return sig;
}

std::string be32(std::uint32_t v) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; i++) out[i] = static_cast<char>((v >> (24 - 8 * i)) & 0xFF);
    return out;
}

std::string client_data(const std::string& type, const std::string& challenge,
                        const std::string& origin, const char* cross = "false") {
    return "{\"type\":\"" + type + "\",\"challenge\":\"" + base64url_encode(challenge) +
           "\",\"origin\":\"" + origin + "\",\"crossOrigin\":" + cross + "}";
}

const std::string kCredentialId = std::string("cred-") + std::string(27, '\x07');
const std::string kRegisterChallenge = std::string(32, '\x21');
const std::string kLoginChallenge = std::string(32, '\x42');

struct Authenticator {
    Key key;
    int alg;
    std::string rp_id = "extranet.example.org";
    std::uint8_t flags = 0x05;  // UP | UV
    std::uint32_t counter = 0;

    std::string public_key() const { return cose_key(key.get(), alg); }

    std::string auth_data(bool attested) const {
        std::string out = sha256(rp_id);
        out += static_cast<char>(flags | (attested ? 0x40 : 0));
        out += be32(counter);
        if (attested) {
            out += std::string(16, '\0');  // AAGUID
            out += static_cast<char>(kCredentialId.size() >> 8);
            out += static_cast<char>(kCredentialId.size() & 0xFF);
            out += kCredentialId;
            out += public_key();
        }
        return out;
    }

    std::string attestation_object(const std::string& fmt = "none") const {
        Item map(cbor_new_definite_map(3));
        put(map.get(), cbor_build_string("fmt"), cbor_build_string(fmt.c_str()));
        put(map.get(), cbor_build_string("attStmt"), cbor_new_definite_map(0));
        put(map.get(), cbor_build_string("authData"), bytes_item(auth_data(true)));
        return serialize(map.get());
    }

    struct Assertion {
        std::string client_data_json, authenticator_data, signature;
    };
    Assertion assert_for(const std::string& challenge,
                         const std::string& origin = "https://extranet.example.org") const {
        Assertion a;
        a.client_data_json = client_data("webauthn.get", challenge, origin);
        a.authenticator_data = auth_data(false);
        a.signature = sign(key.get(), alg, a.authenticator_data + sha256(a.client_data_json));
        return a;
    }
};

Authenticator make(int alg) {
    Authenticator a;
    a.alg = alg;
    a.key = alg == -7 ? es256_key() : alg == -8 ? ed25519_key() : rsa_key();
    return a;
}

RegistrationResult register_with(const Authenticator& a,
                                 const std::string& origin = "https://extranet.example.org") {
    return verify_registration(kRp, kRegisterChallenge,
                               client_data("webauthn.create", kRegisterChallenge, origin),
                               a.attestation_object());
}

AssertionResult login_with(const Authenticator& a, const std::string& stored_key,
                           std::uint32_t stored_count) {
    Authenticator::Assertion s = a.assert_for(kLoginChallenge);
    return verify_assertion(kRp, kLoginChallenge, s.client_data_json, s.authenticator_data,
                            s.signature, stored_key, stored_count);
}

void full_ceremony(int alg, CoseAlgorithm expected) {
    Authenticator a = make(alg);
    assert_non_null(a.key.get());
    RegistrationResult reg = register_with(a);
    assert_int_equal(static_cast<int>(reg.error), static_cast<int>(WebAuthnError::none));
    assert_true(reg.credential.credential_id == kCredentialId);
    assert_true(reg.credential.public_key == a.public_key());
    assert_int_equal(static_cast<int>(reg.credential.algorithm), static_cast<int>(expected));
    assert_int_equal(reg.credential.sign_count, 0);

    a.counter = 7;
    AssertionResult got = login_with(a, reg.credential.public_key, 0);
    assert_int_equal(static_cast<int>(got.error), static_cast<int>(WebAuthnError::none));
    assert_int_equal(got.sign_count, 7);
}

void assert_error(WebAuthnError got, WebAuthnError expected) {
    if (got != expected) {
        fail_msg("expected %s, got %s", std::string(error_code(expected)).c_str(),
                 std::string(error_code(got)).c_str());
    }
}

std::string b64(const char* text) { return *base64url_decode(text); }

// Recorded from Chromium 's virtual authenticator (ctap2, internal,
// resident key, user verified) on http://localhost:35417 by
// t/browser/capture-ceremony.mjs: challenge 01..20 for the creation,
// 64..83 for the assertion.
const char kChromeOrigin[] = "http://localhost:35417";
const char kChromeCredentialId[] = "fmvqvCuoOPQ9dAV7HD0xgyOBeVWCe7QIDQh2395j7HQ";
const char kChromeCreateClientData[] =
    "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIiwiY2hhbGxlbmdlIjoiQVFJREJBVUdCd2dKQ2dzTURRNFBFQkVTRXhRVkZoY1lH"
    "Um9iSEIwZUh5QSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzU0MTciLCJjcm9zc09yaWdpbiI6ZmFsc2UsIm90aGVy"
    "X2tleXNfY2FuX2JlX2FkZGVkX2hlcmUiOiJkbyBub3QgY29tcGFyZSBjbGllbnREYXRhSlNPTiBhZ2FpbnN0IGEgdGVtcGxh"
    "dGUuIFNlZSBodHRwczovL2dvby5nbC95YWJQZXgifQ";
const char kChromeAttestation[] =
    "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YVikSZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2NFAAAAAQECAwQF"
    "BgcIAQIDBAUGBwgAIH5r6rwrqDj0PXQFexw9MYMjgXlVgnu0CA0Idt_eY-x0pQECAyYgASFYIB9bYEErOaA8UbH2z34dcgsx"
    "mFks12NYOYoj1oTwqNAgIlggBw9rEuF-hqTEtw6s_BNL518nABqxfnhdzO4BazSGz6c";
const char kChromeGetClientData[] =
    "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0IiwiY2hhbGxlbmdlIjoiWkdWbVoyaHBhbXRzYlc1dmNIRnljM1IxZG5kNGVYcDdmSDEt"
    "ZjRDQmdvTSIsIm9yaWdpbiI6Imh0dHA6Ly9sb2NhbGhvc3Q6MzU0MTciLCJjcm9zc09yaWdpbiI6ZmFsc2UsIm90aGVyX2tl"
    "eXNfY2FuX2JlX2FkZGVkX2hlcmUiOiJkbyBub3QgY29tcGFyZSBjbGllbnREYXRhSlNPTiBhZ2FpbnN0IGEgdGVtcGxhdGUu"
    "IFNlZSBodHRwczovL2dvby5nbC95YWJQZXgifQ";
const char kChromeAuthData[] = "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAg";
const char kChromeSignature[] =
    "MEQCIHvBJ50w3whVcQfuh1f2cwgKHIQnJ3Hd6ABLpzxKbk1dAiBQJK0CBysfrtODgDab3iC_UirjMQUWXcHg2UNKuX3zLA";

std::string chrome_challenge(int first) {
    std::string c(32, '\0');
    for (int i = 0; i < 32; i++) c[i] = static_cast<char>(first + i);
    return c;
}

const RelyingParty kChromeRp{"localhost", kChromeOrigin};

}  // namespace

static void test_relying_party_comes_from_the_site_url(void **state)
{
    (void) state;
    std::optional<RelyingParty> rp = relying_party("https://Extranet.Example.org/");
    assert_true(rp.has_value());
    assert_string_equal(rp->id.c_str(), "extranet.example.org");
    assert_string_equal(rp->origin.c_str(), "https://extranet.example.org");
    rp = relying_party("https://extranet.example.org:443");
    assert_string_equal(rp->origin.c_str(), "https://extranet.example.org");
    rp = relying_party("http://localhost:8080/auth/");
    assert_string_equal(rp->id.c_str(), "localhost");
    assert_string_equal(rp->origin.c_str(), "http://localhost:8080");
    assert_false(relying_party("ftp://example.org").has_value());
    assert_false(relying_party("https://").has_value());
    assert_false(relying_party("https://user@example.org").has_value());
    assert_false(relying_party("https://example.org:8x").has_value());
}

static void test_es256_registration_and_login_verify(void **state)
{
    (void) state;
    full_ceremony(-7, CoseAlgorithm::es256);
}

static void test_eddsa_registration_and_login_verify(void **state)
{
    (void) state;
    full_ceremony(-8, CoseAlgorithm::eddsa);
}

static void test_rs256_registration_and_login_verify(void **state)
{
    (void) state;
    full_ceremony(-257, CoseAlgorithm::rs256);
}

static void test_chromium_recorded_ceremony_verifies(void **state)
{
    (void) state;
    RegistrationResult reg = verify_registration(kChromeRp, chrome_challenge(1),
                                                 b64(kChromeCreateClientData),
                                                 b64(kChromeAttestation));
    assert_error(reg.error, WebAuthnError::none);
    assert_true(reg.credential.credential_id == b64(kChromeCredentialId));
    assert_int_equal(static_cast<int>(reg.credential.algorithm),
                     static_cast<int>(CoseAlgorithm::es256));
    assert_int_equal(reg.credential.sign_count, 1);

    AssertionResult got = verify_assertion(kChromeRp, chrome_challenge(100),
                                           b64(kChromeGetClientData), b64(kChromeAuthData),
                                           b64(kChromeSignature), reg.credential.public_key,
                                           reg.credential.sign_count);
    assert_error(got.error, WebAuthnError::none);
    assert_int_equal(got.sign_count, 2);

    // The same recording refused when anything the server holds differs.
    RelyingParty other_port{"localhost", "http://localhost:8080"};
    assert_error(verify_assertion(other_port, chrome_challenge(100), b64(kChromeGetClientData),
                                  b64(kChromeAuthData), b64(kChromeSignature),
                                  reg.credential.public_key, 1).error,
                 WebAuthnError::wrong_origin);
    assert_error(verify_assertion(kChromeRp, chrome_challenge(1), b64(kChromeGetClientData),
                                  b64(kChromeAuthData), b64(kChromeSignature),
                                  reg.credential.public_key, 1).error,
                 WebAuthnError::wrong_challenge);
    assert_error(verify_assertion(kChromeRp, chrome_challenge(100), b64(kChromeGetClientData),
                                  b64(kChromeAuthData), b64(kChromeSignature),
                                  reg.credential.public_key, 2).error,
                 WebAuthnError::counter_regressed);
}

static void test_wrong_origin_is_refused(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    assert_error(register_with(a, "https://evil.example.net").error, WebAuthnError::wrong_origin);
    assert_error(register_with(a, "http://extranet.example.org").error,
                 WebAuthnError::wrong_origin);
    Authenticator::Assertion s = a.assert_for(kLoginChallenge, "https://extranet.example.org:8443");
    assert_error(verify_assertion(kRp, kLoginChallenge, s.client_data_json, s.authenticator_data,
                                  s.signature, a.public_key(), 0).error,
                 WebAuthnError::wrong_origin);
}

static void test_cross_origin_iframe_is_refused(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    std::string cd = client_data("webauthn.create", kRegisterChallenge,
                                 "https://extranet.example.org", "true");
    assert_error(verify_registration(kRp, kRegisterChallenge, cd, a.attestation_object()).error,
                 WebAuthnError::cross_origin);
}

static void test_replayed_challenge_is_refused(void **state)
{
    (void) state;
    // The store spends a challenge at its first use: a replayed response
    // then meets the next challenge issued, or none at all.
    Authenticator a = make(-7);
    Authenticator::Assertion first = a.assert_for(kLoginChallenge);
    std::string next_challenge(32, '\x43');
    assert_error(verify_assertion(kRp, next_challenge, first.client_data_json,
                                  first.authenticator_data, first.signature, a.public_key(), 0)
                     .error,
                 WebAuthnError::wrong_challenge);
    assert_error(verify_assertion(kRp, "", first.client_data_json, first.authenticator_data,
                                  first.signature, a.public_key(), 0).error,
                 WebAuthnError::wrong_challenge);
}

static void test_ceremony_type_must_match(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    std::string cd = client_data("webauthn.get", kRegisterChallenge,
                                 "https://extranet.example.org");
    assert_error(verify_registration(kRp, kRegisterChallenge, cd, a.attestation_object()).error,
                 WebAuthnError::wrong_type);
}

static void test_wrong_rp_id_hash_is_refused(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    a.rp_id = "example.org";
    assert_error(register_with(a).error, WebAuthnError::wrong_rp_id);
    Authenticator good = make(-7);
    a.rp_id = "evil.example.net";
    assert_error(login_with(a, good.public_key(), 0).error, WebAuthnError::wrong_rp_id);
}

static void test_counter_going_back_is_refused(void **state)
{
    (void) state;
    Authenticator a = make(-8);
    a.counter = 5;
    assert_error(login_with(a, a.public_key(), 9).error, WebAuthnError::counter_regressed);
    assert_error(login_with(a, a.public_key(), 5).error, WebAuthnError::counter_regressed);
    AssertionResult ok = login_with(a, a.public_key(), 4);
    assert_error(ok.error, WebAuthnError::none);
    assert_int_equal(ok.sign_count, 5);
    // An authenticator without a counter (always 0) is allowed.
    a.counter = 0;
    assert_error(login_with(a, a.public_key(), 0).error, WebAuthnError::none);
    // A stored non-zero counter that comes back as 0 is a going back.
    assert_error(login_with(a, a.public_key(), 3).error, WebAuthnError::counter_regressed);
}

static void test_another_credentials_key_does_not_verify(void **state)
{
    (void) state;
    // An unknown credential id finds no row (passkey_flow); a known id
    // sent with another authenticator's signature fails here.
    Authenticator a = make(-8);
    Authenticator other = make(-8);
    other.key = ed25519_key(0x01);
    assert_error(login_with(a, other.public_key(), 0).error, WebAuthnError::bad_signature);
    Authenticator es = make(-7);
    assert_error(login_with(a, es.public_key(), 0).error, WebAuthnError::bad_signature);
}

static void test_bad_signature_is_refused(void **state)
{
    (void) state;
    for (int alg : {-7, -8, -257}) {
        Authenticator a = make(alg);
        Authenticator::Assertion s = a.assert_for(kLoginChallenge);
        std::string sig = s.signature;
        sig[sig.size() / 2] ^= 0x01;
        assert_error(verify_assertion(kRp, kLoginChallenge, s.client_data_json,
                                      s.authenticator_data, sig, a.public_key(), 0).error,
                     WebAuthnError::bad_signature);
        // The signature of other data: flags changed after signing.
        std::string data = s.authenticator_data;
        data[32] = static_cast<char>(data[32] | 0x08);
        assert_error(verify_assertion(kRp, kLoginChallenge, s.client_data_json, data,
                                      s.signature, a.public_key(), 0).error,
                     WebAuthnError::bad_signature);
        assert_error(verify_assertion(kRp, kLoginChallenge, s.client_data_json,
                                      s.authenticator_data, "", a.public_key(), 0).error,
                     WebAuthnError::bad_signature);
    }
}

static void test_user_presence_is_required(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    a.flags = 0x04;  // UV without UP
    assert_error(register_with(a).error, WebAuthnError::user_not_present);
    assert_error(login_with(a, a.public_key(), 0).error, WebAuthnError::user_not_present);
}

static void test_user_verification_is_required(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    a.flags = 0x01;  // UP only
    assert_error(register_with(a).error, WebAuthnError::user_not_verified);
    assert_error(login_with(a, a.public_key(), 0).error, WebAuthnError::user_not_verified);
    CeremonyOptions lenient;
    lenient.require_user_verification = false;
    Authenticator::Assertion s = a.assert_for(kLoginChallenge);
    assert_error(verify_assertion(kRp, kLoginChallenge, s.client_data_json, s.authenticator_data,
                                  s.signature, a.public_key(), 0, lenient).error,
                 WebAuthnError::none);
}

static void test_attestation_other_than_none_is_refused(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    for (const char* fmt : {"packed", "fido-u2f", "tpm", "unheard-of"}) {
        assert_error(verify_registration(kRp, kRegisterChallenge,
                                         client_data("webauthn.create", kRegisterChallenge,
                                                     kRp.origin),
                                         a.attestation_object(fmt)).error,
                     WebAuthnError::unsupported_attestation);
    }
}

static void test_unsupported_algorithm_is_refused(void **state)
{
    (void) state;
    // An ES384 key (COSE -35): well formed, not one we asked for.
    Item map(cbor_new_definite_map(5));
    put(map.get(), int_item(1), int_item(2));
    put(map.get(), int_item(3), int_item(-35));
    put(map.get(), int_item(-1), int_item(2));
    put(map.get(), int_item(-2), bytes_item(std::string(48, '\x01')));
    put(map.get(), int_item(-3), bytes_item(std::string(48, '\x02')));
    std::string key = serialize(map.get());
    assert_false(cose_key_algorithm(key).has_value());

    std::string auth = sha256("extranet.example.org") + std::string("\x45", 1) + be32(0) +
                       std::string(16, '\0') + std::string("\x00\x04", 2) + "abcd" + key;
    Item att(cbor_new_definite_map(3));
    put(att.get(), cbor_build_string("fmt"), cbor_build_string("none"));
    put(att.get(), cbor_build_string("attStmt"), cbor_new_definite_map(0));
    put(att.get(), cbor_build_string("authData"), bytes_item(auth));
    assert_error(verify_registration(kRp, kRegisterChallenge,
                                     client_data("webauthn.create", kRegisterChallenge,
                                                 kRp.origin),
                                     serialize(att.get())).error,
                 WebAuthnError::unsupported_algorithm);
}

static void test_cose_keys_are_checked(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    std::string good = a.public_key();
    assert_true(cose_key_algorithm(good) == CoseAlgorithm::es256);
    // A point off the curve: y changed.
    Item map(cbor_new_definite_map(5));
    put(map.get(), int_item(1), int_item(2));
    put(map.get(), int_item(3), int_item(-7));
    put(map.get(), int_item(-1), int_item(1));
    put(map.get(), int_item(-2), bytes_item(std::string(32, '\x05')));
    put(map.get(), int_item(-3), bytes_item(std::string(32, '\x06')));
    assert_false(cose_key_algorithm(serialize(map.get())).has_value());
    // ES256 on another curve, trailing bytes, not a map.
    assert_false(cose_key_algorithm(good + "x").has_value());
    assert_false(cose_key_algorithm("\x01").has_value());
    assert_false(cose_key_algorithm("").has_value());
    // RSA under 2048 bits.
    Item small(cbor_new_definite_map(4));
    put(small.get(), int_item(1), int_item(3));
    put(small.get(), int_item(3), int_item(-257));
    put(small.get(), int_item(-1), bytes_item(std::string(128, '\xC3')));
    put(small.get(), int_item(-2), bytes_item(std::string("\x01\x00\x01", 3)));
    assert_false(cose_key_algorithm(serialize(small.get())).has_value());
    assert_true(cose_key_algorithm(make(-257).public_key()) == CoseAlgorithm::rs256);
    assert_true(cose_key_algorithm(make(-8).public_key()) == CoseAlgorithm::eddsa);
}

static void test_malformed_responses_are_refused(void **state)
{
    (void) state;
    Authenticator a = make(-7);
    std::string cd = client_data("webauthn.create", kRegisterChallenge, kRp.origin);
    std::string att = a.attestation_object();
    assert_error(verify_registration(kRp, kRegisterChallenge, cd, att + std::string(1, '\0')).error,
                 WebAuthnError::bad_encoding);
    assert_error(verify_registration(kRp, kRegisterChallenge, cd, att.substr(0, att.size() - 3))
                     .error,
                 WebAuthnError::bad_encoding);
    assert_error(verify_registration(kRp, kRegisterChallenge, cd, "").error,
                 WebAuthnError::bad_encoding);
    assert_error(verify_registration(kRp, kRegisterChallenge, "{\"type\":", att).error,
                 WebAuthnError::bad_encoding);
    assert_error(verify_registration(kRp, kRegisterChallenge,
                                     "{\"type\":\"webauthn.create\",\"challenge\":\"***\","
                                     "\"origin\":\"https://extranet.example.org\"}",
                                     att).error,
                 WebAuthnError::bad_encoding);
    // Registration without attested credential data.
    Item map(cbor_new_definite_map(3));
    put(map.get(), cbor_build_string("fmt"), cbor_build_string("none"));
    put(map.get(), cbor_build_string("attStmt"), cbor_new_definite_map(0));
    put(map.get(), cbor_build_string("authData"), bytes_item(a.auth_data(false)));
    assert_error(verify_registration(kRp, kRegisterChallenge, cd, serialize(map.get())).error,
                 WebAuthnError::no_credential_data);
    // authenticatorData too short or with trailing bytes.
    assert_false(parse_authenticator_data(std::string(36, '\0')).has_value());
    assert_false(parse_authenticator_data(a.auth_data(false) + "z").has_value());
    assert_true(parse_authenticator_data(a.auth_data(true)).has_value());
    assert_false(parse_authenticator_data(a.auth_data(true) + "z").has_value());
}

static void test_huge_declared_collections_are_refused_cheaply(void **state)
{
    (void) state;
    // An array of 2^28 and a map of 2^32 items declared in a few bytes:
    // refused before libcbor allocates for them.
    const std::string array("\x9a\x10\x00\x00\x00\x01", 6);
    const std::string map("\xbb\x00\x00\x00\x01\x00\x00\x00\x00\x01\x01", 11);
    for (const std::string& bytes : {array, map}) {
        assert_false(cose_key_algorithm(bytes).has_value());
        assert_error(verify_registration(kRp, kRegisterChallenge,
                                         client_data("webauthn.create", kRegisterChallenge,
                                                     kRp.origin),
                                         bytes).error,
                     WebAuthnError::bad_encoding);
        std::string auth = sha256("extranet.example.org") + std::string("\x45", 1) + be32(0) +
                           std::string(16, '\0') + std::string("\x00\x04", 2) + "abcd" + bytes;
        assert_false(parse_authenticator_data(auth).has_value());
    }
    // A map of 3 pairs in 6 bytes cannot be either.
    assert_false(cose_key_algorithm(std::string("\xa3\x01\x02\x03\x04\x05", 6)).has_value());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_relying_party_comes_from_the_site_url),
        cmocka_unit_test(test_es256_registration_and_login_verify),
        cmocka_unit_test(test_eddsa_registration_and_login_verify),
        cmocka_unit_test(test_rs256_registration_and_login_verify),
        cmocka_unit_test(test_chromium_recorded_ceremony_verifies),
        cmocka_unit_test(test_wrong_origin_is_refused),
        cmocka_unit_test(test_cross_origin_iframe_is_refused),
        cmocka_unit_test(test_replayed_challenge_is_refused),
        cmocka_unit_test(test_ceremony_type_must_match),
        cmocka_unit_test(test_wrong_rp_id_hash_is_refused),
        cmocka_unit_test(test_counter_going_back_is_refused),
        cmocka_unit_test(test_another_credentials_key_does_not_verify),
        cmocka_unit_test(test_bad_signature_is_refused),
        cmocka_unit_test(test_user_presence_is_required),
        cmocka_unit_test(test_user_verification_is_required),
        cmocka_unit_test(test_attestation_other_than_none_is_refused),
        cmocka_unit_test(test_unsupported_algorithm_is_refused),
        cmocka_unit_test(test_cose_keys_are_checked),
        cmocka_unit_test(test_malformed_responses_are_refused),
        cmocka_unit_test(test_huge_declared_collections_are_refused_cheaply),
    };
    return cmocka_run_group_tests_name("webauthn", tests, nullptr, nullptr);
}
