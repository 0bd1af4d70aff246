// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What every route shares: the parsed request, its context, the answers
// (error page, page or JSON, login required), the session cookie. Below the
// flows (login_flow, link_flow, ...) and the router (portal), above storage
// and pages.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/storage/database.h"
#include "core/primitives/form.h"
#include "core/views/pages.h"
#include "core/views/response.h"
#include "core/primitives/session_token.h"
#include "core/flows/settings.h"

namespace extranet {

// Brute-force counters (shared memory in nginx). Called on the event loop
// only.
class AttemptLimiter {
public:
    virtual ~AttemptLimiter() = default;
    // True when the key is over its limit, counting the attempts still in
    // flight; otherwise this request counts as one attempt in flight until
    // it ends, so that parallel attempts cannot overrun the limit.
    virtual bool locked(std::string_view key, std::uint64_t now) = 0;
    // True when the key's budget of work for this minute is spent;
    // otherwise this request is counted in it (done or not).
    virtual bool over_budget(std::string_view key, std::uint64_t now) {
        (void)key;
        (void)now;
        return false;
    }
};

struct PortalRequest {
    std::string method;        // GET, HEAD, POST, ...
    std::string route;         // after the prefix: "login", "link/profile"
    std::string prefix;        // "/auth/"
    std::string args;          // raw query string
    std::string content_type;
    std::string body;
    bool body_too_large = false;
    bool wants_json = false;   // Accept mentions application/json
    std::string origin;        // Origin header, "" if absent
    std::string referer;
    std::string host;          // Host header
    bool https = false;
    std::string client_addr;   // in full: audit, sessions; limits count its address_block()
    std::string user_agent;
    std::string cookie;        // Cookie header(s), "; "-joined (passkey login binding)
    std::optional<SessionClaims> session;  // verified, live, not revoked
    std::string login_field = "login";
    std::string password_field = "password";
    std::uint64_t now = 0;
};

using BlockingWork = std::function<PortalResponse(Database&)>;

struct Dispatch {
    std::optional<PortalResponse> response;  // answered on the event loop
    BlockingWork work;                       // else: run in a pool thread
    bool hashes = false;  // the work hashes a password: the hashing pool
};

// What a route handler gets: the parsed request.
struct RouteContext {
    const Settings& settings;
    const PortalRequest& req;
    Form form;            // body fields (POST) or query fields (GET)
    PageContext page;     // prefix, csrf
    AttemptLimiter& limiter;
    // Where a page view goes when the request's session is missing or
    // over: the login page that brings it back (login_again_url()); the
    // router sets it, "" is the bare login page.
    std::string login_again;
};

// An error answer: JSON {"error",...} or the French message page.
PortalResponse error_answer(const RouteContext& rc, int status, std::string_view code,
                            std::string_view message, std::string_view field = {});
// The same with a message of the site's catalog.
PortalResponse error_answer(const RouteContext& rc, int status, std::string_view code,
                            Text message, std::string_view field = {});

// The name of a session's device: "Firefox sur Windows" in the theme's
// words, the browser or the system alone, a short prefix of an agent not
// recognised; "" when there is none.
std::string device_name(const PageContext& page, std::string_view user_agent);

// What the owner is told of a form the parser refused.
Text form_error_text(FormError error);

// The page wrapped in a response, or JSON when asked for JSON.
PortalResponse page_answer(const RouteContext& rc, int status, std::string html,
                           std::string json);

// A same-origin path to return to: "next" if it is one, else fallback.
std::string safe_next(std::string_view next, std::string_view fallback = "/");

// A protected page's form sent without a valid session (it expired while
// the owner was typing) by a browser: whether the Accept header prefers an
// HTML page (its best media range is text/html or application/xhtml+xml),
// so that it gets a page to read rather than JSON. A script's "*/*", an
// absent Accept or one that lists application/json keep JSON.
bool prefers_html(std::string_view accept);

// Where to go back after logging in again: the path of the Referer when it
// is a page of this host (host: the Host header; the scheme is not
// compared, TLS may end in front of nginx) and safe_next() keeps it, else
// fallback.
std::string referer_next(std::string_view referer, std::string_view host,
                         std::string_view fallback);

// The 401 page of that form: the session ended, what was sent is not
// saved, a link to log in again (login_url, next= included).
std::string render_session_ended(const PageContext& page, std::string_view login_url);

// Set-Cookie for a (new or updated) session, and the one clearing it.
std::string session_cookie(const Settings& s, const SessionClaims& claims);
std::string clear_session_cookie(const Settings& s);

// The login page that brings the owner back to `back` once she logged in
// again (a same-origin path, else none), and tells her that her session
// ended when `ended`: <prefix>login?next=<back>&expired=1.
std::string login_again_url(std::string_view prefix, std::string_view back, bool ended);

// The 401 for routes that need a session: to a page view, a redirect to
// rc.login_again.
PortalResponse login_required(const RouteContext& rc);

// A password on its way to a pool thread (held through a shared_ptr by the
// task), wiped when the last copy of the task goes.
struct Secret {
    std::string value;
    explicit Secret(std::string v) : value(std::move(v)) {}
    ~Secret();
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
};

// What an answer built in a pool thread needs from the request, by value:
// the request itself belongs to the event loop.
struct Answerer {
    PageContext page;
    bool json = false;
    std::string login_again;  // RouteContext::login_again

    static Answerer of(const RouteContext& rc);

    // As error_answer().
    PortalResponse error(int status, std::string_view code, std::string_view message,
                         std::string_view field = {}) const;
    PortalResponse error(int status, std::string_view code, Text message,
                         std::string_view field = {}) const;
    // Why this session cannot use the route and what to do instead: as
    // error() to a POST or to JSON; to a browser's GET a 200 page with the
    // message and a link to <prefix><route>.
    PortalResponse explain(bool post, int status, std::string_view code,
                           const std::string& message, std::string_view title,
                           std::string_view route, std::string_view link_text) const;
    // As page_answer().
    PortalResponse answer(int status, std::string html, std::string json_body) const;
    // As login_required().
    PortalResponse login_required() const;
};

}  // namespace extranet
