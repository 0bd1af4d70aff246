// libFuzzer target: WebAuthn's parsing (core/webauthn) of what a browser
// sends back. Input: a mode byte, then the bytes of that mode:
//   0  clientDataJSON (parse_client_data)
//   1  authenticatorData (parse_authenticator_data, CBOR COSE key and
//      extensions inside)
//   2  a COSE_Key in CBOR (cose_key_algorithm)
//   3  an attestationObject in CBOR, checked by verify_registration with a
//      valid clientDataJSON, so that every input reaches the CBOR
//   4  authenticatorData for verify_assertion with a valid clientDataJSON
//      and a fixed ES256 key (the signature is the last 72 bytes or fewer)
//   5  clientDataJSON for verify_registration with a fixed valid
//      attestationObject, so that every input reaches the JSON checks
//
// Invariants: accepted authenticator data has a 32-byte RP ID hash, a
// credential id of 1 to 1023 bytes and a COSE key exactly when the AT flag
// is set, and is re-parsed to the same fields from its own bytes; a COSE
// key is accepted only with one of the three algorithms; a registration
// that passes holds a credential id and a key whose algorithm is the one
// reported, with the flags and RP ID the ceremony requires; an accepted
// clientDataJSON written back as JSON parses to the same fields.
#include "fuzz.h"

#include <optional>
#include <string>

#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/primitives/webauthn.h"

using namespace extranet;

namespace {

const RelyingParty kRp{"extranet.example.org", "https://extranet.example.org"};
const std::string kChallenge(32, '\x42');

std::string client_data(std::string_view type)
{
    return "{\"type\":\"" + std::string(type) + "\",\"challenge\":\"" +
           base64url_encode(kChallenge) + "\",\"origin\":\"" + kRp.origin +
           "\",\"crossOrigin\":false}";
}

// CBOR heads for the fixed attestation object of mode 5.
std::string cbor_head(int major, std::size_t n)
{
    std::string out;
    if (n < 24) {
        out += static_cast<char>(major << 5 | n);
    } else if (n < 256) {
        out += static_cast<char>(major << 5 | 24);
        out += static_cast<char>(n);
    } else {
        out += static_cast<char>(major << 5 | 25);
        out += static_cast<char>(n >> 8);
        out += static_cast<char>(n & 0xff);
    }
    return out;
}

std::string cbor_text(std::string_view s) { return cbor_head(3, s.size()) + std::string(s); }
std::string cbor_bytes(std::string_view s) { return cbor_head(2, s.size()) + std::string(s); }

std::string from_hex(std::string_view hex)
{
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    }
    return out;
}

// An ES256 COSE key: P-256's generator point (on the curve, so accepted).
std::string es256_key()
{
    std::string x = from_hex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296");
    std::string y = from_hex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5");
    // {1: 2, 3: -7, -1: 1, -2: x, -3: y}
    return std::string("\xa5\x01\x02\x03\x26\x20\x01\x21", 8) + cbor_bytes(x) + "\x22" +
           cbor_bytes(y);
}

std::string attestation_object()
{
    std::string ad = sha256(kRp.id);
    ad += '\x45';                          // UP | UV | AT
    ad += std::string("\0\0\0\1", 4);      // counter
    ad += std::string(16, '\0');           // AAGUID
    ad += std::string("\0\x10", 2);        // credential id length
    ad += std::string(16, '\x07');
    ad += es256_key();
    return std::string("\xa3", 1) + cbor_text("fmt") + cbor_text("none") + cbor_text("attStmt") +
           std::string("\xa0", 1) + cbor_text("authData") + cbor_bytes(ad);
}

bool known_algorithm(CoseAlgorithm a)
{
    return a == CoseAlgorithm::es256 || a == CoseAlgorithm::eddsa || a == CoseAlgorithm::rs256;
}

