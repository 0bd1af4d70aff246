// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The passkeys' fragments of the portal's pages and their script. Without
// JavaScript (or WebAuthn) the login page shows nothing of passkeys and the
// "Clés d'accès" section lists and removes them with plain forms; passkey.js
// adds the buttons that need the browser's WebAuthn.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/views/pages.h"

namespace extranet {

// At the end of the login form: the (hidden) place of the "Se connecter
// avec une clé d'accès" button and the script tag; next is where to go after.
std::string passkey_login_fragment(const PageContext& ctx, std::string_view next);

// "Gérer mes comptes": the "Clés d'accès" section.
// Folded away on a phone like the manage page's other lists (open: unfolded).
std::string passkey_manage_section(const PageContext& ctx, const std::vector<PasskeyItem>& keys,
                                   bool open = false);

// The built-in theme's passkey.js, served at <prefix>passkey.js (no inline
// script: CSP without 'unsafe-inline').
std::string_view passkey_script();

}  // namespace extranet
