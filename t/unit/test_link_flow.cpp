// Unit tests of core/link_flow's pure checks: personal information, the
// password policy (characters, not bytes), the partner refusal's wording and
// the JSON of field errors.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/primitives/form.h"
#include "core/flows/link_flow.h"

using namespace extranet;

static ProfileInput profile(std::string last, std::string first, std::string phone)
{
    ProfileInput p;
    p.last_name = std::move(last);
    p.first_name = std::move(first);
    p.phone = std::move(phone);
    return p;
}

static void test_read_profile_trims_surrounding_spaces(void **)
{
    Form form;
    form.set("last_name", "  Dupont ");
    form.set("first_name", "\tMarie");
    form.set("phone", " 06 12 ");
    ProfileInput p = read_profile(form);
    assert_string_equal(p.last_name.c_str(), "Dupont");
    assert_string_equal(p.first_name.c_str(), "Marie");
    assert_string_equal(p.phone.c_str(), "06 12");
}

static void test_complete_profile_has_no_error(void **)
{
    assert_true(check_profile(PageContext{}, profile("Dupont", "Marie", "+33 6 12.34-56 78")).empty());
    assert_true(check_profile(PageContext{}, profile("Dupont", "Marie", "")).empty());
}

static void test_names_are_required(void **)
{
    FieldErrors e = check_profile(PageContext{}, profile("", "", ""));
    assert_string_equal(e["last_name"].c_str(), "Veuillez indiquer votre nom.");
    assert_string_equal(e["first_name"].c_str(), "Veuillez indiquer votre prénom.");
    assert_int_equal(e.count("phone"), 0);
}

static void test_names_are_limited_to_100_characters_not_bytes(void **)
{
    std::string hundred;
    for (int i = 0; i < 100; i++) hundred += "é";  // 200 bytes
    assert_true(check_profile(PageContext{}, profile(hundred, hundred, "")).empty());
    FieldErrors e = check_profile(PageContext{}, profile(hundred + "e", "Marie", ""));
    assert_string_equal(e["last_name"].c_str(), "Le nom ne doit pas dépasser 100 caractères.");
}

static void test_phone_allows_digits_spaces_plus_dot_dash_only(void **)
{
    assert_int_equal(check_profile(PageContext{}, profile("D", "M", "06 12 ab")).count("phone"), 1);
    assert_int_equal(check_profile(PageContext{}, profile("D", "M", "06/12/34")).count("phone"), 1);
    assert_int_equal(check_profile(PageContext{}, profile("D", "M", "+ - .")).count("phone"), 1);  // no digit
    assert_int_equal(check_profile(PageContext{}, profile("D", "M", std::string(31, '0'))).count("phone"), 1);
    assert_true(check_profile(PageContext{}, profile("D", "M", std::string(30, '0'))).empty());
}

static void test_count_code_points_counts_characters(void **)
{
    assert_int_equal(count_code_points(""), 0);
    assert_int_equal(count_code_points("abc"), 3);
    assert_int_equal(count_code_points("été"), 3);
    assert_int_equal(count_code_points("€😀"), 2);
}

static void test_password_shorter_than_minimum_is_refused(void **)
{
    FieldErrors e;
    check_new_password(PageContext{}, "court-11car", "court-11car", 12, 1024, "password", e);
    assert_string_equal(e["password"].c_str(),
                        "Le mot de passe doit contenir au moins 12 caractères.");
    assert_int_equal(e.count("password_confirm"), 0);
}

static void test_password_length_counts_characters_not_bytes(void **)
{
    FieldErrors e;
    check_new_password(PageContext{}, "ééééééééééé", "ééééééééééé", 12, 1024, "password", e);  // 22 bytes
    assert_int_equal(e.count("password"), 1);
    FieldErrors ok;
    check_new_password(PageContext{}, "éééééééééééé", "éééééééééééé", 12, 1024, "password", ok);
    assert_true(ok.empty());
}

