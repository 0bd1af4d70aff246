// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Linking ("Associer mon compte"): a session opened with a numeric code
// attaches its account to a new e-mail identity (link → link/profile) or to
// a known one (link → link/password), then link/done.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/database.h"
#include "core/primitives/form.h"
#include "core/views/pages.h"
#include "core/flows/identity_rules.h"
#include "core/flows/route.h"
#include "core/storage/session_store.h"

namespace extranet {

// "Ce compte ne peut pas être associé à cette adresse : le syndic 0400
// (Syndic Leroy) n'est ni le syndic 0300 (Cabinet Durand) ni un de ses
// partenaires." (a name is left out when unknown).
std::string partner_conflict_message(const PageContext& page, std::string_view new_syndic,
                                     std::string_view new_name, std::string_view other_syndic,
                                     std::string_view other_name);

// ---- routes ----

Dispatch route_link(RouteContext& rc);
Dispatch route_link_profile(RouteContext& rc);
Dispatch route_link_password(RouteContext& rc);
Dispatch route_link_done(RouteContext& rc);

}  // namespace extranet
