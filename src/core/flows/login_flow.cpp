// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/login_flow.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

#include "core/primitives/address_block.h"
#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/storage/session_store.h"

namespace extranet {

namespace {

const Statement kFindIdentity{
    "find_identity",
    "SELECT id, email, password_hash, COALESCE(default_account, '')"
    " FROM extranet.identity WHERE email = $1 AND email_confirmed_at IS NOT NULL"};

// The hash checked is still the identity's, and stays so until the session
// row is committed: a reset or a password change that commits first makes
// this find nothing; one that comes after waits for the lock, and its
// revocation then sees the new session.
const Statement kPasswordStill{
    "login_password_still",
    "SELECT 1 FROM extranet.identity WHERE id = $1 AND password_hash = $2"
    " AND email_confirmed_at IS NOT NULL FOR UPDATE"};


// The stand-in when the site has no usable sample: crypt(3) spends the time
// of its format whatever follows the salt.
constexpr std::string_view kBuiltInLegacyHash =
    "$6$extranetdummy$"
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";

LoginOutcome fail(std::string why) {
    LoginOutcome o;
    o.log_message = std::move(why);
    return o;
}

// One hash of each legacy format and cost among the active accounts (the
// same grouping as hash_family()), the most common first; a site has a
// handful of them.
const Statement kLegacyFamilies{
    "legacy_families",
    "WITH k AS (SELECT password_hash AS h, CASE"
    " WHEN password_hash ~ '^\\$2[aby]\\$[0-9]{2}\\$' THEN substr(password_hash, 1, 7)"
    " WHEN password_hash ~ '^\\$[56]\\$rounds=' THEN"
    "  substring(password_hash from '^(\\$[56]\\$rounds=[^$]*\\$)')"
    " WHEN password_hash ~ '^\\$[56]\\$' THEN substr(password_hash, 1, 3)"
    " WHEN password_hash ~ '^\\$1\\$' THEN '$1$'"
    " WHEN password_hash ~ '^\\$(y|scrypt|pbkdf2-sha256)\\$[^$]*\\$' THEN"
    "  substring(password_hash from '^(\\$(?:y|scrypt|pbkdf2-sha256)\\$[^$]*\\$)')"
    " END AS family FROM extranet.legacy_account WHERE active)"
    " SELECT family, min(h) FROM k WHERE family IS NOT NULL"
    " GROUP BY family ORDER BY count(*) DESC, family LIMIT 32"};

// Read once per process, unset until a read succeeds (a database error is
// retried by a later login). No lock is held across the round trip: two
// threads may both read it the first time, which is harmless.
std::mutex timing_mutex;
std::optional<CodeTiming> timing_cache;

CodeTiming site_code_timing(Database& db) {
    {
        std::lock_guard<std::mutex> lock(timing_mutex);
        if (timing_cache) return *timing_cache;
    }
    Result r = db.exec(kLegacyFamilies, {});
    std::vector<std::pair<std::string, std::string>> samples;
    for (int i = 0; i < r.rows(); i++) samples.emplace_back(r.get(i, 0), r.get(i, 1));
    CodeTiming found = plan_code_timing(samples);
    std::lock_guard<std::mutex> lock(timing_mutex);
    if (!timing_cache) timing_cache = std::move(found);
    return *timing_cache;
}

// What the check before the transaction found. Its outcome's result is
// success when the password matched; the session is then still to open.
struct Checked {
    LoginOutcome o;
    std::optional<LegacyAccount> account;  // a code's
    std::uint64_t identity = 0;            // an e-mail's
    std::string email;
    std::string stored;        // the hash checked
    std::string default_code;
    std::string fresh;         // the password hashed anew when the stored hash is to be replaced
};

Checked check_code(Database& db, const Settings& s, const LoginAttempt& a, bool locked,
                   const CodeTiming& timing) {
    Checked c;
    std::optional<LegacyAccount> account = find_account(db, a.identifier.value);
    if (!account || !account->active) {
        for (const LegacyStandIn* x : timing.others("")) verify_password(a.password, x->hash, s.hash);
        c.o = fail("unknown or inactive account (checked against stand-ins of " + timing.families() + ")");
        c.o.timing_note = "stand-ins of every legacy format";
        return c;
    }
    VerifyResult v = verify_password(a.password, account->password_hash, s.hash);
    // An unknown format was refused at once by the parser: all stand-ins.
    std::string family = v.status == VerifyStatus::unknown_format
                             ? std::string()
                             : hash_family(account->password_hash);
    std::string spent;
    for (const LegacyStandIn* x : timing.others(family)) {
        verify_password(a.password, x->hash, s.hash);
        spent += (spent.empty() ? "" : " ") + x->family;
    }
    // A locked-out account spends its own hash and the stand-ins, as a
    // wrong password does, and fails whatever the result: the lockout
    // cannot be told apart.
    c.o.timing_note = "own " + (family.empty() ? std::string("unknown-format") : family) +
                      " hash, then stand-ins of " + (spent.empty() ? std::string("none") : spent);
    if (locked) {
        c.o.log_message = "locked out";
    } else if (v.status == VerifyStatus::unknown_format) {
        c.o.log_message = "unknown legacy password hash format for account " + account->code;
    } else if (v.status != VerifyStatus::match) {
        c.o.log_message = "wrong password";
    } else if (account->identity_id != 0 && !s.legacy_login_all) {
        c.o.result = LoginResult::use_email;
        c.o.log_message = "account linked to an e-mail";
    } else {
        c.o.result = LoginResult::success;
        c.account = std::move(account);
    }
    return c;
}

Checked check_email(Database& db, const Settings& s, const LoginAttempt& a, bool locked) {
    Checked c;
    Result r = db.exec(kFindIdentity, {a.identifier.value});
    if (r.empty() || locked) {
        verify_dummy_password(a.password, s.hash);
        c.o = fail(locked ? "locked out" : "unknown e-mail");
        return c;
    }
    c.identity = static_cast<std::uint64_t>(r.integer(0, 0));
    c.email = r.get(0, 1);
    c.stored = r.get(0, 2);
    c.default_code = r.get(0, 3);

    VerifyResult v = verify_password(a.password, c.stored, s.hash);
    if (v.status == VerifyStatus::unknown_format) {
        c.o = fail("unknown password hash format for identity " + std::to_string(c.identity));
    } else if (v.status != VerifyStatus::match) {
        c.o = fail("wrong password");
    } else {
        if (v.needs_rehash) c.fresh = hash_password(a.password, s.hash);
        c.o.result = LoginResult::success;
    }
    return c;
}

// In the transaction, once the password matched: the session row (and for
// an e-mail, the new hash), or a failure if the identity changed meanwhile.
void open_session(Database& db, const Settings& s, const LoginAttempt& a, Checked& c) {
    if (c.account) {
        c.o.claims = create_session(db, s, LoginMethod::code, 0, "", *c.account, {}, a.client_addr,
                                    a.user_agent, a.now);
        return;
    }
    if (db.exec(kPasswordStill, {std::to_string(c.identity), c.stored}).empty()) {
        c.o = fail("password changed while it was checked");
        return;
    }
    std::vector<LegacyAccount> accounts = linked_accounts(db, c.identity);
    if (accounts.empty()) {
        c.o = fail("no linked account left");
        return;
    }
    if (!c.fresh.empty()) rehash_password(db, c.identity, c.fresh);
    auto active = std::find_if(accounts.begin(), accounts.end(),
                               [&](const LegacyAccount& x) { return x.code == c.default_code; });
    if (active == accounts.end()) active = accounts.begin();
    c.o.claims = create_session(db, s, LoginMethod::email, c.identity, c.email, *active, accounts,
                                a.client_addr, a.user_agent, a.now);
}

std::string login_json(const SessionClaims& c, std::string_view redirect) {
    return std::string("{\"ok\":true,\"login\":") +
           (c.method == LoginMethod::email ? "\"email\"" : "\"code\"") +
           ",\"account\":" + json_string(c.account) + ",\"redirect\":" + json_string(redirect) +
           "}";
}

}  // namespace

LoginAttempt::~LoginAttempt() { secure_wipe(password); }

std::vector<const LegacyStandIn*> CodeTiming::others(std::string_view family) const {
    std::vector<const LegacyStandIn*> out;
    for (const LegacyStandIn& x : stand_ins) {
        if (x.family != family) out.push_back(&x);
    }
    return out;
}

std::string CodeTiming::families() const {
    std::string out;
    for (const LegacyStandIn& x : stand_ins) out += (out.empty() ? "" : " ") + x.family;
    return out;
}

CodeTiming plan_code_timing(const std::vector<std::pair<std::string, std::string>>& samples) {
    CodeTiming t;
    for (const auto& [family, sample] : samples) {
        if (family.empty() || hash_family(sample) != family) continue;
        LegacyStandIn x = legacy_stand_in(std::string_view(sample), family);
        if (x.family == family) t.stand_ins.push_back(std::move(x));
    }
    if (t.stand_ins.empty()) t.stand_ins.push_back(legacy_stand_in(std::nullopt, ""));
    return t;
}

std::optional<CodeTiming> current_code_timing() {
    std::lock_guard<std::mutex> lock(timing_mutex);
    return timing_cache;
}

LegacyStandIn legacy_stand_in(std::optional<std::string_view> sample, std::string_view family) {
    // Once per process: a format verify_password does not know would be
    // refused at once, which is no stand-in for a real check.
    if (sample && !family.empty() &&
        verify_password("", *sample, HashParams{}).status != VerifyStatus::unknown_format) {
        return {std::string(*sample), std::string(family)};
    }
    return {std::string(kBuiltInLegacyHash), "built-in $6$"};
}

LoginOutcome login(Database& db, const Settings& s, const LoginAttempt& attempt) {
    bool code = attempt.identifier.kind != IdentifierKind::email;
    std::string id_key = "id:" + attempt.identifier.value;
    std::string ip_key = address_key(attempt.client_addr);
    // Counted in PostgreSQL before any hash, each in its own statement
    // committed at once: every node sees it, parallel attempts each get
    // their own number. An address over its limit is refused without
    // hashing (that tells nothing about any account); an identifier over
    // its limit fails after the same work as a wrong password.
    LockoutState ip = count_attempt(db, s.lockout, ip_key);
    LoginOutcome o;
    bool locked = attempt.locked;
    if (ip.locked) {
        o = fail("address locked out");
    } else {
        locked = count_attempt(db, s.lockout, id_key).locked || locked;
    }
    // Read before the transaction, for known and unknown codes alike: an
    // error there aborts nothing, and the first read costs both the same.
    CodeTiming timing = code && !ip.locked ? site_code_timing(db) : CodeTiming{};
    // The hashes (a tenth of a second each, seconds on a loaded machine)
    // run before the transaction: it holds no snapshot and no lock while
    // they do, nor past the role's idle_in_transaction_session_timeout.
    // Under the identity's lock, the hash checked must still be its own.
    Checked c;
    if (!ip.locked) {
        c = code ? check_code(db, s, attempt, locked, timing) : check_email(db, s, attempt, locked);
    }
    Transaction tx(db);
    if (!ip.locked) {
        if (c.o.result == LoginResult::success) open_session(db, s, attempt, c);
        o = std::move(c.o);
    }
    bool ok = o.result == LoginResult::success;
    if (ok || o.result == LoginResult::use_email) {
        // The right password: the identifier's count ends, the address's
        // attempt is given back.
        clear_lockout(db, id_key);
        refund_attempt(db, s.lockout, ip_key);
        purge_lockouts(db);
    }
    if (ok && attempt.previous_session) revoke_session(db, *attempt.previous_session);
    AuditEntry e;
    e.event = ok ? "login" : "login_failure";
    e.success = ok;
    e.identity_id = o.claims.identity_id;
    e.account = ok ? std::string_view(o.claims.account)
                   : (attempt.identifier.kind == IdentifierKind::account_code
                          ? std::string_view(attempt.identifier.value)
                          : std::string_view());
    e.identifier = attempt.identifier.value;
    e.client_addr = attempt.client_addr;
    e.detail = ok ? std::string_view(o.claims.method == LoginMethod::email ? "email" : "code")
                  : std::string_view(o.log_message);
    audit(db, e);
    tx.commit();
    return o;
}

Dispatch route_login(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    LoginView view;
    view.login_field = req.login_field;
    view.password_field = req.password_field;
    view.next = safe_next(rc.form.value("next"), "");

    if (req.method != "POST") {
        if (rc.form.value("reset") == "1") {
            view.notice = page_text(rc.page, Text::login_notice_password_changed);
        } else if (rc.form.value("expired") == "1" && !req.session) {
            // sent here by a portal page or form whose session was over
            view.notice = page_text(rc.page, Text::login_notice_session_expired);
        }
        if (req.wants_json) {
            return {json_response(200, std::string("{\"authenticated\":") +
                                            (req.session ? "true" : "false") + "}"),
                    {}};
        }
        return {html_response(200, render_login(rc.page, view)), {}};
    }

    std::string typed = rc.form.value(req.login_field);
    auto attempt = std::make_shared<LoginAttempt>();
    attempt->identifier = classify_identifier(typed);
    attempt->password = rc.form.value(req.password_field);
    attempt->client_addr = req.client_addr;
    attempt->user_agent = req.user_agent;
    attempt->now = req.now;
    if (req.session) attempt->previous_session = req.session->session_id;

    view.identifier = typed;
    const std::string& failed = page_text(rc.page, Text::login_error_failed);
    view.error = failed;
    const Settings& s = rc.settings;
    std::string id_key = "id:" + attempt->identifier.value;
    std::string ip_key = address_key(req.client_addr);
    PortalResponse failure = page_answer(
        rc, 401, render_login(rc.page, view),
        json_error("invalid_credentials", failed));
    failure.failures = {id_key, ip_key};

    if (attempt->identifier.kind == IdentifierKind::invalid || attempt->password.empty()) {
        failure.failures = {ip_key};
        return {failure, {}};
    }
    attempt->locked = rc.limiter.locked(id_key, req.now) || rc.limiter.locked(ip_key, req.now);

    view.error = page_text(rc.page, Text::login_error_use_email);
    PortalResponse use_email = page_answer(rc, 403, render_login(rc.page, view),
                                           json_error("use_email", view.error));
    std::string next = safe_next(rc.form.value("next"));
    bool json = req.wants_json;

    BlockingWork work = [&s, attempt, failure, use_email, next, json, id_key](Database& db) {
        LoginOutcome o = login(db, s, *attempt);
        if (o.result == LoginResult::failure) {
            PortalResponse r = failure;
            r.log_level = LogLevel::error;
            r.log_message = "login failed for \"" + attempt->identifier.value +
                            "\": " + o.log_message;
            if (!o.timing_note.empty()) r.log_message += ", timing: " + o.timing_note;
            return r;
        }
        if (o.result == LoginResult::use_email) return use_email;
        PortalResponse r = json ? json_response(200, login_json(o.claims, next))
                                : redirect_response(next);
        r.set_cookies.push_back(session_cookie(s, o.claims));
        r.successes.push_back(id_key);
        if (attempt->previous_session) r.revoke.push_back(session_key(*attempt->previous_session));
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_logout(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    if (req.method != "POST") {
        return {error_answer(rc, 405, "method", page_text(rc.page, Text::logout_error_method)), {}};
    }
    PortalResponse done = rc.req.wants_json ? json_response(200, "{\"ok\":true}")
                                            : redirect_response(req.prefix + "login");
    done.set_cookies.push_back(clear_session_cookie(rc.settings));
    if (!req.session) return {done, {}};

    SessionClaims claims = *req.session;
    std::string addr = req.client_addr;
    done.revoke.push_back(session_key(claims.session_id));
    BlockingWork work = [done, claims, addr](Database& db) {
        Transaction tx(db);
        revoke_session(db, claims.session_id);
        AuditEntry e;
        e.event = "logout";
        e.identity_id = claims.identity_id;
        e.account = claims.account;
        e.client_addr = addr;
        audit(db, e);
        tx.commit();
        return done;
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet
