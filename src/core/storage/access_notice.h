// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Owners hear of changes to their access, so that a change they did not
// make does not go unnoticed: a mail, through
// extranet.mail_outbox, to the identity's address when its password is
// changed or reset, an account is linked to it or unlinked, or a passkey is
// added or removed. It says when, from which address and browser, and what to do if it
// was not them. It never holds a secret nor a link (no link that logs in,
// and no text a client chose that a mail reader could turn into one).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/storage/database.h"

namespace extranet {

enum class AccessChange { password_changed, password_reset, account_linked, account_unlinked,
                          passkey_added, passkey_removed };

struct AccessNotice {
    AccessChange change = AccessChange::password_changed;
    std::string account;      // linked or unlinked account code
    std::size_t passkeys_removed = 0;  // password_reset: passkeys removed with it
    std::string client_addr;  // who did it
    std::string user_agent;
    std::uint64_t at = 0;     // unix seconds
};

// The mail's words are the site's theme's (flows/access_mail.h).

// A moment in Paris's time, "29/11/2026" and "18:26": Europe/Paris,
// CET/CEST by the EU rule (last Sundays of March and October, 01:00 UTC).
struct ParisTime {
    std::string date;
    std::string time;
};
ParisTime paris_time(std::uint64_t unix_seconds);

// Queues the mail to `recipient`, in the caller's transaction: it goes out
// if and only if the change is committed.
void queue_access_notice(Database& db, std::string_view recipient, std::string_view subject,
                         std::string_view body);

}  // namespace extranet
