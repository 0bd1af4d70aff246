// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Cookie request headers and the Set-Cookie of the session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace extranet {

struct CookieSettings {
    std::string name = "extranet_session";
    bool secure = true;
    std::string same_site = "Lax";  // Lax, Strict or None
    std::string domain;             // empty: host-only
    std::string path = "/";
};

// The value of the first cookie called name in one Cookie header value.
std::optional<std::string> find_cookie(std::string_view header, std::string_view name);

// The values of every cookie called name, in the order sent. Browsers send
// several when cookies of one name differ by path or domain (a parent
// domain's, a tossed one): the caller looks at each (the first in force is
// the session, unless another in force is someone else's).
std::vector<std::string> find_cookies(std::string_view header, std::string_view name);

struct StrippedCookies {
    std::string value;     // the header without any cookie called name
    bool removed = false;  // whether one was there: rewrite the header only then
};

// The header value without any cookie called name ("" if nothing is left),
// nor one called name without its "__Host-"/"__Secure-" prefix (an older
// or a tossed copy of the session cookie),
// and whether anything was removed: never judge that from the lengths, a
// re-spaced header may be as long as the original.
StrippedCookies strip_cookie(std::string_view header, std::string_view name);

// Whether strip_cookie() would remove anything (nothing allocated).
bool has_cookie(std::string_view header, std::string_view name);

// The request path's versions, nothing allocated. find_cookies() as views
// into header: the first `max` values in out, and how many there are.
std::size_t find_cookie_views(std::string_view header, std::string_view name,
                              std::string_view* out, std::size_t max);

// strip_cookie() into a caller's buffer of at least
// strip_cookie_capacity(header) bytes: the size written, or nullopt when
// nothing was removed (the buffer untouched).
std::size_t strip_cookie_capacity(std::string_view header);
std::optional<std::size_t> strip_cookie_into(std::string_view header, std::string_view name,
                                             char* out);

// "name=value; Path=/; Max-Age=N; HttpOnly; Secure; SameSite=Lax"; a
// max_age of 0 clears the cookie.
std::string set_cookie(const CookieSettings& s, std::string_view value,
                       std::uint64_t max_age);

}  // namespace extranet
