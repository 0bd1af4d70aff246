// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// A site's configuration, the one object every floor above reads: built by
// the nginx layer from the site's directives, read-only once workers run.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/primitives/cookie.h"
#include "core/storage/lockout_store.h"
#include "core/storage/session_store.h"
#include "core/primitives/partners.h"
#include "core/primitives/password.h"
#include "core/primitives/session_token.h"
#include "core/views/theme.h"

namespace extranet {

// A site's configuration: what its directives say, at http level or in its
// server. Read-only once workers run, so
// pool threads may read it. It lives in the configuration's pool, which
// outlasts every request of that configuration (a worker finishes its
// requests before a reload frees it): blocking work keeps a pointer to it
// rather than a copy.
struct Settings : SessionRules {
    std::string conninfo;
    std::chrono::milliseconds db_timeout{5000};
    // Named prepared statements; off behind PgBouncer in transaction mode
    // (auth_extranet_db_prepared_statements).
    bool db_prepared_statements = true;
    HashParams hash;
    unsigned password_min_length = 12;
    unsigned password_max_length = 1024;
    CookieSettings cookie;
    // timeouts, legacy_login_all: SessionRules (session_store.h).
    PartnerRules partners;
    std::shared_ptr<const KeyRing> keys;
    std::string header_prefix = "X-Extranet-";
    std::string site_url;  // "https://host[:port]": links in mails (required with a portal)
    // Brute-force limits (auth_extranet_limit): failures per identifier and
    // per client address within the window, then a lockout, kept in the
    // zone and in PostgreSQL; e-mail lookups of the link step per account
    // and window; password hashes in flight per client address.
    LockoutRules lockout;
    unsigned link_check_limit = 10;
    unsigned hashes_per_address = 4;
    // Database work per client address and minute that asks no password
    // (auth_extranet_limit challenges= refreshes=): passkey login
    // challenges (past it, 429), cookie refreshes (past it, the still
    // valid cookie passes without its row being read).
    unsigned challenges_per_minute = 30;
    unsigned refreshes_per_minute = 120;
    // The site's pages, stylesheet, menu look and texts
    // (auth_extranet_theme); the built-in theme when none is named.
    std::shared_ptr<const Theme> theme;
};

}  // namespace extranet
