// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// A new address is proven before it is used: link/profile mails a
// single-use link to it (queue_address_confirmation), and link/confirm
// takes it. The token never stays in the address bar: the first GET moves
// it into a short cookie bound to link/confirm and redirects; the page then
// asks for a button press (a POST), so that a mail scanner that opens the
// link confirms nothing. The answers to the URL that holds the token (the
// redirect, a refused link) send no Referer; the page and its result have
// clean URLs and keep the site's policy, so that the form's POST carries
// its Origin.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/flows/route.h"
#include "core/primitives/cookie.h"

namespace extranet {

// How long a confirmation link (and the claim it confirms) lives.
constexpr std::uint64_t kConfirmLinkLifetime = 48 * 3600;

// ---- pure pieces ----

// "<origin><prefix>link/confirm?token=<token>", origin the configured
// auth_extranet_site_url, never the request's Host.
std::string confirm_link(std::string_view origin, std::string_view prefix,
                         std::string_view token);

// The mail around the link, in the site's words: which account is being linked, and
// what to do when the owner of the mailbox asked for nothing.
std::string confirm_mail_subject(const PageContext& page);
std::string confirm_mail_body(const PageContext& page, std::string_view link, std::string_view account,
                              std::string_view label);

// The short cookie that carries the token from the mailed link to the page
// (host-only, HttpOnly, path <prefix>link/confirm).
CookieSettings confirm_cookie(const Settings& s, std::string_view prefix);

// The token from link/confirm's query (a first load) or null when the URL
// carries none; the token of the form or of the cookie otherwise. Exposed
// for the fuzz target and the unit tests.
struct ConfirmRequest {
    enum class Kind { bad_token, move_to_cookie, show, confirm } kind = Kind::bad_token;
    std::string token;
};
ConfirmRequest read_confirm_request(std::string_view method, const Form& form,
                                    std::string_view cookie_header, std::string_view cookie_name);

// ---- in the caller's transaction ----

struct ConfirmationMail {
    std::uint64_t identity_id = 0;
    std::string email;
    std::string account;
    std::string label;
    std::string origin;  // auth_extranet_site_url
    std::string prefix;
    PageContext page;    // the site's theme: the mail's words
};

// Stores the hashed token and queues the mail in extranet.mail_outbox.
void queue_address_confirmation(Database& db, const ConfirmationMail& m);

// ---- route ----

Dispatch route_link_confirm(RouteContext& rc);

}  // namespace extranet
