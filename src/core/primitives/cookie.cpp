// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/cookie.h"

#include "core/primitives/text.h"

#include <cstring>
#include <stdexcept>
#include <vector>

namespace extranet {

namespace {

struct CookiePair {
    std::string_view text;   // the whole "name=value", blanks trimmed
    std::string_view name;
    std::string_view value;  // raw, quotes included
    bool has_value = false;
};


int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Whether an application behind nginx reads a cookie called `raw` as
// `name`. PHP, the usual legacy app, trims any white space (\v and \f
// too), percent-decodes the name and turns '.', ' ' and '[' into '_':
// "extranet%5Fsession", "extranet.session" or "\vextranet_session" reach
// $_COOKIE['extranet_session']. Such copies are removed as well.
bool app_reads_as(std::string_view raw, std::string_view name)
{
    if (raw == name) {
        return true;
    }
    auto space = [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
    };
    // Decoded one character at a time, nothing allocated: every protected
    // request's Cookie header goes through here.
    std::size_t i = 0, matched = 0;
    bool started = false;
    while (i < raw.size()) {
        char c = raw[i++];
        if (c == '%' && i + 1 < raw.size() && hex_digit(raw[i]) >= 0 &&
            hex_digit(raw[i + 1]) >= 0) {
            c = static_cast<char>(hex_digit(raw[i]) * 16 + hex_digit(raw[i + 1]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (!started && space(c)) {
            continue;  // leading white space
        }
        started = true;
        if (matched == name.size()) {
            if (!space(c)) return false;  // only trailing white space may follow
            continue;
        }
        if (c == '.' || c == ' ' || c == '[') c = '_';
        if (c != name[matched]) {
            return false;
        }
        matched++;
    }
    return matched == name.size();
}

// The name without its "__Host-" or "__Secure-" prefix ("" without one).
// A cookie of that bare name is a copy of the session cookie too: one from
// before the prefix was taken (still a valid token until it expires), or
// one a sibling subdomain tossed. Neither is read, both are kept from the
// upstream.
std::string_view bare_name(std::string_view name)
{
    for (std::string_view prefix : {std::string_view("__Host-"),
                                    std::string_view("__Secure-")}) {
        if (name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix) {
            return name.substr(prefix.size());
        }
    }
    return {};
}

bool is_session_copy(std::string_view raw, std::string_view name, std::string_view bare)
{
    return app_reads_as(raw, name) || (!bare.empty() && app_reads_as(raw, bare));
}

// RFC 6265 5.4 leniently: ';' separated pairs, blanks around them allowed
// (some clients omit the space after ';' or add more). Calls f(pair) for
// each in order until f returns false; nothing is allocated (every
// protected request goes through here).
template <typename F>
void for_each_cookie(std::string_view header, F f)
{
    std::size_t start = 0;
    while (start <= header.size()) {
        std::size_t end = header.find(';', start);
        if (end == std::string_view::npos) {
            end = header.size();
        }
        std::string_view text = trim_ows(header.substr(start, end - start));
        start = end + 1;
        if (text.empty()) {
            continue;
        }
        CookiePair p;
        p.text = text;
        std::size_t eq = text.find('=');
        if (eq == std::string_view::npos) {
            p.name = text;
        } else {
            p.name = trim_ows(text.substr(0, eq));
            p.value = trim_ows(text.substr(eq + 1));
            p.has_value = true;
        }
        if (!f(p)) {
            return;
        }
    }
}

// cookie-octet of RFC 6265 4.1.1: no CTL, blank, '"', ',', ';' or '\\'.
bool is_cookie_octet(char ch)
{
    unsigned char c = static_cast<unsigned char>(ch);
    return c >= 0x21 && c <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

// Attribute text coming from the configuration: no ';' or control that
// would let it start another attribute or header.
bool is_attribute_text(std::string_view s)
{
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F || c == ';') {
            return false;
        }
    }
    return true;
}

bool is_token(std::string_view s)
{
    if (s.empty()) {
        return false;
    }
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F) {
            return false;
        }
        switch (c) {
        case '(': case ')': case '<': case '>': case '@': case ',': case ';':
        case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
        case '=': case '{': case '}':
            return false;
        default:
            break;
        }
    }
    return true;
}

}  // namespace

namespace {

// The value of a pair, the quotes of a quoted value removed.
std::string_view cookie_value(const CookiePair& p)
{
    std::string_view v = p.value;
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
    }
    return v;
}

}  // namespace

