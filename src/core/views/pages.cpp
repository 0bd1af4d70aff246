// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/pages.h"

#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/views/page_parts.h"
#include "core/views/theme.h"

namespace extranet {

namespace parts {

std::string fill(std::string_view message, std::initializer_list<std::string_view> args)
{
    // One pass over the message: what an argument holds ("{1}" typed in a
    // name) is never filled in again.
    std::string out;
    out.reserve(message.size() + 64);
    std::size_t pos = 0;
    while (pos < message.size()) {
        std::size_t at = message.find('{', pos);
        std::size_t end = at == std::string_view::npos ? at : message.find('}', at);
        if (end == std::string_view::npos) break;
        std::string_view digits = message.substr(at + 1, end - at - 1);
        std::size_t n = args.size();
        if (!digits.empty() && digits.size() < 3 && digits.find_first_not_of("0123456789") == std::string_view::npos) {
            n = std::stoul(std::string(digits));
        }
        out.append(message.substr(pos, at - pos));
        if (n < args.size()) {
            out.append(args.begin()[n]);
        } else {
            out.append(message.substr(at, end - at + 1));
        }
        pos = end + 1;
    }
    if (pos < message.size()) out.append(message.substr(pos));
    return out;
}

std::string_view error_for(const FieldErrors& errors, const std::string& key)
{
    auto it = errors.find(key);
    return it == errors.end() ? std::string_view() : std::string_view(it->second);
}

const Theme& theme_of(const PageContext& ctx)
{
    return Theme::or_builtin(ctx.theme);
}

Page::Page(const PageContext& ctx, Name tpl, std::string_view title)
    : theme_(theme_of(ctx)), page_(tpl), prefix_(ctx.prefix), data_(&theme_.constants())
{
    // Seen by every template the page includes (and, from the theme's
    // constants, VERSION, LOGO, FAVICON).
    data_.SetTemplateGlobalValue("PREFIX", ctx.prefix);
    data_.SetTemplateGlobalValue("CSRF", ctx.csrf);
    if (!ctx.csrf.empty()) data_.ShowTemplateGlobalSection("HAS_CSRF");
    Dict* root = &data_.root();
    set(root, "TITLE", title);
    show_if(root, "LOGGED_IN", ctx.logged_in);
    body_ = root->AddIncludeDictionary("CONTENT");
}

std::string Page::render() const
{
    std::string out;
    out.reserve(8192);
    theme_.expand_page(page_, prefix_, data_.root(), &out);
    return out;
}

void add_field(Dict* parent, Name include, const Field& f)
{
    Dict* d = parent->AddIncludeDictionary(include);
    std::string describedby(f.describedby);
    auto add_id = [&](std::string_view suffix) {
        if (!describedby.empty()) describedby += ' ';
        describedby.append(f.id).append(suffix);
    };
    set(d, "ID", f.id);
    set(d, "LABEL", f.label);
    set(d, "TYPE", f.type);
    set_shown(d, "NAME", f.name, "HAS_NAME");
    set_shown(d, "VALUE", f.value, "HAS_VALUE");
    set_shown(d, "AUTOCOMPLETE", f.autocomplete, "HAS_AUTOCOMPLETE");
    if (!f.hint.empty()) {
        add_id("-hint");
        set_shown(d, "HINT", f.hint, "HAS_HINT");
    }
    if (!f.error.empty()) {
        add_id("-error");
        set_shown(d, "ERROR", f.error, "HAS_ERROR");
    }
    set_shown(d, "DESCRIBEDBY", describedby, "HAS_DESCRIBEDBY");
    show_if(d, "REQUIRED", f.required);
    show_if(d, "INVALID", f.invalid || !f.error.empty());
    show_if(d, "PLAIN", f.plain);
    show_if(d, "READONLY", f.readonly);
    if (f.min_length > 0) {
        d->SetIntValue("MIN_LENGTH", f.min_length);
        d->ShowSection("MINLENGTH");
    }
}

Field current_password_field(std::string_view id, std::string_view name, std::string_view label)
{
    Field f{id, name, label};
    f.type = "password";
    f.autocomplete = "current-password";
    f.required = true;
    return f;
}

void add_new_password_fields(const Page& p, Dict* d, Name include, std::string_view id, std::string_view name,
                             std::string_view label, std::string_view confirm_id, std::string_view confirm_label,
                             const FieldErrors& errors, unsigned min_length)
{
    Field fresh{id, name, label};
    fresh.type = "password";
    fresh.autocomplete = "new-password";
    std::string hint = fill(p.msg(Text::field_min_length), {std::to_string(min_length)});
    fresh.hint = hint;
    fresh.error = error_for(errors, std::string(name));
    fresh.min_length = min_length;
    fresh.required = true;
    add_field(d, include, fresh);

    Field confirm{confirm_id, "password_confirm", confirm_label};
    confirm.type = "password";
    confirm.autocomplete = "new-password";
    confirm.error = error_for(errors, "password_confirm");
    confirm.required = true;
    add_field(d, "FIELD_PASSWORD_CONFIRM", confirm);
}

void add_profile_fields(const Page& p, Dict* d, const std::string& id_prefix, const std::string& email,
                        const std::string& last_name, const std::string& first_name, const std::string& phone,
                        const FieldErrors& errors)
{
    std::string email_id = id_prefix + "-email";
    Field e{email_id, "", p.msg(Text::field_email)};
    e.type = "email";
    e.value = email;
    e.readonly = true;
    add_field(d, "FIELD_EMAIL", e);

    std::string last_id = id_prefix + "-last-name";
    Field last{last_id, "last_name", p.msg(Text::field_last_name)};
    last.value = last_name;
    last.autocomplete = "family-name";
    last.error = error_for(errors, "last_name");
    last.required = true;
    add_field(d, "FIELD_LAST_NAME", last);

    std::string first_id = id_prefix + "-first-name";
    Field first{first_id, "first_name", p.msg(Text::field_first_name)};
    first.value = first_name;
    first.autocomplete = "given-name";
    first.error = error_for(errors, "first_name");
    first.required = true;
    add_field(d, "FIELD_FIRST_NAME", first);

    std::string phone_id = id_prefix + "-phone";
    Field tel{phone_id, "phone", p.msg(Text::field_phone)};
    tel.type = "tel";
    tel.value = phone;
    tel.autocomplete = "tel";
    tel.error = error_for(errors, "phone");
    add_field(d, "FIELD_PHONE", tel);
}

void add_summary(Dict* parent, Name include, const std::string& id,
                 const std::vector<SummaryItem>& items)
{
    if (items.empty()) return;
    Dict* d = parent->AddIncludeDictionary(include);
    set(d, "ID", id);
    d->ShowSection(items.size() == 1 ? "ONE" : "MANY");
    for (const SummaryItem& item : items) {
        Dict* i = d->AddSectionDictionary("ITEM");
        set(i, "MESSAGE", item.message);
        if (item.field_id.empty()) {
            i->ShowSection("PLAIN_ITEM");
        } else {
            set(i, "FIELD_ID", item.field_id);
            i->ShowSection("LINK");
        }
    }
}

std::vector<SummaryItem> summary_items(const FieldErrors& errors,
                                       const std::vector<std::pair<std::string, std::string>>& order)
{
    std::vector<SummaryItem> items;
    auto page = errors.find("");
    if (page != errors.end()) items.push_back({"", page->second});
    for (const auto& [key, id] : order) {
        auto it = errors.find(key);
        if (it != errors.end()) items.push_back({id, it->second});
    }
    for (const auto& [key, message] : errors) {
        bool known = key.empty();
        for (const auto& entry : order) known = known || entry.first == key;
        if (!known) items.push_back({"", message});
    }
    return items;
}

void add_syndic(const Page& p, Dict* parent, const SyndicContact& c, Name title_section)
{
    Dict* d = parent->AddIncludeDictionary("SYNDIC");
    d->ShowSection(title_section);
    set(d, "NAME", c.name.empty() ? fill(p.msg(Text::syndic_unnamed), {c.code}) : c.name);
    if (!c.phone.empty()) {
        std::string dial;
        for (char ch : c.phone) {
            if ((ch >= '0' && ch <= '9') || ch == '+') dial += ch;
        }
        Dict* s = d->AddSectionDictionary("PHONE");
        set(s, "DIAL", dial);
        set(s, "NUMBER", c.phone);
    }
    if (!c.email.empty()) set(d->AddSectionDictionary("EMAIL"), "ADDRESS", c.email);
    if (!c.address.empty()) set(d->AddSectionDictionary("POSTAL"), "ADDRESS", c.address);
}

}  // namespace parts

using namespace parts;

namespace {

std::vector<SummaryItem> one_item(const std::string& field_id, const std::string& error)
{
    return error.empty() ? std::vector<SummaryItem>{} : std::vector<SummaryItem>{{field_id, error}};
}

// "Retour" to the e-mail step, the address typed still in its field.
std::string back_to_email(const PageContext& ctx, const std::string& email)
{
    std::string href = ctx.prefix + "link";
    if (!email.empty()) href += "?email=" + url_encode(email);
    return href;
}

}  // namespace

const std::string& page_text(const PageContext& ctx, Text t)
{
    return theme_of(ctx).text(t);
}

std::string page_text(const PageContext& ctx, Text t, std::initializer_list<std::string_view> args)
{
    return fill(theme_of(ctx).text(t), args);
}

std::string render_login(const PageContext& ctx, const LoginView& v)
{
    Page p(ctx, "login.tpl", theme_of(ctx).text(Text::login_title));
    Dict* d = p.body();
    if (!v.notice.empty()) set(d->AddSectionDictionary("NOTICE"), "TEXT", v.notice);
    // Not tied to one field: the summary names the identifier first.
    add_summary(d, "LOGIN_ERRORS", "login-error", one_item("login-identifier", v.error));
    set_shown(d, "NEXT", v.next, "HAS_NEXT");

    // Either a numeric code or an e-mail: no inputmode, no auto-capitals.
    Field login{"login-identifier", v.login_field, p.msg(Text::field_login)};
    login.value = v.identifier;
    login.autocomplete = "username";
    login.required = true;
    login.plain = true;
    Field password = current_password_field("login-password", v.password_field, p.msg(Text::field_password));
    if (!v.error.empty()) {
        login.describedby = password.describedby = "login-error";
        login.invalid = password.invalid = true;
    }
    add_field(d, "FIELD_LOGIN", login);
    add_field(d, "FIELD_PASSWORD", password);
    add_passkey_login(d, v.next);
    return p.render();
}

std::string render_password_forgot(const PageContext& ctx, const PasswordForgotView& v)
{
    Page p(ctx, "password_forgot.tpl", theme_of(ctx).text(Text::forgot_title));
    Dict* d = p.body();
    add_summary(d, "FORGOT_ERRORS", "forgot-form-errors", one_item("forgot-login", v.error));
    Field login{"forgot-login", "login", p.msg(Text::field_forgot_login)};
    login.value = v.login;
    login.autocomplete = "username";
    login.error = v.error;
    login.required = true;
    login.plain = true;
    add_field(d, "FIELD_LOGIN", login);
    return p.render();
}

std::string render_password_reset(const PageContext& ctx, const PasswordResetView& v)
{
    Page p(ctx, "password_reset.tpl", theme_of(ctx).text(Text::reset_title));
    Dict* d = p.body();
    add_summary(d, "RESET_ERRORS", "reset-error",
                summary_items(v.errors, {{"new_password", "reset-new-password"},
                                         {"password_confirm", "reset-password-confirm"}}));
    set(d, "TOKEN", v.token);
    set_shown(d, "EMAIL", v.email, "HAS_EMAIL");
    show_if(d, "REMOVE_PASSKEYS", v.remove_passkeys);
    add_new_password_fields(p, d, "FIELD_NEW_PASSWORD", "reset-new-password", "new_password",
                            p.msg(Text::field_new_password), "reset-password-confirm",
                            p.msg(Text::field_new_password_confirm), v.errors, v.min_length);
    return p.render();
}

std::string render_contact_syndic(const PageContext& ctx, const ContactSyndicView& v)
{
    Page p(ctx, "contact_syndic.tpl", theme_of(ctx).text(Text::forgot_title));
    Dict* d = p.body();
    if (v.syndic) {
        d->ShowSection("KNOWN");
        add_syndic(p, d, *v.syndic, "OWN_TITLE");
    } else {
        d->ShowSection("UNKNOWN");
    }
    return p.render();
}

std::string render_partner_refusal(const PageContext& ctx, const PartnerRefusalView& v)
{
    Page p(ctx, "partner_refusal.tpl", theme_of(ctx).text(Text::partner_title));
    Dict* d = p.body();
    set(d, "MESSAGE", v.message);
    set(d, "ACCOUNT", v.account);
    add_syndic(p, d, v.syndic, "ACCOUNT_TITLE");
    return p.render();
}

std::string render_link_email(const PageContext& ctx, const LinkEmailView& v)
{
    Page p(ctx, "link_email.tpl", theme_of(ctx).text(Text::link_title));
    Dict* d = p.body();
    add_summary(d, "LINK_ERRORS", "link-form-errors", one_item("link-email", v.error));
    Field email{"link-email", "email", p.msg(Text::field_link_email)};
    email.type = "email";
    email.value = v.email;
    email.autocomplete = "email";
    email.error = v.error;
    email.required = true;
    email.plain = true;
    add_field(d, "FIELD_EMAIL", email);
    return p.render();
}

std::string render_link_profile(const PageContext& ctx, const LinkProfileView& v)
{
    Page p(ctx, "link_profile.tpl", theme_of(ctx).text(Text::profile_title));
    Dict* d = p.body();
    add_summary(d, "PROFILE_ERRORS", "profile-form-errors",
                summary_items(v.errors, {{"last_name", "profile-last-name"},
                                         {"first_name", "profile-first-name"},
                                         {"phone", "profile-phone"},
                                         {"password", "profile-password"},
                                         {"password_confirm", "profile-password-confirm"}}));
    set(d, "EMAIL", v.email);
    add_profile_fields(p, d, "profile", v.email, v.last_name, v.first_name, v.phone, v.errors);
    add_new_password_fields(p, d, "FIELD_PASSWORD", "profile-password", "password", p.msg(Text::field_password),
                            "profile-password-confirm", p.msg(Text::field_password_confirm), v.errors, v.min_length);
    set(d, "BACK_HREF", back_to_email(ctx, v.email));
    return p.render();
}

std::string render_link_password(const PageContext& ctx, const LinkPasswordView& v)
{
    Page p(ctx, "link_password.tpl", theme_of(ctx).text(Text::link_title));
    Dict* d = p.body();
    add_summary(d, "LINK_PASSWORD_ERRORS", "link-password-form-errors", one_item("link-password", v.error));
    set(d, "EMAIL", v.email);
    Field password = current_password_field("link-password", "password", p.msg(Text::field_your_password));
    password.error = v.error;
    add_field(d, "FIELD_PASSWORD", password);
    set(d, "BACK_HREF", back_to_email(ctx, v.email));
    return p.render();
}

std::string render_link_done(const PageContext& ctx, const LinkDoneView& v)
{
    Page p(ctx, "link_done.tpl", theme_of(ctx).text(Text::link_done_title));
    set(p.body(), "ACCOUNT", v.account);
    set(p.body(), "EMAIL", v.email);
    show_if(p.body(), "CONFIRMATION_SENT", v.confirmation_sent);
    return p.render();
}

std::string render_confirm_address(const PageContext& ctx, const ConfirmAddressView& v)
{
    Page p(ctx, "confirm_address.tpl", theme_of(ctx).text(Text::confirm_title));
    Dict* d = p.body();
    set(d, "EMAIL", v.email);
    set_shown(d, "CLAIMANT", v.claimant, "HAS_CLAIMANT");
    if (!v.accounts.empty()) d->ShowSection("HAS_ACCOUNTS");
    for (const auto& [code, label] : v.accounts) {
        Dict* a = d->AddSectionDictionary("ACCOUNT");
        set(a, "CODE", code);
        set_shown(a, "LABEL", label, "HAS_LABEL");
    }
    set(d, "TOKEN", v.token);
    return p.render();
}

std::string render_message(const PageContext& ctx, const MessageView& v)
{
    Page p(ctx, "message.tpl", v.title);
    Dict* d = p.body();
    set(d, "TITLE", v.title);
    set(d, "MESSAGE", v.message);
    if (!v.link_href.empty()) {
        Dict* link = d->AddSectionDictionary("LINK");
        set(link, "HREF", v.link_href);
        set(link, "TEXT", v.link_text.empty() ? p.msg(Text::message_continue) : v.link_text);
    }
    return p.render();
}

std::string_view stylesheet()
{
    return Theme::builtin()->asset("style.css")->body;
}

std::string_view menu_script()
{
    return Theme::builtin()->asset("menu.js")->body;
}

const std::string& asset_version()
{
    return Theme::builtin()->version();
}

std::string asset_etag(std::string_view body)
{
    return "\"" + hex_encode(sha256(body)).substr(0, 32) + "\"";
}

}  // namespace extranet
