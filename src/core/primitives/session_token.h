// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The session cookie: claims sealed with HMAC-SHA256 under a key ring.
// Verifying it costs no database round trip.
#pragma once

#include "core/primitives/crypto.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace extranet {

enum class LoginMethod : std::uint8_t { code = 1, email = 2 };

struct SessionClaims {
    std::string session_id;          // 16 random bytes; the row stores sha256
    std::uint64_t issued_at = 0;     // unix seconds, start of the session
    std::uint64_t refreshed_at = 0;  // last check against the session row
    LoginMethod method = LoginMethod::code;
    std::uint64_t identity_id = 0;   // 0 for a numeric-code session
    std::string email;               // empty for a numeric-code session
    std::string account;             // active account code
    std::string syndic;              // its syndic code
    std::vector<std::string> accounts;  // linked account codes
    // Not sealed: set by KeyRing::open() for a cookie sealed before cookies
    // were bound to their site (it opens on every site of the key; the
    // caller re-seals it at once, bound).
    bool unbound = false;
};

// Whether two sessions are one owner's: the same identity for e-mail
// sessions, the same account for numeric-code sessions; a code session and
// an e-mail session never are. A request that carries sessions of two
// owners (a cookie tossed by another site of the domain) has none.
bool same_owner(const SessionClaims& a, const SessionClaims& b);

struct SessionTimeouts {
    std::uint64_t idle = 30 * 60;
    std::uint64_t absolute = 12 * 60 * 60;
    std::uint64_t refresh = 5 * 60;
};

enum class TokenState { valid, refresh_due, expired };

// expired: past issued_at + absolute, or past refreshed_at + idle.
// refresh_due: valid, but refreshed_at + refresh has passed.
TokenState token_state(const SessionClaims& claims, const SessionTimeouts& t,
                       std::uint64_t now);

class KeyRing {
public:
    // Every key is at least 32 bytes (throws std::invalid_argument
    // otherwise, naming the index). The first key signs; all verify.
    explicit KeyRing(std::vector<std::string> keys);
    ~KeyRing();
    KeyRing(const KeyRing&) = default;

    // The same keys bound to one site: what it seals opens on that site
    // only (its MAC key is derived from each key and the site's id), so
    // that sites sharing a key and a database, each with its own policies,
    // refuse each other's cookies. It still opens the unbound cookies of
    // before, marked unbound.
    std::shared_ptr<const KeyRing> bound_to(std::string_view site) const;

    // Cookie value: base64url, well under 4 KB for up to 100 accounts.
    std::string seal(const SessionClaims& claims) const;

    // nullopt for anything tampered, truncated, of an unknown key id or
    // of another version.
    std::optional<SessionClaims> open(std::string_view token) const;

    // A CSRF token bound to a session id, and its check (any key).
    std::string csrf_token(std::string_view session_id) const;
    bool csrf_valid(std::string_view session_id, std::string_view token) const;

    // Whether a key of this ring is also in the other one: a cookie sealed
    // by one would then open with the other.
    bool shares_key_with(const KeyRing& other) const;

private:
    struct Key {
        std::string secret;
        std::string id;  // 4 bytes: start of sha256(secret)
        HmacSha256Key hmac;  // keyed with secret, states computed once
        std::string site_id;  // the same for the site's derived key
        HmacSha256Key site_hmac;
    };
    std::vector<Key> keys_;
    bool bound_ = false;
};

}  // namespace extranet
