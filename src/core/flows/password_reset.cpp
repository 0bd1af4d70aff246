// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/password_reset.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "core/flows/access_mail.h"
#include "core/primitives/address_block.h"
#include "core/primitives/account_code.h"
#include "core/storage/address_claim.h"
#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/primitives/metrics.h"
#include "core/flows/identity_rules.h"
#include "core/primitives/password.h"
#include "core/storage/lockout_store.h"
#include "core/storage/session_store.h"
#include "core/storage/syndic.h"

namespace extranet {

namespace {

constexpr std::size_t kTokenBytes = 32;
constexpr std::size_t kTokenLength = 43;  // base64url of 32 bytes, unpadded

constexpr Text kTitle = Text::forgot_title;
constexpr Text kInvalidEmail = Text::common_error_invalid_email;
constexpr Text kContactSyndic = Text::forgot_contact_syndic;
constexpr Text kMailSent = Text::forgot_mail_sent;
constexpr Text kTooMany = Text::forgot_error_too_many;
constexpr Text kInvalidLink = Text::reset_error_invalid_link;
constexpr Text kFixFields = Text::common_error_fix_fields;

// The proven identity of the address; else its newest claim still waiting,
// so that the mailbox's owner can take the address from a claimant.
const Statement kFindIdentity{
    "reset_find_identity",
    "SELECT id FROM extranet.identity WHERE email = $1"
    " AND (email_confirmed_at IS NOT NULL OR " EXTRANET_SQL_CLAIM_LIVE ")"
    " ORDER BY email_confirmed_at IS NULL, created_at DESC, id DESC LIMIT 1"};

const Statement kCreateReset{
    "reset_create",
    "INSERT INTO extranet.password_reset (token_hash, identity_id, expires_at)"
    " VALUES (decode($1, 'hex'), $2, now() + interval '1 hour')"};

// The module may write the outbox, never read it (no RETURNING).
const Statement kQueueMail{
    "reset_queue_mail",
    "INSERT INTO extranet.mail_outbox (recipient, subject, body) VALUES ($1, $2, $3)"};

const Statement kValidToken{
    "reset_valid_token",
    "SELECT r.identity_id, i.email FROM extranet.password_reset r"
    " JOIN extranet.identity i ON i.id = r.identity_id"
    " WHERE r.token_hash = decode($1, 'hex') AND r.used_at IS NULL AND r.expires_at > now()"};

// Two submissions of one link at once: the second waits, then finds it used.
const Statement kLockToken{
    "reset_lock_token",
    "SELECT r.identity_id, i.email FROM extranet.password_reset r"
    " JOIN extranet.identity i ON i.id = r.identity_id"
    " WHERE r.token_hash = decode($1, 'hex') AND r.used_at IS NULL AND r.expires_at > now()"
    " FOR UPDATE OF r"};


// Every link of the identity is spent, not only this one: an older mail
// must not undo the new password.
const Statement kSpendAll{
    "reset_spend_all",
    "UPDATE extranet.password_reset SET used_at = now()"
    " WHERE identity_id = $1 AND used_at IS NULL"};

// A lost or stolen device may hold a passkey: when the owner asks, every
// one goes, with the registrations under way.
const Statement kRemovePasskeys{
    "reset_remove_passkeys",
    "DELETE FROM extranet.passkey WHERE identity_id = $1 RETURNING 1"};

const Statement kDropPasskeyChallenges{
    "reset_drop_passkey_challenges",
    "DELETE FROM extranet.passkey_challenge WHERE identity_id = $1"};

// Whoever knew the old password may hold a session: every one ends.
const Statement kRevokeAll{
    "reset_revoke_sessions",
    "UPDATE extranet.session SET revoked_at = now()"
    " WHERE identity_id = $1 AND " EXTRANET_SQL_SESSION_LIVE
    " RETURNING encode(id_hash, 'hex')"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Plain ASCII ranges: no locale may widen what a token holds.
bool is_alnum(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

PortalResponse message_page(const Answerer& ans, int status, Text title, Text message,
                            std::string_view route, Text link_text, std::string json) {
    MessageView v;
    v.title = page_text(ans.page, title);
    v.message = page_text(ans.page, message);
    v.link_href = ans.page.prefix + std::string(route);
    v.link_text = page_text(ans.page, link_text);
    return ans.answer(status, render_message(ans.page, v), std::move(json));
}

PortalResponse invalid_link(const Answerer& ans) {
    PortalResponse r = message_page(ans, 400, Text::reset_invalid_link_title, kInvalidLink,
                                    "password/forgot", Text::reset_invalid_link_again,
                                    json_error("invalid_token", page_text(ans.page, kInvalidLink)));
    r.log_level = LogLevel::info;
    r.log_message = "password reset: unknown, used or expired token";
    return r;
}

PortalResponse forgot_form(const Answerer& ans, int status, std::string typed) {
    PasswordForgotView v;
    v.login = std::move(typed);
    if (status == 400) v.error = page_text(ans.page, kInvalidEmail);
    std::string json = status == 400 ? json_error("invalid_email", v.error, "login")
                                     : std::string("{\"step\":\"forgot\"}");
    return ans.answer(status, render_password_forgot(ans.page, v), std::move(json));
}

// What the pool thread needs for password/forgot, by value.
struct ForgotRequest {
    std::string email;
    std::string origin;     // auth_extranet_site_url, "https://host[:port]"
    std::string prefix;
    std::string client_addr;
    PageContext page;       // the site's theme: the mail's words
};

// The same statements for a known and an unknown address but the two
// inserts, so that the answer's timing tells little.
PortalResponse queue_reset(Database& db, const ForgotRequest& f, PortalResponse answer) {
    Transaction tx(db);
    Result r = db.exec(kFindIdentity, {f.email});
    if (r.empty()) {
        audit_event(db, "password_reset_request", false, 0, f.email, f.client_addr,
                    "unknown address");
        tx.commit();
        return answer;
    }
    std::uint64_t identity = static_cast<std::uint64_t>(r.integer(0, 0));
    if (f.origin.empty()) {
        // nginx -t requires the directive with a portal: never expected.
        audit_event(db, "password_reset_request", false, identity, f.email, f.client_addr,
                    "no auth_extranet_site_url");
        tx.commit();
        answer.log_level = LogLevel::error;
        answer.log_message = "password reset: auth_extranet_site_url is not set, no mail sent";
        return answer;
    }
    std::string token = new_reset_token();
    std::string body = reset_mail_body(f.page, reset_link(f.origin, f.prefix, token));
    db.exec(kCreateReset, {reset_token_key(token), std::to_string(identity)});
    db.exec(kQueueMail, {f.email, reset_mail_subject(f.page), body});
    secure_wipe(token);
    secure_wipe(body);
    audit_event(db, "password_reset_request", true, identity, f.email, f.client_addr,
                "mail queued");
    tx.commit();
    return answer;
}

// The server refusing the reset mail (a text it cannot store, a constraint)
// happens only for a known address: answered as a 500, it would tell who
// has an account. The owner gets the answer an unknown address gets, the
// operator an alert. A busy server is left to the caller's 503: it can
// answer any address so.
PortalResponse request_reset(Database& db, const ForgotRequest& f, PortalResponse answer) {
    try {
        return queue_reset(db, f, answer);
    } catch (const DatabaseError& e) {
        if (e.busy()) throw;
        count(Metric::db_error);
        answer.log_level = LogLevel::alert;
        answer.log_message = std::string("password reset: no mail queued for \"") + f.email + "\": " + e.what();
        return answer;
    }
}

// What the pool thread needs for password/reset, by value.
struct ResetRequest {
    const Settings* settings = nullptr;
    Answerer ans;
    std::string key;  // reset_token_key(token)
    std::string client_addr;
    std::string user_agent;
    std::uint64_t now = 0;
    bool remove_passkeys = false;  // the form's checkbox
};

// "1" from the form's checkbox; JSON clients may send true.
bool checked(std::string_view value) {
    return value == "1" || value == "true" || value == "on";
}

PortalResponse reset_password(Database& db, const ResetRequest& q, const Secret& password) {
    // A link that cannot be used costs no hash.
    Result valid = db.exec(kValidToken, {q.key});
    if (valid.empty()) {
        audit_event(db, "password_reset", false, 0, "", q.client_addr, "invalid token");
        return invalid_link(q.ans);
    }
    // Tens of milliseconds by design: before the transaction, not in it.
    std::string hash = hash_password(password.value, q.settings->hash);

    Transaction tx(db);
    Result r = db.exec(kLockToken, {q.key});
    if (r.empty()) return invalid_link(q.ans);  // spent meanwhile by another submission
    std::uint64_t identity = static_cast<std::uint64_t>(r.integer(0, 0));
    std::string email = r.get(0, 1);
    std::string id = std::to_string(identity);
    // The mailbox is proven: a claim becomes the address's identity, bare
    // of what its claimant attached; other claims of the address go.
    std::optional<std::vector<std::string>> taken =
        take_address(db, identity, email, MailboxProof::password_reset, q.client_addr);
    if (!taken) {
        tx.commit();
        return invalid_link(q.ans);
    }
    set_new_password(db, identity, hash);
    db.exec(kSpendAll, {id});
    Result sessions = db.exec(kRevokeAll, {id});
    std::vector<std::string> revoked;
    for (int i = 0; i < sessions.rows(); i++) revoked.push_back(sessions.get(i, 0));
    std::vector<std::string> code = revoke_identity_code_sessions(db, *q.settings, identity);
    std::size_t passkeys = 0;
    if (q.remove_passkeys) {
        passkeys = static_cast<std::size_t>(db.exec(kRemovePasskeys, {id}).rows());
        db.exec(kDropPasskeyChallenges, {id});
    }
    audit_event(db, "password_reset", true, identity, email, q.client_addr,
                std::to_string(revoked.size()) + " session(s) revoked, " +
                    std::to_string(code.size()) + " numeric-code session(s)" +
                    (q.remove_passkeys
                         ? ", " + std::to_string(passkeys) + " passkey(s) removed"
                         : std::string()));
    revoked.insert(revoked.end(), code.begin(), code.end());
    revoked.insert(revoked.end(), taken->begin(), taken->end());
    AccessNotice n;
    n.change = AccessChange::password_reset;
    n.passkeys_removed = passkeys;
    n.client_addr = q.client_addr;
    n.user_agent = q.user_agent;
    n.at = q.now;
    notify_access(db, q.ans.page, email, n);
    // The mailbox's owner proved who they are: a lockout of the address
    // ends, on every node (the row's deletion writes the revocation feed).
    end_lockout(db, "id:" + email);
    tx.commit();

    std::string login = q.ans.page.prefix + "login?reset=1";
    PortalResponse out =
        q.ans.json ? json_response(200, "{\"ok\":true,\"redirect\":" + json_string(login) + "}")
                   : redirect_response(login);
    out.revoke = std::move(revoked);
    // This node's counters at once; the others' through the feed.
    out.successes.push_back("id:" + email);
    return out;
}

}  // namespace

// ---- pure pieces ----

std::string new_reset_token() {
    std::string bytes = random_bytes(kTokenBytes);
    std::string token = base64url_encode(bytes);
    secure_wipe(bytes);
    return token;
}

bool is_reset_token(std::string_view text) {
    return text.size() == kTokenLength && std::all_of(text.begin(), text.end(), [](char c) {
               return is_alnum(c) || c == '-' || c == '_';
           });
}

std::string reset_token_key(std::string_view token) { return hex_encode(sha256(token)); }

std::string reset_link(std::string_view origin, std::string_view prefix,
                       std::string_view token) {
    return std::string(origin) + std::string(prefix) + "password/reset?token=" +
           std::string(token);
}

CookieSettings reset_cookie(const Settings& s, std::string_view prefix) {
    // "__Host-" requires Path=/: this one is scoped to the page, so it
    // takes "__Secure-" (no Domain either way: the site's host only).
    std::string_view base = s.cookie.name;
    for (std::string_view p : {std::string_view("__Host-"), std::string_view("__Secure-")}) {
        if (base.size() > p.size() && base.substr(0, p.size()) == p) base.remove_prefix(p.size());
    }
    CookieSettings c;
    c.name = (s.cookie.secure ? "__Secure-" : "") + std::string(base) + "_reset";
    c.secure = s.cookie.secure;
    // Not Strict: the link is opened from a webmail, another site, and a
    // Strict cookie set by the 303 would not come back with the redirected
    // request of that same navigation: the owner would land on "ce lien
    // n'est plus valable".
    c.same_site = "Lax";
    c.path = std::string(prefix) + "password/reset";
    return c;
}

std::string reset_mail_subject(const PageContext& page) {
    return page_text(page, Text::mail_reset_subject);
}

std::string reset_mail_body(const PageContext& page, std::string_view link) {
    return page_text(page, Text::mail_reset_body, {link});
}

// ---- routes ----

Dispatch route_password_forgot(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    Answerer ans = Answerer::of(rc);
    if (req.method != "POST") return {forgot_form(ans, 200, ""), {}};

    std::string typed = rc.form.value("login");
    Identifier id = classify_identifier(typed);
    if (id.kind == IdentifierKind::account_code) {
        // The syndic's password: nothing the module could send, but whom to
        // ask, from the syndic table (a round trip: in the pool).
        std::string code = id.value;
        BlockingWork work = [ans, code](Database& db) {
            ContactSyndicView v;
            v.code = code;
            std::string json = "{\"ok\":true,\"login\":\"code\",\"message\":" +
                               json_string(page_text(ans.page, kContactSyndic));
            if (std::optional<Syndic> s = syndic_by_code_prefix(db, code)) {
                v.syndic = SyndicContact{s->code, s->name, s->phone, s->email, s->address};
                json += ",\"syndic\":{\"code\":" + json_string(s->code) +
                        ",\"name\":" + json_string(s->name) +
                        ",\"phone\":" + json_string(s->phone) +
                        ",\"email\":" + json_string(s->email) +
                        ",\"address\":" + json_string(s->address) + "}";
            }
            return ans.answer(200, render_contact_syndic(ans.page, v), json + "}");
        };
        return {std::nullopt, std::move(work)};
    }
    if (id.kind != IdentifierKind::email) return {forgot_form(ans, 400, typed), {}};

    // One address cannot be flooded with mails; known or not, the count is
    // the same, so the refusal tells nothing either.
    std::string key = "reset:" + id.value;
    // One client cannot ask mails for any number of addresses either
    // (a mail bomb spread over many addresses): every request counts on its
    // address's budget.
    std::string ip_key = address_key(req.client_addr);
    if (rc.limiter.locked(ip_key, req.now) || rc.limiter.locked(key, req.now)) {
        PortalResponse r = ans.error(429, "too_many_requests", kTooMany);
        r.log_level = LogLevel::info;
        r.log_message = "password reset: too many requests for \"" + id.value + "\"";
        return {r, {}};
    }

    PortalResponse sent = message_page(ans, 200, kTitle, kMailSent, "login",
                                       Text::common_back_to_login,
                                       "{\"ok\":true,\"login\":\"email\",\"message\":" +
                                           json_string(page_text(ans.page, kMailSent)) + "}");
    sent.failures.push_back(key);
    sent.failures.push_back(ip_key);

    ForgotRequest f;
    f.email = id.value;
    // Never the request's Host: whoever sends the request chooses it, and
    // the owner would get a genuine mail with a link to the sender's site.
    f.origin = rc.settings.site_url;
    f.prefix = req.prefix;
    f.client_addr = req.client_addr;
    f.page = ans.page;
    PortalResponse too_many = ans.error(429, "too_many_requests", kTooMany);
    too_many.log_level = LogLevel::info;
    too_many.log_message = "password reset: too many requests for \"" + id.value + "\"";
    const Settings* settings = &rc.settings;
    BlockingWork work = [f, sent, too_many, settings, key, ip_key](Database& db) {
        // Counted where login attempts are: the same budgets on every
        // node of a fleet and across restarts.
        const LockoutRules& rules = settings->lockout;
        if (count_attempts(db, rules, {{ip_key, rules.address}, {key, rules.identifier}})) {
            return too_many;
        }
        return request_reset(db, f, sent);
    };
    return {std::nullopt, std::move(work)};
}

namespace {

// The answers to a URL that holds the token (the link's first load, and a
// refused link) send no Referer at all. The form page itself does not: its
// URL holds no token, and under "no-referrer" a browser posts its form with
// "Origin: null", which the origin check refuses.
Dispatch without_referrer(Dispatch d) {
    if (d.response) d.response->no_referrer = true;
    if (d.work) {
        d.work = [work = std::move(d.work)](Database& db) {
            PortalResponse r = work(db);
            r.no_referrer = true;
            return r;
        };
    }
    return d;
}

Dispatch reset_route(RouteContext& rc) {
    const PortalRequest& req = rc.req;
    const Settings& s = rc.settings;
    Answerer ans = Answerer::of(rc);
    bool post = req.method == "POST";

    CookieSettings held = reset_cookie(s, req.prefix);
    std::string clear = set_cookie(held, "", 0);
    auto refused = [&]() {
        PortalResponse r = invalid_link(ans);
        r.set_cookies.push_back(clear);
        return Dispatch{r, {}};
    };

    std::string token = rc.form.value("token");
    if (!post && !ans.json && !token.empty()) {
        // The link's first load: the token leaves the URL at once.
        if (!is_reset_token(token)) return refused();
        PortalResponse r = redirect_response(req.prefix + "password/reset");
        r.set_cookies.push_back(set_cookie(held, token, kResetCookieLifetime));
        return {r, {}};
    }
    if (token.empty()) token = find_cookie(req.cookie, held.name).value_or("");
    if (!is_reset_token(token)) return refused();

    ResetRequest q;
    q.settings = &s;
    q.ans = ans;
    q.key = reset_token_key(token);
    q.client_addr = req.client_addr;
    q.user_agent = req.user_agent;
    q.now = req.now;
    q.remove_passkeys = checked(rc.form.value("remove_passkeys"));

    PasswordResetView view;
    view.token = token;
    view.min_length = s.password_min_length;
    // The box stays as it was sent when the form comes back with errors.
    if (post) view.remove_passkeys = q.remove_passkeys;

    if (!post) {
        // Read only: mail scanners that open links must not spend them. A
        // link past its use says so before anything is typed.
        BlockingWork work = [q, view, clear](Database& db) {
            Result r = db.exec(kValidToken, {q.key});
            if (r.empty()) {
                PortalResponse bad = invalid_link(q.ans);
                bad.set_cookies.push_back(clear);
                return bad;
            }
            PasswordResetView v = view;
            v.email = r.get(0, 1);
            return q.ans.answer(200, render_password_reset(q.ans.page, v),
                                "{\"step\":\"reset\",\"min_length\":" +
                                    std::to_string(v.min_length) + "}");
        };
        return {std::nullopt, std::move(work)};
    }

    auto password = std::make_shared<const Secret>(rc.form.value("new_password"));
    check_new_password(rc.page, password->value, rc.form.value("password_confirm"),
                       s.password_min_length, s.password_max_length, "new_password",
                       view.errors);
    if (!view.errors.empty()) {
        return {ans.answer(400, render_password_reset(rc.page, view),
                           json_field_errors("invalid_fields", page_text(ans.page, kFixFields), view.errors)),
                {}};
    }

    std::string ip_key = address_key(req.client_addr);
    if (rc.limiter.locked(ip_key, req.now)) {
        PortalResponse r = ans.error(429, "too_many_requests", kTooMany);
        r.log_level = LogLevel::info;
        r.log_message = "password reset: too many attempts from this address";
        return {r, {}};
    }
    BlockingWork work = [q, password, ip_key, clear](Database& db) {
        PortalResponse r = reset_password(db, q, *password);
        // A token that does not open counts on the client's address.
        if (r.status == 400) r.failures.push_back(ip_key);
        // Spent or refused: the page's cookie has no more use.
        r.set_cookies.push_back(clear);
        return r;
    };
    return {std::nullopt, std::move(work)};
}

}  // namespace

Dispatch route_password_reset(RouteContext& rc) {
    bool token_in_url = rc.req.method != "POST" && !rc.form.value("token").empty();
    Dispatch d = reset_route(rc);
    return token_in_url ? without_referrer(std::move(d)) : d;
}

}  // namespace extranet
