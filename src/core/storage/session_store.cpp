// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/session_store.h"

#include <algorithm>

#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/primitives/metrics.h"

namespace extranet {

namespace {

const Statement kFindAccount{
    "find_account",
    "SELECT la.code, la.syndic_code, la.syndic_name, la.label, la.password_hash,"
    " la.active, ia.identity_id"
    " FROM extranet.legacy_account la"
    " LEFT JOIN (extranet.identity_account ia JOIN extranet.identity i"
    "  ON i.id = ia.identity_id AND i.email_confirmed_at IS NOT NULL)"
    " ON ia.account_code = la.code"
    " WHERE la.code = $1"};

const Statement kLinkedAccounts{
    "linked_accounts",
    "SELECT la.code, la.syndic_code, la.syndic_name, la.label, la.active"
    " FROM extranet.identity_account ia"
    " JOIN extranet.legacy_account la ON la.code = ia.account_code"
    " WHERE ia.identity_id = $1 AND la.active"
    " ORDER BY ia.linked_at, ia.account_code"};

const Statement kDefaultAccount{
    "default_account",
    "SELECT default_account FROM extranet.identity WHERE id = $1"};

const Statement kCreateSession{
    "create_session",
    "INSERT INTO extranet.session (id_hash, identity_id, account_code, login_method,"
    " expires_at, client_addr, user_agent)"
    " VALUES (decode($1, 'hex'), $2, $3, $4, to_timestamp($5), $6, $7)"};

const Statement kTouchSession{
    "touch_session",
    "UPDATE extranet.session SET last_seen_at = now()"
    " WHERE id_hash = decode($1, 'hex') AND " EXTRANET_SQL_SESSION_OPEN
    " RETURNING identity_id, account_code"};

const Statement kLockSession{
    "link_lock_session",
    "SELECT COALESCE(identity_id, 0) FROM extranet.session"
    " WHERE id_hash = decode($1, 'hex') AND " EXTRANET_SQL_SESSION_OPEN " FOR UPDATE"};

const Statement kUpdateSession{
    "update_session",
    "UPDATE extranet.session SET identity_id = $2, account_code = $3, login_method = $4,"
    " last_seen_at = now() WHERE id_hash = decode($1, 'hex')"};

const Statement kRevokeSession{
    "revoke_session",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE id_hash = decode($1, 'hex') AND revoked_at IS NULL"};

const Statement kRevokeOthers{
    "revoke_other_sessions",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE identity_id = $1 AND id_hash <> decode($2, 'hex')"
    " AND " EXTRANET_SQL_SESSION_LIVE
    " RETURNING encode(id_hash, 'hex')"};

const Statement kRevokeCodeSessions{
    "revoke_code_sessions",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE account_code = $1 AND login_method = 'code' AND identity_id IS NULL"
    " AND id_hash <> decode($2, 'hex') AND revoked_at IS NULL AND expires_at > now()"
    " RETURNING encode(id_hash, 'hex')"};

const Statement kRevokeIdentityCodeSessions{
    "revoke_identity_code_sessions",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE account_code IN (SELECT account_code FROM extranet.identity_account"
    " WHERE identity_id = $1) AND login_method = 'code' AND identity_id IS NULL"
    " AND revoked_at IS NULL AND expires_at > now()"
    " RETURNING encode(id_hash, 'hex')"};

const Statement kRehashPassword{
    "rehash_password",
    "UPDATE extranet.identity SET password_hash = $2, updated_at = now() WHERE id = $1"};

const Statement kSetNewPassword{
    "set_new_password",
    "UPDATE extranet.identity SET password_hash = $2, password_changed_at = now(),"
    " updated_at = now() WHERE id = $1"};

const Statement kAudit{
    "audit",
    "INSERT INTO extranet.audit_log (event, success, identity_id, account_code,"
    " identifier, client_addr, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)"};

LegacyAccount account_row(const Result& r, int row) {
    LegacyAccount a;
    a.code = r.get(row, 0);
    a.syndic_code = r.get(row, 1);
    a.syndic_name = r.get(row, 2);
    a.label = r.get(row, 3);
    return a;
}

std::string id_param(std::uint64_t identity_id) { return std::to_string(identity_id); }

Param optional_identity(std::uint64_t identity_id, std::string& storage) {
    if (identity_id == 0) return std::nullopt;
    storage = id_param(identity_id);
    return std::string_view(storage);
}

const char* method_name(LoginMethod m) { return m == LoginMethod::email ? "email" : "code"; }

// Text from clients (user agent, what was typed) goes into text columns:
// bounded, valid UTF-8, no control characters, whatever the client sent.
std::string bounded(std::string_view s, std::size_t max = 200) {
    std::string out;
    std::size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3
                        : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > s.size() || !valid_utf8(s.substr(i, len))) {
            len = 1;
            c = '?';
        }
        if (out.size() + len > max) break;
        if (len == 1) {
            out.push_back(c < 0x20 || c == 0x7F ? '?' : static_cast<char>(c));
        } else {
            out.append(s.substr(i, len));
        }
        i += len;
    }
    return out;
}

}  // namespace

std::string session_key(std::string_view session_id) { return hex_encode(sha256(session_id)); }

std::optional<LegacyAccount> find_account(Database& db, std::string_view code) {
    Result r = db.exec(kFindAccount, {code});
    if (r.empty()) return std::nullopt;
    LegacyAccount a = account_row(r, 0);
    a.password_hash = r.get(0, 4);
    a.active = r.boolean(0, 5);
    a.identity_id = static_cast<std::uint64_t>(r.integer(0, 6));
    return a;
}

std::vector<LegacyAccount> linked_accounts(Database& db, std::uint64_t identity_id) {
    std::string id = id_param(identity_id);
    Result r = db.exec(kLinkedAccounts, {id});
    std::vector<LegacyAccount> out;
    for (int i = 0; i < r.rows(); i++) {
        LegacyAccount a = account_row(r, i);
        a.active = r.boolean(i, 4);
        a.identity_id = identity_id;
        out.push_back(std::move(a));
    }
    return out;
}

std::string default_account(Database& db, std::uint64_t identity_id) {
    std::string id = id_param(identity_id);
    Result r = db.exec(kDefaultAccount, {id});
    return r.empty() ? std::string() : r.optional(0, 0).value_or("");
}

void set_accounts(SessionClaims& claims, const std::vector<LegacyAccount>& accounts,
                  const LegacyAccount& active) {
    claims.account = active.code;
    claims.syndic = active.syndic_code;
    claims.accounts.clear();
    for (const LegacyAccount& a : accounts) claims.accounts.push_back(a.code);
    if (claims.accounts.empty()) claims.accounts.push_back(active.code);
}

SessionClaims create_session(Database& db, const SessionRules& s, LoginMethod method,
                             std::uint64_t identity_id, std::string email,
                             const LegacyAccount& account,
                             const std::vector<LegacyAccount>& accounts,
                             std::string_view client_addr, std::string_view user_agent,
                             std::uint64_t now) {
    SessionClaims c;
    c.session_id = random_bytes(16);
    c.issued_at = now;
    c.refreshed_at = now;
    c.method = method;
    c.identity_id = identity_id;
    c.email = std::move(email);
    set_accounts(c, accounts, account);

    std::string key = session_key(c.session_id);
    std::string id_storage;
    std::string expires = std::to_string(now + s.timeouts.absolute);
    std::string addr = bounded(client_addr, 64);
    std::string agent = bounded(user_agent, 300);
    db.exec(kCreateSession, {key, optional_identity(identity_id, id_storage), account.code,
                             method_name(method), expires, addr, agent});
    return c;
}

std::optional<SessionClaims> refresh_session(Database& db, const SessionRules& s,
                                             const SessionClaims& claims, std::uint64_t now) {
    std::string key = session_key(claims.session_id);
    std::string idle = std::to_string(s.timeouts.idle);
    Result r = db.exec(kTouchSession, {key, idle});
    if (r.empty()) return std::nullopt;

    SessionClaims c = claims;
    c.refreshed_at = now;
    if (claims.identity_id == 0) {
        // A numeric-code session: the account must still exist and be active.
        std::optional<LegacyAccount> a = find_account(db, claims.account);
        if (!a || !a->active) return std::nullopt;
        // Linked since (on any node): the code no longer opens it.
        if (a->identity_id != 0 && !s.legacy_login_all) return std::nullopt;
        set_accounts(c, {}, *a);
        return c;
    }
    // The linked accounts may have changed in another session.
    std::vector<LegacyAccount> accounts = linked_accounts(db, claims.identity_id);
    auto active = std::find_if(accounts.begin(), accounts.end(),
                               [&](const LegacyAccount& a) { return a.code == claims.account; });
    if (active == accounts.end()) return std::nullopt;
    set_accounts(c, accounts, *active);
    return c;
}

void update_session(Database& db, const SessionClaims& claims) {
    std::string key = session_key(claims.session_id);
    std::string id_storage;
    db.exec(kUpdateSession, {key, optional_identity(claims.identity_id, id_storage),
                             claims.account, method_name(claims.method)});
}

void revoke_session(Database& db, std::string_view session_id) {
    std::string key = session_key(session_id);
    db.exec(kRevokeSession, {key});
}

std::vector<std::string> revoke_other_sessions(Database& db, std::uint64_t identity_id,
                                               std::string_view keep_session_id) {
    std::string id = id_param(identity_id);
    std::string keep = session_key(keep_session_id);
    Result r = db.exec(kRevokeOthers, {id, keep});
    std::vector<std::string> keys;
    for (int i = 0; i < r.rows(); i++) keys.push_back(r.get(i, 0));
    return keys;
}

namespace {

// Every change audited is counted for the metrics as well.
void count_audited(const AuditEntry& e) {
    bool email = e.identifier.find('@') != std::string_view::npos;
    bool passkey = e.detail.substr(0, 7) == "passkey";
    if (e.event == "login") {
        count(passkey ? Metric::login_passkey_success
              : e.detail == "email" ? Metric::login_email_success
                                    : Metric::login_code_success);
    } else if (e.event == "login_failure") {
        count(passkey ? Metric::login_passkey_failure
              : email ? Metric::login_email_failure
                      : Metric::login_code_failure);
    } else if (!e.success) {
        return;
    } else if (e.event == "logout") {
        count(Metric::logout);
    } else if (e.event == "link") {
        count(Metric::link);
    } else if (e.event == "unlink") {
        count(Metric::unlink);
    } else if (e.event == "switch") {
        count(Metric::account_switch);
    } else if (e.event == "password") {
        count(Metric::password_changed);
    } else if (e.event == "password_reset_request") {
        count(Metric::reset_requested);
    } else if (e.event == "password_reset") {
        count(Metric::reset_done);
    }
}

}  // namespace

std::vector<std::string> revoke_code_sessions(Database& db, const SessionRules& s,
                                              std::string_view account_code,
                                              std::string_view keep_session_id) {
    if (s.legacy_login_all) return {};
    std::string keep = session_key(keep_session_id);
    Result r = db.exec(kRevokeCodeSessions, {account_code, keep});
    std::vector<std::string> keys;
    for (int i = 0; i < r.rows(); i++) keys.push_back(r.get(i, 0));
    return keys;
}

std::vector<std::string> revoke_identity_code_sessions(Database& db, const SessionRules& s,
                                                       std::uint64_t identity_id) {
    if (s.legacy_login_all) return {};
    std::string id = id_param(identity_id);
    Result r = db.exec(kRevokeIdentityCodeSessions, {id});
    std::vector<std::string> keys;
    for (int i = 0; i < r.rows(); i++) keys.push_back(r.get(i, 0));
    return keys;
}

void audit(Database& db, const AuditEntry& e) {
    count_audited(e);
    std::string id_storage;
    std::string account = bounded(e.account, 64);
    std::string identifier = bounded(e.identifier, 254);
    std::string addr = bounded(e.client_addr, 64);
    std::string detail = bounded(e.detail, 500);
    db.exec(kAudit, {e.event, e.success ? "t" : "f", optional_identity(e.identity_id, id_storage),
                     account.empty() ? Param() : Param(account),
                     identifier.empty() ? Param() : Param(identifier), addr, detail});
}

void audit_event(Database& db, std::string_view event, bool success,
                 std::uint64_t identity_id, std::string_view identifier,
                 std::string_view client_addr, std::string_view detail) {
    AuditEntry e;
    e.event = event;
    e.success = success;
    e.identity_id = identity_id;
    e.identifier = identifier;
    e.client_addr = client_addr;
    e.detail = detail;
    audit(db, e);
}

void rehash_password(Database& db, std::uint64_t identity_id, std::string_view hash) {
    std::string id = id_param(identity_id);
    db.exec(kRehashPassword, {id, hash});
}

void set_new_password(Database& db, std::uint64_t identity_id, std::string_view hash) {
    std::string id = id_param(identity_id);
    db.exec(kSetNewPassword, {id, hash});
}

std::optional<std::uint64_t> lock_session_identity(Database& db, const SessionRules& s,
                                                   const SessionClaims& claims) {
    std::string key = session_key(claims.session_id);
    std::string idle = std::to_string(s.timeouts.idle);
    Result r = db.exec(kLockSession, {key, idle});
    if (r.empty()) return std::nullopt;
    return static_cast<std::uint64_t>(r.integer(0, 0));
}

bool lock_open_session(Database& db, const SessionRules& s, const SessionClaims& claims) {
    // The row's identity is the truth: a cookie from before a link, an
    // unlink or a forgery of claims is not the session any more.
    std::optional<std::uint64_t> identity = lock_session_identity(db, s, claims);
    return identity && *identity == claims.identity_id;
}

SessionClaims email_session_claims(const SessionClaims& current, std::uint64_t identity_id,
                                   const std::string& email, const LegacyAccount& active,
                                   const std::vector<LegacyAccount>& accounts,
                                   std::uint64_t now) {
    SessionClaims c = current;
    c.method = LoginMethod::email;
    c.identity_id = identity_id;
    c.email = email;
    c.refreshed_at = std::max(now, current.refreshed_at);
    set_accounts(c, accounts, active);
    return c;
}

}  // namespace extranet
