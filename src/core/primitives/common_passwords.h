// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Passwords owners choose: the most common passwords are refused, being the
// first any guessing tries.
// The list (data/common-passwords.txt, 30 000 entries from Debian's
// python3-zxcvbn) is compiled in, sorted: nothing to load or find at run
// time, a lookup is a binary search.
#pragma once

#include <cstddef>
#include <string_view>

namespace extranet {

// Whether the password, compared case-insensitively (ASCII letters), is one
// of the most common passwords.
bool is_common_password(std::string_view password);

// How many passwords the list holds.
std::size_t common_password_count();

}  // namespace extranet
