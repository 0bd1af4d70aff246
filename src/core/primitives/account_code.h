// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Numeric account codes and the login identifier (code or e-mail).
#pragma once

#include <string>
#include <string_view>

namespace extranet {

// Digits only, 4 to 32 of them.
bool is_account_code(std::string_view text);

enum class IdentifierKind { account_code, email, invalid };

struct Identifier {
    IdentifierKind kind = IdentifierKind::invalid;
    std::string value;  // the code, or the normalised e-mail
};

// Surrounding white space is ignored; inner spaces in a code are removed
// (owners copy "0300 0010 0001" from their paper call for funds).
Identifier classify_identifier(std::string_view text);

}  // namespace extranet
