// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/webauthn.h"

#include <cbor.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <cctype>
#include <memory>

#include "core/primitives/crypto.h"
#include "core/primitives/form.h"

namespace extranet {

namespace {

struct CborFree {
    void operator()(cbor_item_t* item) const { cbor_decref(&item); }
};
using CborItem = std::unique_ptr<cbor_item_t, CborFree>;

struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
using Bn = std::unique_ptr<BIGNUM, BnFree>;

// cbor_load() allocates (and zeroes) an array or a map as large as its
// head says before reading one element: 6 bytes could cost gigabytes. A
// first pass with libcbor's streaming decoder refuses any collection that
// declares more elements than bytes are left.
struct SizeCheck {
    std::size_t remaining = 0;
    bool plausible = true;
};

void check_array_size(void* context, std::size_t n) {
    auto* c = static_cast<SizeCheck*>(context);
    if (n > c->remaining) c->plausible = false;
}

void check_map_size(void* context, std::size_t n) {
    auto* c = static_cast<SizeCheck*>(context);
    if (n > c->remaining / 2) c->plausible = false;
}

bool cbor_sizes_plausible(std::string_view bytes) {
    cbor_callbacks callbacks = cbor_empty_callbacks;
    callbacks.array_start = check_array_size;
    callbacks.map_start = check_map_size;
    SizeCheck check;
    std::size_t offset = 0;
    while (offset < bytes.size()) {
        check.remaining = bytes.size() - offset;
        cbor_decoder_result r = cbor_stream_decode(
            reinterpret_cast<cbor_data>(bytes.data()) + offset, bytes.size() - offset,
            &callbacks, &check);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || !check.plausible) return false;
        offset += r.read;
    }
    return true;
}

// One whole CBOR item from bytes; `read` is how many bytes it took.
CborItem cbor_parse(std::string_view bytes, std::size_t* read) {
    if (!cbor_sizes_plausible(bytes)) return nullptr;
    cbor_load_result result{};
    cbor_item_t* item = cbor_load(reinterpret_cast<cbor_data>(bytes.data()), bytes.size(),
                                  &result);
    if (item == nullptr || result.error.code != CBOR_ERR_NONE) {
        if (item != nullptr) cbor_decref(&item);
        return nullptr;
    }
    *read = result.read;
    return CborItem(item);
}

// A CBOR integer key or value as a signed number (major types 0 and 1).
std::optional<std::int64_t> cbor_integer(const cbor_item_t* item) {
    if (cbor_isa_uint(item)) {
        std::uint64_t v = cbor_get_int(item);
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    if (cbor_isa_negint(item)) {
        std::uint64_t v = cbor_get_int(item);  // the value is -1 - v
        if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return -1 - static_cast<std::int64_t>(v);
    }
    return std::nullopt;
}

std::optional<std::string> cbor_bytes(const cbor_item_t* item) {
    if (!cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(cbor_bytestring_handle(item)),
                       cbor_bytestring_length(item));
}

std::optional<std::string> cbor_text(const cbor_item_t* item) {
    if (!cbor_isa_string(item) || !cbor_string_is_definite(item)) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(cbor_string_handle(item)),
                       cbor_string_length(item));
}

// The value of a map's text key; nullptr when absent (or the map is not one).
const cbor_item_t* map_text(const cbor_item_t* map, std::string_view key) {
    if (!cbor_isa_map(map)) return nullptr;
    cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); i++) {
        std::optional<std::string> k = cbor_text(pairs[i].key);
        if (k && *k == key) return pairs[i].value;
    }
    return nullptr;
}

const cbor_item_t* map_int(const cbor_item_t* map, std::int64_t key) {
    if (!cbor_isa_map(map)) return nullptr;
    cbor_pair* pairs = cbor_map_handle(map);
    for (std::size_t i = 0; i < cbor_map_size(map); i++) {
        std::optional<std::int64_t> k = cbor_integer(pairs[i].key);
        if (k && *k == key) return pairs[i].value;
    }
    return nullptr;
}