static void test_password_of_128_characters_is_accepted(void **)
{
    FieldErrors e;
    std::string p(128, 'x');
    check_new_password(PageContext{}, p, p, 12, 128, "new_password", e);
    assert_true(e.empty());
    check_new_password(PageContext{}, p + "x", p + "x", 12, 128, "new_password", e);
    assert_int_equal(e.count("new_password"), 1);
}

static void test_mismatched_confirmation_is_reported_on_the_confirmation(void **)
{
    FieldErrors e;
    check_new_password(PageContext{}, "un-mot-de-passe", "un-autre-mot", 12, 1024, "new_password", e);
    assert_string_equal(e["password_confirm"].c_str(), "Les mots de passe ne correspondent pas.");
    assert_int_equal(e.count("new_password"), 0);
}

static void test_common_password_is_refused_in_french(void **)
{
    FieldErrors e;
    check_new_password(PageContext{}, "AZERTYUIOP", "AZERTYUIOP", 8, 1024, "new_password", e);
    assert_true(e.count("new_password") == 1);
    assert_true(e["new_password"].find("les plus courants") != std::string::npos);
    FieldErrors ok;
    check_new_password(PageContext{}, "Azerty-du-Clos-Fleuri", "Azerty-du-Clos-Fleuri", 8, 1024, "new_password", ok);
    assert_true(ok.empty());
}

static void test_partner_message_names_both_syndics(void **)
{
    assert_string_equal(
        partner_conflict_message(PageContext{}, "0400", "Syndic Leroy", "0300", "Cabinet Durand").c_str(),
        "Ce compte ne peut pas être associé à cette adresse : il est géré par le syndic 0400 "
        "(Syndic Leroy), et les comptes déjà associés à cette adresse par le syndic 0300 "
        "(Cabinet Durand). Des comptes de ces deux syndics ne peuvent pas être réunis sous une "
        "même adresse e-mail.");
}

static void test_partner_message_without_names(void **)
{
    assert_string_equal(partner_conflict_message(PageContext{}, "0400", "", "0300", "").c_str(),
                        "Ce compte ne peut pas être associé à cette adresse : il est géré par le "
                        "syndic 0400, et les comptes déjà associés à cette adresse par le syndic "
                        "0300. Des comptes de ces deux syndics ne peuvent pas être réunis sous "
                        "une même adresse e-mail.");
}

static void test_json_field_errors_lists_every_field(void **)
{
    FieldErrors e;
    e["password"] = "court";
    e["password_confirm"] = "diff\"érent";
    assert_string_equal(json_field_errors("invalid_fields", "Corrigez.", e).c_str(),
                        "{\"error\":\"invalid_fields\",\"message\":\"Corrigez.\","
                        "\"field\":\"password\",\"fields\":{\"password\":\"court\","
                        "\"password_confirm\":\"diff\\\"érent\"}}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_profile_trims_surrounding_spaces),
        cmocka_unit_test(test_complete_profile_has_no_error),
        cmocka_unit_test(test_names_are_required),
        cmocka_unit_test(test_names_are_limited_to_100_characters_not_bytes),
        cmocka_unit_test(test_phone_allows_digits_spaces_plus_dot_dash_only),
        cmocka_unit_test(test_count_code_points_counts_characters),
        cmocka_unit_test(test_password_shorter_than_minimum_is_refused),
        cmocka_unit_test(test_password_length_counts_characters_not_bytes),
        cmocka_unit_test(test_password_of_128_characters_is_accepted),
        cmocka_unit_test(test_mismatched_confirmation_is_reported_on_the_confirmation),
        cmocka_unit_test(test_common_password_is_refused_in_french),
        cmocka_unit_test(test_partner_message_names_both_syndics),
        cmocka_unit_test(test_partner_message_without_names),
        cmocka_unit_test(test_json_field_errors_lists_every_field),
    };
    return cmocka_run_group_tests_name("link_flow", tests, NULL, NULL);
}
