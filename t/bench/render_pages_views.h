// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The data of the two pages the render bench renders: the login page and
// "Gérer mes comptes" (three accounts, two sessions, one passkey). Included
// by render_pages_side.cpp, which is built once against this tree's views
// and once against an earlier commit's: the same source, so that the same
// pages are rendered on both sides.
#pragma once

#include <string>

namespace extranet::bench {

inline PageContext login_context()
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    return ctx;
}

inline LoginView login_view()
{
    LoginView v;
    v.next = "/copro/index.php?page=1";
    return v;
}

inline PageContext manage_context()
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    ctx.csrf = "0123456789abcdef0123456789abcdef";
    ctx.logged_in = true;
    return ctx;
}

inline ManageView manage_view()
{
    ManageView v;
    v.email = "marie@example.fr";
    v.last_name = "Dupont";
    v.first_name = "Marie";
    v.phone = "0601020304";
    const char* codes[] = {"030000100001", "030000100002", "040000200003"};
    for (int i = 0; i < 3; ++i) {
        AccountItem a;
        a.code = codes[i];
        a.syndic_code = i < 2 ? "0300" : "0400";
        a.syndic_name = i < 2 ? "Cabinet Martin" : "Gestion Durand";
        a.label = "Appartement 1" + std::to_string(i);
        a.active = i == 1;
        a.is_default = i == 0;
        v.accounts.push_back(a);
    }
    SessionItem s;
    s.id = "aa11";
    s.device = "Firefox sur Linux";
    s.address = "192.0.2.1";
    s.last_seen = "26/11/2026 11:44";
    s.current = true;
    v.sessions.push_back(s);
    s.id = "bb22";
    s.device = "Safari sur iPhone";
    s.current = false;
    v.sessions.push_back(s);
    PasskeyItem k;
    k.id = "AAECAw";
    k.name = "Mon téléphone";
    k.created = "26/11/2026 11:44";
    v.passkeys.push_back(k);
    return v;
}

}  // namespace extranet::bench