// A map whose keys are all distinct (a duplicate could hide a second value).
bool distinct_keys(const cbor_item_t* map) {
    cbor_pair* pairs = cbor_map_handle(map);
    std::size_t n = cbor_map_size(map);
    for (std::size_t i = 0; i < n; i++) {
        for (std::size_t j = i + 1; j < n; j++) {
            std::optional<std::int64_t> a = cbor_integer(pairs[i].key);
            std::optional<std::int64_t> b = cbor_integer(pairs[j].key);
            if (a && b && *a == *b) return false;
            std::optional<std::string> s = cbor_text(pairs[i].key);
            std::optional<std::string> t = cbor_text(pairs[j].key);
            if (s && t && *s == *t) return false;
        }
    }
    return true;
}

Pkey key_from_params(const char* type, OSSL_PARAM_BLD* bld) {
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type,
                                                                               nullptr));
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
    EVP_PKEY* key = nullptr;
    if (EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return Pkey(key);
}

struct CoseKey {
    CoseAlgorithm algorithm;
    Pkey key;
};

// RFC 9053 §7: kty 1 (OKP), 2 (EC2), 3 (RSA); alg 3; crv/n -1; x/e -2; y -3.
std::optional<CoseKey> parse_cose_key(std::string_view bytes) {
    std::size_t read = 0;
    CborItem map = cbor_parse(bytes, &read);
    if (!map || read != bytes.size() || !cbor_isa_map(map.get()) ||
        !cbor_map_is_definite(map.get()) || !distinct_keys(map.get())) {
        return std::nullopt;
    }
    const cbor_item_t* kty_item = map_int(map.get(), 1);
    const cbor_item_t* alg_item = map_int(map.get(), 3);
    if (!kty_item || !alg_item) return std::nullopt;
    std::optional<std::int64_t> kty = cbor_integer(kty_item);
    std::optional<std::int64_t> alg = cbor_integer(alg_item);
    if (!kty || !alg) return std::nullopt;

    auto bytes_of = [&](std::int64_t label) -> std::optional<std::string> {
        const cbor_item_t* v = map_int(map.get(), label);
        return v ? cbor_bytes(v) : std::nullopt;
    };
    auto int_of = [&](std::int64_t label) -> std::optional<std::int64_t> {
        const cbor_item_t* v = map_int(map.get(), label);
        return v ? cbor_integer(v) : std::nullopt;
    };

    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> bld(OSSL_PARAM_BLD_new());
    if (!bld) return std::nullopt;

    if (*alg == static_cast<int>(CoseAlgorithm::es256)) {
        std::optional<std::int64_t> crv = int_of(-1);
        std::optional<std::string> x = bytes_of(-2), y = bytes_of(-3);
        if (*kty != 2 || crv != 1 || !x || !y || x->size() != 32 || y->size() != 32) {
            return std::nullopt;
        }
        std::string point = "\x04" + *x + *y;
        if (OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                            "prime256v1", 0) != 1 ||
            OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                             point.size()) != 1) {
            return std::nullopt;
        }
        // Decoding the point checks that it lies on the curve.
        Pkey key = key_from_params("EC", bld.get());
        if (!key) return std::nullopt;
        return CoseKey{CoseAlgorithm::es256, std::move(key)};
    }
    if (*alg == static_cast<int>(CoseAlgorithm::eddsa)) {
        std::optional<std::int64_t> crv = int_of(-1);
        std::optional<std::string> x = bytes_of(-2);
        if (*kty != 1 || crv != 6 || !x || x->size() != 32) return std::nullopt;
        Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                             reinterpret_cast<const unsigned char*>(x->data()),
                                             x->size()));
        if (!key) return std::nullopt;
        return CoseKey{CoseAlgorithm::eddsa, std::move(key)};
    }
    if (*alg == static_cast<int>(CoseAlgorithm::rs256)) {
        std::optional<std::string> n = bytes_of(-1), e = bytes_of(-2);
        // 2048 to 8192 bits; a leading zero byte would mean a shorter key.
        if (*kty != 3 || !n || !e || n->size() < 256 || n->size() > 1024 || (*n)[0] == 0 ||
            e->empty() || e->size() > 8) {
            return std::nullopt;
        }
        Bn bn_n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n->data()),
                          static_cast<int>(n->size()), nullptr));
        Bn bn_e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e->data()),
                          static_cast<int>(e->size()), nullptr));
        if (!bn_n || !bn_e || BN_num_bits(bn_n.get()) < 2048 || !BN_is_odd(bn_e.get()) ||
            BN_is_one(bn_e.get()) ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
            OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
            return std::nullopt;
        }
        Pkey key = key_from_params("RSA", bld.get());
        if (!key) return std::nullopt;
        return CoseKey{CoseAlgorithm::rs256, std::move(key)};
    }
    return std::nullopt;
}

