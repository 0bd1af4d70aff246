// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Claims of an address. An identity created by linking an account to a new
// e-mail address is a claim (extranet.identity.email_confirmed_at NULL)
// until someone proves the mailbox: the confirmation link mailed to it, or
// a password reset completed from it. A claim never logs in, never
// receives another account and never makes the address "known"; several
// may wait side by side. Whoever proves the mailbox takes the address, and
// what the other claims (and, at a reset, the claim itself) attached is
// dropped: links, passkeys, sessions, each audited. Claims live
// kClaimLifetime, then are ignored by every lookup and purged.
// Pool threads only (every call is a round trip), inside the caller's
// transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/database.h"

// SQL condition on extranet.identity rows: a claim still waiting (created
// within kClaimLifetime). Literal in SQL so that every statement agrees.
#define EXTRANET_SQL_CLAIM_LIVE "created_at > now() - interval '48 hours'"

namespace extranet {

constexpr std::uint64_t kClaimLifetime = 48 * 3600;  // seconds, as above

// Serialises, until the transaction ends, whatever creates, confirms or
// drops claims of this address (an advisory lock on its hash).
void lock_address(Database& db, std::string_view email);

// Drops claims past their lifetime, a bounded number at a time; returns
// the keys of the sessions revoked with them.
std::vector<std::string> purge_expired_claims(Database& db);

// The account's link to a claim, if it has one, is released so that the
// account can be linked again (its numeric code is the account's proof,
// the claim proves nothing). A claim left with no account is dropped.
// Returns the keys of the sessions revoked.
std::vector<std::string> release_claimed_account(Database& db, std::string_view account,
                                                 std::string_view client_addr);

// Whether the identity exists and its address is proven.
bool identity_confirmed(Database& db, std::uint64_t identity_id);

enum class MailboxProof { confirmation_link, password_reset };

// The owner of the mailbox takes the address for `keeper`, locked by the
// caller or not: it becomes proven, and every other claim of the address
// is dropped with what it attached. At a password reset of a claim, the
// claim's own links, passkeys and sessions are dropped too: whoever set
// them up never proved the mailbox. Returns the keys of the sessions
// revoked; nullopt when another identity already holds the address proven
// (the keeper's claim then lost, and is dropped).
std::optional<std::vector<std::string>> take_address(Database& db, std::uint64_t keeper,
                                                     std::string_view email,
                                                     MailboxProof proof,
                                                     std::string_view client_addr);

}  // namespace extranet
