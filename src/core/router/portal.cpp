// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/router/portal.h"

#include <algorithm>
#include <cctype>

#include "core/flows/account_switch.h"
#include "core/flows/address_confirmation.h"
#include "core/primitives/address_block.h"
#include "core/primitives/escape.h"
#include "core/primitives/text.h"
#include "core/flows/link_flow.h"
#include "core/flows/login_flow.h"
#include "core/flows/manage_flow.h"
#include "core/flows/me.h"
#include "core/primitives/metrics.h"
#include "core/flows/passkey_flow.h"
#include "core/primitives/cookie.h"
#include "core/views/passkey_pages.h"
#include "core/flows/password_reset.h"
#include "core/storage/lockout_store.h"

namespace extranet {

namespace {

constexpr std::size_t kMaxBody = 16 * 1024;

struct Route {
    std::string_view name;
    Dispatch (*handler)(RouteContext&);
    bool needs_session;  // else anonymous requests reach the handler
    bool csrf;           // POSTs carry the session's CSRF token
    bool hashes = false; // POSTs hash a password (tens of milliseconds)
    // The page of the route's forms, where a POST comes back after a new
    // login ("": the route itself); post_only: a GET of it is no page
    // either, and comes back there too.
    std::string_view form_page = {};
    bool post_only = false;
};

const Route kRoutes[] = {
    {"login", route_login, false, false, true},
    {"logout", route_logout, false, true, false, {}, true},
    {"api/me", route_me, true, true},
    {"link", route_link, true, true},
    {"link/profile", route_link_profile, true, true, true, "link"},
    {"link/password", route_link_password, true, true, true, "link"},
    {"link/done", route_link_done, true, true},
    // Opened from a mail, often on another device: no session needed; the
    // token is the proof, and POSTs still come from the site's origin.
    {"link/confirm", route_link_confirm, false, false},
    {"accounts", route_accounts, true, true},
    // The menu's and the accounts page's form: its next= is the page it
    // was on, or else the accounts.
    {"switch", route_switch, true, true, false, "accounts", true},
    {"manage", route_manage, true, true, true},
    {"password/forgot", route_password_forgot, false, false},
    {"password/reset", route_password_reset, false, false, true},
    // passkeys (passkey_flow): JSON routes called by passkey.js, and the
    // delete form of "Gérer mes comptes"
    {"passkey/register/options", route_passkey_register_options, true, true, true, "manage", true},
    {"passkey/register", route_passkey_register, true, true, false, "manage", true},
    {"passkey/login/options", route_passkey_login_options, false, false, false, {}, true},
    {"passkey/login", route_passkey_login, false, false, false, {}, true},
    {"passkey/delete", route_passkey_delete, true, true, false, "manage", true},
};

const Route* find_route(std::string_view name) {
    for (const Route& r : kRoutes) {
        if (r.name == name) return &r;
    }
    return nullptr;
}

// Where a request that finds its session missing or over comes back after
// logging in again, so that the owner is not left on the legacy home: a
// page view to itself (path and query); a form's POST, and a GET of a
// route that is no page, to where its form said it was going (next=),
// else to the page of the form. Never to a POST-only URL of the portal.
std::string come_back_to(const Route& route, const PortalRequest& req, const Form& form) {
    bool post = req.method == "POST";
    if (!post && !route.post_only) {
        std::string self = req.prefix + std::string(route.name);
        if (!req.args.empty()) self += "?" + req.args;
        return self;
    }
    std::string next = safe_next(form.value("next"), "");
    if (post && !next.empty()) {
        std::string_view path = std::string_view(next).substr(0, next.find_first_of("?#"));
        const Route* to = path.compare(0, req.prefix.size(), req.prefix) == 0
                              ? find_route(path.substr(req.prefix.size()))
                              : nullptr;
        if (!to || !to->post_only) return next;
    }
    return req.prefix + std::string(route.form_page.empty() ? route.name : route.form_page);
}

// The request carries a session cookie that did not open (expired, ended,
// revoked): the owner had a session, and is told it is over.
bool had_session(const Settings& s, const PortalRequest& req) {
    for (const std::string& value : find_cookies(req.cookie, s.cookie.name)) {
        if (!value.empty()) return true;
    }
    return false;
}

// WebAuthn responses (an RSA key, a long credential id) outgrow a password.
constexpr std::size_t kPasskeyMaxValue = 4096;

// Same host (the scheme is not compared: TLS may end in front of nginx).
bool same_origin(const PortalRequest& req) {
    if (!req.origin.empty()) {
        return req.origin != "null" && ascii_iequal(url_authority(req.origin), req.host);
    }
    if (!req.referer.empty()) return ascii_iequal(url_authority(req.referer), req.host);
    // Neither sent: every current browser sends Origin with a POST, so this
    // is no browser's form, and a login has no token that could decide.
    return false;
}

// menu.js and style.css: a strong ETag (nginx answers 304 to a matching
// If-None-Match); under the versioned URL (?v=<asset_version()>) cached for
// a year, as a new release changes the URL; any other URL of them (no
// version, an older one) five minutes.
PortalResponse static_answer(const PortalRequest& req, const Theme& theme, const ThemeAsset& asset) {
    PortalResponse r;
    r.content_type = asset.content_type;
    r.body = asset.body;
    r.no_store = false;
    r.etag = asset.etag;
    Form query = parse_urlencoded(req.args, FormLimits()).form;
    r.cache_control = query.value("v") == theme.version()
                          ? "public, max-age=31536000, immutable"
                          : "public, max-age=300";
    return r;
}

}  // namespace

Dispatch dispatch(const Settings& s, const PortalRequest& req, AttemptLimiter& limiter) {
    // The theme's files (style.css, menu.js, passkey.js, logo, favicon),
    // read when the configuration was loaded.
    const Theme& theme = Theme::or_builtin(s.theme.get());
    if (const ThemeAsset* asset = theme.asset(req.route)) {
        if (req.method != "GET" && req.method != "HEAD") {
            return {json_response(405, json_error("method", theme.text(Text::common_error_method))), {}};
        }
        return {static_answer(req, theme, *asset), {}};
    }

    PageContext page;
    page.theme = &theme;
    page.prefix = req.prefix;
    page.logged_in = req.session.has_value();
    if (req.session) page.csrf = s.keys->csrf_token(req.session->session_id);
    RouteContext rc{s, req, Form(), page, limiter, std::string()};

    const Route* route = find_route(req.route);
    if (!route) {
        return {error_answer(rc, 404, "not_found", Text::common_error_not_found), {}};
    }
    bool post = req.method == "POST";
    if (!post && req.method != "GET" && req.method != "HEAD") {
        return {error_answer(rc, 405, "method", Text::common_error_method), {}};
    }

    if (post && req.body_too_large) {
        return {error_answer(rc, 413, "too_large", Text::form_error_too_large), {}};
    }
    FormLimits limits;
    limits.max_value = s.password_max_length;
    if (req.route.rfind("passkey/", 0) == 0) {  // passkeys
        limits.max_value = std::max<std::size_t>(limits.max_value, kPasskeyMaxValue);
    }
    bool json_body = req.content_type.rfind("application/json", 0) == 0;
    FormResult parsed = post ? (json_body ? parse_json_object(req.body, limits)
                                          : parse_urlencoded(req.body, limits))
                             : parse_urlencoded(req.args, limits);
    if (parsed.error != FormError::none) {
        Text why = form_error_text(parsed.error);
        PortalResponse r = error_answer(rc, 400, "bad_request", why, parsed.field);
        r.log_level = LogLevel::info;
        // The log keeps the built-in words, whatever the site's theme.
        r.log_message = "rejected form: " + Theme::builtin()->text(why);
        return {r, {}};
    }
    rc.form = std::move(parsed.form);

    if (post && !same_origin(req)) {
        PortalResponse r = error_answer(rc, 403, "origin", Text::common_error_origin);
        r.log_level = LogLevel::info;
        r.log_message = "cross-origin POST refused";
        return {r, {}};
    }
    if (route->needs_session) {
        rc.login_again = login_again_url(req.prefix, come_back_to(*route, req, rc.form),
                                         req.session || had_session(s, req));
        if (!req.session) return {login_required(rc), {}};
    }
    if (post && route->csrf && req.session &&
        !s.keys->csrf_valid(req.session->session_id, rc.form.value("csrf"))) {
        PortalResponse r = error_answer(rc, 403, "csrf", Text::common_error_csrf);
        r.log_level = LogLevel::info;
        r.log_message = "missing or wrong CSRF token";
        return {r, {}};
    }
    // Hashes in flight per client address are bounded: a trickle of
    // logins from one place cannot fill the hashing pool for everyone.
    if (post && route->hashes && limiter.locked("hash:" + address_block(req.client_addr), req.now)) {
        PortalResponse r = error_answer(rc, 429, "busy", Text::common_error_busy);
        r.log_level = LogLevel::info;
        r.log_message = "too many password hashes in flight from this address";
        return {r, {}};
    }
    Dispatch d = route->handler(rc);
    d.hashes = post && route->hashes && d.work;
    return d;
}

bool serves_session(std::string_view route) {
    const Route* r = find_route(route);
    return r && r->needs_session;
}

Database& site_database(const Settings& s) {
    return thread_database(s.conninfo, s.db_timeout, s.db_prepared_statements);
}

PortalResponse run_blocking(const Settings& s, const BlockingWork& work, bool wants_json,
                            std::string_view prefix) {
    auto unavailable = [&](std::string why) {
        PortalResponse r;
        PageContext page;
        page.prefix = std::string(prefix);
        page.theme = s.theme.get();
        if (wants_json) {
            r = json_response(503, json_error("unavailable",
                                              page_text(page, Text::common_unavailable_json)));
        } else {
            MessageView v;
            v.title = page_text(page, Text::common_unavailable_title);
            v.message = page_text(page, Text::common_unavailable_message);
            v.link_href = page.prefix + "login";
            v.link_text = page_text(page, Text::common_unavailable_retry);
            r = html_response(503, render_message(page, v));
        }
        r.log_level = LogLevel::critical;
        r.log_message = std::move(why);
        return r;
    };
    Database* db = nullptr;
    // Why named statements were given up, said once in the error log.
    auto with_notice = [&db](PortalResponse r) {
        std::string notice = db ? db->take_notice() : std::string();
        if (notice.empty()) return r;
        if (r.log_level == LogLevel::none || r.log_level == LogLevel::info) {
            r.log_level = LogLevel::error;
        }
        r.log_message = r.log_message.empty() ? notice : r.log_message + "; " + notice;
        return r;
    };
    try {
        db = &site_database(s);
        db->check_connection();
        take_limits_reached();  // a former task's, had it thrown
        PortalResponse r = work(*db);
        // A failed attempt that brought its key's count to the limit began
        // a lockout: counted once, by the node that served it, wherever
        // the other guesses were made (the attempts refused after it are
        // over the limit, never at it).
        for (const std::string& key : take_limits_reached()) {
            if (std::find(r.failures.begin(), r.failures.end(), key) != r.failures.end()) {
                r.lockouts++;
            }
        }
        return with_notice(std::move(r));
    } catch (const DatabaseUnavailable& e) {
        count(Metric::db_unavailable);
        return with_notice(unavailable(e.what()));
    } catch (const DatabaseError& e) {
        if (e.busy()) {
            count(Metric::db_unavailable);
            PortalResponse r = unavailable(std::string("database busy: ") + e.what());
            r.log_level = LogLevel::error;
            return with_notice(std::move(r));
        }
        count(Metric::db_error);
        PortalResponse r = unavailable(std::string("database error: ") + e.what());
        r.status = 500;
        r.log_level = LogLevel::alert;
        return r;
    } catch (const std::exception& e) {
        PortalResponse r = unavailable(std::string("portal operation failed: ") + e.what());
        r.status = 500;
        r.log_level = LogLevel::alert;
        return r;
    }
}

}  // namespace extranet
