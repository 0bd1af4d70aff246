// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// E-mail address syntax and normalisation.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace extranet {

// The normalised address (surrounding white space trimmed, lower-cased),
// or nullopt when the syntax is not that of a deliverable address:
// one '@', dot-atom local part of at most 64 bytes, a domain of LDH labels
// with at least one dot, at most 254 bytes in all, ASCII only.
std::optional<std::string> normalize_email(std::string_view text);

}  // namespace extranet
