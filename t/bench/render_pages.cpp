// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Portal page renders per second, at the core: the login page and
// "Gérer mes comptes" (three accounts, two sessions, one passkey) rendered
// in a loop by the views' renderer, as a pool thread renders them.
//
//   build/bench/render_pages [seconds per page, default 3]
//
// Prints one line per page: "<page> <renders/s>".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/views/pages.h"

using namespace extranet;

namespace {

ManageView manage_view()
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

template <typename Render>
void run(const char* name, double seconds, Render render)
{
    using clock = std::chrono::steady_clock;
    std::size_t bytes = 0;
    long n = 0;
    auto start = clock::now();
    auto end = start + std::chrono::duration<double>(seconds);
    while (clock::now() < end) {
        for (int i = 0; i < 100; ++i) {
            bytes += render().size();
        }
        n += 100;
    }
    double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    std::printf("%s %.0f renders/s (%zu bytes each)\n", name, n / elapsed, bytes / n);
}

}  // namespace

int main(int argc, char** argv)
{
    double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
    PageContext login_ctx;
    login_ctx.prefix = "/auth/";
    LoginView login;
    login.next = "/copro/index.php?page=1";
    run("login", seconds, [&] { return render_login(login_ctx, login); });

    PageContext ctx;
    ctx.prefix = "/auth/";
    ctx.csrf = "0123456789abcdef0123456789abcdef";
    ctx.logged_in = true;
    ManageView manage = manage_view();
    run("manage", seconds, [&] { return render_manage(ctx, manage); });
    return 0;
}
