// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The portal's French pages. Pure rendering: view structs in, HTML out,
// through the templates of the site's theme (theme.h), whose auto-escaping
// escapes every datum by where it lands.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/views/texts.h"

namespace extranet {

class Theme;

// What every page needs.
struct PageContext {
    std::string prefix;  // portal prefix with trailing slash, e.g. "/auth/"
    std::string csrf;    // CSRF token for forms ("" when no session)
    bool logged_in = false;
    // The site's theme (it lives as long as the configuration, longer than
    // any request); nullptr: the built-in theme.
    const Theme* theme = nullptr;
};

// Per-field messages, shown next to the field ("" key: page-level).
using FieldErrors = std::map<std::string, std::string>;

struct LoginView {
    std::string identifier;   // kept after an error (never the password)
    std::string next;         // same-origin path to go back to
    std::string error;        // "Identifiant ou mot de passe incorrect." ...
    std::string notice;       // e.g. "Vous êtes déconnecté."
    std::string login_field = "login";      // renamable field names
    std::string password_field = "password";
};

struct LinkEmailView {
    std::string email;
    std::string error;  // "Veuillez entrer une adresse email valide."
};

struct LinkProfileView {
    std::string email;
    std::string last_name, first_name, phone;
    FieldErrors errors;  // keys: last_name, first_name, phone, password, password_confirm
    unsigned min_length = 12;
};

struct LinkPasswordView {
    std::string email;
    std::string error;  // next to the password field
};

// A syndic's contact details (extranet.syndic), shown where an owner is
// told to contact the syndic; empty fields are left out.
struct SyndicContact {
    std::string code;
    std::string name;
    std::string phone;
    std::string email;
    std::string address;
};

struct LinkDoneView {
    std::string account;
    std::string email;
    bool confirmation_sent = false;  // a new address: the confirmation mail just went
};

// link/confirm: what the owner of the mailbox is about to confirm.
struct ConfirmAddressView {
    std::string token;
    std::string email;
    std::string claimant;  // "First Last" as typed at the link
    std::vector<std::pair<std::string, std::string>> accounts;  // code, label
};

struct AccountItem {
    std::string code;
    std::string syndic_code;
    std::string syndic_name;
    std::string label;
    bool active = false;
    bool is_default = false;
};

struct AccountsView {
    std::vector<AccountItem> accounts;
    std::string next;  // where a switch returns to
    bool email_session = false;  // false: numeric-code session, offer linking
};

struct SessionItem {
    std::string id;          // opaque handle for the "end" button (hex)
    std::string device;      // user agent, shortened
    std::string address;
    std::string last_seen;   // "26/11/2026 11:44"
    bool current = false;
};

// passkeys: one registered passkey, as "Gérer mes comptes" lists it.
struct PasskeyItem {
    std::string id;          // credential id, base64url (the "remove" button's value)
    std::string name;
    std::string created;     // "26/11/2026 11:44"
    std::string last_used;   // "" when never used
};

struct ManageView {
    std::string email;
    std::string last_name, first_name, phone;
    std::vector<AccountItem> accounts;
    std::vector<SessionItem> sessions;
    std::string notice;      // success message at the top
    FieldErrors errors;      // keys: profile fields, current_password,
                             // new_password, password_confirm, account, ""
    unsigned min_length = 12;
    // The form the errors belong to ("profile", "default", "password",
    // "unlink", "end_session", "end_other_sessions"): its error summary,
    // focused, and its <details> open.
    std::string failed_action;
    // A confirmation step (works without JavaScript): "unlink" (of
    // unlink_account), "end_session" (of confirm_session),
    // "end_other_sessions"; "" for none.
    std::string confirm;
    bool confirm_unlink_last = false;  // the account to unlink is the last one
    std::string unlink_account;        // the account awaiting that confirmation
    std::vector<PasskeyItem> passkeys;  // passkeys: the "Clés d'accès" section
    bool passkeys_open = false;         // unfolded: a passkey just added or removed
    std::string confirm_session;       // the session awaiting it (handle)
};

// password/forgot: the e-mail or account code whose password was forgotten.
struct PasswordForgotView {
    std::string login;  // kept after an error
    std::string error;  // "Veuillez entrer une adresse email valide."
};

// password/forgot for a numeric code: the syndic holds that password.
struct ContactSyndicView {
    std::string code;                     // the typed account code
    std::optional<SyndicContact> syndic;  // its syndic's details, when known
};

// link/password refused by the partner rule: the account's syndic does not
// share the extranet with the syndic(s) of the accounts under the address.
struct PartnerRefusalView {
    std::string account;
    std::string email;
    SyndicContact syndic;        // the account's syndic (name from the account if no row)
    std::string message;         // partner_conflict_message() (link_flow.h)
};

// password/reset: a new password for the token of the mailed link.
struct PasswordResetView {
    std::string token;   // sent back in a hidden field
    std::string email;   // lets password managers file the new password ("" if unknown)
    FieldErrors errors;  // keys: new_password, password_confirm
    unsigned min_length = 12;
    bool remove_passkeys = true;  // the "remove_passkeys" checkbox, checked at first
};

// A page with a title and a message (errors, 503, "contactez votre syndic").
struct MessageView {
    std::string title;
    std::string message;
    std::string link_href;   // optional link under the message
    std::string link_text;
};

// A text of the site's theme catalog (messages_fr.properties): for the
// messages the flows put into pages and JSON answers, so that a theme may
// reword them. Every Text has its message (texts.h): this never fails.
const std::string& page_text(const PageContext& ctx, Text t);
// The same with its placeholders filled in: "{0}" by args[0], and so on.
std::string page_text(const PageContext& ctx, Text t, std::initializer_list<std::string_view> args);

std::string render_login(const PageContext& ctx, const LoginView& v);
std::string render_link_email(const PageContext& ctx, const LinkEmailView& v);
std::string render_link_profile(const PageContext& ctx, const LinkProfileView& v);
std::string render_link_password(const PageContext& ctx, const LinkPasswordView& v);
std::string render_link_done(const PageContext& ctx, const LinkDoneView& v);
std::string render_accounts(const PageContext& ctx, const AccountsView& v);
std::string render_manage(const PageContext& ctx, const ManageView& v);
std::string render_password_forgot(const PageContext& ctx, const PasswordForgotView& v);
std::string render_password_reset(const PageContext& ctx, const PasswordResetView& v);
std::string render_message(const PageContext& ctx, const MessageView& v);
std::string render_confirm_address(const PageContext& ctx, const ConfirmAddressView& v);
std::string render_contact_syndic(const PageContext& ctx, const ContactSyndicView& v);
std::string render_partner_refusal(const PageContext& ctx, const PartnerRefusalView& v);

// The built-in theme's stylesheet (served at <prefix>style.css) and menu
// script (<prefix>menu.js; it finds the portal prefix from its own src
// attribute). A site serves its own theme's (Theme::asset()).
std::string_view stylesheet();
std::string_view menu_script();

// The built-in theme's asset version (Theme::version()): pages link
// "style.css?v=<version>"; the sub_filter snippet
// "menu.js?v=$extranet_asset_version".
const std::string& asset_version();
// A strong validator for one asset: "\"<32 hex digits of its SHA-256>\"".
std::string asset_etag(std::string_view body);

}  // namespace extranet