bool is_supported_algorithm_number(std::int64_t alg) {
    return alg == static_cast<int>(CoseAlgorithm::es256) ||
           alg == static_cast<int>(CoseAlgorithm::eddsa) ||
           alg == static_cast<int>(CoseAlgorithm::rs256);
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// The checks both ceremonies make on clientDataJSON (§7.1 steps 7–10,
// §7.2 steps 11–14).
WebAuthnError check_client_data(const RelyingParty& rp, std::string_view challenge,
                                std::string_view json, std::string_view type) {
    std::optional<ClientData> cd = parse_client_data(json);
    if (!cd) return WebAuthnError::bad_encoding;
    if (cd->type != type) return WebAuthnError::wrong_type;
    if (challenge.empty() || !constant_time_equal(cd->challenge, challenge)) {
        return WebAuthnError::wrong_challenge;
    }
    if (cd->origin != rp.origin) return WebAuthnError::wrong_origin;
    if (cd->cross_origin) return WebAuthnError::cross_origin;
    return WebAuthnError::none;
}

WebAuthnError check_flags(const RelyingParty& rp, const AuthenticatorData& ad,
                          const CeremonyOptions& options) {
    if (!constant_time_equal(ad.rp_id_hash, sha256(rp.id))) return WebAuthnError::wrong_rp_id;
    if (!(ad.flags & AuthenticatorData::kUserPresent)) return WebAuthnError::user_not_present;
    if (options.require_user_verification && !(ad.flags & AuthenticatorData::kUserVerified)) {
        return WebAuthnError::user_not_verified;
    }
    return WebAuthnError::none;
}

}  // namespace

std::optional<RelyingParty> relying_party(std::string_view site_url) {
    std::size_t sep = site_url.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    std::string scheme = lower(site_url.substr(0, sep));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    std::string_view rest = site_url.substr(sep + 3);
    std::string authority = lower(rest.substr(0, rest.find_first_of("/?#")));
    if (authority.empty() || authority.find('@') != std::string::npos) return std::nullopt;

    std::string host = authority, port;
    if (authority[0] == '[') {  // an IPv6 literal
        std::size_t close = authority.find(']');
        if (close == std::string::npos) return std::nullopt;
        host = authority.substr(0, close + 1);
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            port = authority.substr(close + 2);
        }
    } else if (std::size_t colon = authority.find(':'); colon != std::string::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty() || host.size() > 253) return std::nullopt;
    if (!std::all_of(port.begin(), port.end(),
                     [](char c) { return c >= '0' && c <= '9'; }) ||
        port.size() > 5) {
        return std::nullopt;
    }
    // An origin leaves out its scheme's default port (RFC 6454 §6.1).
    if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();
    if (host.back() == '.') host.pop_back();
    RelyingParty rp;
    rp.id = host;
    rp.origin = scheme + "://" + host + (port.empty() ? "" : ":" + port);
    return rp;
}

std::string_view error_code(WebAuthnError e) {
    switch (e) {
    case WebAuthnError::none: return "none";
    case WebAuthnError::bad_encoding: return "bad_encoding";
    case WebAuthnError::wrong_type: return "wrong_type";
    case WebAuthnError::wrong_challenge: return "wrong_challenge";
    case WebAuthnError::wrong_origin: return "wrong_origin";
    case WebAuthnError::cross_origin: return "cross_origin";
    case WebAuthnError::wrong_rp_id: return "wrong_rp_id";
    case WebAuthnError::user_not_present: return "user_not_present";
    case WebAuthnError::user_not_verified: return "user_not_verified";
    case WebAuthnError::no_credential_data: return "no_credential_data";
    case WebAuthnError::unsupported_attestation: return "unsupported_attestation";
    case WebAuthnError::unsupported_algorithm: return "unsupported_algorithm";
    case WebAuthnError::bad_public_key: return "bad_public_key";
    case WebAuthnError::bad_signature: return "bad_signature";
    case WebAuthnError::counter_regressed: return "counter_regressed";
    }
    return "unknown";
}