std::optional<std::string> find_cookie(std::string_view header, std::string_view name)
{
    std::optional<std::string> found;
    for_each_cookie(header, [&](const CookiePair& p) {
        if (!p.has_value || p.name != name) {
            return true;
        }
        found.emplace(cookie_value(p));
        return false;
    });
    return found;
}

std::vector<std::string> find_cookies(std::string_view header, std::string_view name)
{
    std::vector<std::string> values;
    for_each_cookie(header, [&](const CookiePair& p) {
        if (p.has_value && p.name == name) {
            values.emplace_back(cookie_value(p));
        }
        return true;
    });
    return values;
}

std::size_t find_cookie_views(std::string_view header, std::string_view name,
                              std::string_view* out, std::size_t max)
{
    std::size_t n = 0;
    for_each_cookie(header, [&](const CookiePair& p) {
        if (p.has_value && p.name == name) {
            if (n < max) {
                out[n] = cookie_value(p);
            }
            n++;
        }
        return true;
    });
    return n;
}

bool has_cookie(std::string_view header, std::string_view name)
{
    std::string_view bare = bare_name(name);
    bool found = false;
    for_each_cookie(header, [&](const CookiePair& p) {
        found = p.has_value && is_session_copy(p.name, name, bare);
        return !found;
    });
    return found;
}

StrippedCookies strip_cookie(std::string_view header, std::string_view name)
{
    StrippedCookies out;
    std::string buf(strip_cookie_capacity(header), '\0');
    if (auto size = strip_cookie_into(header, name, &buf[0])) {
        buf.resize(*size);
        out.value = std::move(buf);
        out.removed = true;
    } else {
        // nothing removed: the pairs as they were, re-joined
        for_each_cookie(header, [&](const CookiePair& p) {
            if (!out.value.empty()) {
                out.value += "; ";
            }
            out.value.append(p.text);
            return true;
        });
    }
    return out;
}

// Each pair is kept as it was; between two, "; ": at most one byte more
// per ';' of the header.
std::size_t strip_cookie_capacity(std::string_view header)
{
    std::size_t n = header.size();
    if (n == 0) {
        return 0;
    }
    const char* p = header.data();
    const char* end = p + header.size();
    while ((p = static_cast<const char*>(std::memchr(p, ';', end - p)))) {
        ++n;
        ++p;
    }
    return n;
}

std::optional<std::size_t> strip_cookie_into(std::string_view header, std::string_view name,
                                             char* out)
{
    if (!has_cookie(header, name)) {
        return std::nullopt;
    }
    std::string_view bare = bare_name(name);
    std::size_t size = 0;
    for_each_cookie(header, [&](const CookiePair& p) {
        if (p.has_value && is_session_copy(p.name, name, bare)) {
            return true;
        }
        if (size) {
            out[size++] = ';';
            out[size++] = ' ';
        }
        for (char c : p.text) {
            out[size++] = c;
        }
        return true;
    });
    return size;
}

std::string set_cookie(const CookieSettings& s, std::string_view value, std::uint64_t max_age)
{
    // These reach a response header verbatim: refuse rather than let a
    // stray ';' or CR/LF add attributes or headers.
    if (!is_token(s.name)) {
        throw std::invalid_argument("invalid cookie name \"" + s.name + "\"");
    }
    for (char c : value) {
        if (!is_cookie_octet(c)) {
            throw std::invalid_argument("invalid character in cookie value");
        }
    }
    if (!is_attribute_text(s.path) || !is_attribute_text(s.domain)
        || !is_attribute_text(s.same_site)) {
        throw std::invalid_argument("invalid cookie attribute");
    }

    std::string out;
    out.reserve(s.name.size() + value.size() + 128);
    out += s.name;
    out += '=';
    out.append(value);
    out += "; Path=";
    out += s.path.empty() ? std::string("/") : s.path;
    out += "; Max-Age=";
    out += std::to_string(max_age);
    if (max_age == 0) {
        // Old browsers ignore Max-Age; a date in the past clears there too.
        out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
    }
    out += "; HttpOnly";
    if (s.secure) {
        out += "; Secure";
    }
    if (!s.same_site.empty()) {
        out += "; SameSite=";
        out += s.same_site;
    }
    if (!s.domain.empty()) {
        out += "; Domain=";
        out += s.domain;
    }
    return out;
}

}  // namespace extranet
