// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What the two passkey ceremonies share, registration (passkey_flow) and
// login (passkey_login): the challenge store and the reading of the
// browser's response. Only these two files include it: the routes are
// declared in passkey_flow.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/primitives/form.h"
#include "core/primitives/webauthn.h"
#include "core/storage/database.h"
#include "core/flows/route.h"

// A namespace of its own: these helpers were private to one file and keep
// short names that must not meet other flows' own.
namespace extranet::passkey_ceremony {

inline constexpr std::uint64_t kChallengeLifetime = 300;  // seconds, also the browser's timeout
inline constexpr std::size_t kChallengeBytes = 32;        // 256 bits

inline constexpr Text kExpired = Text::passkey_error_expired;
inline constexpr Text kTooMany = Text::passkey_error_too_many_attempts;
inline constexpr Text kBadResponse = Text::passkey_error_bad_response;

struct SpentChallenge {
    std::string purpose;
    std::string binding_hex;
    std::uint64_t identity_id = 0;
    std::string user_handle;
    bool live = false;
};

std::optional<std::string> from_hex(std::string_view hex);

// Outside any transaction, so that the challenge stays spent even when the
// response is then refused.
std::optional<SpentChallenge> spend_challenge(Database& db, std::string_view challenge);

// Purges the expired challenges, then stores this one (a registration
// replaces the session's outstanding one).
void store_challenge(Database& db, std::string_view challenge, std::string_view purpose,
                     const std::string& binding_hex, std::uint64_t identity_id,
                     std::string_view user_handle);

// The 503 of a site URL that names no relying party.
PortalResponse unavailable_rp(const Answerer& ans);

// What the owner is told of a ceremony's refusal (webauthn's error).
Text webauthn_error_text(WebAuthnError e);

// A base64url field of the request, decoded; nullopt when absent or broken.
std::optional<std::string> b64_field(const Form& form, std::string_view name);

}  // namespace extranet::passkey_ceremony
