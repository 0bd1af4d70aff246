// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Cache-Control directives of an answer given to a session: what a shared
// cache (a corporate proxy, a CDN) in front of the site must not keep.
//
// Both functions read the directives in place and write into the caller's
// buffer: the nginx layer calls them on every answer to a session, where
// no heap allocation is allowed.
#pragma once

#include <cstddef>
#include <string_view>

namespace extranet {

// Whether these directives (one Cache-Control line) already keep the whole
// answer out of shared caches: "no-store", or "private" unqualified (a
// `private="Set-Cookie"` keeps out those fields only).
bool keeps_from_shared_caches(std::string_view value);

// The directives of value that still mean something once the answer is
// "private" (max-age, no-cache, must-revalidate), each appended to out as
// ", directive"; "public", "s-maxage", "proxy-revalidate" and the rest are
// left out. out needs room for private_directives_room(value) bytes.
// Returns how many bytes were written.
std::size_t private_directives(std::string_view value, char* out);

constexpr std::size_t private_directives_room(std::string_view value) {
    return 2 * value.size() + 2;
}

}  // namespace extranet
