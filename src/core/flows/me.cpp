// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/me.h"

#include "core/flows/account_switch.h"
#include "core/primitives/escape.h"

namespace extranet {

SessionAccounts session_accounts(Database& db, const SessionClaims& claims) {
    SessionAccounts out;
    if (claims.identity_id != 0) {
        out.accounts = linked_accounts(db, claims.identity_id);
        out.default_code = default_account(db, claims.identity_id);
    } else if (std::optional<LegacyAccount> a = find_account(db, claims.account)) {
        out.accounts.push_back(*a);
    }
    return out;
}

std::string me_json(const SessionClaims& claims, const SessionAccounts& accounts,
                    const std::string& csrf) {
    bool email = claims.method == LoginMethod::email;
    std::string active = "null";
    std::string list;
    for (const LegacyAccount& a : accounts.accounts) {
        AccountItem item = account_item(a, claims.account, accounts.default_code);
        std::string json = account_item_json(item);
        if (item.active) active = json;
        if (!list.empty()) list += ",";
        list += json;
    }
    return std::string("{\"login\":") + (email ? "\"email\"" : "\"code\"") +
           ",\"email\":" + (email ? json_string(claims.email) : "null") +
           ",\"identity\":" + (claims.identity_id ? std::to_string(claims.identity_id) : "null") +
           ",\"account\":" + active + ",\"default_account\":" +
           (accounts.default_code.empty() ? "null" : json_string(accounts.default_code)) +
           ",\"accounts\":[" + list + "],\"csrf\":" + json_string(csrf) + "}";
}

Dispatch route_me(RouteContext& rc) {
    SessionClaims claims = *rc.req.session;
    std::string csrf = rc.page.csrf;
    BlockingWork work = [claims, csrf](Database& db) {
        return json_response(200, me_json(claims, session_accounts(db, claims), csrf));
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet
