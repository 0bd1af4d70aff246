// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The portal: routes under the portal prefix. dispatch() runs on the event
// loop (parsing, CSRF and origin checks, limits, static answers) and hands
// back either an answer or the blocking work, which the nginx layer runs in
// a pool thread with run_blocking().
#pragma once

#include <string_view>

#include "core/flows/route.h"

namespace extranet {

Dispatch dispatch(const Settings& s, const PortalRequest& req, AttemptLimiter& limiter);

// Whether the route is a page or form of a session (it needs one): using
// it is the session's activity, which refreshes the session when due.
bool serves_session(std::string_view route);

// In a pool thread: the thread's connection to the site's database, in the
// site's statement mode.
Database& site_database(const Settings& s);

// In a pool thread: the thread's connection, the work, and the answer to a
// database failure (503 page) or a bug (500), never an exception.
PortalResponse run_blocking(const Settings& s, const BlockingWork& work, bool wants_json,
                            std::string_view prefix);

}  // namespace extranet
