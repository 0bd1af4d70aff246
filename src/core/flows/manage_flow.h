// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// "Gérer mes comptes": personal information, the default account, the
// password, unlinking accounts and the open sessions of an e-mail identity.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/flows/route.h"

namespace extranet {

// The success message of a finished action (manage?done=<action>), "" when
// the action is unknown.
std::optional<Text> manage_notice(std::string_view done);

Dispatch route_manage(RouteContext& rc);

}  // namespace extranet
