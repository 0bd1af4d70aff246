// Unit tests of flows/access_mail: the mail, in the built-in words, that tells an owner of a
// change to their access; never a link, never the client's raw text.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/flows/access_mail.h"

using namespace extranet;

static bool has(const std::string& s, const std::string& part)
{
    return s.find(part) != std::string::npos;
}

static AccessNotice notice(AccessChange c)
{
    AccessNotice n;
    n.change = c;
    n.account = "030000100001";
    n.client_addr = "203.0.113.7";
    n.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                   "Gecko) Chrome/120.0 Safari/537.36";
    n.at = 1796491560;  // 2026-12-05 17:26 UTC
    return n;
}

static void test_paris_time_follows_winter_and_summer_time(void **)
{
    assert_string_equal(notice_time(PageContext{}, 1796491560).c_str(), "05/12/2026 à 18:26 (heure de Paris)");
    // 2026-07-01 12:00 UTC: summer time, UTC+2.
    assert_string_equal(notice_time(PageContext{}, 1782907200).c_str(), "01/07/2026 à 14:00 (heure de Paris)");
    // 2026-03-29 00:59:59 UTC is still winter; 01:00 UTC is summer.
    assert_string_equal(notice_time(PageContext{}, 1774745999).c_str(), "29/03/2026 à 01:59 (heure de Paris)");
    assert_string_equal(notice_time(PageContext{}, 1774746000).c_str(), "29/03/2026 à 03:00 (heure de Paris)");
    // 2026-10-25 01:00 UTC: back to winter.
    assert_string_equal(notice_time(PageContext{}, 1792890000).c_str(), "25/10/2026 à 02:00 (heure de Paris)");
}

static void test_each_change_has_its_french_subject_and_sentence(void **)
{
    struct {
        AccessChange c;
        const char* subject;
        const char* sentence;
    } cases[] = {
        {AccessChange::password_changed, "Votre mot de passe a été modifié",
         "Le mot de passe de votre espace copropriétaire a été modifié le 05/12/2026 à 18:26"},
        {AccessChange::password_reset, "Votre mot de passe a été réinitialisé",
         "a été réinitialisé avec le lien « Mot de passe oublié »"},
        {AccessChange::account_linked, "Un compte a été associé à votre adresse e-mail",
         "Le compte 030000100001 a été associé à votre adresse e-mail le"},
        {AccessChange::account_unlinked, "Un compte a été dissocié de votre adresse e-mail",
         "Le compte 030000100001 a été dissocié"},
        {AccessChange::passkey_added, "Une clé d'accès a été ajoutée à votre espace",
         "Une nouvelle clé d'accès (passkey) a été ajoutée"},
        {AccessChange::passkey_removed, "Une clé d'accès a été supprimée de votre espace",
         "Une clé d'accès (passkey) a été supprimée de votre espace copropriétaire le"},
    };
    for (const auto& k : cases) {
        AccessNotice n = notice(k.c);
        assert_string_equal(access_notice_subject(PageContext{}, n).c_str(), k.subject);
        std::string body = access_notice_body(PageContext{}, n);
        if (!has(body, k.sentence)) fail_msg("missing \"%s\" in:\n%s", k.sentence, body.c_str());
        assert_true(has(body, "Depuis l'adresse IP 203.0.113.7, navigateur Chrome sur Windows."));
        assert_true(has(body, "Si ce n'est pas vous"));
        assert_true(has(body, "« Mot de passe oublié ? »"));
        assert_true(has(body, "contactez votre syndic"));
        assert_false(has(body, "http"));
        assert_false(has(body, "token"));
    }
}

static void test_a_reset_says_the_passkeys_went_with_it(void **)
{
    AccessNotice n = notice(AccessChange::password_reset);
    assert_false(has(access_notice_body(PageContext{}, n), "en même temps"));
    n.passkeys_removed = 1;
    assert_true(has(access_notice_body(PageContext{}, n),
                    "Votre clé d'accès (passkey) a été supprimée en même temps"));
    n.passkeys_removed = 3;
    assert_true(has(access_notice_body(PageContext{}, n), "Vos 3 clés d'accès (passkeys) ont été supprimées"));
    // What to do if it was not them names the box of the reset form.
    assert_true(has(access_notice_body(PageContext{}, n), "« Supprimer aussi toutes mes clés d'accès »"));
}

static void test_client_text_never_reaches_the_mail(void **)
{
    AccessNotice n = notice(AccessChange::password_changed);
    n.user_agent = "Visit https://evil.example/login?x=1 now";
    n.client_addr = "1.2.3.4\r\nBcc: x@evil.example";
    n.account = "0300<a href=x>";
    std::string body = access_notice_body(PageContext{}, n);
    assert_false(has(body, "evil"));
    assert_false(has(body, "https"));
    assert_false(has(body, "\r"));
    assert_true(has(body, "navigateur non reconnu"));
    assert_true(has(body, "Depuis l'adresse IP 1.2.3.4"));
    n.change = AccessChange::account_linked;
    assert_true(has(access_notice_body(PageContext{}, n), "Le compte 0300 a été associé"));
    n.client_addr = "";
    n.user_agent = "";
    assert_true(has(access_notice_body(PageContext{}, n), "Depuis l'adresse IP inconnue, navigateur non reconnu."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paris_time_follows_winter_and_summer_time),
        cmocka_unit_test(test_each_change_has_its_french_subject_and_sentence),
        cmocka_unit_test(test_a_reset_says_the_passkeys_went_with_it),
        cmocka_unit_test(test_client_text_never_reaches_the_mail),
    };
    return cmocka_run_group_tests_name("access_notice", tests, NULL, NULL);
}
