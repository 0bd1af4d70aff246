// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// WebAuthn Level 2, relying-party side: the registration and authentication
// ceremonies' checks (§7.1, §7.2) on what the browser sends back. Pure
// functions: the challenge's storage, its single use and the credential
// rows are the caller's (passkey_flow). CBOR through libcbor, signatures
// through OpenSSL 3 (EVP), clientDataJSON through the form parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace extranet {

// The relying party: its ID (the site's host) and the one origin accepted.
struct RelyingParty {
    std::string id;      // "extranet.example.org"
    std::string origin;  // "https://extranet.example.org" (default port omitted)
};

// From auth_extranet_site_url ("https://Host[:port][/...]"); nullopt when it
// is no http(s) URL with a host.
std::optional<RelyingParty> relying_party(std::string_view site_url);

// COSE algorithms accepted (RFC 9053 / RFC 8812).
enum class CoseAlgorithm : int { es256 = -7, eddsa = -8, rs256 = -257 };

enum class WebAuthnError {
    none,
    bad_encoding,            // not base64url, not CBOR, not JSON, truncated
    wrong_type,              // clientData type is not webauthn.create / webauthn.get
    wrong_challenge,         // not the challenge issued (or already spent)
    wrong_origin,            // clientData origin is not the site's
    cross_origin,            // created or used inside a cross-origin iframe
    wrong_rp_id,             // authenticatorData's rpIdHash is not sha256(RP ID)
    user_not_present,        // UP flag missing
    user_not_verified,       // UV flag missing while it is required
    no_credential_data,      // registration without attested credential data
    unsupported_attestation, // attestation format other than "none"
    unsupported_algorithm,   // a key other than ES256, EdDSA, RS256
    bad_public_key,          // a malformed COSE key or one off its curve
    bad_signature,
    counter_regressed,       // signature counter not above the stored one
};

// What the owner is told of each is the flows' (passkey_ceremony.h): a
// text of the site's theme.
// A stable English code for logs and JSON ("wrong_origin"...).
std::string_view error_code(WebAuthnError e);

// clientDataJSON's members the ceremonies check.
struct ClientData {
    std::string type;
    std::string challenge;  // decoded bytes
    std::string origin;
    bool cross_origin = false;
};

std::optional<ClientData> parse_client_data(std::string_view json);

// authenticatorData (§6.1).
struct AuthenticatorData {
    static constexpr std::uint8_t kUserPresent = 0x01;
    static constexpr std::uint8_t kUserVerified = 0x04;
    static constexpr std::uint8_t kAttestedData = 0x40;
    static constexpr std::uint8_t kExtensions = 0x80;

    std::string rp_id_hash;  // 32 bytes
    std::uint8_t flags = 0;
    std::uint32_t sign_count = 0;
    // With attested credential data (AT flag):
    std::string aaguid;
    std::string credential_id;
    std::string public_key;  // the COSE_Key, as its CBOR bytes
};

std::optional<AuthenticatorData> parse_authenticator_data(std::string_view bytes);

// The algorithm of a COSE_Key if it is one of ours and well formed (curve,
// sizes, point on the curve, RSA ≥ 2048 bits); nullopt otherwise.
std::optional<CoseAlgorithm> cose_key_algorithm(std::string_view cose_key);

// Verifies an authenticator's signature over data with a COSE_Key
// (ES256: DER ECDSA P-256 SHA-256; EdDSA: Ed25519; RS256: PKCS#1 v1.5 SHA-256).
bool verify_cose_signature(std::string_view cose_key, std::string_view data,
                           std::string_view signature);

struct CeremonyOptions {
    bool require_user_verification = true;
};

struct NewCredential {
    std::string credential_id;
    std::string public_key;  // COSE_Key bytes, stored as is
    CoseAlgorithm algorithm = CoseAlgorithm::es256;
    std::uint32_t sign_count = 0;
};

struct RegistrationResult {
    WebAuthnError error = WebAuthnError::none;
    NewCredential credential;  // when error is none
};

// §7.1 steps 5–21 (attestation "none" only): challenge is the one issued
// (raw bytes), client_data_json and attestation_object as the browser sent
// them (decoded from base64url).
RegistrationResult verify_registration(const RelyingParty& rp, std::string_view challenge,
                                       std::string_view client_data_json,
                                       std::string_view attestation_object,
                                       const CeremonyOptions& options = {});

struct AssertionResult {
    WebAuthnError error = WebAuthnError::none;
    std::uint32_t sign_count = 0;  // the new value to store
};

// §7.2 steps 10–21 for the stored credential (its COSE key and counter).
AssertionResult verify_assertion(const RelyingParty& rp, std::string_view challenge,
                                 std::string_view client_data_json,
                                 std::string_view authenticator_data,
                                 std::string_view signature, std::string_view public_key,
                                 std::uint32_t stored_sign_count,
                                 const CeremonyOptions& options = {});

}  // namespace extranet
