// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Rows behind a session: the session itself, the accounts it may reach,
// and the audit log. Pool threads only (every call is a round trip).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/database.h"
#include "core/primitives/session_token.h"

// SQL conditions on extranet.session rows, one place for every statement:
// live (not revoked, not past its end) and open (live, and not idle for
// $2 seconds).
#define EXTRANET_SQL_SESSION_LIVE "revoked_at IS NULL AND expires_at > now()"
#define EXTRANET_SQL_SESSION_OPEN                                             \
    EXTRANET_SQL_SESSION_LIVE " AND last_seen_at > now() - make_interval(secs => $2)"

namespace extranet {

// What of a site's configuration the session rows obey: how long a
// session lives, and whether a linked account's code sessions survive
// (auth_extranet_legacy_login). A site's Settings (flows/settings.h) is
// one, so that storage reads these without knowing the floors above.
struct SessionRules {
    SessionTimeouts timeouts;
    bool legacy_login_all = false;  // auth_extranet_legacy_login all
};

struct LegacyAccount {
    std::string code;
    std::string syndic_code;
    std::string syndic_name;
    std::string label;
    std::string password_hash;
    bool active = false;
    std::uint64_t identity_id = 0;  // 0: not linked
};

// The legacy account by code, with the identity it is linked to: a
// confirmed one only (a claim of an address, address_claim.h, leaves the
// account unlinked: it still logs in with its code and may be linked again).
std::optional<LegacyAccount> find_account(Database& db, std::string_view code);

// Active accounts linked to the identity, oldest link first.
std::vector<LegacyAccount> linked_accounts(Database& db, std::uint64_t identity_id);

// The identity's default account, "" when none is set.
std::string default_account(Database& db, std::uint64_t identity_id);

// Creates the session row and the claims of its cookie. With an identity,
// the active account is `account` (which must be among `accounts`).
SessionClaims create_session(Database& db, const SessionRules& s, LoginMethod method,
                             std::uint64_t identity_id, std::string email,
                             const LegacyAccount& account,
                             const std::vector<LegacyAccount>& accounts,
                             std::string_view client_addr, std::string_view user_agent,
                             std::uint64_t now);

// Claims listing accounts; the active one is `active`.
void set_accounts(SessionClaims& claims, const std::vector<LegacyAccount>& accounts,
                  const LegacyAccount& active);

// Re-checks the row (not revoked, not idle, not past its end), touches it
// and re-reads the linked accounts. nullopt: the session is over; so is a
// numeric-code session whose account was linked meanwhile, under
// `legacy_login unlinked`.
std::optional<SessionClaims> refresh_session(Database& db, const SessionRules& s,
                                             const SessionClaims& claims, std::uint64_t now);

// Updates the row after a switch or a link (active account, identity).
void update_session(Database& db, const SessionClaims& claims);

void revoke_session(Database& db, std::string_view session_id);

// Locks the session's row for the operation; false when it was revoked,
// has expired or went idle (on another node, in another tab).
bool lock_open_session(Database& db, const SessionRules& s, const SessionClaims& claims);

// The same, with the row's identity (0 for none) when the session is open,
// whatever the cookie's claims say: a cookie from before a link its own
// session made is told apart from a session that is over.
std::optional<std::uint64_t> lock_session_identity(Database& db, const SessionRules& s,
                                                   const SessionClaims& claims);

// The claims of the session once it is the identity's e-mail session on
// `active` (which must be among `accounts`), checked against the row just
// now: refreshed_at moves to now.
SessionClaims email_session_claims(const SessionClaims& current, std::uint64_t identity_id,
                                   const std::string& email, const LegacyAccount& active,
                                   const std::vector<LegacyAccount>& accounts,
                                   std::uint64_t now);


// Revokes every other open session of the identity; returns their ids'
// hashes (hex) so that this node can refuse them at once.
std::vector<std::string> revoke_other_sessions(Database& db, std::uint64_t identity_id,
                                               std::string_view keep_session_id);

// Under `auth_extranet_legacy_login unlinked` a linked account no longer
// logs in with its numeric code, and no numeric-code session of it may
// outlive the link: these revoke the open code sessions of one account
// (at its link; the linking session itself is kept) or of every account
// linked to an identity (at a password change or reset). They return the
// revoked rows' keys so that this node refuses them at once, and revoke
// nothing under `legacy_login all`.
std::vector<std::string> revoke_code_sessions(Database& db, const SessionRules& s,
                                              std::string_view account_code,
                                              std::string_view keep_session_id);
std::vector<std::string> revoke_identity_code_sessions(Database& db, const SessionRules& s,
                                                       std::uint64_t identity_id);

// hex(sha256(id)), the key of the session row.
std::string session_key(std::string_view session_id);

struct AuditEntry {
    std::string_view event;
    bool success = true;
    std::uint64_t identity_id = 0;
    std::string_view account;
    std::string_view identifier;
    std::string_view client_addr;
    std::string_view detail;
};

void audit(Database& db, const AuditEntry& e);

// The same, for an event of no account: what was typed, where from, why.
void audit_event(Database& db, std::string_view event, bool success,
                 std::uint64_t identity_id, std::string_view identifier,
                 std::string_view client_addr, std::string_view detail);

// The identity's personal password hash: the same password re-hashed with
// the current parameters, or a new password its owner chose (which stamps
// password_changed_at).
void rehash_password(Database& db, std::uint64_t identity_id, std::string_view hash);
void set_new_password(Database& db, std::uint64_t identity_id, std::string_view hash);

}  // namespace extranet
