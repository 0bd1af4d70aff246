// The portal: routes under the portal prefix. dispatch() runs on the event
// loop (parsing, CSRF and origin checks, limits, static answers) and hands
// back either an answer or the blocking work, which the nginx layer runs in
// a pool thread with run_blocking().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cookie.h"
#include "core/database.h"
#include "core/form.h"
#include "core/lockout_store.h"
#include "core/pages.h"
#include "core/partners.h"
#include "core/password.h"
#include "core/response.h"
#include "core/session_token.h"

namespace extranet {

// Everything configured at the http level; read-only once workers run, so
// pool threads may read it. It lives in the configuration's pool, which
// outlasts every request of that configuration (a worker finishes its
// requests before a reload frees it): blocking work keeps a pointer to it
// rather than a copy.
struct Settings {
    std::string conninfo;
    std::chrono::milliseconds db_timeout{5000};
    HashParams hash;
    unsigned password_min_length = 12;
    unsigned password_max_length = 1024;
    CookieSettings cookie;
    SessionTimeouts timeouts;
    bool legacy_login_all = false;  // auth_extranet_legacy_login all
    PartnerRules partners;
    std::shared_ptr<const KeyRing> keys;
    std::string header_prefix = "X-Extranet-";
    std::string site_url;  // "https://host[:port]": links in mails (required with a portal)
    unsigned link_check_limit = 10;  // e-mail lookups per session and window
    std::uint64_t limit_window = 15 * 60;
    LockoutRules lockout;            // auth_extranet_limit, for the PostgreSQL record
};

// Brute-force counters (shared memory in nginx). Called on the event loop
// only.
class AttemptLimiter {
public:
    virtual ~AttemptLimiter() = default;
    // True when the key is over its limit, counting the attempts still in
    // flight; otherwise this request counts as one attempt in flight until
    // it ends, so that parallel attempts cannot overrun the limit.
    virtual bool locked(std::string_view key, std::uint64_t now) = 0;
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
    std::string client_addr;
    std::string user_agent;
    std::optional<SessionClaims> session;  // verified, live, not revoked
    std::string login_field = "login";
    std::string password_field = "password";
    std::uint64_t now = 0;
};

using BlockingWork = std::function<PortalResponse(Database&)>;

struct Dispatch {
    std::optional<PortalResponse> response;  // answered on the event loop
    BlockingWork work;                       // else: run in a pool thread
};

Dispatch dispatch(const Settings& s, const PortalRequest& req, AttemptLimiter& limiter);

// In a pool thread: the thread's connection, the work, and the answer to a
// database failure (503 page) or a bug (500), never an exception.
PortalResponse run_blocking(const Settings& s, const BlockingWork& work, bool wants_json,
                            std::string_view prefix);

// ---- shared by the routes (portal_*.cpp, *_flow.cpp) ----

// What a route handler gets: the parsed request.
struct RouteContext {
    const Settings& settings;
    const PortalRequest& req;
    Form form;            // body fields (POST) or query fields (GET)
    PageContext page;     // prefix, csrf
    AttemptLimiter& limiter;
};

// An error answer: JSON {"error",...} or the French message page.
PortalResponse error_answer(const RouteContext& rc, int status, std::string_view code,
                            std::string_view message, std::string_view field = {});

// The page wrapped in a response, or JSON when asked for JSON.
PortalResponse page_answer(const RouteContext& rc, int status, std::string html,
                           std::string json);

// A same-origin path to return to: "next" if it is one, else fallback.
std::string safe_next(std::string_view next, std::string_view fallback = "/");

// Set-Cookie for a (new or updated) session, and the one clearing it.
std::string session_cookie(const Settings& s, const SessionClaims& claims);
std::string clear_session_cookie(const Settings& s);

// The 401 for routes that need a session.
PortalResponse login_required(const RouteContext& rc);

}  // namespace extranet
