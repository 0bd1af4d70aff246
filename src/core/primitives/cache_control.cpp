// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/cache_control.h"

#include <cstring>

namespace extranet {

namespace {

bool ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && ows(s.back())) s.remove_suffix(1);
    return s;
}

bool ieq(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// Calls f(directive, name) for each directive of value, trimmed; a comma
// inside a quoted value (no-cache="Set-Cookie, X-Foo") separates nothing.
template <typename F>
void each_directive(std::string_view value, F f) {
    std::size_t start = 0;
    bool quoted = false;
    for (std::size_t i = 0; i <= value.size(); i++) {
        if (i < value.size()) {
            char c = value[i];
            if (quoted) {
                if (c == '\\' && i + 1 < value.size()) {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
                continue;
            }
            if (c == '"') {
                quoted = true;
                continue;
            }
            if (c != ',') continue;
        }
        std::string_view d = trim(value.substr(start, i - start));
        start = i + 1;
        if (d.empty()) continue;
        f(d, trim(d.substr(0, d.find('='))));
    }
}

}  // namespace

bool keeps_from_shared_caches(std::string_view value) {
    bool kept = false;
    each_directive(value, [&kept](std::string_view d, std::string_view name) {
        if (ieq(name, "no-store") || (ieq(name, "private") && d.size() == name.size())) {
            kept = true;
        }
    });
    return kept;
}

std::size_t private_directives(std::string_view value, char* out) {
    std::size_t n = 0;
    each_directive(value, [out, &n](std::string_view d, std::string_view name) {
        if (ieq(name, "max-age") || ieq(name, "no-cache") || ieq(name, "must-revalidate")) {
            std::memcpy(out + n, ", ", 2);
            std::memcpy(out + n + 2, d.data(), d.size());
            n += 2 + d.size();
        }
    });
    return n;
}

}  // namespace extranet
