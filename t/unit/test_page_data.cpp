// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The page's data (page_data.h) and the pages assembled at load
// (page_template.h) must expand exactly as ctemplate's own
// TemplateDictionary and includes would: each test expands the same
// template both ways and compares the bytes.
#include "core/views/page_data.h"
#include "core/views/page_template.h"
#include "core/views/theme.h"

#include <ctemplate/template.h>
#include <ctemplate/template_cache.h>
#include <ctemplate/template_dictionary.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

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

bool has(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

// The text parsed and expanded by ctemplate with strip, sections shown.
std::string expand(const std::string& text, ctemplate::Strip strip)
{
    std::unique_ptr<ctemplate::Template> tpl(ctemplate::Template::StringToTemplate(text, strip));
    assert_non_null(tpl.get());
    ctemplate::TemplateDictionary dict("strip");
    dict.ShowSection("S");
    std::string out;
    assert_true(tpl->Expand(&out, &dict));
    return out;
}

static void test_blank_lines_stripped_as_ctemplate_does(void **)
{
    const char* texts[] = {
        "a\n\nb\n   \n\tc\n",
        "{{#S}}\nin\n{{/S}}\nout\n",
        "  {{#S}}  \n  x  \n\t{{/S}}\t\n",
        "{{!a comment}}\n{{>NOWHERE}}\nkept\n",
        "{{#S}}x{{/S}}\n{{#S}} y{{/S}}\n",
        "no final newline {{#S}}z{{/S}}",
        "{{#S}}\r\nwindows\r\n{{/S}}\r\n",
        "{{X}}\n {{#S}}{{X}} \n{{/S}}}}\n",
        "",
    };
    for (const char* t : texts) {
        std::string stripped = parts::strip_blank_lines(t);
        assert_string_equal(expand(stripped, ctemplate::DO_NOT_STRIP).c_str(),
                            expand(t, ctemplate::STRIP_BLANK_LINES).c_str());
    }
}

const std::string kPragma = "{{%AUTOESCAPE context=\"HTML\"}}";

// A page and the template it includes, with sections, repeated sections,
// values in attributes and URLs, template-global sections and values.
const std::string kOuter =
    "<p title=\"{{TITLE}}\">{{TITLE}} {{MISSING}}[{{BI_SPACE}}]</p>\n"
    "{{#ROW}}<a href=\"{{CODE}}?p={{PREFIX}}\">{{CODE}} {{TITLE}} {{COUNT}}</a>{{#INNER}}({{CODE}}){{/INNER}}\n{{/ROW}}"
    "{{#SHOWN}}shown {{TITLE}}{{/SHOWN}}{{#HIDDEN}}hidden{{/HIDDEN}}\n"
    "{{#GLOBAL}}global {{PREFIX}} sees the root's {{TITLE}}{{/GLOBAL}}\n"
    "{{#BOTH}}both {{CODE}}{{/BOTH}}\n"
    "{{#OWN}}own {{OWNED}}{{/OWN}} outside: {{OWNED}}\n"
    "{{>INC}}\n{{>NONE}}\nend\n";
const std::string kInner =
    "<i>{{CODE}} {{TITLE}} {{PREFIX}}{{#GLOBAL}} g {{CODE}}{{TITLE}}{{/GLOBAL}}</i>{{#ROW}}leak{{/ROW}}\n";

template <typename Dict, typename Globals>
void fill(Dict* root, Globals* globals)
{
    constexpr bool ctemplate_dict = std::is_same_v<Dict, ctemplate::TemplateDictionary>;
    globals->SetTemplateGlobalValue("PREFIX", "/auth/<\"&'/");
    globals->ShowTemplateGlobalSection("GLOBAL");
    root->SetValue("TITLE", "first");
    root->SetValue("TITLE", "<b>\"T\" & 'it'</b>");  // replaces the first
    for (int i = 0; i < 3; ++i) {
        Dict* row = root->AddSectionDictionary("ROW");
        row->SetValue("CODE", i == 1 ? std::string("javascript:alert(1)") : "c" + std::to_string(i));
        row->SetIntValue("COUNT", -i);
        if (i == 2) row->ShowSection("INNER");
        if (i == 0) row->ShowSection("GLOBAL");  // already shown for the whole page
    }
    root->ShowSection("SHOWN");
    root->ShowSection("BOTH");  // shown first, then given a dictionary
    root->AddSectionDictionary("BOTH")->SetValue("CODE", "b");
    root->SetValueAndShowSection("OWNED", "mine", "OWN");
    root->SetValueAndShowSection("OWNED", "", "NEVER");
    for (int i = 0; i < 2; ++i) {
        Dict* inc = root->AddIncludeDictionary("INC");
        if constexpr (ctemplate_dict) inc->SetFilename("inner.tpl");
        inc->SetValue("CODE", "inc" + std::to_string(i));
    }
}

static void test_page_data_expands_as_template_dictionary(void **)
{
    // ctemplate's way: a dictionary, and an include found in a cache.
    ctemplate::TemplateCache cache;
    assert_true(cache.StringToTemplateCache("outer.tpl", kPragma + kOuter, ctemplate::DO_NOT_STRIP));
    assert_true(cache.StringToTemplateCache("inner.tpl", kPragma + kInner, ctemplate::DO_NOT_STRIP));
    cache.Freeze();
    ctemplate::TemplateDictionary dict("outer");
    fill(&dict, &dict);
    std::string expected;
    assert_true(cache.ExpandNoLoad("outer.tpl", ctemplate::DO_NOT_STRIP, &dict, nullptr, &expected));

    // Ours: the include put in place as a section of its name.
    std::string whole = kOuter;
    whole.replace(whole.find("{{>INC}}"), 8, "{{#INC}}" + kInner + "{{/INC}}");
    whole.replace(whole.find("{{>NONE}}"), 9, "{{#NONE}}never{{/NONE}}");
    std::unique_ptr<ctemplate::Template> tpl(ctemplate::Template::StringToTemplate(kPragma + whole, ctemplate::DO_NOT_STRIP));
    assert_non_null(tpl.get());
    parts::PageData data;
    fill(&data.root(), &data);
    std::string got;
    assert_true(tpl->Expand(&got, &data.root()));

    if (got != expected) {
        std::ofstream("/tmp/page_data_got.txt") << got;
        std::ofstream("/tmp/page_data_expected.txt") << expected;
    }
    assert_string_equal(got.c_str(), expected.c_str());
    // And the test means something: escaped data, hidden and shown parts.
    assert_true(has(got, "&lt;b&gt;&quot;T&quot; &amp; &#39;it&#39;&lt;/b&gt;"));
    assert_true(has(got, "own mine outside: \n"));
    assert_false(has(got, "hidden"));
    assert_false(has(got, "leak"));
    assert_true(has(got, "<a href=\"#?p="));  // the javascript: URL refused
}

// A section's lookup is remembered between ctemplate's two questions about
// it (hidden? then its iterator); a section shown afterwards is seen.
static void test_page_data_changed_after_expansion(void **)
{
    std::unique_ptr<ctemplate::Template> tpl(
        ctemplate::Template::StringToTemplate(kPragma + "{{#A}}a{{/A}}", ctemplate::DO_NOT_STRIP));
    assert_non_null(tpl.get());
    parts::PageData data;
    std::string got;
    assert_true(tpl->Expand(&got, &data.root()));
    assert_string_equal(got.c_str(), "");
    data.root().ShowSection("A");
    got.clear();
    assert_true(tpl->Expand(&got, &data.root()));
    assert_string_equal(got.c_str(), "a");
    data.root().AddSectionDictionary("A");
    got.clear();
    assert_true(tpl->Expand(&got, &data.root()));
    assert_string_equal(got.c_str(), "aa");  // as ctemplate: the shown one, then the added one
}

static void test_theme_constants_reach_every_page(void **)
{
    std::shared_ptr<const Theme> theme = Theme::builtin();
    const char* text = "{{#LOGO}}[{{PREFIX}}{{LOGO_FILE}}?v={{VERSION}}]{{/LOGO}}{{#FAVICON}}{{FAVICON_FILE}}{{/FAVICON}}";
    std::unique_ptr<ctemplate::Template> tpl(ctemplate::Template::StringToTemplate(kPragma + text, ctemplate::DO_NOT_STRIP));
    parts::PageData data(&theme->constants());
    data.SetTemplateGlobalValue("PREFIX", "/p/");
    std::string out;
    assert_true(tpl->Expand(&out, &data.root()));
    std::string expected = "[/p/" + theme->logo() + "?v=" + theme->version() + "]" + theme->favicon();
    assert_string_equal(out.c_str(), expected.c_str());
}

// The ThemeError's text for a theme folder holding one file.
std::string load_error(const std::string& file, const std::string& body)
{
    static int n = 0;
    fs::path dir = fs::temp_directory_path() / ("extranet-page-data-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    fs::create_directories((dir / file).parent_path());
    std::ofstream(dir / file) << body;
    std::string error;
    try {
        Theme::load(dir.string());
    } catch (const ThemeError& e) {
        error = e.what();
    }
    fs::remove_all(dir);
    return error;
}

static void test_includes_out_of_place_fail_the_theme(void **)
{
    std::string field = "<label for=\"{{ID}}\">{{LABEL}}</label>\n<input id=\"{{ID}}\" name=\"{{NAME}}\" value=\"{{VALUE}}\">"
                        "{{ERROR}}\n";
    std::string e = load_error("templates/field.tpl", field + "{{>FIELD_LOGIN}}\n");
    assert_true(has(e, "templates/field.tpl:3: \"{{>FIELD_LOGIN}}\" includes templates into themselves"));

    std::string login = "<form>{{>LOGIN_ERRORS}}{{>FIELD_LOGIN}}{{>FIELD_PASSWORD}}{{NEXT}}{{>PASSKEY_LOGIN}}</form>\n"
                        "{{>CONTENT}}\n";
    e = load_error("templates/login.tpl", login);
    assert_true(has(e, "templates/login.tpl:2: \"{{>CONTENT}}\" cannot be included here"));

    // The same parts where the pages have them load.
    assert_string_equal(load_error("templates/field.tpl", field).c_str(), "");
}

}  // namespace

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blank_lines_stripped_as_ctemplate_does),
        cmocka_unit_test(test_page_data_expands_as_template_dictionary),
        cmocka_unit_test(test_page_data_changed_after_expansion),
        cmocka_unit_test(test_theme_constants_reach_every_page),
        cmocka_unit_test(test_includes_out_of_place_fail_the_theme),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
