// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What the link steps share: link_flow runs the e-mail step and the
// creation of a new identity (link/profile), link_password the grouping
// under a known one (link/password). Only these two files include it: the
// routes are declared in link_flow.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/storage/database.h"
#include "core/storage/session_store.h"
#include "core/flows/route.h"

// A namespace of its own: these helpers were private to one file and keep
// short names (linked) that must not meet other flows' own.
namespace extranet::link_step {

inline constexpr Text kLinkedElsewhere = Text::link_error_linked_elsewhere;
inline constexpr Text kAccountUnavailable = Text::link_error_account_unavailable;

extern const Statement kLinkAccount;

// link/profile and link/password: what refuses the request before anything
// else. An e-mail session has nothing to link; a step asked for without a
// valid address of the first step goes back to that step.
std::optional<PortalResponse> refuse_step(const Answerer& ans, const RouteContext& rc, bool post,
                                          const std::optional<std::string>& email);

// The answer of a link done: its session cookie, and link/done to go to.
PortalResponse linked(const Answerer& ans, const Settings& s, const SessionClaims& c,
                      bool confirmation_sent = false);

// Locks the session's row for a link step: nullopt to go on, else the
// answer. The login when the session is over; for a cookie from before a
// link this same session made in the last two minutes (SUIVANT tapped
// twice on a slow phone, the form sent again), the answer the first
// request had: link/done, with the session's cookie as it is now.
std::optional<PortalResponse> closed_or_linked_before(Database& db, const Settings& s,
                                                      const Answerer& ans,
                                                      const SessionClaims& claims,
                                                      std::uint64_t now);

void audit_link(Database& db, bool success, std::uint64_t identity, std::string_view account,
                std::string_view email, std::string_view addr, std::string_view detail);

// ", 2 numeric-code session(s) ended" for the audit log, "" when none.
std::string code_sessions_detail(const std::vector<std::string>& ended);

// Runs a link step; a unique violation means another page linked the
// account or created the address since the checks: `code` and `message`,
// logged as the step's lost race. Any other error goes on.
template <typename Step>
PortalResponse unless_raced(const Answerer& ans, std::string_view step, std::string_view code,
                            Text message, Step run) {
    try {
        return run();
    } catch (const DatabaseError& e) {
        if (!e.unique_violation()) throw;
        PortalResponse r = ans.error(409, code, message);
        r.log_level = LogLevel::info;
        r.log_message = std::string(step) + " lost a race: " + e.what();
        return r;
    }
}

}  // namespace extranet::link_step
