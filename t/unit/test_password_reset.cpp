// Unit tests of core/password_reset's pure pieces: the token (size, shape,
// what is stored of it), the link and the mail, and the two pages.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <cstring>
#include <set>
#include <string>

#include "core/primitives/crypto.h"
#include "core/views/pages.h"
#include "core/flows/password_reset.h"
#include "core/flows/settings.h"

using namespace extranet;

static bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

static void test_token_carries_256_random_bits(void **)
{
    std::string token = new_reset_token();
    assert_int_equal(token.size(), 43);
    std::optional<std::string> bytes = base64url_decode(token);
    assert_true(bytes.has_value());
    assert_int_equal(bytes->size(), 32);
}

static void test_tokens_differ(void **)
{
    std::set<std::string> seen;
    for (int i = 0; i < 100; i++) {
        seen.insert(new_reset_token());
    }
    assert_int_equal(seen.size(), 100);
}

static void test_fresh_token_is_well_formed(void **)
{
    for (int i = 0; i < 100; i++) {
        assert_true(is_reset_token(new_reset_token()));
    }
}

static void test_malformed_tokens_are_refused(void **)
{
    std::string good = new_reset_token();
    assert_false(is_reset_token(""));
    assert_false(is_reset_token(good.substr(0, 42)));
    assert_false(is_reset_token(good + "A"));
    assert_false(is_reset_token(std::string(42, 'A') + "="));
    assert_false(is_reset_token(std::string(42, 'A') + "+"));
    assert_false(is_reset_token(std::string(42, 'A') + "/"));
    assert_false(is_reset_token(std::string(42, 'A') + " "));
    assert_false(is_reset_token(std::string(41, 'A') + "\xc3\xa9"));
    assert_true(is_reset_token(std::string(41, 'A') + "-_"));
}

static void test_stored_key_is_sha256_hex_not_the_token(void **)
{
    // SHA-256("abc"), FIPS 180-2 appendix B.1.
    assert_string_equal(reset_token_key("abc").c_str(),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    std::string token = new_reset_token();
    std::string key = reset_token_key(token);
    assert_int_equal(key.size(), 64);
    assert_false(contains(key, token));
    assert_string_equal(key.c_str(), reset_token_key(token).c_str());
}

static void test_link_is_origin_prefix_and_token(void **)
{
    assert_string_equal(reset_link("https://ex.org", "/auth/", "TOKEN").c_str(),
                        "https://ex.org/auth/password/reset?token=TOKEN");
    assert_string_equal(reset_link("http://127.0.0.1:8080", "/x/", "T").c_str(),
                        "http://127.0.0.1:8080/x/password/reset?token=T");
}

static void test_mail_holds_the_link_in_french(void **)
{
    std::string link = "https://ex.org/auth/password/reset?token=abc";
    std::string body = reset_mail_body(PageContext{}, link);
    assert_true(contains(body, "\n" + link + "\n"));
    assert_true(contains(body, "Bonjour"));
    assert_true(contains(body, "une seule fois"));
    // A lost device's passkey: the mail names the box of the reset form.
    assert_true(contains(body, "« Supprimer aussi toutes mes clés d'accès (passkeys) »"));
    assert_string_equal(reset_mail_subject(PageContext{}).c_str(), "Réinitialisation de votre mot de passe");
}

static void test_forgot_page_has_the_field_and_button(void **)
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    PasswordForgotView v;
    std::string html = render_password_forgot(ctx, v);
    assert_true(contains(html, "<h1>Mot de passe oublié</h1>"));
    assert_true(contains(html, "action=\"/auth/password/forgot\""));
    assert_true(contains(html, "Votre adresse e-mail ou votre code client"));
    assert_true(contains(html, "name=\"login\""));
    assert_true(contains(html, "autocomplete=\"username\""));
    assert_true(contains(html, ">Envoyer</button>"));
    assert_false(contains(html, "role=\"alert\""));
}

