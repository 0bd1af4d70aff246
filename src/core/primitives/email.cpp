// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/email.h"

#include <cstddef>

namespace extranet {

namespace {

constexpr std::size_t max_local = 64;   // RFC 5321 4.5.3.1.1
constexpr std::size_t max_total = 254;  // RFC 5321 path limit less "<>"
constexpr std::size_t max_label = 63;

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 5322 atext.
bool is_atext(char c)
{
    if (is_alpha(c) || is_digit(c)) {
        return true;
    }
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
    case '+': case '-': case '/': case '=': case '?': case '^': case '_':
    case '`': case '{': case '|': case '}': case '~':
        return true;
    default:
        return false;
    }
}

// Dot-atom: atext runs separated by single dots, none at either end.
bool valid_local(std::string_view local)
{
    if (local.empty() || local.size() > max_local) {
        return false;
    }
    bool after_dot = true;  // a leading dot counts as following one
    for (char c : local) {
        if (c == '.') {
            if (after_dot) {
                return false;
            }
            after_dot = true;
        } else if (is_atext(c)) {
            after_dot = false;
        } else {
            return false;
        }
    }
    return !after_dot;
}

bool valid_label(std::string_view label)
{
    if (label.empty() || label.size() > max_label) {
        return false;
    }
    if (label.front() == '-' || label.back() == '-') {
        return false;
    }
    for (char c : label) {
        if (!is_alpha(c) && !is_digit(c) && c != '-') {
            return false;
        }
    }
    return true;
}

// LDH labels, at least two of them; the last one not all digits, since a
// dotted quad is an address literal, not a domain name (RFC 3696 2).
bool valid_domain(std::string_view domain)
{
    std::size_t labels = 0;
    std::string_view last;
    std::size_t start = 0;
    for (;;) {
        std::size_t dot = domain.find('.', start);
        std::string_view label = domain.substr(start, dot == std::string_view::npos
                                                          ? std::string_view::npos
                                                          : dot - start);
        if (!valid_label(label)) {
            return false;
        }
        ++labels;
        last = label;
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    if (labels < 2) {
        return false;
    }
    for (char c : last) {
        if (!is_digit(c)) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view text)
{
    // Only blanks are trimmed: a CR or LF anywhere is refused, never
    // silently dropped, as it could reach a mail header.
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    while (!text.empty() && blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && blank(text.back())) {
        text.remove_suffix(1);
    }
    if (text.empty() || text.size() > max_total) {
        return std::nullopt;
    }

    std::size_t at = text.find('@');
    if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    if (!valid_local(text.substr(0, at)) || !valid_domain(text.substr(at + 1))) {
        return std::nullopt;
    }

    std::string out(text);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

}  // namespace extranet
