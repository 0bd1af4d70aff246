// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/storage/syndic.h"

namespace extranet {

namespace {

const Statement kFindSyndic{
    "syndic_find",
    "SELECT code, name, phone, email, address FROM extranet.syndic WHERE code = $1"};

const Statement kSyndicByPrefix{
    "syndic_by_prefix",
    "SELECT code, name, phone, email, address FROM extranet.syndic"
    " WHERE left($1, length(code)) = code ORDER BY length(code) DESC LIMIT 1"};

std::optional<Syndic> first_row(const Result& r) {
    if (r.empty()) return std::nullopt;
    return Syndic{r.get(0, 0), r.get(0, 1), r.get(0, 2), r.get(0, 3), r.get(0, 4)};
}

}  // namespace

std::optional<Syndic> find_syndic(Database& db, std::string_view code) {
    return first_row(db.exec(kFindSyndic, {std::string(code)}));
}

std::optional<Syndic> syndic_by_code_prefix(Database& db, std::string_view account_code) {
    return first_row(db.exec(kSyndicByPrefix, {std::string(account_code)}));
}

}  // namespace extranet
