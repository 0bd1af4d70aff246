// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The link/password step: the account of a numeric-code session grouped
// under a known e-mail identity, its password and the partner rule checked.
#include "core/flows/link_flow.h"

#include <memory>

#include "core/flows/link_step.h"
#include "core/flows/access_mail.h"
#include "core/storage/address_claim.h"
#include "core/primitives/address_block.h"
#include "core/primitives/email.h"
#include "core/primitives/escape.h"
#include "core/primitives/password.h"
#include "core/storage/syndic.h"

namespace extranet {

using namespace link_step;

namespace {

constexpr Text kLinkedHere = Text::link_error_linked_here;
constexpr Text kWrongPassword = Text::common_error_wrong_password;
constexpr Text kMissingPassword = Text::link_error_missing_password;

// Locked: two groupings of one identity at once must not both pass the
// partner rule, each unaware of the other's account.
const Statement kIdentityForLink{
    "link_identity_for_update",
    "SELECT id, password_hash FROM extranet.identity"
    " WHERE email = $1 AND email_confirmed_at IS NOT NULL FOR UPDATE"};

// Every linked account counts, active or not: the rule is about the identity.
const Statement kLinkedSyndics{
    "link_linked_syndics",
    "SELECT la.syndic_code, la.syndic_name FROM extranet.identity_account ia"
    " JOIN extranet.legacy_account la ON la.code = ia.account_code"
    " WHERE ia.identity_id = $1 ORDER BY ia.linked_at, ia.account_code"};

// The first linked account becomes the default; so does this one when the
// default points nowhere any more.
const Statement kDefaultIfNone{
    "link_default_if_none",
    "UPDATE extranet.identity SET default_account = $2, updated_at = now()"
    " WHERE id = $1 AND (default_account IS NULL OR default_account NOT IN"
    " (SELECT account_code FROM extranet.identity_account WHERE identity_id = $1))"};

// The identity's mail about the link, in the link's transaction.
void notify_link(Database& db, const PageContext& page, std::string_view email, std::string_view account,
                 std::string_view addr, std::string_view agent, std::uint64_t now) {
    AccessNotice n;
    n.change = AccessChange::account_linked;
    n.account = std::string(account);
    n.client_addr = std::string(addr);
    n.user_agent = std::string(agent);
    n.at = now;
    notify_access(db, page, email, n);
}

// The contact details of the syndic from extranet.syndic; the name the
// account carries when the table has no row.
SyndicContact syndic_contact(Database& db, const std::string& code, const std::string& name) {
    SyndicContact c;
    c.code = code;
    c.name = name;
    if (std::optional<Syndic> s = find_syndic(db, code)) {
        if (!s->name.empty()) c.name = s->name;
        c.phone = s->phone;
        c.email = s->email;
        c.address = s->address;
    }
    return c;
}

struct KnownIdentity {
    std::string email;
    std::string client_addr;
    std::string user_agent;
    bool locked = false;
};

PortalResponse link_to_identity(Database& db, const Settings& s, const Answerer& ans,
                                const SessionClaims& claims, const KnownIdentity& k,
                                const Secret& password, const PortalResponse& wrong,
                                std::uint64_t now) {
    Transaction tx(db);
    if (auto answer = closed_or_linked_before(db, s, ans, claims, now)) return *answer;
    Result idr = db.exec(kIdentityForLink, {k.email});
    std::uint64_t identity = idr.empty() ? 0 : static_cast<std::uint64_t>(idr.integer(0, 0));
    VerifyResult v;
    std::string why;
    if (identity == 0 || k.locked) {
        verify_dummy_password(password.value, s.hash);
        why = k.locked ? "locked out" : "unknown e-mail";
    } else {
        v = verify_password(password.value, idr.get(0, 1), s.hash);
        if (v.status == VerifyStatus::unknown_format) {
            why = "unknown password hash format for identity " + std::to_string(identity);
        } else if (v.status == VerifyStatus::mismatch) {
            why = "wrong password";
        }
    }
    if (!why.empty()) {
        audit_link(db, false, identity, claims.account, k.email, k.client_addr, why);
        tx.commit();
        PortalResponse r = wrong;
        r.log_level = LogLevel::error;
        r.log_message = "link of account " + claims.account + " to \"" + k.email +
                        "\" refused: " + why;
        return r;
    }

    std::string id = std::to_string(identity);
    auto refuse = [&](int status, std::string_view code, Text message,
                      std::string_view detail) {
        audit_link(db, false, identity, claims.account, k.email, k.client_addr, detail);
        tx.commit();
        return ans.error(status, code, message);
    };
    std::optional<LegacyAccount> a = find_account(db, claims.account);
    if (!a || !a->active) {
        return refuse(409, "account_unavailable", kAccountUnavailable, "account unavailable");
    }
    if (a->identity_id == identity) {
        return refuse(409, "already_linked", kLinkedHere, "already linked to this identity");
    }
    if (a->identity_id != 0) {
        return refuse(409, "linked_elsewhere", kLinkedElsewhere, "linked to another identity");
    }

    Result syndics = db.exec(kLinkedSyndics, {id});
    std::vector<std::string> codes;
    for (int i = 0; i < syndics.rows(); i++) codes.push_back(syndics.get(i, 0));
    if (std::optional<std::string> other = s.partners.first_conflict(codes, a->syndic_code)) {
        std::string other_name;
        for (int i = 0; i < syndics.rows(); i++) {
            if (syndics.get(i, 0) == *other) other_name = syndics.get(i, 1);
        }
        // What to do next, and whom to ask: the syndics' details.
        PartnerRefusalView view;
        view.account = a->code;
        view.email = k.email;
        view.syndic = syndic_contact(db, a->syndic_code, a->syndic_name);
        SyndicContact grouped = syndic_contact(db, *other, other_name);
        view.message = partner_conflict_message(ans.page, a->syndic_code, view.syndic.name, *other,
                                                grouped.name);
        const std::string& message = view.message;
        audit_link(db, false, identity, claims.account, k.email, k.client_addr,
                   "syndic " + a->syndic_code + " is no partner of syndic " + *other);
        tx.commit();
        return ans.answer(409, render_partner_refusal(ans.page, view),
                          json_error("partner", message));
    }

    if (v.needs_rehash) rehash_password(db, identity, hash_password(password.value, s.hash));
    std::vector<std::string> released = release_claimed_account(db, a->code, k.client_addr);
    db.exec(kLinkAccount, {a->code, id});
    db.exec(kDefaultIfNone, {id, a->code});
    std::vector<std::string> ended = revoke_code_sessions(db, s, a->code, claims.session_id);
    audit_link(db, true, identity, a->code, k.email, k.client_addr,
               "grouped" + code_sessions_detail(ended));
    notify_link(db, ans.page, k.email, a->code, k.client_addr, k.user_agent, now);
    std::vector<LegacyAccount> accounts = linked_accounts(db, identity);
    SessionClaims c = email_session_claims(claims, identity, k.email, *a, accounts, now);
    update_session(db, c);
    tx.commit();
    PortalResponse done = linked(ans, s, c);
    done.revoke = std::move(ended);
    done.revoke.insert(done.revoke.end(), released.begin(), released.end());
    return done;
}

}  // namespace

Dispatch route_link_password(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const Settings& s = rc.settings;
    const SessionClaims& claims = *req.session;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";
    std::optional<std::string> email = normalize_email(rc.form.value("email"));
    if (std::optional<PortalResponse> refused = refuse_step(ans, rc, post, email)) {
        return {*refused, {}};
    }

    LinkPasswordView view;
    if (!post) {
        view.email = *email;
        return {ans.answer(200, render_link_password(rc.page, view),
                           "{\"step\":\"password\",\"email\":" + json_string(*email) + "}"),
                {}};
    }
    view.email = *email;

    auto password = std::make_shared<const Secret>(rc.form.value("password"));
    if (password->value.empty()) {
        view.error = page_text(rc.page, kMissingPassword);
        return {ans.answer(400, render_link_password(rc.page, view),
                           json_error("missing_password", view.error, "password")),
                {}};
    }

    // A wrong password here is a failed login attempt on the address.
    std::string id_key = "id:" + *email;
    std::string ip_key = address_key(req.client_addr);
    KnownIdentity k;
    k.email = *email;
    k.client_addr = req.client_addr;
    k.user_agent = req.user_agent;
    k.locked = rc.limiter.locked(id_key, req.now) || rc.limiter.locked(ip_key, req.now);
    view.error = page_text(rc.page, kWrongPassword);
    PortalResponse wrong = ans.answer(401, render_link_password(rc.page, view),
                                      json_error("invalid_password", view.error, "password"));
    wrong.failures = {id_key, ip_key};

    const Settings* settings = &s;
    SessionClaims session = claims;
    std::uint64_t now = req.now;
    BlockingWork work = [settings, ans, session, k, password, wrong, id_key, ip_key,
                         now](Database& db) {
        // A guess here is a login attempt on the address: counted where
        // those are, before the password is checked; over the limit, it
        // fails after the same work as a wrong password.
        const LockoutRules& rules = settings->lockout;
        KnownIdentity counted = k;
        counted.locked = count_attempts(db, rules, {{id_key, rules.identifier},
                                                    {ip_key, rules.address}}) ||
                         k.locked;
        PortalResponse r =
            unless_raced(ans, "link/password", "linked_elsewhere", kLinkedElsewhere, [&] {
                return link_to_identity(db, *settings, ans, session, counted, *password, wrong,
                                        now);
            });
        if (r.failures.empty()) {
            r.successes.push_back(id_key);
            if (r.status < 400) attempt_succeeded(db, rules, id_key, ip_key);
        }
        return r;
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace extranet
