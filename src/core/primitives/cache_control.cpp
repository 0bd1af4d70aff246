// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/cache_control.h"

#include <cstring>

#include "core/primitives/text.h"

namespace extranet {

namespace {

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
        std::string_view d = trim_ows(value.substr(start, i - start));
        start = i + 1;
        if (d.empty()) continue;
        f(d, trim_ows(d.substr(0, d.find('='))));
    }
}

}  // namespace

bool keeps_from_shared_caches(std::string_view value) {
    bool kept = false;
    each_directive(value, [&kept](std::string_view d, std::string_view name) {
        if (ascii_iequal(name, "no-store") || (ascii_iequal(name, "private") && d.size() == name.size())) {
            kept = true;
        }
    });
    return kept;
}

std::size_t private_directives(std::string_view value, char* out) {
    std::size_t n = 0;
    each_directive(value, [out, &n](std::string_view d, std::string_view name) {
        if (ascii_iequal(name, "max-age") || ascii_iequal(name, "no-cache") || ascii_iequal(name, "must-revalidate")) {
            std::memcpy(out + n, ", ", 2);
            std::memcpy(out + n + 2, d.data(), d.size());
            n += 2 + d.size();
        }
    });
    return n;
}

}  // namespace extranet
