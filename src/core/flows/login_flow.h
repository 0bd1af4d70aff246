// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Logging in with a numeric code + legacy password or an e-mail + personal
// password, and logging out.
#pragma once

#include <cstdint>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/primitives/account_code.h"
#include "core/storage/database.h"
#include "core/flows/route.h"
#include "core/primitives/session_token.h"

namespace extranet {

struct LoginAttempt {
    Identifier identifier;
    std::string password;
    std::string client_addr;
    std::string user_agent;
    std::uint64_t now = 0;
    bool locked = false;  // over a brute-force limit: fail after the same work
    std::optional<std::string> previous_session;  // revoked on success
    ~LoginAttempt();
};

enum class LoginResult { success, failure, use_email };

struct LoginOutcome {
    LoginResult result = LoginResult::failure;
    SessionClaims claims;     // on success
    std::string log_message;  // why it failed, for the error log and the audit log
    std::string timing_note;  // how the time was equalised, for the error log only
};

// What an unknown or inactive account code is checked against, so that it
// costs what checking a real account costs on this site.
struct LegacyStandIn {
    std::string hash;
    std::string family;  // its format and cost, "$2y$10$" or "built-in $6$"
};

// The site's sample hash of a family when verify_password knows its
// format; else a built-in sha512crypt ("$6$") hash, also when the site has
// no sample (nullopt).
LegacyStandIn legacy_stand_in(std::optional<std::string_view> sample, std::string_view family);

// One timing for every code, so that the answer's delay does not tell
// which codes exist or how their hash is stored. The legacy table belongs
// to the legacy app and is read-only for the module, so no legacy hash can
// be re-hashed. Instead every numeric-code login verifies one hash of every
// legacy format and cost the site holds: a known code its own hash plus a
// stand-in of each other format, an unknown or inactive code a stand-in of
// each. The work is the same in kind and amount whatever the account, so
// it stays equal on a loaded machine too (no clock, no calibration: a
// memory-hard format and a CPU-bound one do not slow down alike). Cost:
// the sum of the formats' costs (the demo: bcrypt 10 + yescrypt + $6$,
// about 1.4 times bcrypt alone).
struct CodeTiming {
    std::vector<LegacyStandIn> stand_ins;  // one per family, never empty once planned

    // Every stand-in but the one of `family` (all when it is not among them).
    std::vector<const LegacyStandIn*> others(std::string_view family) const;
    // "$2y$10$ $6$ $y$j9T$", for the logs.
    std::string families() const;
};

// The plan from one (family, sample hash) per legacy format of the site
// (pure): families verify_password does not know are left out; none left,
// the built-in stand-in.
CodeTiming plan_code_timing(const std::vector<std::pair<std::string, std::string>>& samples);

// The plan this process uses (read on its first code login; nullopt
// before).
std::optional<CodeTiming> current_code_timing();

// One business operation: verify the credentials (a stand-in or dummy hash
// for an unknown identifier), re-hash an outdated personal hash, create the
// session row, read the linked accounts, write the audit log.
LoginOutcome login(Database& db, const Settings& s, const LoginAttempt& attempt);

Dispatch route_login(RouteContext& rc);
Dispatch route_logout(RouteContext& rc);

}  // namespace extranet
