// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Escaping for HTML text/attributes and JSON strings, and URL encoding.
#pragma once

#include <string>
#include <string_view>

namespace extranet {

std::string html_escape(std::string_view text);
// A JSON string literal, quotes included.
std::string json_string(std::string_view text);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string url_encode(std::string_view text);
// Whether text is valid UTF-8 without overlongs or surrogates.
bool valid_utf8(std::string_view text);
// The offset of the first byte where text stops being valid UTF-8 (in the
// sense of valid_utf8), npos when it is valid throughout.
std::size_t invalid_utf8_at(std::string_view text);

}  // namespace extranet
