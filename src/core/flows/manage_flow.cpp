// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/manage_flow.h"

#include <algorithm>
#include <functional>
#include <memory>

#include "core/flows/access_mail.h"
#include "core/primitives/account_code.h"
#include "core/flows/account_switch.h"
#include "core/primitives/escape.h"
#include "core/flows/identity_rules.h"
#include "core/flows/passkey_flow.h"
#include "core/primitives/password.h"
#include "core/storage/session_store.h"
#include "core/flows/manage_action.h"

namespace extranet {

namespace {

constexpr Text kWrongPassword = Text::common_error_wrong_password;
constexpr Text kMissingPassword = Text::manage_error_missing_password;
constexpr Text kFixFields = Text::common_error_fix_fields;

const Statement kIdentity{
    "manage_identity",
    "SELECT email, password_hash, last_name, first_name, phone, COALESCE(default_account, ''),"
    " password_changed_at > now() - interval '2 minutes'"
    " FROM extranet.identity WHERE id = $1"};

const Statement kIdentityForUpdate{
    "manage_identity_for_update",
    "SELECT email, password_hash, last_name, first_name, phone, COALESCE(default_account, ''),"
    " password_changed_at > now() - interval '2 minutes'"
    " FROM extranet.identity WHERE id = $1 FOR UPDATE"};

const Statement kOpenSessions{
    "manage_open_sessions",
    "SELECT encode(id_hash, 'hex'), user_agent, client_addr,"
    " to_char(last_seen_at AT TIME ZONE 'Europe/Paris', 'DD/MM/YYYY HH24:MI')"
    " FROM extranet.session WHERE identity_id = $1 AND " EXTRANET_SQL_SESSION_OPEN
    " ORDER BY last_seen_at DESC LIMIT 50"};

const Statement kUpdateProfile{
    "manage_update_profile",
    "UPDATE extranet.identity SET last_name = $2, first_name = $3, phone = $4,"
    " updated_at = now() WHERE id = $1"};

// A reset link mailed before the change must not undo it.
const Statement kSpendResets{
    "manage_spend_resets",
    "UPDATE extranet.password_reset SET used_at = now()"
    " WHERE identity_id = $1 AND used_at IS NULL"};

const Statement kEndSession{
    "manage_end_session",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE id_hash = decode($1, 'hex') AND identity_id = $2 AND revoked_at IS NULL"
    " RETURNING 1"};

std::string manage_json(const ManageView& v, std::string_view default_code) {
    std::string accounts;
    for (const AccountItem& a : v.accounts) {
        if (!accounts.empty()) accounts += ",";
        accounts += account_item_json(a);
    }
    std::string sessions;
    for (const SessionItem& s : v.sessions) {
        if (!sessions.empty()) sessions += ",";
        sessions += "{\"id\":" + json_string(s.id) + ",\"device\":" + json_string(s.device) +
                    ",\"address\":" + json_string(s.address) +
                    ",\"last_seen\":" + json_string(s.last_seen) +
                    ",\"current\":" + (s.current ? "true" : "false") + "}";
    }
    return "{\"email\":" + json_string(v.email) + ",\"last_name\":" + json_string(v.last_name) +
           ",\"first_name\":" + json_string(v.first_name) +
           ",\"phone\":" + json_string(v.phone) + ",\"default_account\":" +
           (default_code.empty() ? std::string("null") : json_string(default_code)) +
           ",\"accounts\":[" + accounts + "],\"sessions\":[" + sessions + "]" +
           (v.notice.empty() ? std::string() : ",\"notice\":" + json_string(v.notice)) + "}";
}

}  // namespace

namespace manage_action {

const Statement kSetDefault{
    "manage_set_default",
    "UPDATE extranet.identity SET default_account = $2, updated_at = now() WHERE id = $1"};

std::optional<IdentityRow> load_identity(Database& db, std::uint64_t id, bool for_update) {
    std::string param = std::to_string(id);
    Result r = db.exec(for_update ? kIdentityForUpdate : kIdentity, {param});
    if (r.empty()) return std::nullopt;
    return IdentityRow{r.get(0, 0), r.get(0, 1), r.get(0, 2),
                       r.get(0, 3), r.get(0, 4), r.get(0, 5), r.boolean(0, 6)};
}

// The owner's mail about the change, in its transaction.
void notify(Database& db, const ManageRequest& m, AccessChange change, std::string_view account) {
    AccessNotice n;
    n.change = change;
    n.account = std::string(account);
    n.client_addr = m.client_addr;
    n.user_agent = m.user_agent;
    n.at = m.now;
    notify_access(db, m.ans.page, m.claims.email, n);
}

// The manage page as the database has it, with errors or a notice.
PortalResponse manage_page(Database& db, const ManageRequest& m, int status,
                           std::string_view code, std::string_view message,
                           const FieldErrors& errors, const ViewAdjust& adjust) {
    std::optional<IdentityRow> row = load_identity(db, m.claims.identity_id, false);
    if (!row) return m.ans.login_required();
    ManageView v;
    v.email = row->email;
    v.last_name = row->last_name;
    v.first_name = row->first_name;
    v.phone = row->phone;
    v.min_length = m.settings->password_min_length;
    v.errors = errors;
    for (const LegacyAccount& a : linked_accounts(db, m.claims.identity_id)) {
        v.accounts.push_back(account_item(a, m.claims.account, row->default_account));
    }
    std::string id = m.id();
    std::string idle = std::to_string(m.settings->timeouts.idle);
    std::string current = session_key(m.claims.session_id);
    Result sessions = db.exec(kOpenSessions, {id, idle});
    for (int i = 0; i < sessions.rows(); i++) {
        SessionItem s;
        s.id = sessions.get(i, 0);
        s.device = device_name(m.ans.page, sessions.get(i, 1));
        s.address = sessions.get(i, 2);
        s.last_seen = sessions.get(i, 3);
        s.current = s.id == current;
        v.sessions.push_back(std::move(s));
    }
    v.passkeys = list_passkeys(db, m.claims.identity_id);  // passkeys
    if (!errors.empty()) v.failed_action = m.action;
    if (adjust) adjust(v);
    std::string json = errors.empty() ? manage_json(v, row->default_account)
                                      : json_field_errors(code, message, errors);
    if (errors.empty() && status >= 400) json = json_error(code, message);
    return m.ans.answer(status, render_manage(m.ans.page, v), std::move(json));
}

// Back to the page, with the notice of what was done.
PortalResponse done(const ManageRequest& m, std::string_view action) {
    if (m.ans.json) {
        return json_response(200, "{\"ok\":true,\"done\":" + json_string(action) + "}");
    }
    return redirect_response(m.ans.page.prefix + "manage?done=" + std::string(action));
}

void audit_event(Database& db, const ManageRequest& m, std::string_view event, bool success,
                 std::string_view account, std::string_view detail) {
    AuditEntry e;
    e.event = event;
    e.success = success;
    e.identity_id = m.claims.identity_id;
    e.account = account;
    e.identifier = m.claims.email;
    e.client_addr = m.client_addr;
    e.detail = detail;
    audit(db, e);
}

// The identity's password checked on the row given; "" when right, else
// why not (for the log).
std::string check_current(const ManageRequest& m, const IdentityRow& row, const Secret& password,
                          bool locked) {
    if (locked) {
        verify_dummy_password(password.value, m.settings->hash);
        return "locked out";
    }
    VerifyResult v = verify_password(password.value, row.password_hash, m.settings->hash);
    if (v.status == VerifyStatus::unknown_format) return "unknown password hash format";
    return v.status == VerifyStatus::match ? "" : "wrong password";
}

// The 401 of a wrong current password, which counts as a failed login.
PortalResponse wrong_password(Database& db, const ManageRequest& m, std::string_view event,
                              std::string_view account, const std::string& why,
                              const ViewAdjust& adjust) {
    audit_event(db, m, event, false, account, why);
    const std::string& wrong = page_text(m.ans.page, kWrongPassword);
    PortalResponse r = manage_page(db, m, 401, "invalid_password", wrong,
                                   {{"current_password", wrong}}, adjust);
    r.failures = {m.id_key(), m.ip_key()};
    r.log_level = LogLevel::error;
    r.log_message = "manage " + std::string(event) + " for \"" + m.claims.email +
                    "\" refused: " + why;
    return r;
}

}  // namespace manage_action

using namespace manage_action;

namespace {

// Runs an action in the pool thread, in one transaction on the open
// session; the page or the login when the session is over.
Dispatch in_transaction(
    const ManageRequest& m,
    std::function<PortalResponse(Database&, const ManageRequest&, Transaction&)> action) {
    BlockingWork work = [m, action](Database& db) {
        Transaction tx(db);
        if (!lock_open_session(db, *m.settings, m.claims)) return m.ans.login_required();
        return action(db, m, tx);
    };
    return {std::nullopt, std::move(work)};
}

// The same for an action that checks the current password: the attempt is
// counted in PostgreSQL first, where login attempts are (each count
// committed at once, outside the transaction), so that guesses spread over
// the nodes of a fleet or across a restart meet one limit; the right
// password ends the identifier's count and gives the address's back.
// before, if any, runs between the count and the transaction, holding no
// lock.
Dispatch in_checked_transaction(
    const ManageRequest& m,
    std::function<PortalResponse(Database&, const ManageRequest&, Transaction&)> action,
    std::function<void(Database&, const ManageRequest&)> before = nullptr) {
    BlockingWork work = [m, action, before](Database& db) {
        const LockoutRules& rules = m.settings->lockout;
        ManageRequest counted = m;
        counted.locked = count_attempts(db, rules,
                                        {{m.id_key(), rules.identifier},
                                         {m.ip_key(), rules.address}});
        if (before) before(db, counted);
        PortalResponse r;
        {
            Transaction tx(db);
            if (!lock_open_session(db, *m.settings, m.claims)) return m.ans.login_required();
            r = action(db, counted, tx);
        }
        if (r.status < 400) attempt_succeeded(db, rules, m.id_key(), m.ip_key());
        return r;
    };
    return {std::nullopt, std::move(work)};
}

// A form refused before any database work still shows the whole page.
Dispatch refuse(const ManageRequest& m, int status, std::string code, std::string message,
                FieldErrors errors, ViewAdjust adjust = {}) {
    BlockingWork work = [m, status, code, message, errors, adjust](Database& db) {
        return manage_page(db, m, status, code, message, errors, adjust);
    };
    return {std::nullopt, std::move(work)};
}

PortalResponse save_profile(Database& db, const ManageRequest& m, Transaction& tx,
                            const ProfileInput& p) {
    db.exec(kUpdateProfile, {m.id(), p.last_name, p.first_name, p.phone});
    audit_event(db, m, "profile", true, m.claims.account, "");
    tx.commit();
    return done(m, "profile");
}

PortalResponse save_default(Database& db, const ManageRequest& m, Transaction& tx,
                            const std::string& code) {
    std::vector<LegacyAccount> accounts = linked_accounts(db, m.claims.identity_id);
    bool linked = std::any_of(accounts.begin(), accounts.end(),
                              [&](const LegacyAccount& a) { return a.code == code; });
    if (!linked) {
        const std::string& not_linked = page_text(m.ans.page, kNotLinked);
        return manage_page(db, m, 403, "not_linked", not_linked, {{"default_account", not_linked}});
    }
    db.exec(kSetDefault, {m.id(), code});
    audit_event(db, m, "default_account", true, code, "");
    tx.commit();
    return done(m, "default");
}

// What a password change decides from the identity's row: the current
// password checked and, when it is right, the new one hashed. Made first on
// the row read without a lock (in_checked_transaction's before): two taps of the
// form at once then hash side by side, where under the row's lock the
// second waited for the first's two hashes, past the lock wait's bound on
// a loaded server.
struct PasswordCheck {
    std::string checked_hash;  // the row's hash when it was made
    std::string why;           // "" when the current password is right
    bool again = false;        // the same change, made moments ago
    std::string new_hash;      // when why is ""
};

PasswordCheck check_password_change(const ManageRequest& m, const IdentityRow& row,
                                    const Secret& current, const Secret& fresh, bool locked) {
    PasswordCheck c;
    c.checked_hash = row.password_hash;
    c.why = check_current(m, row, current, locked);
    // The same change asked again (a second tap of the form on an old
    // phone, a page sent again): the first one made it moments ago, so
    // the current password typed is the one it replaced.
    c.again = c.why == "wrong password" && row.password_changed_recently &&
              verify_password(fresh.value, row.password_hash, m.settings->hash).status ==
                  VerifyStatus::match;
    if (c.why.empty()) c.new_hash = hash_password(fresh.value, m.settings->hash);
    return c;
}

PortalResponse change_password(Database& db, const ManageRequest& m, Transaction& tx,
                               const Secret& current, const Secret& fresh, bool locked,
                               const std::optional<PasswordCheck>& early) {
    std::optional<IdentityRow> row = load_identity(db, m.claims.identity_id, true);
    if (!row) return m.ans.login_required();
    // The row holds what the early check saw, or another change came in
    // between (the other tap's): judged again, on the row as it is now.
    PasswordCheck c = early && early->checked_hash == row->password_hash
                          ? *early
                          : check_password_change(m, *row, current, fresh, locked);
    const std::string& why = c.why;
    if (c.again) {
        // Answered as the first was, nothing done again; whoever asks
        // knows the password in force, which the new one is.
        audit_event(db, m, "password", true, m.claims.account, "already changed (form sent again)");
        tx.commit();
        return done(m, "password");
    }
    if (!why.empty()) {
        PortalResponse r = wrong_password(db, m, "password", m.claims.account, why);
        tx.commit();
        return r;
    }
    set_new_password(db, m.claims.identity_id, c.new_hash);
    db.exec(kSpendResets, {m.id()});
    std::vector<std::string> revoked =
        revoke_other_sessions(db, m.claims.identity_id, m.claims.session_id);
    std::vector<std::string> code =
        revoke_identity_code_sessions(db, *m.settings, m.claims.identity_id);
    audit_event(db, m, "password", true, m.claims.account,
                std::to_string(revoked.size()) + " other session(s) revoked, " +
                    std::to_string(code.size()) + " numeric-code session(s)");
    revoked.insert(revoked.end(), code.begin(), code.end());
    notify(db, m, AccessChange::password_changed, "");
    tx.commit();
    PortalResponse r = done(m, "password");
    r.revoke = std::move(revoked);
    r.successes.push_back(m.id_key());
    return r;
}

PortalResponse end_session(Database& db, const ManageRequest& m, Transaction& tx,
                           const std::string& key) {
    if (db.exec(kEndSession, {key, m.id()}).empty()) {
        const std::string& over = page_text(m.ans.page, Text::manage_error_session_over);
        return manage_page(db, m, 404, "no_session", over, {{"", over}});
    }
    audit_event(db, m, "session_end", true, m.claims.account, "one session");
    tx.commit();
    PortalResponse r = done(m, "session_end");
    r.revoke.push_back(key);
    return r;
}

PortalResponse end_other_sessions(Database& db, const ManageRequest& m, Transaction& tx) {
    std::vector<std::string> revoked =
        revoke_other_sessions(db, m.claims.identity_id, m.claims.session_id);
    audit_event(db, m, "session_end", true, m.claims.account,
                "all others: " + std::to_string(revoked.size()));
    tx.commit();
    PortalResponse r = done(m, "sessions_end");
    r.revoke = std::move(revoked);
    return r;
}

bool is_session_handle(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// A numeric-code session has no identity to manage yet.
PortalResponse code_session_answer(const Answerer& ans, bool post) {
    const std::string& message = page_text(ans.page, Text::manage_code_session_message);
    return ans.explain(post, 403, "email_session_required", message,
                       page_text(ans.page, Text::common_manage), "link",
                       page_text(ans.page, Text::link_menu));
}

}  // namespace

std::optional<Text> manage_notice(std::string_view done) {
    if (done == "profile") return Text::manage_notice_profile;
    if (done == "default") return Text::manage_notice_default;
    if (done == "password") {
        return Text::manage_notice_password;
    }
    if (done == "unlink") return Text::manage_notice_unlink;
    if (done == "session_end") return Text::manage_notice_session_end;
    if (done == "sessions_end") return Text::manage_notice_sessions_end;
    return passkey_notice(done);  // passkeys
}

Dispatch route_manage(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const Settings& s = rc.settings;
    const SessionClaims& claims = *req.session;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";
    if (claims.method != LoginMethod::email || claims.identity_id == 0) {
        return {code_session_answer(ans, post), {}};
    }

    ManageRequest m;
    m.settings = &s;
    m.ans = ans;
    m.claims = claims;
    m.client_addr = req.client_addr;
    m.user_agent = req.user_agent;
    m.now = req.now;

    if (!post) {
        std::optional<Text> done = manage_notice(rc.form.value("done"));
        std::string notice = done ? page_text(rc.page, *done) : std::string();
        bool passkeys_open = rc.form.value("done").substr(0, 7) == "passkey";
        // The confirmation step of a destructive action (a link of the page,
        // so it works without JavaScript); the page ignores a step about an
        // account or a session not in its lists.
        std::string confirm = rc.form.value("confirm");
        std::string account = rc.form.value("account");
        std::string session = rc.form.value("session");
        bool valid = (confirm == "unlink" && is_account_code(account)) ||
                     (confirm == "end_session" && is_session_handle(session)) ||
                     confirm == "end_other_sessions";
        if (!valid) confirm.clear();
        BlockingWork work = [m, notice, passkeys_open, confirm, account, session](Database& db) {
            return manage_page(db, m, 200, "", "", {}, [=](ManageView& v) {
                v.notice = notice;
                v.passkeys_open = passkeys_open;
                v.confirm = confirm;
                v.unlink_account = confirm == "unlink" ? account : std::string();
                v.confirm_session = confirm == "end_session" ? session : std::string();
            });
        };
        return {std::nullopt, std::move(work)};
    }

    std::string action = rc.form.value("action");
    m.action = action;
    auto locked = [&] {
        return rc.limiter.locked(m.id_key(), req.now) || rc.limiter.locked(m.ip_key(), req.now);
    };

    if (action == "profile") {
        ProfileInput p = read_profile(rc.form);
        FieldErrors errors = check_profile(m.ans.page, p);
        if (!errors.empty()) {
            return refuse(m, 400, "invalid_fields", page_text(m.ans.page, kFixFields), errors,
                          [p](ManageView& v) {
                              v.last_name = p.last_name;
                              v.first_name = p.first_name;
                              v.phone = p.phone;
                          });
        }
        return in_transaction(m, [p](Database& db, const ManageRequest& mr, Transaction& tx) {
            return save_profile(db, mr, tx, p);
        });
    }

    if (action == "default") {
        std::string code = rc.form.value("default_account");
        if (!is_account_code(code)) {
            const std::string& choose = page_text(m.ans.page, Text::manage_error_choose_account);
            return refuse(m, 400, "invalid_account", choose, {{"default_account", choose}});
        }
        return in_transaction(m, [code](Database& db, const ManageRequest& mr, Transaction& tx) {
            return save_default(db, mr, tx, code);
        });
    }

    if (action == "password") {
        auto current = std::make_shared<const Secret>(rc.form.value("current_password"));
        auto fresh = std::make_shared<const Secret>(rc.form.value("new_password"));
        FieldErrors errors;
        if (current->value.empty()) errors["current_password"] = page_text(m.ans.page, kMissingPassword);
        check_new_password(m.ans.page, fresh->value, rc.form.value("password_confirm"),
                           s.password_min_length, s.password_max_length, "new_password", errors);
        if (!errors.empty()) {
            return refuse(m, 400, "invalid_fields", page_text(m.ans.page, kFixFields), errors);
        }
        bool lock = locked();
        auto early = std::make_shared<std::optional<PasswordCheck>>();
        return in_checked_transaction(
            m,
            [current, fresh, lock, early](Database& db, const ManageRequest& mr, Transaction& tx) {
                return change_password(db, mr, tx, *current, *fresh, lock || mr.locked, *early);
            },
            [current, fresh, lock, early](Database& db, const ManageRequest& mr) {
                std::optional<IdentityRow> row = load_identity(db, mr.claims.identity_id, false);
                if (row) *early = check_password_change(mr, *row, *current, *fresh, lock || mr.locked);
            });
    }

    if (action == "unlink") {
        std::string code = rc.form.value("account");
        auto current = std::make_shared<const Secret>(rc.form.value("current_password"));
        ViewAdjust mark = [code](ManageView& v) {
        v.unlink_account = code;
        v.confirm = "unlink";
    };
        if (!is_account_code(code)) {
            const std::string& invalid = page_text(m.ans.page, Text::switch_error_invalid_account);
            return refuse(m, 400, "invalid_account", invalid, {{"account", invalid}});
        }
        if (current->value.empty()) {
            const std::string& missing = page_text(m.ans.page, kMissingPassword);
            return refuse(m, 400, "missing_password", missing, {{"current_password", missing}}, mark);
        }
        bool confirmed = rc.form.value("confirm") == "1";
        bool lock = locked();
        return in_checked_transaction(m, [code, current, confirmed, lock](
                                             Database& db, const ManageRequest& mr,
                                             Transaction& tx) {
            return unlink_account(db, mr, tx, code, *current, confirmed, lock || mr.locked);
        });
    }

    if (action == "end_session") {
        std::string key = rc.form.value("session");
        if (!is_session_handle(key)) {
            const std::string& unknown = page_text(m.ans.page, Text::manage_error_no_session);
            return refuse(m, 400, "invalid_session", unknown, {{"", unknown}});
        }
        if (key == session_key(claims.session_id)) {
            const std::string& text = page_text(m.ans.page, Text::manage_error_current_session);
            return refuse(m, 400, "current_session", text, {{"", text}});
        }
        return in_transaction(m, [key](Database& db, const ManageRequest& mr, Transaction& tx) {
            return end_session(db, mr, tx, key);
        });
    }

    if (action == "end_other_sessions") {
        return in_transaction(m, [](Database& db, const ManageRequest& mr, Transaction& tx) {
            return end_other_sessions(db, mr, tx);
        });
    }

    const std::string& unknown = page_text(m.ans.page, Text::manage_error_unknown_action);
    return refuse(m, 400, "unknown_action", unknown, {{"", unknown}});
}

}  // namespace extranet
