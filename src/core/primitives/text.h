// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Small ASCII text helpers shared by the header and form parsers: HTTP's
// optional white space, case-insensitive comparison of tokens, the
// authority of an absolute URL. Nothing allocated.
#pragma once

#include <cstddef>
#include <string_view>

namespace extranet {

// HTTP's optional white space (OWS): space and horizontal tab.
inline bool is_ows(char c) { return c == ' ' || c == '\t'; }

inline std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// Equal but for the case of ASCII letters (tokens, media types, hosts).
inline bool ascii_iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); i++) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

// "scheme://host[:port]/..." → "host[:port]"; "" if it is no such URL.
inline std::string_view url_authority(std::string_view url) {
    std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos) return {};
    std::string_view rest = url.substr(scheme + 3);
    return rest.substr(0, rest.find_first_of("/?#"));
}

}  // namespace extranet
