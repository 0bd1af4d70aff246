// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What the portal answers: a plain value the nginx layer turns into a
// response, plus the side effects it applies on the event loop.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace extranet {

enum class LogLevel { none, info, error, critical, alert };

struct PortalResponse {
    int status = 200;
    std::string content_type = "text/html; charset=utf-8";
    std::string body;
    std::string location;                 // for 3xx
    std::vector<std::string> set_cookies; // Set-Cookie values
    bool no_store = true;                 // Cache-Control: no-store
    std::string cache_control;            // else this ("" : max-age=300)
    std::string etag;                     // ETag, quoted ("" : none)
    // A page whose URL or form holds a secret (a reset link's token):
    // "Referrer-Policy: no-referrer" instead of "same-origin".
    bool no_referrer = false;

    // Side effects, applied on the event loop by the nginx layer.
    std::vector<std::string> revoke;      // session keys (session_key()) to refuse at once
    std::vector<std::string> failures;    // limiter keys that failed
    std::vector<std::string> successes;   // limiter keys to clear
    // Lockouts this answer began: failed keys whose count in PostgreSQL
    // reached their limit (auth_extranet_lockouts_total).
    unsigned lockouts = 0;

    // A line for nginx's error log, at the level of whoever is at fault.
    LogLevel log_level = LogLevel::none;
    std::string log_message;
};

// The security headers of every portal answer, in order. Pages have no
// inline script, no inline event handler and no inline style (pages.cpp):
// the policy allows scripts and styles from the site only, never
// 'unsafe-inline'. Cache-Control is no-store unless the answer is a static
// file (style.css, menu.js): every other page may show personal data.
struct HeaderLine {
    const char* name;  // static storage: the nginx layer keeps the pointer
    std::string value;
};
std::vector<HeaderLine> security_headers(const PortalResponse& r);

// The Content-Security-Policy of portal answers.
extern const char* const kContentSecurityPolicy;

PortalResponse html_response(int status, std::string body);
PortalResponse json_response(int status, std::string body);
PortalResponse redirect_response(std::string location, int status = 303);

// The answer to a client without a session: 401 with this body, or for a
// page view a redirect to login_again, the login page that brings the owner
// back (login_url when empty).
// message: the site's Text::common_error_login_required.
std::string unauthenticated_json(std::string_view message, std::string_view login_url);
PortalResponse unauthenticated(bool json, std::string_view message, std::string_view login_url,
                               std::string_view login_again = {});

// {"error":code,"message":message[,"field":field]}
std::string json_error(std::string_view code, std::string_view message,
                       std::string_view field = {});

}  // namespace extranet