static void test_forgot_page_keeps_and_escapes_the_typed_text(void **)
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    PasswordForgotView v;
    v.login = "a\"<b>";
    v.error = "Veuillez entrer une adresse email valide.";
    std::string html = render_password_forgot(ctx, v);
    assert_true(contains(html, "value=\"a&quot;&lt;b&gt;\""));
    assert_true(contains(html, "Veuillez entrer une adresse email valide."));
    assert_true(contains(html, "aria-invalid=\"true\""));
}

static void test_reset_page_has_token_and_new_password_fields(void **)
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    PasswordResetView v;
    v.token = "TOKEN-value_1";
    v.email = "marie@example.org";
    v.min_length = 14;
    v.errors["password_confirm"] = "Les mots de passe ne correspondent pas.";
    std::string html = render_password_reset(ctx, v);
    assert_true(contains(html, "action=\"/auth/password/reset\""));
    assert_true(contains(html, "name=\"token\" value=\"TOKEN-value_1\""));
    assert_true(contains(html, "name=\"new_password\""));
    assert_true(contains(html, "name=\"password_confirm\""));
    assert_true(contains(html, "autocomplete=\"new-password\""));
    assert_true(contains(html, "Au moins 14 caractères."));
    assert_true(contains(html, "minlength=\"14\""));
    assert_true(contains(html, "autocomplete=\"username\" value=\"marie@example.org\""));
    assert_true(contains(html, "Les mots de passe ne correspondent pas."));
    // Every passkey may go with the reset: the box is ticked at first.
    assert_true(contains(html, "<input type=\"checkbox\" name=\"remove_passkeys\" "
                               "id=\"reset-remove-passkeys\" value=\"1\" "
                               "aria-describedby=\"reset-passkeys-hint\" checked>"));
    assert_true(contains(html, "<label for=\"reset-remove-passkeys\">Supprimer aussi toutes mes "
                               "clés d'accès (passkeys)</label>"));
    v.remove_passkeys = false;  // as sent back with an error
    assert_false(contains(render_password_reset(ctx, v), "checked"));
}

static void test_reset_cookie_is_for_the_reset_page_only(void **)
{
    Settings s;
    s.cookie.name = "__Host-extranet_session";
    CookieSettings c = reset_cookie(s, "/auth/");
    // "__Host-" needs Path=/: a page-scoped cookie takes "__Secure-".
    assert_string_equal(c.name.c_str(), "__Secure-extranet_session_reset");
    assert_string_equal(c.path.c_str(), "/auth/password/reset");
    assert_true(c.secure);
    assert_true(c.domain.empty());
    assert_string_equal(c.same_site.c_str(), "Lax");
    std::string line = set_cookie(c, "TOKEN", kResetCookieLifetime);
    assert_non_null(strstr(line.c_str(), "; HttpOnly"));
    assert_non_null(strstr(line.c_str(), "; Max-Age=900;"));

    s.cookie.name = "copro";
    s.cookie.secure = false;
    s.cookie.domain = "example.org";
    c = reset_cookie(s, "/connexion/");
    assert_string_equal(c.name.c_str(), "copro_reset");
    assert_false(c.secure);
    assert_true(c.domain.empty());
    assert_string_equal(c.path.c_str(), "/connexion/password/reset");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_carries_256_random_bits),
        cmocka_unit_test(test_reset_cookie_is_for_the_reset_page_only),
        cmocka_unit_test(test_tokens_differ),
        cmocka_unit_test(test_fresh_token_is_well_formed),
        cmocka_unit_test(test_malformed_tokens_are_refused),
        cmocka_unit_test(test_stored_key_is_sha256_hex_not_the_token),
        cmocka_unit_test(test_link_is_origin_prefix_and_token),
        cmocka_unit_test(test_mail_holds_the_link_in_french),
        cmocka_unit_test(test_forgot_page_has_the_field_and_button),
        cmocka_unit_test(test_forgot_page_keeps_and_escapes_the_typed_text),
        cmocka_unit_test(test_reset_page_has_token_and_new_password_fields),
    };
    return cmocka_run_group_tests_name("password_reset", tests, NULL, NULL);
}