std::optional<ClientData> parse_client_data(std::string_view json) {
    // A flat object of strings and booleans; a nested member (Level 1's
    // tokenBinding object) is refused by the parser, which is safe: no
    // browser sends one today.
    FormLimits limits;
    limits.max_fields = 16;
    limits.max_value = 4096;
    FormResult parsed = parse_json_object(json, limits);
    if (parsed.error != FormError::none) return std::nullopt;
    std::optional<std::string> type = parsed.form.get("type");
    std::optional<std::string> challenge = parsed.form.get("challenge");
    std::optional<std::string> origin = parsed.form.get("origin");
    if (!type || !challenge || !origin) return std::nullopt;
    std::optional<std::string> raw = base64url_decode(*challenge);
    if (!raw) return std::nullopt;
    std::optional<std::string> cross = parsed.form.get("crossOrigin");
    if (cross && *cross != "true" && *cross != "false") return std::nullopt;
    ClientData cd;
    cd.type = *type;
    cd.challenge = std::move(*raw);
    cd.origin = *origin;
    cd.cross_origin = cross && *cross == "true";
    return cd;
}

std::optional<AuthenticatorData> parse_authenticator_data(std::string_view bytes) {
    if (bytes.size() < 37) return std::nullopt;
    AuthenticatorData ad;
    ad.rp_id_hash = std::string(bytes.substr(0, 32));
    ad.flags = static_cast<std::uint8_t>(bytes[32]);
    for (int i = 0; i < 4; i++) {
        ad.sign_count = (ad.sign_count << 8) | static_cast<std::uint8_t>(bytes[33 + i]);
    }
    std::string_view rest = bytes.substr(37);
    if (ad.flags & AuthenticatorData::kAttestedData) {
        if (rest.size() < 18) return std::nullopt;
        ad.aaguid = std::string(rest.substr(0, 16));
        std::size_t id_len = (static_cast<std::uint8_t>(rest[16]) << 8) |
                             static_cast<std::uint8_t>(rest[17]);
        rest.remove_prefix(18);
        if (id_len == 0 || id_len > 1023 || rest.size() < id_len) return std::nullopt;
        ad.credential_id = std::string(rest.substr(0, id_len));
        rest.remove_prefix(id_len);
        std::size_t read = 0;
        CborItem key = cbor_parse(rest, &read);
        if (!key || !cbor_isa_map(key.get())) return std::nullopt;
        ad.public_key = std::string(rest.substr(0, read));
        rest.remove_prefix(read);
    }
    if (ad.flags & AuthenticatorData::kExtensions) {
        std::size_t read = 0;
        CborItem ext = cbor_parse(rest, &read);
        if (!ext || !cbor_isa_map(ext.get())) return std::nullopt;
        rest.remove_prefix(read);
    }
    if (!rest.empty()) return std::nullopt;  // trailing bytes
    return ad;
}

std::optional<CoseAlgorithm> cose_key_algorithm(std::string_view cose_key) {
    std::optional<CoseKey> k = parse_cose_key(cose_key);
    if (!k) return std::nullopt;
    return k->algorithm;
}

bool verify_cose_signature(std::string_view cose_key, std::string_view data,
                           std::string_view signature) {
    std::optional<CoseKey> k = parse_cose_key(cose_key);
    if (!k || signature.empty()) return false;
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
    if (!md) return false;
    // Ed25519 hashes inside the signature scheme: no digest is named.
    const EVP_MD* digest = k->algorithm == CoseAlgorithm::eddsa ? nullptr : EVP_sha256();
    if (EVP_DigestVerifyInit(md.get(), nullptr, digest, nullptr, k->key.get()) != 1) {
        return false;
    }
    return EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()),
                            data.size()) == 1;
}

