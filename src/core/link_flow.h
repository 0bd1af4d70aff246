// Linking ("Associer mon compte"): a session opened with a numeric code
// attaches its account to a new e-mail identity (link → link/profile) or to
// a known one (link → link/password), then link/done. Also the checks the
// other account routes share: personal information, the password policy,
// the session row, and answers built in a pool thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/database.h"
#include "core/form.h"
#include "core/pages.h"
#include "core/portal.h"
#include "core/session_store.h"

namespace extranet {

// ---- pure checks (forms of link/profile and manage) ----

struct ProfileInput {
    std::string last_name;
    std::string first_name;
    std::string phone;
};

// The three fields as typed, surrounding white space trimmed.
ProfileInput read_profile(const Form& form);

// Names required, at most 100 characters; phone optional, at most 30 of
// digits, spaces, '+', '.', '-' with at least one digit. Errors keyed by
// field name, in French.
FieldErrors check_profile(const ProfileInput& p);

// Characters, not bytes: the text is valid UTF-8 (the form parser saw to it).
std::size_t count_code_points(std::string_view utf8);

// The password policy for a new password: an error on `field` when it is
// shorter than min_length or longer than max_length characters or one of
// the most common passwords (case-insensitive), and on
// "password_confirm" when the confirmation differs.
void check_new_password(std::string_view password, std::string_view confirm,
                        unsigned min_length, unsigned max_length, const std::string& field,
                        FieldErrors& errors);

// "Ce compte ne peut pas être associé à cette adresse : le syndic 0400
// (Syndic Leroy) n'est ni le syndic 0300 (Cabinet Durand) ni un de ses
// partenaires." (a name is left out when unknown).
std::string partner_conflict_message(std::string_view new_syndic, std::string_view new_name,
                                     std::string_view other_syndic,
                                     std::string_view other_name);

// {"error":code,"message":message,"field":<first>,"fields":{name:message}}
std::string json_field_errors(std::string_view code, std::string_view message,
                              const FieldErrors& errors);

// ---- shared by the account routes ----

// A password on its way to a pool thread (held through a shared_ptr by the
// task), wiped when the last copy of the task goes.
struct Secret {
    std::string value;
    explicit Secret(std::string v) : value(std::move(v)) {}
    ~Secret();
    Secret(const Secret&) = delete;
    Secret& operator=(const Secret&) = delete;
};

// What an answer built in a pool thread needs from the request, by value:
// the request itself belongs to the event loop.
struct Answerer {
    PageContext page;
    bool json = false;

    static Answerer of(const RouteContext& rc);

    // As error_answer().
    PortalResponse error(int status, std::string_view code, std::string_view message,
                         std::string_view field = {}) const;
    // Why this session cannot use the route and what to do instead: as
    // error() to a POST or to JSON; to a browser's GET a 200 page with the
    // message and a link to <prefix><route>.
    PortalResponse explain(bool post, int status, std::string_view code,
                           const std::string& message, std::string_view title,
                           std::string_view route, std::string_view link_text) const;
    // As page_answer().
    PortalResponse answer(int status, std::string html, std::string json_body) const;
    // As login_required().
    PortalResponse login_required() const;
};

// Locks the session's row for the operation; false when it was revoked,
// has expired or went idle (on another node, in another tab).
bool lock_open_session(Database& db, const Settings& s, const SessionClaims& claims);

// The claims of the session once it is the identity's e-mail session on
// `active` (which must be among `accounts`), checked against the row just
// now: refreshed_at moves to now.
SessionClaims email_session_claims(const SessionClaims& current, std::uint64_t identity_id,
                                   const std::string& email, const LegacyAccount& active,
                                   const std::vector<LegacyAccount>& accounts,
                                   std::uint64_t now);

// ---- routes ----

Dispatch route_link(RouteContext& rc);
Dispatch route_link_profile(RouteContext& rc);
Dispatch route_link_password(RouteContext& rc);
Dispatch route_link_done(RouteContext& rc);

}  // namespace extranet
