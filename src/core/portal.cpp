#include "core/portal.h"

#include <algorithm>
#include <cctype>

#include "core/account_switch.h"
#include "core/escape.h"
#include "core/link_flow.h"
#include "core/login_flow.h"
#include "core/manage_flow.h"
#include "core/me.h"
#include "core/password_reset.h"

namespace extranet {

namespace {

constexpr std::size_t kMaxBody = 16 * 1024;

struct Route {
    std::string_view name;
    Dispatch (*handler)(RouteContext&);
    bool needs_session;  // else anonymous requests reach the handler
    bool csrf;           // POSTs carry the session's CSRF token
};

const Route kRoutes[] = {
    {"login", route_login, false, false},
    {"logout", route_logout, false, true},
    {"api/me", route_me, true, true},
    {"link", route_link, true, true},
    {"link/profile", route_link_profile, true, true},
    {"link/password", route_link_password, true, true},
    {"link/done", route_link_done, true, true},
    {"accounts", route_accounts, true, true},
    {"switch", route_switch, true, true},
    {"manage", route_manage, true, true},
    {"password/forgot", route_password_forgot, false, false},
    {"password/reset", route_password_reset, false, false},
};

bool ieq(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// "scheme://host[:port]/..." → "host[:port]"; "" if it is no such URL.
std::string_view url_authority(std::string_view url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    std::string_view rest = url.substr(scheme + 3);
    return rest.substr(0, rest.find_first_of("/?#"));
}

// Same host (the scheme is not compared: TLS may end in front of nginx).
bool same_origin(const PortalRequest& req) {
    if (!req.origin.empty()) {
        return req.origin != "null" && ieq(url_authority(req.origin), req.host);
    }
    if (!req.referer.empty()) return ieq(url_authority(req.referer), req.host);
    return true;  // neither sent (old browsers, privacy settings): the token decides
}

PortalResponse static_answer(std::string_view type, std::string_view body) {
    PortalResponse r;
    r.content_type = std::string(type);
    r.body = std::string(body);
    r.no_store = false;
    return r;
}

}  // namespace

PortalResponse error_answer(const RouteContext& rc, int status, std::string_view code,
                            std::string_view message, std::string_view field) {
    if (rc.req.wants_json) return json_response(status, json_error(code, message, field));
    MessageView v;
    v.title = status == 503 ? "Service momentanément indisponible" : "Demande refusée";
    v.message = std::string(message);
    v.link_href = rc.req.prefix + (rc.req.session ? "accounts" : "login");
    v.link_text = rc.req.session ? "Retour à mes comptes" : "Retour à la connexion";
    return html_response(status, render_message(rc.page, v));
}

PortalResponse page_answer(const RouteContext& rc, int status, std::string html,
                           std::string json) {
    return rc.req.wants_json ? json_response(status, std::move(json))
                             : html_response(status, std::move(html));
}

std::string safe_next(std::string_view next, std::string_view fallback) {
    // A path of this site: "/x", not "//host" nor "/\host", no scheme, no
    // control characters.
    bool ok = next.size() >= 1 && next.size() <= 2048 && next[0] == '/' &&
              (next.size() == 1 || (next[1] != '/' && next[1] != '\\'));
    for (char c : next) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F || c == '\\') ok = false;
    }
    return ok ? std::string(next) : std::string(fallback);
}

std::string session_cookie(const Settings& s, const SessionClaims& claims) {
    std::uint64_t end = claims.issued_at + s.timeouts.absolute;
    std::uint64_t max_age = end > claims.refreshed_at ? end - claims.refreshed_at : 1;
    return set_cookie(s.cookie, s.keys->seal(claims), max_age);
}

std::string clear_session_cookie(const Settings& s) { return set_cookie(s.cookie, "", 0); }

PortalResponse login_required(const RouteContext& rc) {
    if (rc.req.wants_json) {
        return json_response(401, "{\"error\":\"unauthenticated\",\"message\":"
                                  "\"Veuillez vous connecter.\",\"login\":" +
                                      json_string(rc.req.prefix + "login") + "}");
    }
    return redirect_response(rc.req.prefix + "login", 303);
}

