// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The "immeuble" menu (accounts) and the one-click switch of the active
// account among those linked to the session's identity.
#pragma once

#include <string>

#include "core/flows/me.h"
#include "core/flows/route.h"
#include "core/storage/session_store.h"

namespace extranet {

// The account as the menus show it.
AccountItem account_item(const LegacyAccount& a, std::string_view active,
                         std::string_view default_code);

// One account as the JSON answers list it (accounts, manage):
// {"code":..,"syndic":..,"syndic_name":..,"label":..,"active":bool,"default":bool}
std::string account_item_json(const AccountItem& a);

// {"accounts":[{code,syndic,syndic_name,label,active,default}],"active":code,
//  "default_account":code|null}
std::string accounts_json(const SessionClaims& claims, const SessionAccounts& accounts);

Dispatch route_accounts(RouteContext& rc);
Dispatch route_switch(RouteContext& rc);

}  // namespace extranet
