// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/passkey_pages.h"

#include "core/views/page_parts.h"

namespace extranet {

namespace {

using namespace parts;

void fill_login(Dict* d, std::string_view next)
{
    set(d, "NEXT", next);
}

void fill_manage(Dict* d, const std::vector<PasskeyItem>& keys, bool open)
{
    show_if(d, "OPEN", open);
    d->SetIntValue("COUNT", static_cast<long>(keys.size()));
    d->ShowSection(keys.empty() ? "NONE" : "LIST");
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const PasskeyItem& k = keys[i];
        Dict* item = d->AddSectionDictionary("PASSKEY");
        item->SetIntValue("INDEX", static_cast<long>(i));
        set(item, "ID", k.id);
        if (k.name.empty()) {
            item->ShowSection("NO_NAME");
        } else {
            set_shown(item, "NAME", k.name, "HAS_NAME");
        }
        set(item, "CREATED", k.created);
        if (k.last_used.empty()) {
            item->ShowSection("NEVER");
        } else {
            set_shown(item, "LAST_USED", k.last_used, "USED");
        }
    }
}

// A part expanded alone, outside any page (the pages include it).
template <typename Fill>
std::string render_part(const PageContext& ctx, Name tpl, Fill fill)
{
    const Theme& theme = theme_of(ctx);
    PageData data(&theme.constants());
    data.SetTemplateGlobalValue("PREFIX", ctx.prefix);
    data.SetTemplateGlobalValue("CSRF", ctx.csrf);
    if (!ctx.csrf.empty()) data.ShowTemplateGlobalSection("HAS_CSRF");
    fill(&data.root());
    std::string out;
    theme.expand(tpl, data.root(), &out);
    return out;
}

}  // namespace

namespace parts {

void add_passkey_login(Dict* parent, std::string_view next)
{
    Dict* d = parent->AddIncludeDictionary("PASSKEY_LOGIN");
    fill_login(d, next);
}

void add_passkey_manage(Dict* parent, const std::vector<PasskeyItem>& keys, bool open)
{
    Dict* d = parent->AddIncludeDictionary("PASSKEYS");
    fill_manage(d, keys, open);
}

}  // namespace parts

std::string passkey_login_fragment(const PageContext& ctx, std::string_view next)
{
    return render_part(ctx, "passkey_login.tpl", [&](Dict* d) { fill_login(d, next); });
}

std::string passkey_manage_section(const PageContext& ctx, const std::vector<PasskeyItem>& keys, bool open)
{
    return render_part(ctx, "passkey_manage.tpl", [&](Dict* d) { fill_manage(d, keys, open); });
}

std::string_view passkey_script()
{
    return Theme::builtin()->asset("passkey.js")->body;
}

}  // namespace extranet
