// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/address_confirmation.h"

#include "core/flows/password_reset.h"
#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/storage/address_claim.h"
#include "core/storage/lockout_store.h"
#include "core/storage/session_store.h"

namespace extranet {

namespace {

constexpr Text kInvalidLink = Text::confirm_error_invalid_link;
constexpr Text kConfirmed = Text::confirm_done_message;

const Statement kCreateLink{
    "confirm_create",
    "INSERT INTO extranet.address_confirmation (token_hash, identity_id, expires_at)"
    " VALUES (decode($1, 'hex'), $2, now() + make_interval(secs => $3))"};

// The module may write the outbox, never read it (no RETURNING).
const Statement kQueueMail{
    "confirm_queue_mail",
    "INSERT INTO extranet.mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)"};

// A live link of a claim still waiting.
#define EXTRANET_SQL_CONFIRM_LIVE                                                     \
    "c.token_hash = decode($1, 'hex') AND c.used_at IS NULL AND c.expires_at > now()" \
    " AND i.email_confirmed_at IS NULL"

const Statement kFindLink{
    "confirm_find",
    "SELECT i.id, i.email, trim(i.first_name || ' ' || i.last_name)"
    " FROM extranet.address_confirmation c JOIN extranet.identity i ON i.id = c.identity_id"
    " WHERE " EXTRANET_SQL_CONFIRM_LIVE};

// Two presses of the button at once: the second waits, then finds it used.
const Statement kLockLink{
    "confirm_lock",
    "SELECT i.id, i.email FROM extranet.address_confirmation c"
    " JOIN extranet.identity i ON i.id = c.identity_id"
    " WHERE " EXTRANET_SQL_CONFIRM_LIVE " FOR UPDATE OF c"};

// The accounts the claim holds, active or not: the owner sees what she
// is about to accept.
const Statement kClaimAccounts{
    "confirm_claim_accounts",
    "SELECT la.code, la.label FROM extranet.identity_account ia"
    " JOIN extranet.legacy_account la ON la.code = ia.account_code"
    " WHERE ia.identity_id = $1 ORDER BY ia.linked_at, ia.account_code"};

#undef EXTRANET_SQL_CONFIRM_LIVE

// For the answers to a URL that holds the token (the mailed link): no
// Referer may carry it anywhere. The page with the button has a clean URL
// and keeps the default policy: under no-referrer a browser sends
// "Origin: null" with the form, which the origin check rightly refuses.
PortalResponse no_referrer(PortalResponse r) {
    r.no_referrer = true;
    return r;
}

PortalResponse message(const Answerer& ans, int status, Text title, Text text,
                       std::string_view route, Text link_text, std::string json) {
    MessageView v;
    v.title = page_text(ans.page, title);
    v.message = page_text(ans.page, text);
    v.link_href = ans.page.prefix + std::string(route);
    v.link_text = page_text(ans.page, link_text);
    return ans.answer(status, render_message(ans.page, v), std::move(json));
}

PortalResponse invalid_link(const Answerer& ans, const std::string& clear) {
    PortalResponse r =
        no_referrer(message(ans, 400, Text::reset_invalid_link_title, kInvalidLink, "login",
                            Text::confirm_error_to_login,
                            json_error("invalid_token", page_text(ans.page, kInvalidLink))));
    r.set_cookies.push_back(clear);
    r.log_level = LogLevel::info;
    r.log_message = "address confirmation: unknown, used or expired token";
    return r;
}

struct ConfirmWork {
    const Settings* settings = nullptr;
    Answerer ans;
    std::string key;    // reset_token_key(token)
    std::string token;  // for the page's form
    std::string clear;  // Set-Cookie clearing the token's cookie
    std::string client_addr;
};

PortalResponse show(Database& db, const ConfirmWork& w) {
    Result r = db.exec(kFindLink, {w.key});
    if (r.empty()) return invalid_link(w.ans, w.clear);
    ConfirmAddressView v;
    v.token = w.token;
    v.email = r.get(0, 1);
    v.claimant = r.get(0, 2);
    Result accounts = db.exec(kClaimAccounts, {r.get(0, 0)});
    std::string json = "{\"step\":\"confirm\",\"email\":" + json_string(v.email) + ",\"accounts\":[";
    for (int i = 0; i < accounts.rows(); i++) {
        v.accounts.emplace_back(accounts.get(i, 0), accounts.get(i, 1));
        json += (i ? "," : "") + json_string(accounts.get(i, 0));
    }
    return w.ans.answer(200, render_confirm_address(w.ans.page, v), json + "]}");
}

PortalResponse confirm(Database& db, const ConfirmWork& w) {
    Transaction tx(db);
    Result r = db.exec(kLockLink, {w.key});
    if (r.empty()) {
        audit_event(db, "address_confirmed", false, 0, "", w.client_addr, "invalid token");
        tx.commit();
        return invalid_link(w.ans, w.clear);
    }
    std::uint64_t identity = static_cast<std::uint64_t>(r.integer(0, 0));
    std::string email = r.get(0, 1);
    std::optional<std::vector<std::string>> revoked =
        take_address(db, identity, email, MailboxProof::confirmation_link, w.client_addr);
    if (!revoked) {
        tx.commit();
        return invalid_link(w.ans, w.clear);
    }
    // The account now logs in with the address only (legacy_login
    // unlinked): its numeric-code sessions end as at a link.
    std::vector<std::string> code = revoke_identity_code_sessions(db, *w.settings, identity);
    revoked->insert(revoked->end(), code.begin(), code.end());
    // The mailbox is proven: a lockout of the address ends, on every node
    // (the row's deletion writes the revocation feed).
    end_lockout(db, "id:" + email);
    tx.commit();

    PortalResponse out =
        message(w.ans, 200, Text::confirm_done_title, kConfirmed, "login", Text::confirm_done_login,
                "{\"ok\":true,\"email\":" + json_string(email) + "}");
    out.set_cookies.push_back(w.clear);
    out.revoke = std::move(*revoked);
    // This node's counters at once; the others' through the feed.
    out.successes.push_back("id:" + email);
    return out;
}

}  // namespace

// ---- pure pieces ----

std::string confirm_link(std::string_view origin, std::string_view prefix,
                         std::string_view token) {
    return std::string(origin) + std::string(prefix) + "link/confirm?token=" +
           std::string(token);
}

std::string confirm_mail_subject(const PageContext& page) {
    return page_text(page, Text::mail_confirm_subject);
}

std::string confirm_mail_body(const PageContext& page, std::string_view link,
                              std::string_view account, std::string_view label) {
    std::string what = label.empty()
                           ? page_text(page, Text::mail_confirm_account, {account})
                           : page_text(page, Text::mail_confirm_account_labelled, {account, label});
    return page_text(page, Text::mail_confirm_body, {what, link});
}

CookieSettings confirm_cookie(const Settings& s, std::string_view prefix) {
    CookieSettings c;
    // Its own name, host-only, on its own path: never a session cookie.
    c.name = "extranet_confirm";
    c.secure = s.cookie.secure;
    c.same_site = "Lax";  // sent on the redirect after a click in a mail
    c.path = std::string(prefix) + "link/confirm";
    return c;
}

ConfirmRequest read_confirm_request(std::string_view method, const Form& form,
                                    std::string_view cookie_header,
                                    std::string_view cookie_name) {
    ConfirmRequest out;
    auto take = [&](std::string token, ConfirmRequest::Kind kind) {
        if (is_reset_token(token)) {
            out.kind = kind;
            out.token = std::move(token);
        }
        return out;
    };
    std::optional<std::string> cookie = find_cookie(cookie_header, cookie_name);
    if (method == "POST") {
        std::string token = form.value("token");
        if (token.empty() && cookie) token = *cookie;
        return take(std::move(token), ConfirmRequest::Kind::confirm);
    }
    if (form.has("token")) return take(form.value("token"), ConfirmRequest::Kind::move_to_cookie);
    return take(cookie.value_or(""), ConfirmRequest::Kind::show);
}

void queue_address_confirmation(Database& db, const ConfirmationMail& m) {
    std::string token = new_reset_token();
    std::string body =
        confirm_mail_body(m.page, confirm_link(m.origin, m.prefix, token), m.account, m.label);
    db.exec(kCreateLink, {reset_token_key(token), std::to_string(m.identity_id),
                          std::to_string(kConfirmLinkLifetime)});
    db.exec(kQueueMail, {m.email, confirm_mail_subject(m.page), body});
    secure_wipe(token);
    secure_wipe(body);
}

// ---- route ----

Dispatch route_link_confirm(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    Answerer ans = Answerer::of(rc);
    CookieSettings cookie = confirm_cookie(rc.settings, req.prefix);
    std::string clear = set_cookie(cookie, "", 0);
    if (req.method != "GET" && req.method != "HEAD" && req.method != "POST") {
        return {ans.error(405, "method", Text::common_error_method), {}};
    }
    ConfirmRequest c = read_confirm_request(req.method, rc.form, req.cookie, cookie.name);
    if (c.kind == ConfirmRequest::Kind::bad_token) return {invalid_link(ans, clear), {}};
    if (c.kind == ConfirmRequest::Kind::move_to_cookie) {
        // Out of the address bar, the history and the logs of what follows.
        PortalResponse r = no_referrer(redirect_response(req.prefix + "link/confirm", 303));
        r.set_cookies.push_back(set_cookie(cookie, c.token, 3600));
        return {r, {}};
    }
    ConfirmWork w;
    w.settings = &rc.settings;
    w.ans = ans;
    w.key = reset_token_key(c.token);
    w.token = c.token;
    w.clear = clear;
    w.client_addr = req.client_addr;
    if (c.kind == ConfirmRequest::Kind::show) {
        return {std::nullopt, [w](Database& db) { return show(db, w); }};
    }
    return {std::nullopt, [w](Database& db) { return confirm(db, w); }};
}

}  // namespace extranet
