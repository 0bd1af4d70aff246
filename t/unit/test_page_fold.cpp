// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Pages prepared for a portal's prefix (page_fold.h, Theme::prepare) must
// print exactly the bytes of the generic pages: each test renders the same
// page with the same data both ways and compares, for the built-in theme,
// the example theme and a theme that puts the constants in every context
// ctemplate escapes differently, with prefixes that need escaping.
#include "core/views/page_fold.h"
#include "core/views/pages.h"
#include "core/views/theme.h"

#include <ctemplate/template.h>
#include <ctemplate/template_dictionary.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// The constants where ctemplate escapes them each its own way: attribute,
// URL (whole and in a query), style, text; a section inside a constant one.
const std::string kTrickyLayout =
    "<!doctype html>\n<html lang=\"fr\" data-prefix=\"{{PREFIX}}\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>{{TITLE}} {{PREFIX}}</title>\n"
    "<link rel=\"stylesheet\" href=\"{{PREFIX}}style.css?v={{VERSION}}&amp;p={{PREFIX}}\">\n"
    "{{#FAVICON}}<link rel=\"icon\" href=\"{{PREFIX}}{{FAVICON_FILE}}?v={{VERSION}}\">{{/FAVICON}}\n"
    "</head>\n<body style=\"background-image: url({{PREFIX}}{{LOGO_FILE}})\">\n"
    "{{#LOGO}}<img src=\"{{PREFIX}}{{LOGO_FILE}}\" alt=\"{{PREFIX}}\">{{#LOGGED_IN}}<b>{{VERSION}}</b>{{/LOGGED_IN}}"
    "{{/LOGO}}\n<p title={{PREFIX}}>{{PREFIX}} {{VERSION}}</p>\n<main>\n{{>CONTENT}}\n</main>\n</body>\n</html>\n";

std::string tricky_theme_dir()
{
    fs::path dir = fs::temp_directory_path() / ("extranet-fold-" + std::to_string(getpid()));
    fs::create_directories(dir / "templates");
    std::ofstream(dir / "templates" / "layout.tpl") << kTrickyLayout;
    return dir.string();
}

const std::vector<std::string> kPrefixes = {"/auth/", "/a&b\"<é>' x/", "/javascript:alert(1)/"};

// Every page, with data that shows most of its sections.
std::vector<std::function<std::string(const PageContext&)>> all_pages()
{
    std::vector<std::function<std::string(const PageContext&)>> pages;
    pages.push_back([](const PageContext& c) { return render_login(c, LoginView{}); });
    pages.push_back([](const PageContext& c) {
        LoginView v;
        v.identifier = "marie@example.fr";
        v.next = "/copro/?a=1&b=<2>";
        v.error = "Identifiant ou mot de passe incorrect.";
        v.notice = "Vous êtes déconnecté.";
        return render_login(c, v);
    });
    pages.push_back([](const PageContext& c) { return render_link_email(c, LinkEmailView{"x@y", "Erreur"}); });
    pages.push_back([](const PageContext& c) {
        LinkProfileView v;
        v.email = "a@b.fr";
        v.errors = {{"last_name", "Nom ?"}, {"password", "Trop court"}};
        return render_link_profile(c, v);
    });
    pages.push_back([](const PageContext& c) { return render_link_password(c, LinkPasswordView{"a@b.fr", "Non"}); });
    pages.push_back([](const PageContext& c) { return render_link_done(c, LinkDoneView{"030000100001", "a@b.fr", true}); });
    pages.push_back([](const PageContext& c) {
        AccountsView v;
        v.accounts = {{"030000100001", "0300", "Cabinet Martin", "Appartement", true, true},
                      {"030000100002", "0300", "Cabinet Martin", "Cave", false, false}};
        v.next = "/copro/";
        return render_accounts(c, v);
    });
    pages.push_back([](const PageContext& c) {
        ManageView v;
        v.email = "a@b.fr";
        v.accounts = {{"030000100001", "0300", "Cabinet Martin", "Appartement", true, true}};
        v.sessions = {{"aa", "Firefox", "192.0.2.1", "26/11/2026 11:44", true}};
        v.passkeys = {{"AAEC", "Mon téléphone", "26/11/2026 11:44", ""}};
        v.errors = {{"current_password", "Mot de passe incorrect."}};
        v.failed_action = "password";
        return render_manage(c, v);
    });
    pages.push_back([](const PageContext& c) { return render_password_forgot(c, PasswordForgotView{"x", "Erreur"}); });
    pages.push_back([](const PageContext& c) {
        PasswordResetView v;
        v.token = "tok";
        v.email = "a@b.fr";
        v.errors = {{"new_password", "Trop court"}};
        return render_password_reset(c, v);
    });
    pages.push_back([](const PageContext& c) {
        return render_message(c, MessageView{"Titre", "Message", "/copro/", "Retour"});
    });
    pages.push_back([](const PageContext& c) {
        ConfirmAddressView v;
        v.token = "tok";
        v.email = "a@b.fr";
        v.claimant = "Marie Dupont";
        v.accounts = {{"030000100001", "Appartement"}};
        return render_confirm_address(c, v);
    });
    pages.push_back([](const PageContext& c) {
        ContactSyndicView v;
        v.code = "030000100001";
        v.syndic = SyndicContact{"0300", "Cabinet Martin", "01 02 03 04 05", "contact@martin.fr", "1 rue X"};
        return render_contact_syndic(c, v);
    });
    pages.push_back([](const PageContext& c) {
        PartnerRefusalView v;
        v.account = "030000100001";
        v.email = "a@b.fr";
        v.syndic = SyndicContact{"0300", "Cabinet Martin", "", "", ""};
        v.message = "Non partenaires.";
        return render_partner_refusal(c, v);
    });
    return pages;
}

