// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/route.h"

#include "core/primitives/cookie.h"
#include "core/primitives/crypto.h"
#include "core/primitives/device_name.h"
#include "core/primitives/escape.h"

namespace extranet {

PortalResponse error_answer(const RouteContext& rc, int status, std::string_view code,
                            std::string_view message, std::string_view field) {
    return Answerer::of(rc).error(status, code, message, field);
}

PortalResponse error_answer(const RouteContext& rc, int status, std::string_view code,
                            Text message, std::string_view field) {
    return Answerer::of(rc).error(status, code, message, field);
}

std::string device_name(const PageContext& page, std::string_view ua) {
    if (ua.empty()) return {};
    Device d = recognise_device(ua);
    if (!d.browser.empty() && !d.system.empty()) {
        return page_text(page, Text::device_on, {d.browser, d.system});
    }
    if (!d.browser.empty()) return std::string(d.browser);
    if (!d.system.empty()) return std::string(d.system);
    return agent_prefix(ua);
}

Text form_error_text(FormError error) {
    switch (error) {
    case FormError::bad_encoding: return Text::form_error_bad_encoding;
    case FormError::invalid_utf8: return Text::form_error_invalid_utf8;
    case FormError::control_char: return Text::form_error_control_char;
    case FormError::too_many_fields: return Text::form_error_too_many_fields;
    case FormError::field_too_long: return Text::form_error_field_too_long;
    case FormError::duplicate_field: return Text::form_error_duplicate_field;
    case FormError::none: break;
    }
    return Text::form_error_invalid;
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

std::string login_again_url(std::string_view prefix, std::string_view back, bool ended) {
    std::string url = std::string(prefix) + "login";
    std::string next = safe_next(back, "");
    char sep = '?';
    if (!next.empty()) {
        url += "?next=" + url_encode(next);
        sep = '&';
    }
    if (ended) {
        url += sep;
        url += "expired=1";
    }
    return url;
}

PortalResponse login_required(const RouteContext& rc) { return Answerer::of(rc).login_required(); }

Secret::~Secret() { secure_wipe(value); }

Answerer Answerer::of(const RouteContext& rc) {
    Answerer a;
    a.page = rc.page;
    a.json = rc.req.wants_json;
    a.login_again = rc.login_again;
    return a;
}

PortalResponse Answerer::error(int status, std::string_view code, std::string_view message,
                               std::string_view field) const {
    if (json) return json_response(status, json_error(code, message, field));
    MessageView v;
    v.title = page_text(page, status == 503 ? Text::common_unavailable_title : Text::common_refused_title);
    v.message = std::string(message);
    v.link_href = page.prefix + (page.logged_in ? "accounts" : "login");
    v.link_text = page_text(page, page.logged_in ? Text::common_back_to_accounts : Text::common_back_to_login);
    return html_response(status, render_message(page, v));
}

PortalResponse Answerer::error(int status, std::string_view code, Text message,
                               std::string_view field) const {
    return error(status, code, page_text(page, message), field);
}

PortalResponse Answerer::explain(bool post, int status, std::string_view code,
                                 const std::string& message, std::string_view title,
                                 std::string_view route, std::string_view link_text) const {
    if (post || json) return error(status, code, message);
    MessageView v;
    v.title = std::string(title);
    v.message = message;
    v.link_href = page.prefix + std::string(route);
    v.link_text = std::string(link_text);
    return html_response(200, render_message(page, v));
}

PortalResponse Answerer::answer(int status, std::string html, std::string json_body) const {
    return json ? json_response(status, std::move(json_body))
                : html_response(status, std::move(html));
}

PortalResponse Answerer::login_required() const {
    return unauthenticated(json, page_text(page, Text::common_error_login_required),
                           page.prefix + "login", login_again);
}

}  // namespace extranet
