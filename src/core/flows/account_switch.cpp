// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/account_switch.h"

#include <algorithm>
#include <memory>

#include "core/primitives/account_code.h"
#include "core/primitives/escape.h"
#include "core/flows/identity_rules.h"
#include "core/storage/session_store.h"

namespace extranet {

namespace {

PortalResponse not_linked(const Answerer& ans, std::string_view code) {
    PortalResponse r =
        ans.error(403, "not_linked", page_text(ans.page, Text::switch_error_not_linked), "account");
    r.log_level = LogLevel::info;
    r.log_message = "switch to account " + std::string(code) + " refused: not linked";
    return r;
}

PortalResponse switch_account(Database& db, const Settings& s, const Answerer& ans,
                              const SessionClaims& claims, const std::string& code,
                              const std::string& next, const std::string& addr,
                              std::uint64_t now) {
    Transaction tx(db);
    if (!lock_open_session(db, s, claims)) return ans.login_required();

    // The accounts come from the database, never from the cookie.
    std::vector<LegacyAccount> accounts;
    if (claims.identity_id != 0) {
        accounts = linked_accounts(db, claims.identity_id);
    } else if (std::optional<LegacyAccount> own = find_account(db, claims.account)) {
        if (own->active) accounts.push_back(*own);
    }
    auto target = std::find_if(accounts.begin(), accounts.end(),
                               [&](const LegacyAccount& a) { return a.code == code; });
    if (target == accounts.end()) return not_linked(ans, code);

    SessionClaims c = claims;
    c.refreshed_at = std::max(now, claims.refreshed_at);
    if (claims.identity_id != 0) {
        set_accounts(c, accounts, *target);
    } else {
        set_accounts(c, {}, *target);
    }
    update_session(db, c);
    AuditEntry e;
    e.event = "switch";
    e.identity_id = c.identity_id;
    e.account = c.account;
    e.client_addr = addr;
    std::string detail = "from " + claims.account;
    e.detail = detail;
    audit(db, e);
    tx.commit();

    PortalResponse r = ans.json ? json_response(200, "{\"ok\":true,\"account\":" +
                                                         json_string(c.account) +
                                                         ",\"redirect\":" + json_string(next) +
                                                         "}")
                                : redirect_response(next);
    r.set_cookies.push_back(session_cookie(s, c));
    return r;
}

}  // namespace

AccountItem account_item(const LegacyAccount& a, std::string_view active,
                         std::string_view default_code) {
    AccountItem item;
    item.code = a.code;
    item.syndic_code = a.syndic_code;
    item.syndic_name = a.syndic_name;
    item.label = a.label;
    item.active = a.code == active;
    item.is_default = a.code == default_code;
    return item;
}

std::string account_item_json(const AccountItem& a) {
    return "{\"code\":" + json_string(a.code) + ",\"syndic\":" + json_string(a.syndic_code) +
           ",\"syndic_name\":" + json_string(a.syndic_name) +
           ",\"label\":" + json_string(a.label) + ",\"active\":" + (a.active ? "true" : "false") +
           ",\"default\":" + (a.is_default ? "true" : "false") + "}";
}

std::string accounts_json(const SessionClaims& claims, const SessionAccounts& accounts) {
    std::string list;
    for (const LegacyAccount& a : accounts.accounts) {
        if (!list.empty()) list += ",";
        list += account_item_json(account_item(a, claims.account, accounts.default_code));
    }
    return "{\"accounts\":[" + list + "],\"active\":" + json_string(claims.account) +
           ",\"default_account\":" +
           (accounts.default_code.empty() ? std::string("null")
                                          : json_string(accounts.default_code)) +
           "}";
}

Dispatch route_accounts(RouteContext& rc) {
    Answerer ans = Answerer::of(rc);
    if (rc.req.method == "POST") {
        return {ans.error(405, "method", Text::accounts_error_method), {}};
    }
    SessionClaims claims = *rc.req.session;
    std::string next = safe_next(rc.form.value("next"), "");
    BlockingWork work = [ans, claims, next](Database& db) {
        SessionAccounts accounts = session_accounts(db, claims);
        AccountsView v;
        v.next = next;
        v.email_session = claims.method == LoginMethod::email;
        for (const LegacyAccount& a : accounts.accounts) {
            v.accounts.push_back(account_item(a, claims.account, accounts.default_code));
        }
        return ans.answer(200, render_accounts(ans.page, v), accounts_json(claims, accounts));
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_switch(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    Answerer ans = Answerer::of(rc);
    if (req.method != "POST") {
        return {ans.error(405, "method", page_text(ans.page, Text::switch_error_method)), {}};
    }
    std::string code = rc.form.value("account");
    if (!is_account_code(code)) {
        PortalResponse r = ans.error(400, "invalid_account",
                                     page_text(ans.page, Text::switch_error_invalid_account), "account");
        r.log_level = LogLevel::info;
        r.log_message = "switch: malformed account code";
        return {r, {}};
    }
    const Settings* settings = &rc.settings;
    SessionClaims claims = *req.session;
    std::string next = safe_next(rc.form.value("next"), "/");
    std::string addr = req.client_addr;
    std::uint64_t now = req.now;
    BlockingWork work = [settings, ans, claims, code, next, addr, now](Database& db) {
        return switch_account(db, *settings, ans, claims, code, next, addr, now);
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet
