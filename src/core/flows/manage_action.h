// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What the actions of "Gérer mes comptes" share: the request copied for
// the pool thread, the identity row, the page and the answers. manage_flow
// runs the actions; the unlink, the largest, is in manage_unlink. Only
// these two files include it: the route is declared in manage_flow.h.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/primitives/address_block.h"
#include "core/primitives/password.h"
#include "core/storage/access_notice.h"
#include "core/storage/database.h"
#include "core/views/pages.h"
#include "core/flows/route.h"

// A namespace of its own: these helpers were private to one file and keep
// short names (done, notify) that must not meet other flows' own.
namespace extranet::manage_action {

inline constexpr Text kNotLinked = Text::switch_error_not_linked;

extern const Statement kSetDefault;

struct IdentityRow {
    std::string email;
    std::string password_hash;
    std::string last_name;
    std::string first_name;
    std::string phone;
    std::string default_account;
    bool password_changed_recently = false;  // in the last 2 minutes
};

std::optional<IdentityRow> load_identity(Database& db, std::uint64_t id, bool for_update);

// The request, by value, for the pool thread.
struct ManageRequest {
    const Settings* settings = nullptr;
    Answerer ans;
    SessionClaims claims;
    std::string client_addr;
    std::string user_agent;
    std::uint64_t now = 0;
    std::string action;  // the form posted ("" for a GET)
    // The identifier or the address is over its limit in PostgreSQL: the
    // current password is refused after the same work as a wrong one.
    bool locked = false;

    std::string id() const { return std::to_string(claims.identity_id); }
    std::string id_key() const { return "id:" + claims.email; }
    std::string ip_key() const { return address_key(client_addr); }
};

using ViewAdjust = std::function<void(ManageView&)>;

// The owner's mail about the change, in its transaction.
void notify(Database& db, const ManageRequest& m, AccessChange change, std::string_view account);

// The manage page as the database has it, with errors or a notice.
PortalResponse manage_page(Database& db, const ManageRequest& m, int status,
                           std::string_view code, std::string_view message,
                           const FieldErrors& errors, const ViewAdjust& adjust = {});

// Back to the page, with the notice of what was done.
PortalResponse done(const ManageRequest& m, std::string_view action);

void audit_event(Database& db, const ManageRequest& m, std::string_view event, bool success,
                 std::string_view account, std::string_view detail);

// The identity's password checked on the row given; "" when right, else
// why not (for the log). The unlink checks it under the row's lock; the
// password change first on the row read without one, then again under the
// lock only when the row changed meanwhile.
std::string check_current(const ManageRequest& m, const IdentityRow& row, const Secret& password,
                          bool locked);

// The 401 of a wrong current password, which counts as a failed login.
PortalResponse wrong_password(Database& db, const ManageRequest& m, std::string_view event,
                              std::string_view account, const std::string& why,
                              const ViewAdjust& adjust = {});

// Unlinks an account from the identity (the current password checked, the
// last account only once confirmed), in the action's transaction.
PortalResponse unlink_account(Database& db, const ManageRequest& m, Transaction& tx,
                              const std::string& code, const Secret& current, bool confirmed,
                              bool locked);

}  // namespace extranet::manage_action