// Renders every page with every prefix and both contexts (a visitor, a
// session) on a theme loaded twice, the second prepared, and compares.
void same_bytes_prepared_or_not(const std::string& dir)
{
    std::shared_ptr<const Theme> generic = dir.empty() ? nullptr : Theme::load(dir);
    std::shared_ptr<const Theme> prepared = dir.empty() ? nullptr : Theme::load(dir);
    if (dir.empty()) {
        // The built-in theme is one per process: a folder with no file is
        // the same theme, loaded on its own.
        fs::path empty = fs::temp_directory_path() / ("extranet-fold-empty-" + std::to_string(getpid()));
        fs::create_directories(empty);
        generic = Theme::load(empty.string());
        prepared = Theme::load(empty.string());
        fs::remove_all(empty);
    }
    for (const std::string& prefix : kPrefixes) prepared->prepare(prefix);
    int compared = 0;
    for (const std::string& prefix : kPrefixes) {
        assert_true(prepared->prepared(prefix, "login.tpl"));
        assert_false(generic->prepared(prefix, "login.tpl"));
        for (bool session : {false, true}) {
            PageContext a;
            a.prefix = prefix;
            a.csrf = session ? "0123456789abcdef" : "";
            a.logged_in = session;
            a.theme = generic.get();
            PageContext b = a;
            b.theme = prepared.get();
            for (const auto& page : all_pages()) {
                std::string want = page(a);
                std::string got = page(b);
                if (want != got) fail_msg("prefix %s differs:\n%s\n---\n%s", prefix.c_str(), want.c_str(), got.c_str());
                ++compared;
            }
        }
    }
    assert_int_equal(compared, static_cast<int>(kPrefixes.size() * 2 * all_pages().size()));
}

// Expands a template text with a dictionary, as a page does.
std::string expand(const ctemplate::Template& t, const ctemplate::TemplateDictionary& d)
{
    std::string out;
    assert_true(t.Expand(&out, &d));
    return out;
}

}  // namespace

static void test_builtin_pages_print_the_same_prepared(void **)
{
    same_bytes_prepared_or_not("");
}

static void test_example_theme_prints_the_same_prepared(void **)
{
    same_bytes_prepared_or_not(kExample);
}

static void test_constants_in_every_context_print_the_same(void **)
{
    std::string dir = tricky_theme_dir();
    same_bytes_prepared_or_not(dir);
    fs::remove_all(dir);
}

