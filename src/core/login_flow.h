// Logging in with a numeric code + legacy password or an e-mail + personal
// password, and logging out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/account_code.h"
#include "core/database.h"
#include "core/route.h"
#include "core/session_token.h"

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
    std::string log_message;  // why it failed, for the error log
};

// What an unknown or inactive account code is checked against, so that it
// costs what checking a real account costs on this site.
struct LegacyStandIn {
    std::string hash;
    std::string family;  // its format and cost, "$2y$10$" or "built-in $6$"
};

// The site's sample hash (the most common legacy format and cost) when
// verify_password knows its format; else a built-in sha512crypt ("$6$")
// hash, also when the site has no sample (nullopt).
LegacyStandIn legacy_stand_in(std::optional<std::string_view> sample, std::string_view family);

// One business operation: verify the credentials (a stand-in or dummy hash
// for an unknown identifier), re-hash an outdated personal hash, create the
// session row, read the linked accounts, write the audit log.
LoginOutcome login(Database& db, const Settings& s, const LoginAttempt& attempt);

Dispatch route_login(RouteContext& rc);
Dispatch route_logout(RouteContext& rc);

}  // namespace extranet
