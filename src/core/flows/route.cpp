// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/route.h"

#include "core/primitives/cookie.h"
#include "core/primitives/crypto.h"
#include "core/primitives/device_name.h"
#include "core/primitives/escape.h"
#include "core/primitives/text.h"

#include <algorithm>

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

namespace {

// "q=0.8" of a media range's parameters, in thousandths; 1000 without one.
int quality(std::string_view params) {
    while (!params.empty()) {
        std::size_t semi = params.find(';');
        std::string_view p = trim_ows(params.substr(0, semi));
        params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
        if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') continue;
        // qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
        std::string_view v = p.substr(2);
        if (v.empty() || (v[0] != '0' && v[0] != '1')) return 0;
        int q = (v[0] - '0') * 1000;
        int scale = 100;
        for (std::size_t i = 2; i < v.size() && i < 5 && v[1] == '.'; i++, scale /= 10) {
            if (v[i] < '0' || v[i] > '9') return 0;
            q += (v[i] - '0') * scale;
        }
        return q > 1000 ? 1000 : q;
    }
    return 1000;
}

}  // namespace

bool prefers_html(std::string_view accept) {
    int html = 0, other = 0;
    while (!accept.empty()) {
        std::size_t comma = accept.find(',');
        std::string_view range = trim_ows(accept.substr(0, comma));
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        std::size_t semi = range.find(';');
        std::string_view type = trim_ows(range.substr(0, semi));
        if (type.empty()) continue;
        int q = quality(semi == std::string_view::npos ? std::string_view() : range.substr(semi + 1));
        if (ascii_iequal(type, "application/json")) return false;
        if (ascii_iequal(type, "text/html") || ascii_iequal(type, "application/xhtml+xml")) {
            html = std::max(html, q);
        } else {
            other = std::max(other, q);
        }
    }
    return html > 0 && html >= other;
}

std::string referer_next(std::string_view referer, std::string_view host,
                         std::string_view fallback) {
    std::string_view authority = url_authority(referer);
    if (host.empty() || authority.empty() || !ascii_iequal(authority, host)) {
        return safe_next(fallback);
    }
    std::string_view path = referer.substr(referer.find("://") + 3 + authority.size());
    if (path.empty() || path[0] != '/') return safe_next(fallback);
    // Its path and query; a fragment is the browser's, never sent, but a
    // Referer is the client's word.
    path = path.substr(0, path.find('#'));
    return safe_next(path, safe_next(fallback));
}

std::string render_session_ended(const PageContext& page, std::string_view login_url) {
    MessageView v;
    v.title = page_text(page, Text::session_ended_title);
    v.message = page_text(page, Text::session_ended_message);
    v.link_href = std::string(login_url);
    v.link_text = page_text(page, Text::session_ended_login);
    return render_message(page, v);
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
