// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/passkey_ceremony.h"

#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"

namespace extranet::passkey_ceremony {

namespace {

// Expired challenges go at each new one: the table stays small.
const Statement kPurgeChallenges{
    "passkey_purge_challenges",
    "DELETE FROM extranet.passkey_challenge WHERE expires_at < now()"};

// One outstanding registration challenge per session.
const Statement kDropBound{
    "passkey_drop_bound",
    "DELETE FROM extranet.passkey_challenge"
    " WHERE binding_hash = decode($1, 'hex') AND purpose = $2"};

const Statement kInsertChallenge{
    "passkey_insert_challenge",
    "INSERT INTO extranet.passkey_challenge (challenge_hash, purpose, binding_hash,"
    " identity_id, user_handle, expires_at) VALUES (decode($1, 'hex'), $2, decode($3, 'hex'),"
    " $4, decode($5, 'hex'), now() + make_interval(secs => $6))"};

// Spent at its first use, whatever the outcome: a replay finds nothing.
const Statement kSpendChallenge{
    "passkey_spend_challenge",
    "DELETE FROM extranet.passkey_challenge WHERE challenge_hash = decode($1, 'hex')"
    " RETURNING purpose, encode(binding_hash, 'hex'), COALESCE(identity_id, 0),"
    " COALESCE(encode(user_handle, 'hex'), ''), expires_at > now()"};

}  // namespace

std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi << 4 | lo);
    }
    return out;
}

std::optional<SpentChallenge> spend_challenge(Database& db, std::string_view challenge) {
    Result r = db.exec(kSpendChallenge, {hex_encode(sha256(challenge))});
    if (r.empty()) return std::nullopt;
    SpentChallenge c;
    c.purpose = r.get(0, 0);
    c.binding_hex = r.get(0, 1);
    c.identity_id = static_cast<std::uint64_t>(r.integer(0, 2));
    c.user_handle = from_hex(r.get(0, 3)).value_or("");
    c.live = r.boolean(0, 4);
    return c;
}

void store_challenge(Database& db, std::string_view challenge, std::string_view purpose,
                     const std::string& binding_hex, std::uint64_t identity_id,
                     std::string_view user_handle) {
    std::string id = std::to_string(identity_id);
    std::string handle = hex_encode(user_handle);
    std::string lifetime = std::to_string(kChallengeLifetime);
    db.exec(kPurgeChallenges, {});
    if (purpose == "register") db.exec(kDropBound, {binding_hex, purpose});
    db.exec(kInsertChallenge,
            {hex_encode(sha256(challenge)), purpose, binding_hex,
             identity_id ? Param(id) : Param(std::nullopt),
             user_handle.empty() ? Param(std::nullopt) : Param(handle), lifetime});
}

PortalResponse unavailable_rp(const Answerer& ans) {
    PortalResponse r = ans.error(503, "unavailable", Text::passkey_error_unavailable);
    r.log_level = LogLevel::alert;
    r.log_message = "passkeys: auth_extranet_site_url is no http(s) URL";
    return r;
}

std::optional<std::string> b64_field(const Form& form, std::string_view name) {
    std::optional<std::string> v = form.get(name);
    if (!v || v->empty()) return std::nullopt;
    return base64url_decode(*v);
}

Text webauthn_error_text(WebAuthnError e) {
    switch (e) {
    case WebAuthnError::wrong_challenge: return Text::passkey_error_wrong_challenge;
    case WebAuthnError::wrong_origin:
    case WebAuthnError::cross_origin:
    case WebAuthnError::wrong_rp_id: return Text::passkey_error_wrong_site;
    case WebAuthnError::user_not_present:
    case WebAuthnError::user_not_verified: return Text::passkey_error_not_present;
    case WebAuthnError::unsupported_attestation:
    case WebAuthnError::unsupported_algorithm: return Text::passkey_error_unsupported;
    case WebAuthnError::counter_regressed: return Text::passkey_error_copied;
    case WebAuthnError::none:
    case WebAuthnError::bad_signature:
    case WebAuthnError::bad_public_key:
    case WebAuthnError::no_credential_data:
    case WebAuthnError::wrong_type:
    case WebAuthnError::bad_encoding:
        break;
    }
    return Text::passkey_error_not_verified;
}

}  // namespace extranet::passkey_ceremony
