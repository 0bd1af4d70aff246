// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/passkey_pages.h"

#include "core/views/page_parts.h"

namespace extranet {

namespace {

using namespace parts;

void fill_login(Dict* d, std::string_view next)
{
    set(d, N("NEXT"), next);
}

void fill_manage(Dict* d, const std::vector<PasskeyItem>& keys, bool open)
{
    show_if(d, N("OPEN"), open);
    d->SetIntValue(N("COUNT"), static_cast<long>(keys.size()));
    d->ShowSection(Name(keys.empty() ? N("NONE") : N("LIST")));
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const PasskeyItem& k = keys[i];
        Dict* item = d->AddSectionDictionary(N("PASSKEY"));
        item->SetIntValue(N("INDEX"), static_cast<long>(i));
        set(item, N("ID"), k.id);
        if (k.name.empty()) {
            item->ShowSection(N("NO_NAME"));
        } else {
            set_shown(item, N("NAME"), k.name, N("HAS_NAME"));
        }
        set(item, N("CREATED"), k.created);
        if (k.last_used.empty()) {
            item->ShowSection(N("NEVER"));
        } else {
            set_shown(item, N("LAST_USED"), k.last_used, N("USED"));
        }
    }
}

// A part expanded alone, outside any page (the pages include it).
template <typename Fill>
std::string render_part(const PageContext& ctx, const Name& tpl, Fill fill)
{
    const Theme& theme = theme_of(ctx);
    Dict root("part");
    root.SetTemplateGlobalValue(N("PREFIX"), ts(ctx.prefix));
    root.SetTemplateGlobalValue(N("VERSION"), ts(theme.version()));
    root.SetTemplateGlobalValue(N("CSRF"), ts(ctx.csrf));
    if (!ctx.csrf.empty()) root.ShowTemplateGlobalSection(N("HAS_CSRF"));
    fill(&root);
    std::string out;
    theme.expand(tpl, root, &out);
    return out;
}

}  // namespace

namespace parts {

void add_passkey_login(Dict* parent, std::string_view next)
{
    Dict* d = parent->AddIncludeDictionary(N("PASSKEY_LOGIN"));
    d->SetFilename(N("passkey_login.tpl"));
    fill_login(d, next);
}

void add_passkey_manage(Dict* parent, const std::vector<PasskeyItem>& keys, bool open)
{
    Dict* d = parent->AddIncludeDictionary(N("PASSKEYS"));
    d->SetFilename(N("passkey_manage.tpl"));
    fill_manage(d, keys, open);
}

}  // namespace parts

std::string passkey_login_fragment(const PageContext& ctx, std::string_view next)
{
    return render_part(ctx, N("passkey_login.tpl"), [&](Dict* d) { fill_login(d, next); });
}

std::string passkey_manage_section(const PageContext& ctx, const std::vector<PasskeyItem>& keys, bool open)
{
    return render_part(ctx, N("passkey_manage.tpl"), [&](Dict* d) { fill_manage(d, keys, open); });
}

std::string_view passkey_script()
{
    return Theme::builtin()->asset("passkey.js")->body;
}

}  // namespace extranet
