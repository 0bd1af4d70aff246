// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/account_code.h"

#include "core/primitives/email.h"

#include <utility>

namespace extranet {

namespace {

constexpr std::size_t min_digits = 4;
constexpr std::size_t max_digits = 32;

// The blanks an owner's text may hold, ASCII or not: a code copied from a
// PDF or a webmail typeset the French way comes with no-break spaces
// (U+00A0, U+202F) or thin ones (U+2009) between its groups. The length
// of the one at the start of text, 0 when none.
std::size_t blank_at(std::string_view text)
{
    if (text.empty()) return 0;
    char c = text[0];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') return 1;
    if (text.substr(0, 2) == "\xc2\xa0") return 2;                  // U+00A0
    if (text.substr(0, 3) == "\xe2\x80\xaf" || text.substr(0, 3) == "\xe2\x80\x89"
        || text.substr(0, 3) == "\xe2\x80\x87") {
        return 3;  // U+202F, U+2009, U+2007 (figure space)
    }
    return 0;
}

// The same at the end of text.
std::size_t blank_before_end(std::string_view text)
{
    for (std::size_t n : {1, 2, 3}) {
        if (text.size() >= n && blank_at(text.substr(text.size() - n)) == n) return n;
    }
    return 0;
}

std::string_view trim(std::string_view text)
{
    while (std::size_t n = blank_at(text)) {
        text.remove_prefix(n);
    }
    while (std::size_t n = blank_before_end(text)) {
        text.remove_suffix(n);
    }
    return text;
}

}  // namespace

bool is_account_code(std::string_view text)
{
    if (text.size() < min_digits || text.size() > max_digits) {
        return false;
    }
    for (char c : text) {
        if (c < '0' || c > '9') {
            return false;
        }
    }
    return true;
}

Identifier classify_identifier(std::string_view text)
{
    text = trim(text);
    Identifier id;

    if (text.find('@') != std::string_view::npos) {
        if (auto email = normalize_email(text)) {
            id.kind = IdentifierKind::email;
            id.value = std::move(*email);
        }
        return id;
    }

    // Owners copy "0300 0010 0001" from their paper call for funds, or type
    // it with the dashes or dots they see there: the groups' separators go.
    std::string code;
    code.reserve(text.size());
    while (!text.empty()) {
        std::size_t n = blank_at(text);
        if (n == 0 && (text[0] == '-' || text[0] == '.')) n = 1;
        if (n == 0) {
            code += text[0];
            n = 1;
        } else if (text[0] == '\r' || text[0] == '\n') {
            return id;  // a code is one line
        }
        text.remove_prefix(n);
    }
    if (is_account_code(code)) {
        id.kind = IdentifierKind::account_code;
        id.value = std::move(code);
    }
    return id;
}

}  // namespace extranet
