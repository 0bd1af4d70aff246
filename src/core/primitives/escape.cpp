// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/escape.h"

#include <cstdint>

namespace extranet {

namespace {

const char hex_digits[] = "0123456789ABCDEF";

// Length of the valid UTF-8 sequence starting at text[i], or 0 when the
// bytes there are not one (overlong, surrogate, beyond U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i)
{
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    auto continuation = [&](std::size_t k) {
        return k < text.size() && (byte(k) & 0xC0) == 0x80;
    };

    unsigned char c = byte(i);
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {  // C0/C1 would be overlong
        return continuation(i + 1) ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (!continuation(i + 1) || !continuation(i + 2)) {
            return 0;
        }
        unsigned char c1 = byte(i + 1);
        if (c == 0xE0 && c1 < 0xA0) {  // overlong
            return 0;
        }
        if (c == 0xED && c1 >= 0xA0) {  // U+D800..U+DFFF surrogates
            return 0;
        }
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!continuation(i + 1) || !continuation(i + 2) || !continuation(i + 3)) {
            return 0;
        }
        unsigned char c1 = byte(i + 1);
        if (c == 0xF0 && c1 < 0x90) {  // overlong
            return 0;
        }
        if (c == 0xF4 && c1 >= 0x90) {  // beyond U+10FFFF
            return 0;
        }
        return 4;
    }
    return 0;  // stray continuation byte, or F5..FF
}

void append_u_escape(std::string& out, unsigned code)
{
    out += "\\u";
    out += hex_digits[(code >> 12) & 0xF];
    out += hex_digits[(code >> 8) & 0xF];
    out += hex_digits[(code >> 4) & 0xF];
    out += hex_digits[code & 0xF];
}

}  // namespace

std::string html_escape(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c; break;
        }
    }
    return out;
}

std::string json_string(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            std::size_t n = utf8_sequence_length(text, i);
            if (n == 0) {
                // JSON must be UTF-8: a broken byte becomes U+FFFD.
                append_u_escape(out, 0xFFFD);
                ++i;
                continue;
            }
            // U+2028/U+2029 end a line in older JavaScript parsers.
            if (n == 3 && c == 0xE2 && static_cast<unsigned char>(text[i + 1]) == 0x80
                && (static_cast<unsigned char>(text[i + 2]) & 0xFE) == 0xA8) {
                append_u_escape(out, 0x2028 | (text[i + 2] & 1));
            } else {
                out.append(text, i, n);
            }
            i += n;
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        // '<', '>', '&' and '\'' escaped so the JSON can sit inside a
        // <script> element or an HTML attribute without closing it.
        case '<':
        case '>':
        case '&':
        case '\'':
            append_u_escape(out, c);
            break;
        default:
            if (c < 0x20 || c == 0x7F) {
                append_u_escape(out, c);
            } else {
                out += static_cast<char>(c);
            }
            break;
        }
        ++i;
    }
    out += '"';
    return out;
}

std::string url_encode(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        unsigned char c = static_cast<unsigned char>(ch);
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                          || (c >= '0' && c <= '9') || c == '-' || c == '.'
                          || c == '_' || c == '~';
        if (unreserved) {
            out += ch;
        } else {
            out += '%';
            out += hex_digits[c >> 4];
            out += hex_digits[c & 0xF];
        }
    }
    return out;
}

bool valid_utf8(std::string_view text)
{
    return invalid_utf8_at(text) == std::string_view::npos;
}

std::size_t invalid_utf8_at(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t n = utf8_sequence_length(text, i);
        if (n == 0) {
            return i;
        }
        i += n;
    }
    return std::string_view::npos;
}

}  // namespace extranet
