// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/link_flow.h"

#include <algorithm>
#include <memory>

#include "core/flows/address_confirmation.h"
#include "core/storage/access_notice.h"
#include "core/storage/address_claim.h"
#include "core/primitives/address_block.h"
#include "core/primitives/crypto.h"
#include "core/primitives/email.h"
#include "core/primitives/escape.h"
#include "core/primitives/password.h"
#include "core/storage/syndic.h"
#include "core/flows/link_step.h"

namespace extranet {

namespace {

constexpr Text kInvalidEmail = Text::common_error_invalid_email;
constexpr Text kAlreadyLinked = Text::link_error_already_linked;
constexpr Text kTooManyLookups = Text::link_error_too_many_lookups;
constexpr Text kFixFields = Text::common_error_fix_fields;
constexpr Text kRace = Text::link_error_race;

// Known: held by a proven identity. A claim leaves the address free, so
// that it never stands in its real owner's way.
const Statement kEmailKnown{
    "link_email_known",
    "SELECT 1 FROM extranet.identity WHERE email = $1 AND email_confirmed_at IS NOT NULL"};

const Statement kCreateIdentity{
    "link_create_identity",
    "INSERT INTO extranet.identity (email, password_hash, last_name, first_name, phone,"
    " default_account, email_confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, NULL) RETURNING id"};

bool email_session(const SessionClaims& c) { return c.method == LoginMethod::email; }

// An e-mail session has nothing to link: the way to group another account
// goes through that account's own numeric code.
PortalResponse explain_grouping(const Answerer& ans, const SessionClaims& claims, bool post) {
    std::string message = page_text(ans.page, Text::link_grouping_message, {claims.email});
    return ans.explain(post, post ? 409 : 200, "email_session", message,
                       page_text(ans.page, Text::link_grouping_title), "accounts",
                       page_text(ans.page, Text::common_back_to_accounts));
}

PortalResponse invalid_email(const Answerer& ans, std::string typed) {
    LinkEmailView v;
    v.email = std::move(typed);
    v.error = page_text(ans.page, kInvalidEmail);
    return ans.answer(400, render_link_email(ans.page, v),
                      json_error("invalid_email", v.error, "email"));
}

}  // namespace

namespace link_step {

const Statement kLinkAccount{
    "link_account",
    "INSERT INTO extranet.identity_account (account_code, identity_id) VALUES ($1, $2)"};

// link/profile and link/password: what refuses the request before anything
// else. An e-mail session has nothing to link; a step asked for without a
// valid address of the first step goes back to that step.
std::optional<PortalResponse> refuse_step(const Answerer& ans, const RouteContext& rc, bool post,
                                          const std::optional<std::string>& email) {
    const SessionClaims& claims = *rc.req.session;
    if (email_session(claims)) return explain_grouping(ans, claims, post);
    if (email) return std::nullopt;
    if (post || ans.json) return invalid_email(ans, rc.form.value("email"));
    return redirect_response(rc.req.prefix + "link");
}

PortalResponse linked(const Answerer& ans, const Settings& s, const SessionClaims& c,
                      bool confirmation_sent) {
    std::string done = ans.page.prefix + "link/done" + (confirmation_sent ? "?confirm=1" : "");
    PortalResponse r =
        ans.json ? json_response(200, "{\"ok\":true,\"account\":" + json_string(c.account) +
                                          ",\"email\":" + json_string(c.email) +
                                          (confirmation_sent ? ",\"confirmation_sent\":true" : "") +
                                          ",\"redirect\":" + json_string(done) + "}")
                 : redirect_response(done);
    r.set_cookies.push_back(session_cookie(s, c));
    return r;
}

namespace {

const Statement kLinkedMoments{
    "link_linked_moments_ago",
    "SELECT i.email, i.email_confirmed_at IS NOT NULL"
    " FROM extranet.identity_account ia JOIN extranet.identity i ON i.id = ia.identity_id"
    " WHERE ia.account_code = $1 AND ia.identity_id = $2"
    " AND ia.linked_at > now() - interval '2 minutes'"};

}  // namespace

std::optional<PortalResponse> closed_or_linked_before(Database& db, const Settings& s,
                                                      const Answerer& ans,
                                                      const SessionClaims& claims,
                                                      std::uint64_t now) {
    std::optional<std::uint64_t> owner = lock_session_identity(db, s, claims);
    if (owner && *owner == claims.identity_id) return std::nullopt;
    // Only a code session's row gains an identity, by the link it makes:
    // this cookie is that session's, sealed before the link.
    if (!owner || *owner == 0 || claims.identity_id != 0) return ans.login_required();
    Result r = db.exec(kLinkedMoments, {claims.account, std::to_string(*owner)});
    if (r.empty()) return ans.login_required();
    std::vector<LegacyAccount> accounts = linked_accounts(db, *owner);
    auto a = std::find_if(accounts.begin(), accounts.end(),
                          [&](const LegacyAccount& l) { return l.code == claims.account; });
    if (a == accounts.end()) return ans.login_required();
    SessionClaims c = email_session_claims(claims, *owner, r.get(0, 0), *a, accounts, now);
    PortalResponse done = linked(ans, s, c, !r.boolean(0, 1));
    done.log_level = LogLevel::info;
    done.log_message = "link of account " + claims.account + " asked again by its session:"
                       " answered as done";
    return done;
}

void audit_link(Database& db, bool success, std::uint64_t identity, std::string_view account,
                std::string_view email, std::string_view addr, std::string_view detail) {
    AuditEntry e;
    e.event = "link";
    e.success = success;
    e.identity_id = identity;
    e.account = account;
    e.identifier = email;
    e.client_addr = addr;
    e.detail = detail;
    audit(db, e);
}

// ", 2 numeric-code session(s) ended" for the audit log, "" when none.
std::string code_sessions_detail(const std::vector<std::string>& ended) {
    if (ended.empty()) return {};
    return ", " + std::to_string(ended.size()) + " numeric-code session(s) ended";
}

}  // namespace link_step

using namespace link_step;

namespace {

// The e-mail lookups' budget belongs to the account, not to the session:
// logging in again does not start it anew, or a script would log in
// again for each new batch of addresses to try.
std::string link_budget_key(const SessionClaims& claims) { return "link:" + claims.account; }

// One lookup of an address counted in PostgreSQL on the account's budget
// and the client address's: true when either is spent.
bool count_lookup(Database& db, const Settings& s, const std::string& link_key,
                  const std::string& ip_key) {
    return count_attempts(db, s.lockout, {{ip_key, s.lockout.address},
                                          {link_key, s.link_check_limit}});
}

PortalResponse too_many_lookups(const Answerer& ans) {
    PortalResponse r = ans.error(429, "too_many_requests", kTooManyLookups);
    r.log_level = LogLevel::info;
    r.log_message = "link: too many e-mail lookups for this account or address";
    return r;
}

std::string step_location(const Answerer& ans, std::string_view step, std::string_view email) {
    return ans.page.prefix + "link/" + std::string(step) + "?email=" + url_encode(email);
}

// Where the e-mail step leads: JSON names the step, HTML goes there.
PortalResponse next_step(const Answerer& ans, std::string_view step, std::string_view email) {
    if (ans.json) {
        return json_response(200, "{\"next\":" + json_string(step) +
                                      ",\"email\":" + json_string(email) + "}");
    }
    return redirect_response(step_location(ans, step, email));
}

// The account of the session, as the link needs it: present, active and
// not linked yet; else the refusal.
std::optional<PortalResponse> refuse_account(const Answerer& ans,
                                             const std::optional<LegacyAccount>& a) {
    if (!a || !a->active) return ans.error(409, "account_unavailable", kAccountUnavailable);
    if (a->identity_id != 0) return ans.error(409, "already_linked", kAlreadyLinked);
    return std::nullopt;
}

// What the pool thread needs for link/profile.
struct NewIdentity {
    std::string email;
    ProfileInput profile;
    std::string client_addr;
    std::string user_agent;
};

PortalResponse create_identity(Database& db, const Settings& s, const Answerer& ans,
                               const SessionClaims& claims, const NewIdentity& n,
                               const std::string& hash, std::uint64_t now) {
    Transaction tx(db);
    if (auto answer = closed_or_linked_before(db, s, ans, claims, now)) return *answer;
    // Claims and confirmations of this address wait for each other.
    lock_address(db, n.email);
    std::vector<std::string> dropped = purge_expired_claims(db);
    std::optional<LegacyAccount> a = find_account(db, claims.account);
    if (std::optional<PortalResponse> refused = refuse_account(ans, a)) return *refused;
    if (!db.exec(kEmailKnown, {n.email}).empty()) {
        // Someone created it since the e-mail step: the known-e-mail path.
        if (ans.json) {
            return json_response(409, "{\"error\":\"email_known\",\"message\":" +
                                          json_string(page_text(ans.page, Text::link_error_email_known)) +
                                          ",\"next\":\"password\",\"email\":" +
                                          json_string(n.email) + "}");
        }
        return redirect_response(step_location(ans, "password", n.email));
    }
    Result r = db.exec(kCreateIdentity, {n.email, hash, n.profile.last_name,
                                         n.profile.first_name, n.profile.phone, a->code});
    std::uint64_t identity = static_cast<std::uint64_t>(r.integer(0, 0));
    std::string id = std::to_string(identity);
    // An earlier claim on this account (a typo in the address, say) gives
    // way: the account's code is its proof.
    std::vector<std::string> released = release_claimed_account(db, a->code, n.client_addr);
    db.exec(kLinkAccount, {a->code, id});
    std::vector<std::string> ended = revoke_code_sessions(db, s, a->code, claims.session_id);
    audit_link(db, true, identity, a->code, n.email, n.client_addr,
               "new identity, address to confirm" + code_sessions_detail(ended));
    // The mail asks the mailbox to confirm: until then the identity is a
    // claim (no login, no other account, no passkey). It replaces the
    // notice of the link, which would say the same to the same box.
    ConfirmationMail m;
    m.identity_id = identity;
    m.email = n.email;
    m.account = a->code;
    m.label = a->label;
    m.origin = s.site_url;
    m.prefix = ans.page.prefix;
    m.page = ans.page;
    queue_address_confirmation(db, m);
    std::vector<LegacyAccount> accounts = linked_accounts(db, identity);
    SessionClaims c = email_session_claims(claims, identity, n.email, *a, accounts, now);
    update_session(db, c);
    tx.commit();
    PortalResponse done = linked(ans, s, c, true);
    done.revoke = std::move(ended);
    done.revoke.insert(done.revoke.end(), dropped.begin(), dropped.end());
    done.revoke.insert(done.revoke.end(), released.begin(), released.end());
    return done;
}

}  // namespace

std::string partner_conflict_message(const PageContext& page, std::string_view new_syndic,
                                     std::string_view new_name, std::string_view other_syndic,
                                     std::string_view other_name) {
    auto syndic = [&](std::string_view code, std::string_view name) {
        return name.empty() ? page_text(page, Text::link_partner_syndic, {code})
                            : page_text(page, Text::link_partner_syndic_named, {code, name});
    };
    return page_text(page, Text::link_partner_conflict,
                     {syndic(new_syndic, new_name), syndic(other_syndic, other_name)});
}

// ---- routes ----

Dispatch route_link(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const SessionClaims& claims = *req.session;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";
    if (email_session(claims)) return {explain_grouping(ans, claims, post), {}};

    std::string account = claims.account;
    if (!post) {
        // "Retour" from the next steps brings the address typed back.
        LinkEmailView view;
        view.email = rc.form.value("email");
        BlockingWork work = [ans, account, view](Database& db) {
            if (std::optional<PortalResponse> refused =
                    refuse_account(ans, find_account(db, account))) {
                return *refused;
            }
            return ans.answer(200, render_link_email(ans.page, view),
                              "{\"step\":\"email\",\"account\":" + json_string(account) + "}");
        };
        return {std::nullopt, std::move(work)};
    }

    std::string typed = rc.form.value("email");
    std::optional<std::string> email = normalize_email(typed);
    if (!email) return {invalid_email(ans, typed), {}};
    // The answer tells whether an address is known: only to a logged-in
    // session, and only so many times.
    std::string link_key = link_budget_key(claims);
    std::string ip_key = address_key(req.client_addr);
    if (rc.limiter.locked(ip_key, req.now) || rc.limiter.locked(link_key, req.now)) {
        return {too_many_lookups(ans), {}};
    }

    const Settings* settings = &rc.settings;
    BlockingWork work = [settings, ans, account, email = *email, link_key, ip_key](Database& db) {
        // Counted where login attempts are, so that the budget holds on
        // every node of a fleet and across restarts, not per zone.
        if (count_lookup(db, *settings, link_key, ip_key)) return too_many_lookups(ans);
        PortalResponse r;
        if (std::optional<PortalResponse> refused =
                refuse_account(ans, find_account(db, account))) {
            r = *refused;
        } else {
            bool known = !db.exec(kEmailKnown, {email}).empty();
            r = next_step(ans, known ? "password" : "profile", email);
        }
        r.failures.push_back(link_key);
        r.failures.push_back(ip_key);
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_link_profile(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const Settings& s = rc.settings;
    const SessionClaims& claims = *req.session;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";
    std::optional<std::string> email = normalize_email(rc.form.value("email"));
    if (std::optional<PortalResponse> refused = refuse_step(ans, rc, post, email)) {
        return {*refused, {}};
    }

    LinkProfileView view;
    view.min_length = s.password_min_length;
    if (!post) {
        view.email = *email;
        return {ans.answer(200, render_link_profile(rc.page, view),
                           "{\"step\":\"profile\",\"email\":" + json_string(*email) +
                               ",\"min_length\":" + std::to_string(s.password_min_length) +
                               "}"),
                {}};
    }

    NewIdentity n;
    n.email = *email;
    n.profile = read_profile(rc.form);
    n.client_addr = req.client_addr;
    n.user_agent = req.user_agent;
    auto password = std::make_shared<const Secret>(rc.form.value("password"));
    FieldErrors errors = check_profile(rc.page, n.profile);
    check_new_password(rc.page, password->value, rc.form.value("password_confirm"),
                       s.password_min_length, s.password_max_length, "password", errors);
    if (!errors.empty()) {
        view.email = n.email;
        view.last_name = n.profile.last_name;
        view.first_name = n.profile.first_name;
        view.phone = n.profile.phone;
        view.errors = errors;
        return {ans.answer(400, render_link_profile(rc.page, view),
                           json_field_errors("invalid_fields", page_text(ans.page, kFixFields), errors)),
                {}};
    }
    // This step too tells a known address from an unknown one.
    std::string link_key = link_budget_key(claims);
    std::string ip_key = address_key(req.client_addr);
    if (rc.limiter.locked(ip_key, req.now) || rc.limiter.locked(link_key, req.now)) {
        return {too_many_lookups(ans), {}};
    }

    const Settings* settings = &s;
    SessionClaims session = claims;
    std::uint64_t now = req.now;
    BlockingWork work = [settings, ans, session, n, password, link_key, ip_key,
                         now](Database& db) {
        if (count_lookup(db, *settings, link_key, ip_key)) return too_many_lookups(ans);
        // Tens of milliseconds by design: before the transaction, not in it.
        std::string hash = hash_password(password->value, settings->hash);
        PortalResponse r = unless_raced(ans, "link/profile", "conflict", kRace, [&] {
            return create_identity(db, *settings, ans, session, n, hash, now);
        });
        r.failures.push_back(link_key);
        r.failures.push_back(ip_key);
        return r;
    };
    return {std::nullopt, std::move(work)};
}

Dispatch route_link_done(RouteContext& rc) {
    const SessionClaims& claims = *rc.req.session;
    Answerer ans = Answerer::of(rc);
    if (rc.req.method == "POST") return {ans.error(405, "method", Text::common_error_method), {}};
    if (!email_session(claims)) {
        if (ans.json) {
            return {ans.error(409, "not_linked", Text::link_error_not_linked_yet), {}};
        }
        return {redirect_response(rc.req.prefix + "link"), {}};
    }
    LinkDoneView v;
    v.account = claims.account;
    v.email = claims.email;
    v.confirmation_sent = rc.form.value("confirm") == "1";
    return {ans.answer(200, render_link_done(rc.page, v),
                       "{\"ok\":true,\"account\":" + json_string(claims.account) +
                           ",\"email\":" + json_string(claims.email) + "}"),
            {}};
}

}  // namespace extranet
