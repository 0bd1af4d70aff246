// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// One side of the render bench: the two pages rendered by the views found
// on the include path. Built twice (Makefile, render-bench): against this
// tree's src/, and against an earlier commit's views with
// -Dextranet=extranet_before, so that both renderers live in one process
// and run interleaved, under the same load.
#include <string>

#include "core/views/pages.h"

#include "render_pages_views.h"

// This tree's pages are prepared for the portal's prefix when nginx reads
// its configuration (Theme::prepare); the earlier commit's have no themes.
#if __has_include("core/views/theme.h")
#include "core/views/theme.h"
#define RENDER_PREPARE(ctx) Theme::or_builtin((ctx).theme).prepare((ctx).prefix)
#else
#define RENDER_PREPARE(ctx) (void) 0
#endif

namespace extranet::bench {

namespace {

const PageContext& login_ctx()
{
    static const PageContext ctx = [] {
        PageContext c = login_context();
        RENDER_PREPARE(c);
        return c;
    }();
    return ctx;
}

const LoginView& login()
{
    static const LoginView v = login_view();
    return v;
}

const PageContext& manage_ctx()
{
    static const PageContext ctx = [] {
        PageContext c = manage_context();
        RENDER_PREPARE(c);
        return c;
    }();
    return ctx;
}

const ManageView& manage()
{
    static const ManageView v = manage_view();
    return v;
}

}  // namespace

std::string render_login_page()
{
    return render_login(login_ctx(), login());
}

std::string render_manage_page()
{
    return render_manage(manage_ctx(), manage());
}

}  // namespace extranet::bench
