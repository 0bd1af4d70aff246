// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The accounts pages: "Mes comptes" and "Gérer mes comptes".
#include "core/views/page_parts.h"

namespace extranet {

using namespace parts;

namespace {

// An account's entry in a list: "030000100001 — Syndic 0300 (Cabinet
// Martin) — Appartement 12" and its badges.
Dict* add_account(Dict* d, const AccountItem& a, std::size_t index)
{
    Dict* item = d->AddSectionDictionary("ACCOUNT");
    item->SetIntValue("INDEX", static_cast<long>(index));
    set(item, "CODE", a.code);
    set(item, "SYNDIC_CODE", a.syndic_code);
    set_shown(item, "SYNDIC_NAME", a.syndic_name, "HAS_SYNDIC_NAME");
    set_shown(item, "LABEL", a.label, "HAS_LABEL");
    show_if(item, "ACTIVE", a.active);
    show_if(item, "DEFAULT", a.is_default);
    return item;
}

// The form that shows the error summary of a failed manage action; "" when
// none does (the summary then sits at the top of the page).
std::string manage_summary_form(const ManageView& v)
{
    const std::string& a = v.failed_action;
    if (a == "profile" || a == "default" || a == "password") return a;
    if (a == "unlink" && v.confirm == "unlink") return a;
    return {};
}

void add_form_summary(Dict* d, const ManageView& v, const std::string& action, Name include)
{
    if (v.errors.empty() || manage_summary_form(v) != action) return;
    std::vector<std::pair<std::string, std::string>> order;
    if (action == "profile") {
        order = {{"last_name", "manage-last-name"}, {"first_name", "manage-first-name"}, {"phone", "manage-phone"}};
    } else if (action == "default") {
        order = {{"default_account", "manage-default-0"}};
    } else if (action == "password") {
        order = {{"current_password", "manage-current-password"},
                 {"new_password", "manage-new-password"},
                 {"password_confirm", "manage-password-confirm"}};
    } else if (action == "unlink") {
        order = {{"current_password", "manage-confirm-password"}};
    }
    add_summary(d, include, "manage-" + action + "-errors", summary_items(v.errors, order));
}

std::string device_of(const Page& p, const SessionItem& s)
{
    return s.device.empty() ? p.msg(Text::manage_sessions_unknown_device) : s.device;
}

// The confirmation step of a destructive action.
void add_confirm(const Page& p, Dict* d, const ManageView& v)
{
    Dict* c = nullptr;
    if (v.confirm == "unlink") {
        const AccountItem* account = nullptr;
        for (const AccountItem& a : v.accounts) {
            if (a.code == v.unlink_account) account = &a;
        }
        if (account == nullptr) return;
        c = d->AddSectionDictionary("CONFIRM");
        c->ShowSection("CONFIRM_UNLINK");
        set(c, "CODE", account->code);
        show_if(c, "LAST", v.confirm_unlink_last || v.accounts.size() == 1);
        add_form_summary(c, v, "unlink", "UNLINK_ERRORS");
        Field password = current_password_field("manage-confirm-password", "current_password",
                                                p.msg(Text::field_confirm_password));
        if (v.failed_action == "unlink") password.error = error_for(v.errors, "current_password");
        add_field(c, "FIELD_CONFIRM_PASSWORD", password);
    } else if (v.confirm == "end_session") {
        const SessionItem* session = nullptr;
        for (const SessionItem& s : v.sessions) {
            if (s.id == v.confirm_session && !s.current) session = &s;
        }
        if (session == nullptr) return;
        c = d->AddSectionDictionary("CONFIRM");
        c->ShowSection("CONFIRM_END_SESSION");
        set(c, "DEVICE", device_of(p, *session));
        set(c, "ADDRESS", session->address);
        set(c, "LAST_SEEN", session->last_seen);
        set(c, "SESSION_ID", session->id);
    } else if (v.confirm == "end_other_sessions") {
        c = d->AddSectionDictionary("CONFIRM");
        c->ShowSection("CONFIRM_END_OTHERS");
    } else {
        return;
    }
    // Focused unless its own error summary (inside) takes the focus.
    show_if(c, "FOCUS", !(manage_summary_form(v) == "unlink" && !v.errors.empty()));
}

}  // namespace

std::string render_accounts(const PageContext& ctx, const AccountsView& v)
{
    Page p(ctx, "accounts.tpl", theme_of(ctx).text(Text::accounts_title));
    Dict* d = p.body();
    for (std::size_t i = 0; i < v.accounts.size(); ++i) {
        const AccountItem& a = v.accounts[i];
        Dict* item = add_account(d, a, i);
        if (!a.active) {
            item->ShowSection("SWITCH");
            set_shown(item, "NEXT", v.next, "HAS_NEXT");
        }
    }
    show_if(d, "CODE_SESSION", !v.email_session);
    return p.render();
}

std::string render_manage(const PageContext& ctx, const ManageView& v)
{
    Page p(ctx, "manage.tpl", theme_of(ctx).text(Text::manage_title));
    Dict* d = p.body();
    if (!v.notice.empty()) set(d->AddSectionDictionary("NOTICE"), "TEXT", v.notice);
    if (!v.errors.empty() && manage_summary_form(v).empty()) {
        add_summary(d, "PAGE_ERRORS", "manage-error", summary_items(v.errors, {}));
    }
    add_confirm(p, d, v);
    set(d, "EMAIL", v.email);

    // The default account.
    add_form_summary(d, v, "default", "DEFAULT_ERRORS");
    std::string_view error = error_for(v.errors, "default_account");
    if (!error.empty()) set(d->AddSectionDictionary("DEFAULT_ERROR"), "TEXT", error);
    for (std::size_t i = 0; i < v.accounts.size(); ++i) {
        Dict* choice = d->AddSectionDictionary("CHOICE");
        choice->SetIntValue("INDEX", static_cast<long>(i));
        set(choice, "CODE", v.accounts[i].code);
        set_shown(choice, "LABEL", v.accounts[i].label, "HAS_LABEL");
        show_if(choice, "CHECKED", v.accounts[i].is_default);
    }

    // The personal information.
    add_form_summary(d, v, "profile", "PROFILE_ERRORS");
    add_profile_fields(p, d, "manage", v.email, v.last_name, v.first_name, v.phone, v.errors);

    // The password, folded away unless its form just failed.
    bool password_failed = v.failed_action == "password";
    show_if(d, "PASSWORD_OPEN", password_failed);
    add_form_summary(d, v, "password", "PASSWORD_ERRORS");
    Field current = current_password_field("manage-current-password", "current_password",
                                           p.msg(Text::field_current_password));
    if (password_failed) current.error = error_for(v.errors, "current_password");
    add_field(d, "FIELD_CURRENT_PASSWORD", current);
    add_new_password_fields(p, d, "FIELD_NEW_PASSWORD", "manage-new-password", "new_password",
                            p.msg(Text::field_new_password), "manage-password-confirm",
                            p.msg(Text::field_new_password_confirm), password_failed ? v.errors : FieldErrors{},
                            v.min_length);

    // The accounts, each with its "Dissocier" step.
    d->SetIntValue("ACCOUNT_COUNT", static_cast<long>(v.accounts.size()));
    for (std::size_t i = 0; i < v.accounts.size(); ++i) add_account(d, v.accounts[i], i);

    // The sessions.
    d->SetIntValue("SESSION_COUNT", static_cast<long>(v.sessions.size()));
    bool others = false;
    for (std::size_t i = 0; i < v.sessions.size(); ++i) {
        const SessionItem& s = v.sessions[i];
        Dict* item = d->AddSectionDictionary("SESSION");
        item->SetIntValue("INDEX", static_cast<long>(i));
        set(item, "DEVICE", device_of(p, s));
        set(item, "ADDRESS", s.address);
        set(item, "LAST_SEEN", s.last_seen);
        set(item, "ID", s.id);
        item->ShowSection(s.current ? "CURRENT" : "OTHER");
        others = others || !s.current;
    }
    show_if(d, "OTHERS", others);

    add_passkey_manage(d, v.passkeys, v.passkeys_open);  // "Clés d'accès"
    return p.render();
}

}  // namespace extranet
