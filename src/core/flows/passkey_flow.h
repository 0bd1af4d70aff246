// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Passkeys (SPEC §11): an e-mail identity registers passkeys in "Gérer mes
// comptes" and logs in with one, landing on its default account. The routes
// answer JSON to passkey.js; the ceremonies' checks are in webauthn.
//
// Challenges: 32 random bytes, kept in extranet.passkey_challenge as their
// sha256 with a 5-minute expiry, bound to sha256 of the session id
// (registration) or of a random value in a short HttpOnly cookie set with
// the login options (login, where there is no session yet). A response
// spends its challenge (DELETE ... RETURNING) before anything else is
// checked: a replay finds no challenge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/database.h"
#include "core/views/pages.h"
#include "core/flows/route.h"
#include "core/flows/passkey_name.h"

namespace extranet {

// The identity's passkeys, newest first, as "Gérer mes comptes" lists them.
std::vector<PasskeyItem> list_passkeys(Database& db, std::uint64_t identity_id);

Dispatch route_passkey_register_options(RouteContext& rc);
Dispatch route_passkey_register(RouteContext& rc);
Dispatch route_passkey_login_options(RouteContext& rc);
Dispatch route_passkey_login(RouteContext& rc);
Dispatch route_passkey_delete(RouteContext& rc);

}  // namespace extranet
