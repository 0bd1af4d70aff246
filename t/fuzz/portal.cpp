// libFuzzer target: the portal router's request validation
// (core/portal: extranet::dispatch), the part that runs on nginx's event
// loop. The blocking work it hands back is never run (no database, no
// hashing here). Input: see next_line below.
//
// Invariants: dispatch answers or hands back work, never both nor neither;
// what it answers on the event loop is never a 5xx; a POST from another
// origin, a POST without the session's CSRF token on a CSRF route, a
// session route without a session, a body over the limit and a method
// other than GET/HEAD/POST never reach the work; response headers carry
// no CR, LF or NUL; redirects stay on the site; HTML pages escape what
// the request sent.
#include "fuzz.h"

#include <memory>
#include <string>

#include "core/router/portal.h"

using namespace extranet;

namespace {

const Settings& settings()
{
    static const Settings s = [] {
        Settings s;
        s.conninfo = "host=/nonexistent dbname=none";
        s.hash.scrypt_n = 16;
        s.hash.scrypt_r = 1;
        s.hash.scrypt_p = 1;
        s.cookie.secure = false;
        s.keys = std::make_shared<const KeyRing>(std::vector<std::string>{std::string(32, 'k')});
        s.site_url = "http://127.0.0.1:8080";
        s.partners.add_group("gimiweb", {"0300", "0301"});
        return s;
    }();
    return s;
}

// The brute-force counters: always or never locked, as the input says.
class FakeLimiter : public AttemptLimiter {
public:
    explicit FakeLimiter(bool locked) : locked_(locked) {}
    bool locked(std::string_view key, std::uint64_t) override
    {
        FUZZ_CHECK(!key.empty());
        return locked_;
    }

private:
    bool locked_;
};

const char* const kOrigins[] = {
    "", "http://127.0.0.1:8080", "https://127.0.0.1:8080", "null", "http://evil.example",
    "http://127.0.0.1:8080.evil.example", "http://127.0.0.1:8081",
};

bool header_safe(std::string_view v)
{
    for (char c : v) {
        if (c == '\r' || c == '\n' || c == '\0') {
            return false;
        }
    }
    return true;
}

bool session_route(std::string_view r)
{
    return r == "api/me" || r == "link" || r == "link/profile" || r == "link/password" ||
           r == "link/done" || r == "accounts" || r == "switch" || r == "manage";
}

bool known_route(std::string_view r)
{
    return session_route(r) || r == "login" || r == "logout" || r == "password/forgot" ||
           r == "password/reset";
}

// POSTs that must carry the session's CSRF token when there is a session.
bool csrf_route(std::string_view r)
{
    return session_route(r) || r == "logout";
}


// One line each: method, route, Content-Type, Origin, Referer, flags,
// query string; then the body. Flags: j JSON wanted, h https, L body too
// large, f other field names, s session (e: of an identity), c the
// session's CSRF token appended to the body, l the limiter says locked.
std::string_view next_line(std::string_view& in)
{
    std::size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl == std::string_view::npos ? in.size() : nl + 1);
    return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view in = fuzz_text(data, size);
    const Settings& s = settings();

    PortalRequest req;
    req.prefix = "/auth/";
    req.host = "127.0.0.1:8080";
    req.client_addr = "127.0.0.2";
    req.user_agent = "fuzz";
    req.now = 1767225600;
    req.method = std::string(next_line(in));
    req.route = std::string(next_line(in));
    req.content_type = std::string(next_line(in));
    req.origin = std::string(next_line(in));
    req.referer = std::string(next_line(in));
    std::string_view flags = next_line(in);
    req.args = std::string(next_line(in));
    req.body = std::string(in);

    auto flag = [&](char c) { return flags.find(c) != std::string_view::npos; };
    req.wants_json = flag('j');
    req.https = flag('h');
    req.body_too_large = flag('L');
    if (flag('f')) {
        req.login_field = "email";
        req.password_field = "pass";
    }
    bool with_session = flag('s');
    bool with_csrf = flag('c');
    std::string sid(16, '\x5a');
    if (with_session) {
        SessionClaims c;
        c.session_id = sid;
        c.issued_at = req.now - 60;
        c.refreshed_at = req.now - 30;
        if (flag('e')) {
            c.method = LoginMethod::email;
            c.identity_id = 7;
            c.email = "proprietaire@example.fr";
        }
        c.account = "030000100001";
        c.syndic = "0300";
        c.accounts = {"030000100001", "030000100002"};
        req.session = c;
    }
    if (with_csrf) {
        std::string csrf = s.keys->csrf_token(sid);
        if (req.content_type.rfind("application/json", 0) == 0) {
            if (!req.body.empty() && req.body.back() == '}') {
                req.body.pop_back();
                bool empty = req.body.find_first_not_of(" \t\r\n{") == std::string::npos;
                req.body += (empty ? "\"csrf\":\"" : ",\"csrf\":\"") + csrf + "\"}";
            }
        } else {
            req.body += (req.body.empty() ? "csrf=" : "&csrf=") + csrf;
        }
    }

    FakeLimiter limiter(flag('l'));
    Dispatch d = dispatch(s, req, limiter);

    FUZZ_CHECK(d.response.has_value() != static_cast<bool>(d.work));
    bool post = req.method == "POST";
    bool known_origin = false;
    for (const char* o : kOrigins) {
        known_origin |= req.origin == o;
    }
    bool foreign_origin = known_origin && !req.origin.empty() &&
                          req.origin != "http://127.0.0.1:8080" &&
                          req.origin != "https://127.0.0.1:8080";

    if (d.work) {
        FUZZ_CHECK(known_route(req.route));
        FUZZ_CHECK(post || req.method == "GET" || req.method == "HEAD");
        FUZZ_CHECK(!(post && req.body_too_large));
        FUZZ_CHECK(!(session_route(req.route) && !req.session));
        FUZZ_CHECK(!(post && foreign_origin));
        if (post && req.session && csrf_route(req.route)) {
            FUZZ_CHECK(with_csrf);
        }
        return 0;
    }

    const PortalResponse& r = *d.response;
    FUZZ_CHECK(r.status >= 200 && r.status < 500);
    FUZZ_CHECK(header_safe(r.location) && header_safe(r.content_type));
    for (const auto& c : r.set_cookies) {
        FUZZ_CHECK(header_safe(c));
    }
    if (r.status >= 300 && r.status < 400) {
        FUZZ_CHECK(!r.location.empty());
    }
    // Redirects stay on this site: a path, not "//host" nor "/\\host".
    if (!r.location.empty()) {
        FUZZ_CHECK(r.location[0] == '/');
        FUZZ_CHECK(r.location.size() == 1 || (r.location[1] != '/' && r.location[1] != '\\'));
    }
    // What the request says is escaped in HTML pages (the seeds carry
    // "<fuzz" in their fields; no template contains it).
    if (r.content_type.rfind("text/html", 0) == 0) {
        FUZZ_CHECK(r.body.find("<fuzz") == std::string::npos);
    }
    if (post && req.body_too_large && known_route(req.route)) {
        FUZZ_CHECK(r.status == 413);
    }
    return 0;
}
