// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// api/me: who is logged in, on which account, with which accounts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/flows/route.h"
#include "core/storage/session_store.h"

namespace extranet {

// The accounts a session may reach and the default one: the identity's
// linked accounts, or the numeric-code session's own account.
struct SessionAccounts {
    std::vector<LegacyAccount> accounts;
    std::string default_code;  // "" for a numeric-code session
};

SessionAccounts session_accounts(Database& db, const SessionClaims& claims);

std::string me_json(const SessionClaims& claims, const SessionAccounts& accounts,
                    const std::string& csrf);

Dispatch route_me(RouteContext& rc);

}  // namespace extranet
