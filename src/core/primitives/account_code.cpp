// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/account_code.h"

#include "core/primitives/email.h"

#include <utility>

namespace extranet {

namespace {

constexpr std::size_t min_digits = 4;
constexpr std::size_t max_digits = 32;

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view text)
{
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
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

    // Owners copy "0300 0010 0001" from their paper call for funds.
    std::string code;
    code.reserve(text.size());
    for (char c : text) {
        if (c != ' ') {
            code += c;
        }
    }
    if (is_account_code(code)) {
        id.kind = IdentifierKind::account_code;
        id.value = std::move(code);
    }
    return id;
}

}  // namespace extranet
