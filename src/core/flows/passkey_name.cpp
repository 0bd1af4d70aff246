// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/passkey_name.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "core/flows/route.h"

namespace extranet {

namespace {

constexpr std::size_t kMaxNameChars = 60;

// The code point at text[i] (valid UTF-8 assumed, checked by the caller's
// length), with its length in bytes; 0 bytes for a broken sequence.
std::pair<std::uint32_t, std::size_t> code_point(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    unsigned char b = byte(i);
    std::size_t n = b < 0x80 ? 1 : (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3
                                 : (b & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > text.size()) return {0, 0};
    std::uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    for (std::size_t k = 1; k < n; k++) {
        if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
        cp = cp << 6 | (byte(i + k) & 0x3F);
    }
    return {cp, n};
}

bool hidden_code_point(std::uint32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x061C || c == 0x180E ||
           (c >= 0x200B && c <= 0x200F) || (c >= 0x2028 && c <= 0x202E) ||
           (c >= 0x2060 && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) ||
           (c >= 0xE0000 && c <= 0xE007F);
}
}  // namespace

std::optional<std::string> passkey_name(const PageContext& page, std::string_view typed,
                                        std::string_view user_agent) {
    std::size_t first = typed.find_first_not_of(" \t");
    std::size_t last = typed.find_last_not_of(" \t");
    std::string name = first == std::string_view::npos
                           ? std::string()
                           : std::string(typed.substr(first, last - first + 1));
    std::size_t chars = std::count_if(name.begin(), name.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;  // not a continuation byte
    });
    if (chars > kMaxNameChars) return std::nullopt;
    if (name.empty()) name = device_name(page, user_agent);  // already short
    if (name.empty() || has_hidden_chars(name)) name = page_text(page, Text::passkey_unnamed);
    return name;
}

bool has_hidden_chars(std::string_view utf8) {
    for (std::size_t i = 0; i < utf8.size();) {
        auto [cp, n] = code_point(utf8, i);
        if (n == 0 || hidden_code_point(cp)) return true;
        i += n;
    }
    return false;
}

std::optional<Text> passkey_notice(std::string_view done) {
    if (done == "passkey_added") {
        return Text::passkey_notice_added;
    }
    if (done == "passkey_deleted") return Text::passkey_notice_deleted;
    return std::nullopt;
}
}  // namespace extranet
