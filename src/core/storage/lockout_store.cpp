// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/lockout_store.h"

namespace extranet {

namespace {

// One statement: a row past its window or lockout starts again at 1; the
// attempt that reaches the limit sets the lockout's end.
const Statement kCountAttempt{
    "lockout_count_attempt",
    "INSERT INTO extranet.login_lockout AS l (key, until, failures, lim)"
    " VALUES ($1, now() + make_interval(secs => $2), 1, $4)"
    " ON CONFLICT (key) DO UPDATE SET"
    " lim = $4,"
    " failures = CASE WHEN l.until <= now() THEN 1 ELSE l.failures + 1 END,"
    " until = CASE"
    "  WHEN l.until <= now() THEN now() + make_interval(secs => $2)"
    "  WHEN l.failures + 1 >= $4 AND l.failures < $4 THEN now() + make_interval(secs => $3)"
    "  ELSE l.until END"
    " RETURNING failures, until > now()"};

const Statement kRefund{
    "lockout_refund",
    "UPDATE extranet.login_lockout SET failures = failures - 1"
    " WHERE key = $1 AND failures > 0 AND (failures <= $2 OR until <= now())"};

const Statement kIsLocked{
    "lockout_is_locked",
    "SELECT 1 FROM extranet.login_lockout"
    " WHERE key = $1 AND until > now() AND failures > $2"};

// A successful attempt's own count, given back before the row goes.
const Statement kGiveBack{
    "lockout_give_back",
    "UPDATE extranet.login_lockout SET failures = failures - 1"
    " WHERE key = $1 AND failures > 0"};

const Statement kClear{
    "lockout_clear",
    "DELETE FROM extranet.login_lockout WHERE key = $1"};

const Statement kPurge{
    "lockout_purge",
    "DELETE FROM extranet.login_lockout WHERE key IN (SELECT key FROM extranet.login_lockout"
    " WHERE until < now() - interval '1 minute' LIMIT 100)"};

// One task at a time runs on a pool thread: what its attempts brought to
// a limit is the task's.
thread_local std::vector<std::string> limits_reached;

}  // namespace

unsigned LockoutRules::limit_for(std::string_view key) const {
    return key.substr(0, 3) == "ip:" ? address : identifier;
}

LockoutState count_attempt(Database& db, const LockoutRules& rules, std::string_view key) {
    return count_attempt(db, rules, key, rules.limit_for(key));
}

LockoutState count_attempt(Database& db, const LockoutRules& rules, std::string_view key,
                           unsigned limit) {
    std::string window = std::to_string(rules.window);
    std::string lockout = std::to_string(rules.lockout);
    std::string lim = std::to_string(limit);
    Result r = db.exec(kCountAttempt, {key, window, lockout, lim});
    LockoutState st;
    st.failures = static_cast<unsigned>(r.integer(0, 0));
    // `limit` failures are allowed; the attempt after them is locked out.
    st.locked = st.failures > limit && r.boolean(0, 1);
    if (st.failures == limit) limits_reached.emplace_back(key);
    return st;
}

bool count_attempts(Database& db, const LockoutRules& rules,
                    const std::vector<AttemptBudget>& budgets) {
    bool locked = false;
    for (const AttemptBudget& b : budgets) {
        if (b.limit == 0) continue;  // no limit set: nothing to count
        locked = count_attempt(db, rules, b.key, b.limit).locked || locked;
    }
    return locked;
}

void attempt_succeeded(Database& db, const LockoutRules& rules, std::string_view id_key,
                       std::string_view ip_key) {
    clear_lockout(db, id_key);
    refund_attempt(db, rules, ip_key);
}

void refund_attempt(Database& db, const LockoutRules& rules, std::string_view key) {
    std::string lim = std::to_string(rules.limit_for(key));
    db.exec(kRefund, {key, lim});
}

bool is_locked(Database& db, const LockoutRules& rules, std::string_view key) {
    std::string lim = std::to_string(rules.limit_for(key));
    return !db.exec(kIsLocked, {key, lim}).empty();
}

void clear_lockout(Database& db, std::string_view key) {
    db.exec(kGiveBack, {key});
    db.exec(kClear, {key});
}

void end_lockout(Database& db, std::string_view key) { db.exec(kClear, {key}); }

std::vector<std::string> take_limits_reached() {
    std::vector<std::string> keys;
    keys.swap(limits_reached);
    return keys;
}

void purge_lockouts(Database& db) { db.exec(kPurge, {}); }

}  // namespace extranet
