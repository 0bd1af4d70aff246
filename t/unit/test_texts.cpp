// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The catalog of texts: every name the code uses (texts.h) has its message
// in the built-in catalog, so that no lookup fails on a request; a theme
// rewords them message by message, and its mistakes name file and line.
#include "core/views/texts.h"

#include "core/flows/access_mail.h"
#include "core/flows/address_confirmation.h"
#include "core/flows/passkey_ceremony.h"
#include "core/flows/password_reset.h"
#include "core/flows/route.h"
#include "core/views/pages.h"
#include "core/views/theme.h"

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <set>
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

bool has(std::string_view haystack, std::string_view needle)
{
    return haystack.find(needle) != std::string_view::npos;
}

// A theme folder holding only this catalog.
std::string theme_with_catalog(const std::string& body)
{
    static int n = 0;
    fs::path dir = fs::temp_directory_path() / ("extranet-texts-" + std::to_string(getpid()) + "-" + std::to_string(++n));
    fs::create_directories(dir);
    std::ofstream(dir / "messages_fr.properties") << body;
    return dir.string();
}

// The ThemeError's text for a theme with this catalog, "" when it loads.
std::string catalog_error(const std::string& body)
{
    std::string dir = theme_with_catalog(body);
    std::string why;
    try {
        Theme::load(dir);
    } catch (const ThemeError& e) {
        why = e.what();
    }
    fs::remove_all(dir);
    return why;
}

// key = message of the file, as the theme reads it.
std::set<std::string> catalog_keys(const std::string& path)
{
    std::set<std::string> keys;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::size_t eq = line.find(" = ");
        if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
        keys.insert(line.substr(0, eq));
    }
    return keys;
}

}  // namespace

// The one list the code names keys from, against the built-in catalog: a
// key missing there fails here, not on a request.
static void test_every_text_of_the_code_is_in_the_default_catalog(void **)
{
    std::set<std::string> keys = catalog_keys("themes/default/messages_fr.properties");
    assert_true(keys.size() > 100);
    for (std::string_view key : kTextKeys) {
        if (keys.count(std::string(key)) == 0) fail_msg("no message \"%.*s\" in themes/default", (int)key.size(), key.data());
    }
    // The built-in theme found each of them when it loaded.
    auto t = Theme::builtin();
    for (std::size_t i = 0; i < kTextCount; ++i) {
        assert_false(t->text(static_cast<Text>(i)).empty());
    }
    assert_string_equal(t->text(Text::login_error_failed).c_str(), "Identifiant ou mot de passe incorrect.");
}

static void test_text_names_are_their_keys(void **)
{
    // X(name, "key"): the name is the key with '_' for '.', so that a
    // reader finds one from the other.
#define CHECK_NAME(name, key)                                              \
    {                                                                      \
        std::string n = #name;                                             \
        std::string k = key;                                               \
        for (char& c : k) c = c == '.' ? '_' : c;                          \
        assert_string_equal(n.c_str(), k.c_str());                         \
    }
    EXTRANET_TEXTS(CHECK_NAME)
#undef CHECK_NAME
    std::set<std::string_view> unique(std::begin(kTextKeys), std::end(kTextKeys));
    assert_int_equal(unique.size(), kTextCount);
}

static void test_a_theme_rewords_a_flow_message(void **)
{
    std::string dir = theme_with_catalog("login.error.failed = Mauvais identifiants <b>.\n"
                                         "password.error.too_short = Trop court : {0} au moins.\n");
    auto t = Theme::load(dir);
    fs::remove_all(dir);
    PageContext ctx;
    ctx.theme = t.get();
    assert_string_equal(page_text(ctx, Text::login_error_failed).c_str(), "Mauvais identifiants <b>.");
    assert_string_equal(page_text(ctx, Text::password_error_too_short, {"12"}).c_str(), "Trop court : 12 au moins.");
    // The rest comes from the default.
    assert_string_equal(page_text(ctx, Text::common_error_method).c_str(), "Méthode non autorisée.");
    PageContext plain;
    assert_string_equal(page_text(plain, Text::login_error_failed).c_str(), "Identifiant ou mot de passe incorrect.");
}

static void test_placeholders_are_filled_once(void **)
{
    PageContext ctx;
    // What an argument holds is not filled in again.
    assert_string_equal(page_text(ctx, Text::link_partner_syndic_named, {"{1}", "Durand"}).c_str(),
                        "le syndic {1} (Durand)");
    assert_string_equal(page_text(ctx, Text::password_error_too_long, {"128"}).c_str(),
                        "Le mot de passe ne doit pas dépasser 128 caractères.");
}

