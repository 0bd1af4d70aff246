// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/theme.h"

#include "core/views/pages.h"

#include <cstdlib>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

extern "C" {
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
}

using namespace extranet;
namespace fs = std::filesystem;

namespace {

const char* const kExample = "conf.examples/themes/cabinet-durand";

bool has(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

// A theme folder of its own, holding one file.
std::string theme_with(const std::string& file, const std::string& body)
{
    static int n = 0;
    fs::path dir = fs::temp_directory_path() / ("extranet-theme-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    fs::create_directories((dir / file).parent_path());
    std::ofstream(dir / file) << body;
    return dir.string();
}

// The ThemeError's text for a theme with that file, "" when it loads.
std::string load_error(const std::string& file, const std::string& body)
{
    std::string dir = theme_with(file, body);
    try {
        Theme::load(dir);
    } catch (const ThemeError& e) {
        fs::remove_all(dir);
        return e.what();
    }
    fs::remove_all(dir);
    return {};
}

const std::string login_tpl =
    "<h1>${login.title}</h1>\n<form method=\"post\" action=\"{{PREFIX}}login\">\n{{>LOGIN_ERRORS}}\n"
    "{{#HAS_NEXT}}<input type=\"hidden\" name=\"next\" value=\"{{NEXT}}\">{{/HAS_NEXT}}\n"
    "{{>FIELD_LOGIN}}\n{{>FIELD_PASSWORD}}\n</form>\n{{>PASSKEY_LOGIN}}\n";

// An identity whose every field tries to break out of HTML, of an
// attribute, and to smuggle template markers.
const std::string evil = "<script>alert(1)</script>\"' {{PREFIX}} {{#X}}";

ManageView evil_manage()
{
    ManageView v;
    v.email = "a@example.fr";
    v.last_name = evil;
    v.first_name = evil;
    v.phone = evil;
    AccountItem a;
    a.code = "030000100001";
    a.syndic_code = "0300";
    a.syndic_name = evil;
    a.label = evil;
    a.is_default = true;
    v.accounts = {a};
    SessionItem s;
    s.id = "aa";
    s.device = evil;
    s.address = evil;
    s.last_seen = evil;
    s.current = true;
    v.sessions = {s};
    return v;
}

}  // namespace

static void test_builtin_theme_has_its_assets_and_version(void **)
{
    auto t = Theme::builtin();
    assert_int_equal(t->version().size(), 16);
    assert_non_null(t->asset("style.css"));
    assert_non_null(t->asset("menu.js"));
    assert_non_null(t->asset("passkey.js"));
    assert_string_equal(t->logo().c_str(), "logo.svg");
    assert_string_equal(t->asset("logo.svg")->content_type.c_str(), "image/svg+xml");
    // menu.js carries the menu's look from menu.css, as a script string.
    assert_true(has(t->asset("menu.js")->body, "#extranet-menu{display:block"));
    assert_false(has(t->asset("menu.js")->body, "/*MENU_CSS*/"));
    assert_string_equal(t->text(Text::product_name).c_str(), "Extranet copropriétaires");
}

static void test_example_theme_overrides_name_logo_colours_and_words(void **)
{
    auto t = Theme::load(kExample);
    assert_string_not_equal(t->version().c_str(), Theme::builtin()->version().c_str());
    PageContext ctx;
    ctx.prefix = "/auth/";
    ctx.theme = t.get();
    std::string html = render_login(ctx, LoginView{});
    assert_true(has(html, "Espace clients Cabinet Durand"));
    assert_true(has(html, "Connexion à votre espace"));
    assert_true(has(html, "firm-hours"));
    assert_true(has(html, "/auth/logo.svg?v=" + t->version()));
    assert_true(has(t->asset("style.css")->body, "#5b1a35"));
    assert_true(has(t->asset("menu.js")->body, "#5b1a35"));
    assert_true(has(t->asset("logo.svg")->body, "CD"));
    // What it leaves out comes from the built-in theme.
    std::string forgot = render_password_forgot(ctx, PasswordForgotView{});
    assert_true(has(forgot, "Mot de passe oublié"));
    assert_true(has(forgot, "Espace clients Cabinet Durand"));
}

static void test_data_is_escaped_in_both_themes(void **)
{
    auto durand = Theme::load(kExample);
    for (const Theme* t : {Theme::builtin().get(), durand.get()}) {
        PageContext ctx;
        ctx.prefix = "/auth/";
        ctx.csrf = "tok";
        ctx.logged_in = true;
        ctx.theme = t;
        LoginView login;
        login.identifier = evil;
        login.next = evil;
        login.error = evil;
        for (const std::string& html : {render_manage(ctx, evil_manage()), render_login(ctx, login)}) {
            assert_false(has(html, "<script>alert"));
            assert_false(has(html, "\"' {{"));
            assert_true(has(html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; {{PREFIX}} {{#X}}"));
        }
    }
}

static void test_raw_output_modifiers_are_refused(void **)
{
    std::string tpl = login_tpl + "<p>{{NEXT:none}}</p>\n";
    std::string e = load_error("templates/login.tpl", tpl);
    assert_true(has(e, "templates/login.tpl:9: "));
    assert_true(has(e, "no modifier"));
    assert_true(has(load_error("templates/login.tpl", login_tpl + "{{NEXT:x-raw}}"), "no modifier"));
    assert_true(has(load_error("templates/login.tpl", "{{%AUTOESCAPE context=\"NONE\"}}\n" + login_tpl),
                    "login.tpl:1: no pragma"));
    assert_true(has(load_error("templates/login.tpl", login_tpl + "{{=<% %>=}}"), "no delimiter change"));
    assert_true(has(load_error("templates/login.tpl", login_tpl + "{{{NEXT}}}"), "malformed marker"));
}

static void test_inline_scripts_are_refused(void **)
{
    assert_true(has(load_error("templates/login.tpl", login_tpl + "<script>alert(1)</script>"), "inline script"));
    assert_true(has(load_error("templates/login.tpl", login_tpl + "<p onclick=\"x()\">a</p>"),
                    "inline event handler"));
    assert_true(has(load_error("templates/login.tpl", login_tpl + "<a href=\"javascript:x()\">a</a>"),
                    "javascript: URL"));
}

static void test_broken_templates_name_file_and_line(void **)
{
    std::string e = load_error("templates/login.tpl", login_tpl + "\n{{#HAS_NEXT}}\nnever closed\n");
    assert_true(has(e, "login.tpl:10: \"{{#HAS_NEXT}}\" is never closed"));
    e = load_error("templates/login.tpl", "<h1>x</h1>\n{{>FIELD_LOGIN}}\n{{>FIELD_PASSWORD}}\n{{NEXT}}{{>PASSKEY_LOGIN}}");
    assert_true(has(e, "missing placeholder \"{{>LOGIN_ERRORS}}\""));
    e = load_error("templates/login.tpl", login_tpl + "{{NEXTT}}");
    assert_true(has(e, "login.tpl:9: unknown placeholder \"{{NEXTT}}\""));
    e = load_error("templates/login.tpl", login_tpl + "\n${login.titel}");
    assert_true(has(e, "login.tpl:10: unknown message key \"login.titel\""));
    e = load_error("messages_fr.properties", "# words\nproduct.name = X\nlogin.nope = Y\n");
    assert_true(has(e, "messages_fr.properties:3: unknown message key \"login.nope\""));
    e = load_error("templates/logn.tpl", login_tpl);
    assert_true(has(e, "not a file a theme may override"));
    assert_true(has(load_error("templates/login.tpl", login_tpl), ""));
    assert_string_equal(load_error("templates/login.tpl", login_tpl).c_str(), "");
}

static void test_catalog_messages_are_text(void **)
{
    std::string dir = theme_with("messages_fr.properties", "product.name = <b>Syndic & fils</b>\n");
    auto t = Theme::load(dir);
    fs::remove_all(dir);
    PageContext ctx;
    ctx.prefix = "/auth/";
    ctx.theme = t.get();
    std::string html = render_login(ctx, LoginView{});
    assert_true(has(html, "&lt;b&gt;Syndic &amp; fils&lt;/b&gt;"));
    assert_false(has(html, "<b>Syndic"));
}

static void test_files_not_in_utf8_name_file_and_line(void **)
{
    std::string e = load_error("messages_fr.properties", "# words\nproduct.name = Cabinet Dur\xE9\n");
    assert_true(has(e, "messages_fr.properties:2: "));
    assert_true(has(e, "UTF-8"));
    e = load_error("templates/login.tpl", login_tpl + "\n<p>Oubli\xE9 ?</p>\n");
    assert_true(has(e, "login.tpl:10: "));
    assert_true(has(e, "UTF-8"));
    e = load_error("style.css", "/* \xE9 */\n");
    assert_true(has(e, "style.css:1: "));
    e = load_error("menu.css", "a {}\n/* \xED\xA0\x80 */\n");  // a surrogate
    assert_true(has(e, "menu.css:2: "));
    // A UTF-8 BOM is not an error; what follows it still counts.
    e = load_error("messages_fr.properties", "\xEF\xBB\xBFproduct.name = X\nlogin.title = \xC0\xAF\n");
    assert_true(has(e, "messages_fr.properties:2: "));
}

static void test_a_leading_bom_is_skipped(void **)
{
    std::string dir = theme_with("messages_fr.properties", "\xEF\xBB\xBFproduct.name = Cabinet Durand\n");
    std::ofstream(fs::path(dir) / "style.css") << "\xEF\xBB\xBF" "body { color: #5b1a35; }\n";
    std::ofstream(fs::path(dir) / "menu.css") << "\xEF\xBB\xBF" "nav { color: #5b1a35; }\n";
    fs::create_directories(fs::path(dir) / "templates");
    std::ofstream(fs::path(dir) / "templates/login.tpl") << "\xEF\xBB\xBF" << login_tpl;
    auto t = Theme::load(dir);
    fs::remove_all(dir);
    assert_string_equal(t->text(Text::product_name).c_str(), "Cabinet Durand");
    assert_string_equal(t->asset("style.css")->body.c_str(), "body { color: #5b1a35; }\n");
    assert_true(has(t->asset("menu.js")->body, "'nav { color: #5b1a35; }\\n'"));
    PageContext ctx;
    ctx.prefix = "/auth/";
    ctx.theme = t.get();
    std::string html = render_login(ctx, LoginView{});
    assert_false(has(html, "\xEF\xBB\xBF"));
    assert_true(has(html, "Cabinet Durand"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_theme_has_its_assets_and_version),
        cmocka_unit_test(test_example_theme_overrides_name_logo_colours_and_words),
        cmocka_unit_test(test_data_is_escaped_in_both_themes),
        cmocka_unit_test(test_raw_output_modifiers_are_refused),
        cmocka_unit_test(test_inline_scripts_are_refused),
        cmocka_unit_test(test_broken_templates_name_file_and_line),
        cmocka_unit_test(test_catalog_messages_are_text),
        cmocka_unit_test(test_files_not_in_utf8_name_file_and_line),
        cmocka_unit_test(test_a_leading_bom_is_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