static void test_every_builtin_page_is_folded(void **)
{
    fs::path empty = fs::temp_directory_path() / ("extranet-fold-all-" + std::to_string(getpid()));
    fs::create_directories(empty);
    auto t = Theme::load(empty.string());
    fs::remove_all(empty);
    t->prepare("/auth/");
    for (const char* page : {"login.tpl", "password_forgot.tpl", "password_reset.tpl", "contact_syndic.tpl",
                             "partner_refusal.tpl", "link_email.tpl", "link_profile.tpl", "link_password.tpl",
                             "link_done.tpl", "confirm_address.tpl", "accounts.tpl", "manage.tpl", "message.tpl"}) {
        if (!t->prepared("/auth/", page)) fail_msg("%s is not folded", page);
    }
    assert_false(t->prepared("/other/", "login.tpl"));
}

static void test_prefixes_past_the_first_few_render_generic(void **)
{
    fs::path empty = fs::temp_directory_path() / ("extranet-fold-many-" + std::to_string(getpid()));
    fs::create_directories(empty);
    auto t = Theme::load(empty.string());
    fs::remove_all(empty);
    for (int i = 0; i < 12; ++i) t->prepare("/p" + std::to_string(i) + "/");
    t->prepare("/p0/");  // again: nothing new
    assert_true(t->prepared("/p7/", "login.tpl"));
    assert_false(t->prepared("/p8/", "login.tpl"));
    PageContext ctx;
    ctx.prefix = "/p9/";
    ctx.theme = t.get();
    std::string html = render_login(ctx, LoginView{});
    assert_true(html.find("action=\"/p9/login\"") != std::string::npos);
}

static void test_hidden_sections_go_shown_ones_lose_their_markers(void **)
{
    const std::string text = "{{%AUTOESCAPE context=\"HTML\"}}<a href=\"{{P}}x\">{{#H}}<i>{{P}}{{V}}{{#K}}k{{/K}}</i>{{/H}}"
                             "{{#S}}<b title=\"{{P}}\">{{V}}</b>{{/S}}{{V}}</a><script>var p = '{{P}}';</script>";
    std::unique_ptr<ctemplate::Template> generic(ctemplate::Template::StringToTemplate(text, ctemplate::DO_NOT_STRIP));
    assert_non_null(generic.get());
    parts::Constants c;
    c.values = {{"P", "/a'b\"</script>/"}};
    c.sections = {{"H", false}, {"S", true}};
    auto folded = parts::fold_constants(text, *generic, c);
    assert_non_null(folded.get());
    ctemplate::TemplateDictionary d("t");
    d.SetValue("P", "/a'b\"</script>/");
    d.SetValue("V", "<v>");
    d.ShowSection("S");
    d.ShowSection("K");
    ctemplate::TemplateDictionary f("f");
    f.SetValue("V", "<v>");
    f.ShowSection("K");
    std::string want = expand(*generic, d);
    assert_string_equal(expand(*folded, f).c_str(), want.c_str());
    // P is in place: the folded template's dictionary has none.
    assert_true(want.find("&lt;v&gt;") != std::string::npos);
    assert_true(want.find("\\x27") != std::string::npos || want.find("\\'") != std::string::npos);
}

static void test_a_changed_delimiter_is_not_folded(void **)
{
    const std::string text = "<p>{{P}}{{=<% %>=}}<%P%></p>";
    std::unique_ptr<ctemplate::Template> generic(ctemplate::Template::StringToTemplate(text, ctemplate::DO_NOT_STRIP));
    assert_non_null(generic.get());
    parts::Constants c;
    c.values = {{"P", "x"}};
    assert_null(parts::fold_constants(text, *generic, c).get());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_pages_print_the_same_prepared),
        cmocka_unit_test(test_example_theme_prints_the_same_prepared),
        cmocka_unit_test(test_constants_in_every_context_print_the_same),
        cmocka_unit_test(test_every_builtin_page_is_folded),
        cmocka_unit_test(test_prefixes_past_the_first_few_render_generic),
        cmocka_unit_test(test_hidden_sections_go_shown_ones_lose_their_markers),
        cmocka_unit_test(test_a_changed_delimiter_is_not_folded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
