// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The mail of an access notice (storage/access_notice.h) in the words of
// the site's theme: what changed, when, from which address and browser,
// and what to do if it was not the owner. Only what the module recognises
// of the client (digits of an address, a known browser's name) reaches it,
// never the client's raw text, which a mail reader could turn into a link.
#pragma once

#include <string>
#include <string_view>

#include "core/storage/access_notice.h"
#include "core/storage/database.h"
#include "core/views/pages.h"

namespace extranet {

std::string access_notice_subject(const PageContext& page, const AccessNotice& n);
std::string access_notice_body(const PageContext& page, const AccessNotice& n);

// "29/11/2026 à 18:26 (heure de Paris)", in the theme's words.
std::string notice_time(const PageContext& page, std::uint64_t unix_seconds);

// Queues the notice's mail to `recipient`, in the caller's transaction.
void notify_access(Database& db, const PageContext& page, std::string_view recipient,
                   const AccessNotice& n);

}  // namespace extranet
