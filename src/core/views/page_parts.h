// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What the page renderers share (pages.cpp, manage_page.cpp,
// passkey_pages.cpp): the ctemplate dictionaries of a page, its fields and
// error summaries. Every datum goes into a dictionary, never into markup:
// the templates' auto-escaping escapes it where it lands.
#pragma once

#include <ctemplate/template.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/views/pages.h"
#include "core/views/theme.h"

namespace extranet::parts {

using Dict = ctemplate::TemplateDictionary;

using Name = ctemplate::TemplateString;

// A marker's or template's name, hashed once: ctemplate would otherwise
// hash a name at each use and file it in its global, locked, id-to-name
// map, the hot spot of a render (and a lock pool threads would share).
#define N(literal)                                                                       \
    ([]() -> const ::ctemplate::StaticTemplateString& {                                   \
        static const ::ctemplate::StaticTemplateString name = {{literal, sizeof(literal) - 1, 0}}; \
        static const ::ctemplate::StaticTemplateStringInitializer init(&name);           \
        return name;                                                                     \
    }())

inline ctemplate::TemplateString ts(std::string_view s)
{
    return ctemplate::TemplateString(s.data(), s.size());
}

inline void set(Dict* d, const Name& name, std::string_view value)
{
    d->SetValue(name, ts(value));
}

// The section shown with the value in it, or hidden when the value is "".
inline void set_shown(Dict* d, const Name& name, std::string_view value, const Name& section)
{
    if (!value.empty()) d->SetValueAndShowSection(name, ts(value), section);
}

inline void show_if(Dict* d, const Name& section, bool shown)
{
    if (shown) d->ShowSection(section);
}

// A catalog message with its "{0}" filled in.
std::string fill(const std::string& message, std::string_view arg);

// The site's theme, or the built-in one.
const Theme& theme_of(const PageContext& ctx);

std::string error_for(const FieldErrors& errors, const std::string& key);

// A page being rendered: the layout's dictionary and, included in it as
// CONTENT, the page's.
class Page {
public:
    Page(const PageContext& ctx, const Name& tpl, std::string_view title);
    Page(const Page&) = delete;
    Page& operator=(const Page&) = delete;

    const Theme& theme() const { return theme_; }
    Dict* body() { return body_; }
    std::string msg(std::string_view key) const { return theme_.message(key); }
    std::string render() const;

private:
    const Theme& theme_;
    Dict root_;
    Dict* body_;
};

// One labelled input (field.tpl) with its hint and error, tied together by
// ids so that screen readers announce them with the field.
struct Field {
    Field(std::string field_id, std::string field_name, std::string field_label)
        : id(std::move(field_id)), name(std::move(field_name)), label(std::move(field_label))
    {
    }

    std::string id;
    std::string name;
    std::string label;
    std::string_view type = "text";
    std::string value;
    std::string_view autocomplete;
    std::string hint;
    std::string error;
    std::string describedby;  // extra ids (a page-level error)
    bool required = false;
    bool invalid = false;     // a page-level error concerns this field
    bool plain = false;       // no auto-capitals, corrections or spelling
    bool readonly = false;
    unsigned min_length = 0;
};

void add_field(Dict* parent, const Name& include, const Field& f);

// A password the user already has (login, linking to a known address,
// confirming a change).
Field current_password_field(std::string id, std::string name, std::string label);

// A new password under the policy and its confirmation (as FIELD_<include>
// and FIELD_PASSWORD_CONFIRM); the confirmation's error is
// "password_confirm".
void add_new_password_fields(const Page& p, Dict* d, const Name& include, std::string id, std::string name,
                             std::string label, std::string confirm_id, std::string confirm_label,
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
void add_summary(Dict* parent, const Name& include, const std::string& id,
                 const std::vector<SummaryItem>& items);

// The summary items of a view's errors, in the order of the form's fields
// (pairs of error key and field id); a page-level error ("") comes first;
// keys no field of this form shows still reach the owner.
std::vector<SummaryItem> summary_items(const FieldErrors& errors,
                                       const std::vector<std::pair<std::string, std::string>>& order);

// A syndic's contact details (syndic_contact.tpl) under one of its titles.
void add_syndic(const Page& p, Dict* parent, const SyndicContact& c, const Name& title_section);

// The passkeys' parts (passkey_pages.cpp).
void add_passkey_login(Dict* parent, std::string_view next);
void add_passkey_manage(Dict* parent, const std::vector<PasskeyItem>& keys, bool open);

}  // namespace extranet::parts
