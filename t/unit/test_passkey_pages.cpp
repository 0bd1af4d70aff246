// Unit tests of core/passkey_pages: the login page's hidden button, the
// "Clés d'accès" section (plain forms that work without JavaScript), every
// dynamic value escaped, and a script without inline code or HTML injection.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>
#include <vector>

#include "core/views/pages.h"
#include "core/views/passkey_pages.h"

using namespace extranet;

namespace {

const std::string evil = "<script>alert(\"x\")</script>' onfocus=\"y";
const std::string evil_escaped =
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onfocus=&quot;y";

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

PageContext ctx() {
    PageContext c;
    c.prefix = "/auth/";
    c.csrf = "c5rf70k3n";
    c.logged_in = true;
    return c;
}

}  // namespace

static void test_login_button_is_hidden_until_the_script_shows_it(void **)
{
    std::string html = passkey_login_fragment(ctx(), "/copro/");
    assert_true(has(html, "<div class=\"passkey-login\" id=\"passkey-login\" data-prefix=\"/auth/\" "
                          "data-next=\"/copro/\" hidden>"));
    assert_true(has(html, "Se connecter avec une clé d'accès"));
    assert_true(has(html, "<script src=\"/auth/passkey.js?v=" + asset_version() + "\" defer></script>"));
    assert_false(has(html, "<script>"));
    assert_false(has(html, "onclick"));
}

static void test_login_fragment_escapes_next(void **)
{
    std::string html = passkey_login_fragment(ctx(), evil);
    assert_true(has(html, evil_escaped));
    assert_false(has(html, "<script>alert"));
}

static void test_section_lists_each_passkey_with_a_remove_form(void **)
{
    PasskeyItem a{"Y3JlZC1h", "Mon téléphone", "26/11/2026 11:44", ""};
    PasskeyItem b{"Y3JlZC1i", "", "27/11/2026 09:00", "28/11/2026 10:15"};
    std::string html = passkey_manage_section(ctx(), {a, b});
    assert_true(has(html, "<h2 id=\"manage-passkeys\">Clés d'accès</h2>"));
    assert_true(has(html, "Mon téléphone"));
    assert_true(has(html, "Créée le 26/11/2026 11:44"));
    assert_true(has(html, "Dernière utilisation : jamais"));
    assert_true(has(html, "Dernière utilisation : 28/11/2026 10:15"));
    assert_true(has(html, ">Clé d'accès</p>"));  // an unnamed one: the catalog's text
    assert_true(has(html, "action=\"/auth/passkey/delete\""));
    assert_true(has(html, "<input type=\"hidden\" name=\"csrf\" value=\"c5rf70k3n\">"));
    assert_true(has(html, "<input type=\"hidden\" name=\"id\" value=\"Y3JlZC1h\">"));
    assert_true(has(html, "<input type=\"hidden\" name=\"id\" value=\"Y3JlZC1i\">"));
    assert_true(has(html, "aria-describedby=\"passkey-0\""));
    assert_false(has(html, "Aucune clé d'accès enregistrée."));
}

static void test_section_without_passkeys_and_without_javascript(void **)
{
    std::string html = passkey_manage_section(ctx(), {});
    assert_true(has(html, "Aucune clé d'accès enregistrée."));
    // The add button needs WebAuthn: hidden until the script shows it, and a
    // sentence for browsers without it.
    assert_true(has(html, "id=\"passkey-add\" data-prefix=\"/auth/\" data-csrf=\"c5rf70k3n\" hidden>"));
    assert_true(has(html, "Ajouter une clé d'accès"));
    assert_true(has(html, "<p class=\"hint\" id=\"passkey-unsupported\">"));
    assert_true(has(html, "<label for=\"passkey-name\">"));
}

static void test_section_escapes_every_dynamic_value(void **)
{
    PageContext c = ctx();
    c.csrf = evil;
    PasskeyItem k{evil, evil, evil, evil};
    std::string html = passkey_manage_section(c, {k});
    assert_false(has(html, "<script>alert"));
    assert_false(has(html, "onfocus=\"y"));
    std::size_t n = 0;
    for (std::size_t at = 0; (at = html.find(evil_escaped, at)) != std::string::npos; ++at) ++n;
    assert_int_equal(n, 6);  // name, created, last used, id, csrf (form and data-csrf)
}

static void test_script_inserts_text_only(void **)
{
    std::string js(passkey_script());
    assert_true(has(js, "window.PublicKeyCredential"));
    assert_true(has(js, "navigator.credentials.create"));
    assert_true(has(js, "navigator.credentials.get"));
    assert_true(has(js, "textContent"));
    assert_false(has(js, "innerHTML"));
    assert_false(has(js, "eval("));
    assert_false(has(js, "document.write"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_login_button_is_hidden_until_the_script_shows_it),
        cmocka_unit_test(test_login_fragment_escapes_next),
        cmocka_unit_test(test_section_lists_each_passkey_with_a_remove_form),
        cmocka_unit_test(test_section_without_passkeys_and_without_javascript),
        cmocka_unit_test(test_section_escapes_every_dynamic_value),
        cmocka_unit_test(test_script_inserts_text_only),
    };
    return cmocka_run_group_tests_name("passkey_pages", tests, NULL, NULL);
}