static void test_catalog_mistakes_name_file_and_line(void **)
{
    std::string e = catalog_error("# words\n\nlogin.error.nope = X\n");
    assert_true(has(e, "messages_fr.properties:3: unknown message key \"login.error.nope\""));
    // A placeholder the portal does not fill would show as "{1}".
    e = catalog_error("# words\nlogin.error.failed = Non.\npassword.error.too_short = {0} ou {1}\n");
    assert_true(has(e, "messages_fr.properties:3: message \"password.error.too_short\": unknown placeholder \"{1}\""));
    e = catalog_error("login.error.failed = Non : {0}\n");
    assert_true(has(e, "messages_fr.properties:1: message \"login.error.failed\": unknown placeholder \"{0}\""));
    // Leaving one out is the theme's choice.
    assert_string_equal(catalog_error("password.error.too_short = Trop court.\n").c_str(), "");
}

// The mails too: a theme's words, its line breaks, the link filled in.
static void test_a_theme_rewords_the_mails(void **)
{
    std::string dir = theme_with_catalog("mail.reset.subject = Votre accès Durand\n"
                                         "mail.reset.body = Bonjour,\\n\\nCliquez :\\n{0}\\n\\nCabinet Durand\\n\n"
                                         "mail.notice.time = le {0} vers {1}\n");
    auto t = Theme::load(dir);
    fs::remove_all(dir);
    PageContext ctx;
    ctx.theme = t.get();
    assert_string_equal(reset_mail_subject(ctx).c_str(), "Votre accès Durand");
    assert_string_equal(reset_mail_body(ctx, "https://e/r?token=x").c_str(),
                        "Bonjour,\n\nCliquez :\nhttps://e/r?token=x\n\nCabinet Durand\n");
    assert_string_equal(notice_time(ctx, 1796491560).c_str(), "le 05/12/2026 vers 18:26");
    // What the theme leaves out keeps the built-in words.
    assert_string_equal(confirm_mail_subject(ctx).c_str(), "Confirmez votre adresse e-mail");
    assert_string_equal(reset_mail_subject(PageContext{}).c_str(), "Réinitialisation de votre mot de passe");
}

// The scripts' words: an object of the theme's messages, put into menu.js
// and passkey.js when the theme is loaded.
static void test_the_scripts_words_are_the_themes(void **)
{
    auto builtin = Theme::builtin();
    const std::string& menu = builtin->asset("menu.js")->body;
    assert_false(has(menu, "/*TEXTS*/"));
    assert_true(has(menu, "'menu.label':'Mon compte extranet'"));
    assert_true(has(menu, "'nav.logout':'Se déconnecter'"));
    assert_true(has(builtin->asset("passkey.js")->body, "'passkey.js.failed':'La clé d\\'accès n\\'a pas pu"));
    std::string dir = theme_with_catalog("nav.logout = Au revoir <l'ami>\npasskey.js.error = Oups {0}\n");
    auto t = Theme::load(dir);
    fs::remove_all(dir);
    // A quote cannot end the string, nor "<" a script element.
    assert_true(has(t->asset("menu.js")->body, "'nav.logout':'Au revoir \\x3cl\\'ami>'"));
    assert_true(has(t->asset("passkey.js")->body, "'passkey.js.error':'Oups {0}'"));
    assert_string_not_equal(t->asset("passkey.js")->etag.c_str(), builtin->asset("passkey.js")->etag.c_str());
}

// The parser's refusals and the passkey ceremonies' each have their text.
static void test_lower_floors_errors_map_to_texts(void **)
{
    PageContext ctx;
    assert_string_equal(page_text(ctx, form_error_text(FormError::bad_encoding)).c_str(),
                        "Encodage du formulaire invalide.");
    assert_string_equal(page_text(ctx, form_error_text(FormError::control_char)).c_str(),
                        "Caractères de contrôle interdits.");
    const FormError all[] = {FormError::bad_encoding,   FormError::invalid_utf8,    FormError::control_char,
                             FormError::too_many_fields, FormError::field_too_long, FormError::duplicate_field};
    std::set<Text> seen;
    for (FormError e : all) seen.insert(form_error_text(e));
    assert_int_equal(seen.size(), sizeof all / sizeof all[0]);
    assert_string_equal(page_text(ctx, passkey_ceremony::webauthn_error_text(WebAuthnError::counter_regressed)).c_str(),
                        "Cette clé d'accès semble avoir été copiée : elle est refusée. "
                        "Connectez-vous avec votre mot de passe.");
    assert_true(passkey_ceremony::webauthn_error_text(WebAuthnError::bad_signature) ==
                Text::passkey_error_not_verified);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_text_of_the_code_is_in_the_default_catalog),
        cmocka_unit_test(test_text_names_are_their_keys),
        cmocka_unit_test(test_a_theme_rewords_a_flow_message),
        cmocka_unit_test(test_placeholders_are_filled_once),
        cmocka_unit_test(test_catalog_mistakes_name_file_and_line),
        cmocka_unit_test(test_a_theme_rewords_the_mails),
        cmocka_unit_test(test_the_scripts_words_are_the_themes),
        cmocka_unit_test(test_lower_floors_errors_map_to_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
