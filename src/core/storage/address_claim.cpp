// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/address_claim.h"

#include "core/storage/session_store.h"

namespace extranet {

namespace {

// Two integers: the first keeps these locks apart from any other advisory
// lock of the database.
const Statement kLockAddress{
    "claim_lock_address",
    "SELECT pg_advisory_xact_lock(7007, hashtext($1))"};

const Statement kExpiredClaims{
    "claim_expired",
    "SELECT id, email FROM extranet.identity"
    " WHERE email_confirmed_at IS NULL AND NOT (" EXTRANET_SQL_CLAIM_LIVE ")"
    " ORDER BY created_at LIMIT 50 FOR UPDATE SKIP LOCKED"};

const Statement kClaimOfAccount{
    "claim_of_account",
    "SELECT i.id, i.email FROM extranet.identity_account ia"
    " JOIN extranet.identity i ON i.id = ia.identity_id"
    " WHERE ia.account_code = $1 AND i.email_confirmed_at IS NULL FOR UPDATE OF ia, i"};

const Statement kIdentityState{
    "claim_identity_state",
    "SELECT email_confirmed_at IS NOT NULL FROM extranet.identity WHERE id = $1"};

const Statement kLockIdentityState{
    "claim_lock_identity_state",
    "SELECT email_confirmed_at IS NOT NULL FROM extranet.identity WHERE id = $1 FOR UPDATE"};

const Statement kProvenHolder{
    "claim_proven_holder",
    "SELECT id FROM extranet.identity"
    " WHERE email = $1 AND email_confirmed_at IS NOT NULL AND id <> $2"};

const Statement kOtherClaims{
    "claim_others",
    "SELECT id FROM extranet.identity"
    " WHERE email = $1 AND email_confirmed_at IS NULL AND id <> $2 ORDER BY id FOR UPDATE"};

const Statement kRevokeSessions{
    "claim_revoke_sessions",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE identity_id = $1 AND revoked_at IS NULL"
    " RETURNING encode(id_hash, 'hex')"};

const Statement kUnlinkAll{
    "claim_unlink_all",
    "DELETE FROM extranet.identity_account WHERE identity_id = $1 RETURNING account_code"};

const Statement kDropPasskeys{
    "claim_drop_passkeys",
    "DELETE FROM extranet.passkey WHERE identity_id = $1 RETURNING name"};

const Statement kDeleteClaim{
    "claim_delete",
    "DELETE FROM extranet.identity WHERE id = $1 AND email_confirmed_at IS NULL"};

const Statement kNoDefault{
    "claim_no_default",
    "UPDATE extranet.identity SET default_account = NULL, updated_at = now() WHERE id = $1"};

const Statement kConfirm{
    "claim_confirm",
    "UPDATE extranet.identity SET email_confirmed_at = now(), updated_at = now()"
    " WHERE id = $1 AND email_confirmed_at IS NULL"};

// Every link mailed for the identity is spent once its address is proven.
const Statement kSpendLinks{
    "claim_spend_links",
    "UPDATE extranet.address_confirmation SET used_at = now()"
    " WHERE identity_id = $1 AND used_at IS NULL"};

const char* proof_name(MailboxProof p) {
    return p == MailboxProof::confirmation_link ? "confirmation link" : "password reset";
}

// Takes away what a claim attached: its sessions (revoked), links and
// passkeys, each audited under `event` with `why`. Returns the sessions'
// keys.
std::vector<std::string> strip_claim(Database& db, std::uint64_t id, std::string_view email,
                                     std::string_view event, const std::string& why,
                                     std::string_view client_addr) {
    std::string sid = std::to_string(id);
    Result sessions = db.exec(kRevokeSessions, {sid});
    std::vector<std::string> keys;
    for (int i = 0; i < sessions.rows(); i++) keys.push_back(sessions.get(i, 0));
    Result accounts = db.exec(kUnlinkAll, {sid});
    Result passkeys = db.exec(kDropPasskeys, {sid});
    // One row per account, so that the account's audit trail shows it.
    for (int i = 0; i < accounts.rows(); i++) {
        std::string account = accounts.get(i, 0);
        // AuditEntry holds views: the detail must outlive audit().
        std::string detail = "link dropped: " + why;
        AuditEntry e;
        e.event = event;
        e.identity_id = id;
        e.account = account;
        e.identifier = email;
        e.client_addr = client_addr;
        e.detail = detail;
        audit(db, e);
    }
    audit_event(db, event, true, id, email, client_addr,
                why + ": " + std::to_string(accounts.rows()) + " link(s), " +
                    std::to_string(passkeys.rows()) + " passkey(s), " +
                    std::to_string(keys.size()) + " session(s) dropped");
    return keys;
}

std::vector<std::string> drop_claim(Database& db, std::uint64_t id, std::string_view email,
                                    const std::string& why, std::string_view client_addr) {
    std::vector<std::string> keys = strip_claim(db, id, email, "claim_dropped", why, client_addr);
    db.exec(kDeleteClaim, {std::to_string(id)});
    return keys;
}

void append(std::vector<std::string>& to, std::vector<std::string> more) {
    to.insert(to.end(), more.begin(), more.end());
}

}  // namespace

void lock_address(Database& db, std::string_view email) { db.exec(kLockAddress, {email}); }

std::vector<std::string> purge_expired_claims(Database& db) {
    Result r = db.exec(kExpiredClaims, {});
    std::vector<std::string> keys;
    for (int i = 0; i < r.rows(); i++) {
        append(keys, drop_claim(db, static_cast<std::uint64_t>(r.integer(i, 0)), r.get(i, 1),
                                "claim expired unconfirmed", ""));
    }
    return keys;
}

std::vector<std::string> release_claimed_account(Database& db, std::string_view account,
                                                 std::string_view client_addr) {
    Result r = db.exec(kClaimOfAccount, {account});
    if (r.empty()) return {};
    // A claim holds one account (it receives no other): releasing the
    // account leaves nothing of it.
    return drop_claim(db, static_cast<std::uint64_t>(r.integer(0, 0)), r.get(0, 1),
                      "account " + std::string(account) + " linked again", client_addr);
}

bool identity_confirmed(Database& db, std::uint64_t identity_id) {
    Result r = db.exec(kIdentityState, {std::to_string(identity_id)});
    return !r.empty() && r.boolean(0, 0);
}

std::optional<std::vector<std::string>> take_address(Database& db, std::uint64_t keeper,
                                                     std::string_view email,
                                                     MailboxProof proof,
                                                     std::string_view client_addr) {
    lock_address(db, email);
    std::string id = std::to_string(keeper);
    Result state = db.exec(kLockIdentityState, {id});
    if (state.empty()) return std::nullopt;
    bool proven = state.boolean(0, 0);
    std::string how = std::string("address proven by a ") + proof_name(proof);
    std::vector<std::string> keys;
    if (!proven) {
        if (!db.exec(kProvenHolder, {email, id}).empty()) {
            drop_claim(db, keeper, email, "address already proven by another identity",
                       client_addr);
            return std::nullopt;
        }
        if (proof == MailboxProof::password_reset) {
            // Whoever linked, registered or logged in under the claim never
            // showed the mailbox: the address is taken bare.
            append(keys, strip_claim(db, keeper, email, "claim_stripped", how, client_addr));
            db.exec(kNoDefault, {id});
        }
        db.exec(kConfirm, {id});
        audit_event(db, "address_confirmed", true, keeper, email, client_addr, how);
    }
    db.exec(kSpendLinks, {id});
    Result others = db.exec(kOtherClaims, {email, id});
    for (int i = 0; i < others.rows(); i++) {
        append(keys, drop_claim(db, static_cast<std::uint64_t>(others.integer(i, 0)), email,
                                "address taken: " + how, client_addr));
    }
    return keys;
}

}  // namespace extranet
