// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/access_mail.h"

#include "core/flows/route.h"

namespace extranet {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Only what an address is made of: a client's text never reaches the mail.
std::string address_text(const PageContext& page, std::string_view addr) {
    std::string out;
    for (char c : addr.substr(0, 64)) {
        bool ok = is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
                  c == ':';
        if (ok) out.push_back(c);
    }
    return out.empty() ? page_text(page, Text::mail_notice_unknown_address) : out;
}

// A browser and system the module recognises ("Firefox sur Android"), never
// the raw user agent: it is the client's text, and could hold a link.
std::string browser_text(const PageContext& page, std::string_view ua) {
    std::string name = device_name(page, ua);
    bool known = !name.empty() && name.find_first_of(":/@.<>()[]{}\"'\\") == std::string::npos &&
                 name.size() <= 40;
    return known ? name : page_text(page, Text::mail_notice_unknown_browser);
}

std::string account_text(std::string_view code) {
    std::string out;
    for (char c : code.substr(0, 32)) {
        if (is_digit(c)) out.push_back(c);
    }
    return out;
}

}  // namespace

std::string notice_time(const PageContext& page, std::uint64_t unix_seconds) {
    ParisTime t = paris_time(unix_seconds);
    return page_text(page, Text::mail_notice_time, {t.date, t.time});
}

std::string access_notice_subject(const PageContext& page, const AccessNotice& n) {
    switch (n.change) {
    case AccessChange::password_changed: return page_text(page, Text::mail_notice_subject_password_changed);
    case AccessChange::password_reset: return page_text(page, Text::mail_notice_subject_password_reset);
    case AccessChange::account_linked: return page_text(page, Text::mail_notice_subject_account_linked);
    case AccessChange::account_unlinked: return page_text(page, Text::mail_notice_subject_account_unlinked);
    case AccessChange::passkey_added: return page_text(page, Text::mail_notice_subject_passkey_added);
    case AccessChange::passkey_removed: return page_text(page, Text::mail_notice_subject_passkey_removed);
    }
    return page_text(page, Text::mail_notice_subject_other);
}

std::string access_notice_body(const PageContext& page, const AccessNotice& n) {
    std::string what;
    std::string account = account_text(n.account);
    switch (n.change) {
    case AccessChange::password_changed:
        what = page_text(page, Text::mail_notice_what_password_changed);
        break;
    case AccessChange::password_reset:
        what = page_text(page, Text::mail_notice_what_password_reset);
        break;
    case AccessChange::account_linked:
        what = page_text(page, Text::mail_notice_what_account_linked, {account});
        break;
    case AccessChange::account_unlinked:
        what = page_text(page, Text::mail_notice_what_account_unlinked, {account});
        break;
    case AccessChange::passkey_added:
        what = page_text(page, Text::mail_notice_what_passkey_added);
        break;
    case AccessChange::passkey_removed:
        what = page_text(page, Text::mail_notice_what_passkey_removed);
        break;
    }
    std::string passkeys;
    if (n.change == AccessChange::password_reset && n.passkeys_removed > 0) {
        passkeys = n.passkeys_removed == 1
                       ? page_text(page, Text::mail_notice_passkeys_one)
                       : page_text(page, Text::mail_notice_passkeys_many,
                                   {std::to_string(n.passkeys_removed)});
    }
    return page_text(page, Text::mail_notice_body,
                     {what, notice_time(page, n.at), address_text(page, n.client_addr),
                      browser_text(page, n.user_agent), passkeys});
}

void notify_access(Database& db, const PageContext& page, std::string_view recipient,
                   const AccessNotice& n) {
    queue_access_notice(db, recipient, access_notice_subject(page, n), access_notice_body(page, n));
}

}  // namespace extranet
