// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// A forgotten password ("Mot de passe oublié ?"): password/forgot mails a
// single-use link to an e-mail identity (the same answer whether or not the
// address exists); password/reset takes the link's token and a new password.
// A numeric account code has no personal password: its owner is sent to the
// syndic.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/flows/route.h"
#include "core/primitives/cookie.h"

namespace extranet {

// ---- pure pieces ----

// A fresh token for the link: 32 random bytes, base64url (43 characters).
std::string new_reset_token();

// Whether the text has the shape of such a token (before any lookup).
bool is_reset_token(std::string_view text);

// What the database keeps of a token: hex(sha256(token)), never the token.
std::string reset_token_key(std::string_view token);

// "<origin><prefix>password/reset?token=<token>", origin the configured
// auth_extranet_site_url ("https://host[:port]"), never the request's Host
std::string reset_link(std::string_view origin, std::string_view prefix,
                       std::string_view token);

// The cookie that holds a link's token once it is out of the URL (the
// link's first load answers 303 to password/reset without it, so that the
// token is not left in the address bar, the history, a Referer or later
// access_log lines): for the reset page only (Path=<prefix>password/reset),
// HttpOnly, SameSite=Lax, a quarter of an hour.
CookieSettings reset_cookie(const Settings& s, std::string_view prefix);
constexpr std::uint64_t kResetCookieLifetime = 15 * 60;

// The mail around the link, in the words of the site's theme.
std::string reset_mail_subject(const PageContext& page);
std::string reset_mail_body(const PageContext& page, std::string_view link);

// ---- routes ----

Dispatch route_password_forgot(RouteContext& rc);
Dispatch route_password_reset(RouteContext& rc);

}  // namespace extranet