RegistrationResult verify_registration(const RelyingParty& rp, std::string_view challenge,
                                       std::string_view client_data_json,
                                       std::string_view attestation_object,
                                       const CeremonyOptions& options) {
    RegistrationResult out;
    auto failed = [&](WebAuthnError e) {
        out.error = e;
        return out;
    };
    if (WebAuthnError e = check_client_data(rp, challenge, client_data_json, "webauthn.create");
        e != WebAuthnError::none) {
        return failed(e);
    }

    std::size_t read = 0;
    CborItem att = cbor_parse(attestation_object, &read);
    if (!att || read != attestation_object.size() || !cbor_isa_map(att.get()) ||
        !distinct_keys(att.get())) {
        return failed(WebAuthnError::bad_encoding);
    }
    const cbor_item_t* fmt_item = map_text(att.get(), "fmt");
    const cbor_item_t* stmt = map_text(att.get(), "attStmt");
    const cbor_item_t* auth_item = map_text(att.get(), "authData");
    std::optional<std::string> fmt = fmt_item ? cbor_text(fmt_item) : std::nullopt;
    std::optional<std::string> auth_bytes = auth_item ? cbor_bytes(auth_item) : std::nullopt;
    if (!fmt || !stmt || !auth_bytes || !cbor_isa_map(stmt)) {
        return failed(WebAuthnError::bad_encoding);
    }

    std::optional<AuthenticatorData> ad = parse_authenticator_data(*auth_bytes);
    if (!ad) return failed(WebAuthnError::bad_encoding);
    if (WebAuthnError e = check_flags(rp, *ad, options); e != WebAuthnError::none) {
        return failed(e);
    }
    if (!(ad->flags & AuthenticatorData::kAttestedData)) {
        return failed(WebAuthnError::no_credential_data);
    }

    // The key's algorithm must be one of pubKeyCredParams (ours).
    std::size_t key_read = 0;
    CborItem key_map = cbor_parse(ad->public_key, &key_read);
    const cbor_item_t* alg_item = key_map ? map_int(key_map.get(), 3) : nullptr;
    std::optional<std::int64_t> alg = alg_item ? cbor_integer(alg_item) : std::nullopt;
    if (!alg || !is_supported_algorithm_number(*alg)) {
        return failed(WebAuthnError::unsupported_algorithm);
    }
    std::optional<CoseAlgorithm> checked = cose_key_algorithm(ad->public_key);
    if (!checked) return failed(WebAuthnError::bad_public_key);

    // We ask for attestation "none" and have no use for an authenticator's
    // provenance: any other statement is refused rather than taken unchecked.
    if (*fmt != "none") return failed(WebAuthnError::unsupported_attestation);
    if (cbor_map_size(stmt) != 0) return failed(WebAuthnError::bad_encoding);

    out.credential.credential_id = ad->credential_id;
    out.credential.public_key = ad->public_key;
    out.credential.algorithm = *checked;
    out.credential.sign_count = ad->sign_count;
    return out;
}

AssertionResult verify_assertion(const RelyingParty& rp, std::string_view challenge,
                                 std::string_view client_data_json,
                                 std::string_view authenticator_data,
                                 std::string_view signature, std::string_view public_key,
                                 std::uint32_t stored_sign_count,
                                 const CeremonyOptions& options) {
    AssertionResult out;
    auto failed = [&](WebAuthnError e) {
        out.error = e;
        return out;
    };
    if (WebAuthnError e = check_client_data(rp, challenge, client_data_json, "webauthn.get");
        e != WebAuthnError::none) {
        return failed(e);
    }
    std::optional<AuthenticatorData> ad = parse_authenticator_data(authenticator_data);
    if (!ad) return failed(WebAuthnError::bad_encoding);
    if (WebAuthnError e = check_flags(rp, *ad, options); e != WebAuthnError::none) {
        return failed(e);
    }

    // §7.2 step 20: the signature over authenticatorData ‖ sha256(clientDataJSON).
    std::string signed_data(authenticator_data);
    signed_data += sha256(client_data_json);
    if (!verify_cose_signature(public_key, signed_data, signature)) {
        return failed(WebAuthnError::bad_signature);
    }

    // §7.2 step 21: a counter that does not move forward while either side
    // is non-zero means two copies of the key exist.
    if ((ad->sign_count != 0 || stored_sign_count != 0) && ad->sign_count <= stored_sign_count) {
        return failed(WebAuthnError::counter_regressed);
    }
    out.sign_count = ad->sign_count;
    return out;
}

}  // namespace extranet
