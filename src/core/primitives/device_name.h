// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What a session's device is, from its user agent: the sessions of "Gérer
// mes comptes", a passkey's default name and the access notices' mails all
// show it, so it sits below them all. The words around it ("Firefox sur
// Windows") are the site's theme's: device_name() in flows/route.h.
#pragma once

#include <string>
#include <string_view>

namespace extranet {

// The browser and the system a user agent names ("Firefox", "Windows"),
// each "" when not recognised.
struct Device {
    std::string_view browser;
    std::string_view system;
};
Device recognise_device(std::string_view user_agent);

// An agent the module does not recognise, shortened: its first 60 bytes,
// cut on a character boundary, with "…".
std::string agent_prefix(std::string_view user_agent);

}  // namespace extranet