void check_authenticator_data(std::string_view bytes)
{
    std::optional<AuthenticatorData> ad = parse_authenticator_data(bytes);
    if (!ad) {
        return;
    }
    FUZZ_CHECK(bytes.size() >= 37);
    FUZZ_CHECK(ad->rp_id_hash.size() == 32);
    FUZZ_CHECK(ad->rp_id_hash == bytes.substr(0, 32));
    FUZZ_CHECK(ad->flags == static_cast<std::uint8_t>(bytes[32]));
    bool attested = ad->flags & AuthenticatorData::kAttestedData;
    FUZZ_CHECK(attested == !ad->credential_id.empty());
    FUZZ_CHECK(attested == !ad->public_key.empty());
    if (attested) {
        FUZZ_CHECK(ad->credential_id.size() <= 1023);
        FUZZ_CHECK(ad->aaguid.size() == 16);
        // What was kept is a slice of the input, right after the id.
        FUZZ_CHECK(bytes.substr(55, ad->credential_id.size()) == ad->credential_id);
        FUZZ_CHECK(bytes.substr(55 + ad->credential_id.size(), ad->public_key.size()) ==
                   ad->public_key);
    } else {
        FUZZ_CHECK(ad->aaguid.empty());
    }
    if (!(ad->flags & (AuthenticatorData::kAttestedData | AuthenticatorData::kExtensions))) {
        FUZZ_CHECK(bytes.size() == 37);  // nothing may trail
    }
    // The key alone, taken out of its authenticator data, parses the same.
    if (attested) {
        std::optional<CoseAlgorithm> alg = cose_key_algorithm(ad->public_key);
        FUZZ_CHECK(!alg || known_algorithm(*alg));
    }
    std::optional<AuthenticatorData> again = parse_authenticator_data(bytes);
    FUZZ_CHECK(again && again->credential_id == ad->credential_id &&
               again->public_key == ad->public_key && again->sign_count == ad->sign_count);
}

void check_client_data(std::string_view json)
{
    std::optional<ClientData> cd = parse_client_data(json);
    if (!cd) {
        return;
    }
    std::string back = "{\"type\":" + json_string(cd->type) + ",\"challenge\":" +
                       json_string(base64url_encode(cd->challenge)) + ",\"origin\":" +
                       json_string(cd->origin) + ",\"crossOrigin\":" +
                       (cd->cross_origin ? "true" : "false") + "}";
    std::optional<ClientData> again = parse_client_data(back);
    FUZZ_CHECK(again);
    FUZZ_CHECK(again->type == cd->type && again->challenge == cd->challenge &&
               again->origin == cd->origin && again->cross_origin == cd->cross_origin);
}

void check_registration(std::string_view cdj, std::string_view att)
{
    RegistrationResult r = verify_registration(kRp, kChallenge, cdj, att);
    if (r.error != WebAuthnError::none) {
        FUZZ_CHECK(!error_code(r.error).empty());
        return;
    }
    const NewCredential& c = r.credential;
    FUZZ_CHECK(!c.credential_id.empty() && c.credential_id.size() <= 1023);
    std::optional<CoseAlgorithm> alg = cose_key_algorithm(c.public_key);
    FUZZ_CHECK(alg && *alg == c.algorithm && known_algorithm(c.algorithm));
    std::optional<ClientData> cd = parse_client_data(cdj);
    FUZZ_CHECK(cd && cd->type == "webauthn.create" && cd->challenge == kChallenge &&
               cd->origin == kRp.origin && !cd->cross_origin);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    std::string_view body = fuzz_text(data + 1, size - 1);
    switch (data[0] % 6) {
    case 0:
        check_client_data(body);
        break;
    case 1:
        check_authenticator_data(body);
        break;
    case 2: {
        std::optional<CoseAlgorithm> alg = cose_key_algorithm(body);
        FUZZ_CHECK(!alg || known_algorithm(*alg));
        break;
    }
    case 3: {
        static const std::string cdj = client_data("webauthn.create");
        check_registration(cdj, body);
        break;
    }
    case 4: {
        static const std::string cdj = client_data("webauthn.get");
        static const std::string key = es256_key();
        std::size_t cut = body.size() > 72 ? body.size() - 72 : 0;
        check_authenticator_data(body.substr(0, cut));
        AssertionResult a = verify_assertion(kRp, kChallenge, cdj, body.substr(0, cut),
                                             body.substr(cut), key, 0);
        // Whatever passed had well-formed data with the flags required.
        if (a.error == WebAuthnError::none) {
            std::optional<AuthenticatorData> ad = parse_authenticator_data(body.substr(0, cut));
            FUZZ_CHECK(ad && (ad->flags & AuthenticatorData::kUserPresent) &&
                       (ad->flags & AuthenticatorData::kUserVerified) &&
                       ad->rp_id_hash == sha256(kRp.id));
        }
        break;
    }
    case 5: {
        static const std::string att = attestation_object();
        check_client_data(body);
        check_registration(body, att);
        break;
    }
    }
    return 0;
}
