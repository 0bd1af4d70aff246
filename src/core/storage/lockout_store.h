// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Brute-force lockouts kept in PostgreSQL (extranet.login_lockout), so that
// a restart, a reload, another node or a flooded shared-memory zone does not
// lift them (SPEC §9). The nginx zone stays the fast path on the
// event loop; this is the record every node reads in the blocking work,
// before any hash. Pool threads only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/database.h"

namespace extranet {

// The limits of auth_extranet_limit.
struct LockoutRules {
    unsigned identifier = 5;          // failures per identifier ("id:<identifier>")
    unsigned address = 50;            // failures per client address (address_key():
                                      // an IPv6 client's /64)
    std::uint64_t window = 15 * 60;   // seconds the failures are counted over
    std::uint64_t lockout = 15 * 60;  // seconds a key stays locked once over

    unsigned limit_for(std::string_view key) const;
};

// A key's row: while failures < its limit, `until` is the end of the
// counting window; from the limit on, the end of the lockout.
struct LockoutState {
    unsigned failures = 0;
    bool locked = false;  // failures over the limit and until in the future
};

// Counts one attempt on the key *before* its password is checked, in one
// atomic statement committed at once (outside any transaction): parallel
// attempts each see their own number, so that no more than `limit`
// passwords are ever checked per window whatever the parallelism. The attempt that reaches the limit turns the row into a
// lockout of `lockout` seconds. Returns the state after this attempt:
// locked when this attempt is over the limit (it must fail after the same
// work; an address may be refused at once).
LockoutState count_attempt(Database& db, const LockoutRules& rules, std::string_view key);

// The same with the key's own limit (a link lookup's budget, a reset
// request's), for the routes other than login: their counts too hold on
// every node of a fleet and across restarts.
LockoutState count_attempt(Database& db, const LockoutRules& rules, std::string_view key,
                           unsigned limit);

// One attempt of each key counted (each committed at once): true when one
// of them is over its limit. Every key is counted, so that a refused
// attempt still spends the budgets it touched.
struct AttemptBudget {
    std::string key;
    unsigned limit = 0;
};
bool count_attempts(Database& db, const LockoutRules& rules,
                    const std::vector<AttemptBudget>& budgets);

// A password proven right: the identifier's count ends (its lockout too),
// the address's attempt is given back.
void attempt_succeeded(Database& db, const LockoutRules& rules, std::string_view id_key,
                       std::string_view ip_key);

// A successful attempt gives back its count (an address, where many owners
// may share one office or carrier address); never once the key is locked.
void refund_attempt(Database& db, const LockoutRules& rules, std::string_view key);

// Whether the key is locked now (no counting): for checks that are no
// attempt of their own.
bool is_locked(Database& db, const LockoutRules& rules, std::string_view key);

// The right password was given for the identifier: its count and lockout
// end, attempts in flight included (they were counted already, and the
// owner proved who they are). The attempt's own count is given back first,
// so that a login at the first try leaves nothing for the other nodes to
// clear (deleting a row with failures left tells every node to clear its
// counters of the key: the revocation feed, 011).
void clear_lockout(Database& db, std::string_view key);

// The owner proved who they are otherwise (a password reset, an address
// confirmation): the key's count and lockout end, on every node (the
// row's deletion writes the feed). In the caller's transaction.
void end_lockout(Database& db, std::string_view key);

// The keys whose count an attempt of this thread brought to their limit
// (the attempt that turns the row into a lockout) since the last call: the
// router counts a lockout for each one its answer fails, whatever flow
// counted it, once per lockout and wherever the other guesses were made.
std::vector<std::string> take_limits_reached();

// Drops rows whose window and lockout are over (a few at a time).
void purge_lockouts(Database& db);

}  // namespace extranet