Dispatch dispatch(const Settings& s, const PortalRequest& req, AttemptLimiter& limiter) {
    if (req.route == "menu.js" || req.route == "style.css") {
        if (req.method != "GET" && req.method != "HEAD") {
            PortalResponse r = json_response(405, json_error("method", "Méthode non autorisée."));
            return {r, {}};
        }
        return {req.route == "style.css" ? static_answer("text/css; charset=utf-8", stylesheet())
                                         : static_answer("application/javascript; charset=utf-8",
                                                         menu_script()),
                {}};
    }

    PageContext page;
    page.prefix = req.prefix;
    page.logged_in = req.session.has_value();
    if (req.session) page.csrf = s.keys->csrf_token(req.session->session_id);
    RouteContext rc{s, req, Form(), page, limiter};

    const Route* route = nullptr;
    for (const Route& r : kRoutes) {
        if (r.name == req.route) route = &r;
    }
    if (!route) {
        return {error_answer(rc, 404, "not_found", "Cette page n'existe pas."), {}};
    }
    bool post = req.method == "POST";
    if (!post && req.method != "GET" && req.method != "HEAD") {
        return {error_answer(rc, 405, "method", "Méthode non autorisée."), {}};
    }

    if (post && req.body_too_large) {
        return {error_answer(rc, 413, "too_large", "Le formulaire envoyé est trop volumineux."),
                {}};
    }
    FormLimits limits;
    limits.max_value = s.password_max_length;
    bool json_body = req.content_type.rfind("application/json", 0) == 0;
    FormResult parsed = post ? (json_body ? parse_json_object(req.body, limits)
                                          : parse_urlencoded(req.body, limits))
                             : parse_urlencoded(req.args, limits);
    if (parsed.error != FormError::none) {
        PortalResponse r = error_answer(rc, 400, "bad_request", describe(parsed.error),
                                        parsed.field);
        r.log_level = LogLevel::info;
        r.log_message = "rejected form: " + std::string(describe(parsed.error));
        return {r, {}};
    }
    rc.form = std::move(parsed.form);

    if (post && !same_origin(req)) {
        PortalResponse r = error_answer(rc, 403, "origin",
                                        "Cette demande ne vient pas de ce site.");
        r.log_level = LogLevel::info;
        r.log_message = "cross-origin POST refused";
        return {r, {}};
    }
    if (route->needs_session && !req.session) return {login_required(rc), {}};
    if (post && route->csrf && req.session &&
        !s.keys->csrf_valid(req.session->session_id, rc.form.value("csrf"))) {
        PortalResponse r = error_answer(rc, 403, "csrf",
                                        "Votre formulaire a expiré. Veuillez recommencer.");
        r.log_level = LogLevel::info;
        r.log_message = "missing or wrong CSRF token";
        return {r, {}};
    }
    return route->handler(rc);
}

Database& site_database(const Settings& s) {
    return thread_database(s.conninfo, s.db_timeout, s.db_prepared_statements);
}

PortalResponse run_blocking(const Settings& s, const BlockingWork& work, bool wants_json,
                            std::string_view prefix) {
    auto unavailable = [&](std::string why) {
        PortalResponse r;
        if (wants_json) {
            r = json_response(503, json_error("unavailable",
                                              "Service momentanément indisponible."));
        } else {
            PageContext page;
            page.prefix = std::string(prefix);
            MessageView v;
            v.title = "Service momentanément indisponible";
            v.message = "Le service est momentanément indisponible. "
                        "Veuillez réessayer dans quelques minutes.";
            v.link_href = page.prefix + "login";
            v.link_text = "Réessayer";
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
        return with_notice(work(*db));
    } catch (const DatabaseUnavailable& e) {
        return with_notice(unavailable(e.what()));
    } catch (const DatabaseError& e) {
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
