// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/manage_action.h"

#include <algorithm>
#include <vector>

#include "core/primitives/escape.h"
#include "core/storage/session_store.h"

namespace extranet::manage_action {

namespace {

const Statement kLinkedCodes{
    "manage_linked_codes",
    "SELECT account_code FROM extranet.identity_account WHERE identity_id = $1"
    " ORDER BY linked_at, account_code"};

const Statement kUnlink{
    "manage_unlink",
    "DELETE FROM extranet.identity_account WHERE identity_id = $1 AND account_code = $2"};

// The identity's other sessions on the unlinked account lose it at once.
const Statement kRevokeOnAccount{
    "manage_revoke_on_account",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE identity_id = $1 AND account_code = $2 AND id_hash <> decode($3, 'hex')"
    " AND revoked_at IS NULL RETURNING encode(id_hash, 'hex')"};

}  // namespace

PortalResponse unlink_account(Database& db, const ManageRequest& m, Transaction& tx,
                              const std::string& code, const Secret& current, bool confirmed,
                              bool locked) {
    ViewAdjust mark = [code](ManageView& v) {
        v.unlink_account = code;
        v.confirm = "unlink";
    };
    std::optional<IdentityRow> row = load_identity(db, m.claims.identity_id, true);
    if (!row) return m.ans.login_required();
    std::string why = check_current(m, *row, current, locked);
    if (!why.empty()) {
        PortalResponse r = wrong_password(db, m, "unlink", code, why, mark);
        tx.commit();
        return r;
    }

    std::string id = m.id();
    Result linked = db.exec(kLinkedCodes, {id});
    std::vector<std::string> codes;
    for (int i = 0; i < linked.rows(); i++) codes.push_back(linked.get(i, 0));
    if (std::find(codes.begin(), codes.end(), code) == codes.end()) {
        const std::string& not_linked = page_text(m.ans.page, kNotLinked);
        PortalResponse r = manage_page(db, m, 403, "not_linked", not_linked, {{"account", not_linked}});
        r.successes.push_back(m.id_key());
        return r;
    }
    if (codes.size() == 1 && !confirmed) {
        // The last account: the e-mail will no longer log in. Ask first.
        PortalResponse r;
        if (m.ans.json) {
            r = json_response(200, "{\"confirm_required\":true,\"account\":" + json_string(code) +
                                       ",\"message\":" +
                                       json_string(page_text(m.ans.page, Text::manage_unlink_confirm_last)) +
                                       "}");
        } else {
            r = manage_page(db, m, 200, "", "", {}, [code](ManageView& v) {
                v.confirm = "unlink";
                v.confirm_unlink_last = true;
                v.unlink_account = code;
            });
        }
        r.successes.push_back(m.id_key());
        return r;
    }

    db.exec(kUnlink, {id, code});
    codes.erase(std::find(codes.begin(), codes.end(), code));
    // The default moves to the oldest remaining link, or to none.
    std::string new_default = row->default_account;
    if (new_default == code || std::find(codes.begin(), codes.end(), new_default) == codes.end()) {
        new_default = codes.empty() ? std::string() : codes.front();
        db.exec(kSetDefault, {id, new_default.empty() ? Param() : Param(new_default)});
    }
    std::string current_key = session_key(m.claims.session_id);
    Result others = db.exec(kRevokeOnAccount, {id, code, current_key});
    std::vector<std::string> revoked;
    for (int i = 0; i < others.rows(); i++) revoked.push_back(others.get(i, 0));
    audit_event(db, m, "unlink", true, code,
                "default " + (new_default.empty() ? std::string("none") : new_default));
    notify(db, m, AccessChange::account_unlinked, code);

    std::vector<LegacyAccount> accounts = linked_accounts(db, m.claims.identity_id);
    PortalResponse r;
    if (accounts.empty()) {
        // Nothing left to show: this session ends as well.
        revoke_session(db, m.claims.session_id);
        tx.commit();
        r = m.ans.json ? json_response(200, "{\"ok\":true,\"done\":\"unlink\",\"logged_out\":true}")
                       : redirect_response(m.ans.page.prefix + "login");
        r.set_cookies.push_back(clear_session_cookie(*m.settings));
        revoked.push_back(current_key);
    } else {
        auto find = [&](const std::string& c) {
            return std::find_if(accounts.begin(), accounts.end(),
                                [&](const LegacyAccount& a) { return a.code == c; });
        };
        auto active = find(m.claims.account);
        if (active == accounts.end()) active = find(new_default);
        if (active == accounts.end()) active = accounts.begin();
        SessionClaims c = email_session_claims(m.claims, m.claims.identity_id, m.claims.email,
                                               *active, accounts, m.now);
        update_session(db, c);
        tx.commit();
        r = done(m, "unlink");
        r.set_cookies.push_back(session_cookie(*m.settings, c));
    }
    r.revoke = std::move(revoked);
    r.successes.push_back(m.id_key());
    return r;
}

}  // namespace extranet::manage_action
