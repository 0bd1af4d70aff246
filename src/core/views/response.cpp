// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/response.h"

#include "core/primitives/escape.h"

namespace extranet {

const char* const kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " connect-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

std::vector<HeaderLine> security_headers(const PortalResponse& r) {
    return {
        // An answer that sets a cookie is never kept by any cache.
        {"Cache-Control", r.no_store || !r.set_cookies.empty()
                                                    ? std::string("no-store")
                          : r.cache_control.empty() ? std::string("max-age=300")
                                                    : r.cache_control},
        {"Content-Security-Policy", kContentSecurityPolicy},
        {"X-Content-Type-Options", "nosniff"},
        {"X-Frame-Options", "DENY"},
        {"Referrer-Policy", r.no_referrer ? "no-referrer" : "same-origin"},
    };
}

PortalResponse html_response(int status, std::string body) {
    PortalResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
}

PortalResponse json_response(int status, std::string body) {
    PortalResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = std::move(body);
    return r;
}

PortalResponse redirect_response(std::string location, int status) {
    PortalResponse r;
    r.status = status;
    r.location = std::move(location);
    return r;
}

std::string unauthenticated_json(std::string_view message, std::string_view login_url) {
    return "{\"error\":\"unauthenticated\",\"message\":" + json_string(message) +
           ",\"login\":" + json_string(login_url) + "}";
}

PortalResponse unauthenticated(bool json, std::string_view message, std::string_view login_url,
                               std::string_view login_again) {
    if (json) return json_response(401, unauthenticated_json(message, login_url));
    return redirect_response(std::string(login_again.empty() ? login_url : login_again), 303);
}

std::string json_error(std::string_view code, std::string_view message,
                       std::string_view field) {
    std::string out = "{\"error\":" + json_string(code) + ",\"message\":" + json_string(message);
    if (!field.empty()) out += ",\"field\":" + json_string(field);
    out += "}";
    return out;
}

}  // namespace extranet
