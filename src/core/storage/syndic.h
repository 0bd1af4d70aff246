// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The syndics' contact details (extranet.syndic): shown where an owner is
// told to contact the syndic (a numeric code's forgotten password, a link
// refused by the partner rule). Storage floor: read in a pool thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/storage/database.h"

namespace extranet {

struct Syndic {
    std::string code;
    std::string name;
    std::string phone;
    std::string email;
    std::string address;
};

// The syndic of that code, if the table has it.
std::optional<Syndic> find_syndic(Database& db, std::string_view code);

// The syndic whose code begins the account code (the longest such code),
// as in the demo data ("0300" for "030000100001"). It reads the syndic
// table only, never the accounts: whether a code exists stays unsaid.
std::optional<Syndic> syndic_by_code_prefix(Database& db, std::string_view account_code);

}  // namespace extranet
