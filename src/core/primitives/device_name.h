// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The name of a session's device from its user agent: the sessions of
// "Gérer mes comptes", a passkey's default name and the access notices'
// mails all show it, so it sits below them all.
#pragma once

#include <string>
#include <string_view>

namespace extranet {

// "Firefox sur Windows", "Safari sur iPhone"...; the user agent shortened
// when it is not recognised, "" when there is none.
std::string device_name(std::string_view user_agent);

}  // namespace extranet
