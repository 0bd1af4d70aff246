// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What the page renderers share (pages.cpp, manage_page.cpp,
// passkey_pages.cpp): the ctemplate dictionaries of a page, its fields and
// error summaries. Every datum goes into a dictionary, never into markup:
// the templates' auto-escaping escapes it where it lands.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/views/page_data.h"
#include "core/views/pages.h"
#include "core/views/theme.h"

namespace extranet::parts {

inline void set(Dict* d, Name name, std::string_view value)
{
    d->SetValue(name, value);
}

// The section shown with the value in it, or hidden when the value is "".
inline void set_shown(Dict* d, Name name, std::string_view value, Name section)
{
    if (!value.empty()) d->SetValueAndShowSection(name, value, section);
}

inline void show_if(Dict* d, Name section, bool shown)
{
    if (shown) d->ShowSection(section);
}

// A catalog message with its "{0}", "{1}"... filled in.
std::string fill(std::string_view message, std::initializer_list<std::string_view> args);

// The site's theme, or the built-in one.
const Theme& theme_of(const PageContext& ctx);

// The error of a field, "" when none (a view of the errors' map).
std::string_view error_for(const FieldErrors& errors, const std::string& key);

// A page being rendered: the layout's dictionary and, included in it as
// CONTENT, the page's.
class Page {
public:
    Page(const PageContext& ctx, Name tpl, std::string_view title);
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;

    const Theme& theme() const { return theme_; }
    Dict* body() { return body_; }
    const std::string& msg(Text t) const { return theme_.text(t); }
    std::string render() const;

private:
    const Theme& theme_;
    Name page_;
    std::string_view prefix_;  // the context's, which outlives the page
    PageData data_;
    Dict* body_;
};

// One labelled input (field.tpl) with its hint and error, tied together by
// ids so that screen readers announce them with the field.
// Its texts are views: of the page's view, of the theme's catalog, of
// literals, of strings the caller keeps until add_field() has copied them.
struct Field {
    Field(std::string_view field_id, std::string_view field_name, std::string_view field_label)
        : id(field_id), name(field_name), label(field_label)
    {
    }

    std::string_view id;
    std::string_view name;
    std::string_view label;
    std::string_view type = "text";
    std::string_view value;
    std::string_view autocomplete;
    std::string_view hint;
    std::string_view error;
    std::string_view describedby;  // extra ids (a page-level error)
    bool required = false;
    bool invalid = false;     // a page-level error concerns this field
    bool plain = false;       // no auto-capitals, corrections or spelling
    bool readonly = false;
    unsigned min_length = 0;
};

void add_field(Dict* parent, Name include, const Field& f);

// A password the user already has (login, linking to a known address,
// confirming a change).
Field current_password_field(std::string_view id, std::string_view name, std::string_view label);

// A new password under the policy and its confirmation (as FIELD_<include>
// and FIELD_PASSWORD_CONFIRM); the confirmation's error is
// "password_confirm".
void add_new_password_fields(const Page& p, Dict* d, Name include, std::string_view id, std::string_view name,
                             std::string_view label, std::string_view confirm_id, std::string_view confirm_label,
                             const FieldErrors& errors, unsigned min_length);

// The personal information, alike on link/profile and manage (ids under
// id_prefix): the address shown, not editable, then names and phone.
void add_profile_fields(const Page& p, Dict* d, const std::string& id_prefix, const std::string& email,
                        const std::string& last_name, const std::string& first_name, const std::string& phone,
                        const FieldErrors& errors);

// An entry of an error summary: the id of the field at fault ("" when no
// single field is) and the message.
struct SummaryItem {
    std::string field_id;
    std::string message;
};

// The error summary at the top of a form that failed (error_summary.tpl);
// nothing when there is no item.
void add_summary(Dict* parent, Name include, const std::string& id,
                 const std::vector<SummaryItem>& items);

// The summary items of a view's errors, in the order of the form's fields
// (pairs of error key and field id); a page-level error ("") comes first;
// keys no field of this form shows still reach the owner.
std::vector<SummaryItem> summary_items(const FieldErrors& errors,
                                       const std::vector<std::pair<std::string, std::string>>& order);

// A syndic's contact details (syndic_contact.tpl) under one of its titles.
void add_syndic(const Page& p, Dict* parent, const SyndicContact& c, Name title_section);

// The passkeys' parts (passkey_pages.cpp).
void add_passkey_login(Dict* parent, std::string_view next);
void add_passkey_manage(Dict* parent, const std::vector<PasskeyItem>& keys, bool open);

}  // namespace extranet::parts
