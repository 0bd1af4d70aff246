// Unit tests of core/email: address syntax and normalisation.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/primitives/email.h"

using namespace extranet;
using namespace std::string_literals;

static bool accepted(const std::string& text)
{
    return normalize_email(text).has_value();
}

static void test_accepts_a_plain_address(void **)
{
    auto e = normalize_email("jean.dupont@example.fr");
    assert_true(e.has_value());
    assert_string_equal(e->c_str(), "jean.dupont@example.fr");
}

static void test_lowercases_the_whole_address(void **)
{
    auto e = normalize_email("Jean.DUPONT@Example.FR");
    assert_true(e.has_value());
    assert_string_equal(e->c_str(), "jean.dupont@example.fr");
}

static void test_trims_surrounding_blanks(void **)
{
    auto e = normalize_email("  \tmarie@example.com \t ");
    assert_true(e.has_value());
    assert_string_equal(e->c_str(), "marie@example.com");
}

static void test_rejects_inner_spaces(void **)
{
    assert_false(accepted("marie dupont@example.com"));
    assert_false(accepted("marie@exa mple.com"));
}

static void test_keeps_plus_tags_and_other_atext(void **)
{
    auto e = normalize_email("Jean+Syndic@example.fr");
    assert_true(e.has_value());
    assert_string_equal(e->c_str(), "jean+syndic@example.fr");
    assert_true(accepted("o'brien@example.ie"));
    assert_true(accepted("a!#$%&*/=?^_`{|}~-b@example.com"));
}

static void test_requires_exactly_one_at_sign(void **)
{
    assert_false(accepted("jean.example.fr"));
    assert_false(accepted("jean@dupont@example.fr"));
    assert_false(accepted("jean@@example.fr"));
}

static void test_rejects_empty_parts(void **)
{
    assert_false(accepted(""));
    assert_false(accepted("   "));
    assert_false(accepted("@example.fr"));
    assert_false(accepted("jean@"));
    assert_false(accepted("@"));
}

static void test_rejects_misplaced_dots_in_local_part(void **)
{
    assert_false(accepted(".jean@example.fr"));
    assert_false(accepted("jean.@example.fr"));
    assert_false(accepted("jean..dupont@example.fr"));
    assert_false(accepted(".@example.fr"));
}

static void test_rejects_misplaced_dots_in_domain(void **)
{
    assert_false(accepted("jean@.example.fr"));
    assert_false(accepted("jean@example.fr."));
    assert_false(accepted("jean@example..fr"));
}

static void test_rejects_labels_starting_or_ending_with_hyphen(void **)
{
    assert_false(accepted("jean@-example.fr"));
    assert_false(accepted("jean@example-.fr"));
    assert_false(accepted("jean@example.-fr"));
    assert_true(accepted("jean@my-syndic.example.fr"));
    assert_true(accepted("jean@xn--syndic-9ua.fr"));
}

static void test_rejects_non_ldh_domain_characters(void **)
{
    assert_false(accepted("jean@exa_mple.fr"));
    assert_false(accepted("jean@[192.0.2.1]"));
    assert_false(accepted("jean@example.fr:25"));
}

static void test_rejects_single_label_domain(void **)
{
    assert_false(accepted("jean@localhost"));
    assert_false(accepted("jean@fr"));
}

static void test_rejects_all_numeric_top_level_label(void **)
{
    assert_false(accepted("jean@192.0.2.1"));
    assert_true(accepted("jean@123.example.fr"));
}

static void test_local_part_limited_to_64_bytes(void **)
{
    assert_true(accepted(std::string(64, 'a') + "@example.fr"));
    assert_false(accepted(std::string(65, 'a') + "@example.fr"));
}

static void test_domain_label_limited_to_63_bytes(void **)
{
    assert_true(accepted("a@" + std::string(63, 'b') + ".fr"));
    assert_false(accepted("a@" + std::string(64, 'b') + ".fr"));
}

static void test_address_limited_to_254_bytes(void **)
{
    // 64 + 1 + 189 = 254: labels of 63 + 63 + 60 and two dots.
    std::string domain = std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                         std::string(58, 'd') + ".fr";
    std::string at_limit = std::string(64, 'a') + "@" + domain;
    assert_int_equal(at_limit.size(), 254);
    assert_true(accepted(at_limit));
    std::string over = std::string(64, 'a') + "@d" + domain;
    assert_int_equal(over.size(), 255);
    assert_false(accepted(over));
    // The limit is counted after trimming.
    assert_true(accepted("  " + at_limit + "  "));
}

static void test_rejects_non_ascii(void **)
{
    assert_false(accepted("héloïse@example.fr"));
    assert_false(accepted("jean@exämple.fr"));
    assert_false(accepted("jean@example.fr\xC2\xA0"));
}

static void test_rejects_quoted_local_parts_and_specials(void **)
{
    assert_false(accepted("\"jean dupont\"@example.fr"));
    assert_false(accepted("\"jean\"@example.fr"));
    assert_false(accepted("jean(comment)@example.fr"));
    assert_false(accepted("jean,paul@example.fr"));
    assert_false(accepted("<jean@example.fr>"));
    assert_false(accepted("jean\\@example.fr"));
}

static void test_rejects_cr_lf_and_nul_anywhere(void **)
{
    assert_false(accepted("jean@example.fr\r\n"));
    assert_false(accepted("jean@example.fr\nBcc: x@example.com"));
    assert_false(accepted("\njean@example.fr"));
    assert_false(accepted("je\ran@example.fr"));
    assert_false(accepted("jean@example.fr\0"s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts_a_plain_address),
        cmocka_unit_test(test_lowercases_the_whole_address),
        cmocka_unit_test(test_trims_surrounding_blanks),
        cmocka_unit_test(test_rejects_inner_spaces),
        cmocka_unit_test(test_keeps_plus_tags_and_other_atext),
        cmocka_unit_test(test_requires_exactly_one_at_sign),
        cmocka_unit_test(test_rejects_empty_parts),
        cmocka_unit_test(test_rejects_misplaced_dots_in_local_part),
        cmocka_unit_test(test_rejects_misplaced_dots_in_domain),
        cmocka_unit_test(test_rejects_labels_starting_or_ending_with_hyphen),
        cmocka_unit_test(test_rejects_non_ldh_domain_characters),
        cmocka_unit_test(test_rejects_single_label_domain),
        cmocka_unit_test(test_rejects_all_numeric_top_level_label),
        cmocka_unit_test(test_local_part_limited_to_64_bytes),
        cmocka_unit_test(test_domain_label_limited_to_63_bytes),
        cmocka_unit_test(test_address_limited_to_254_bytes),
        cmocka_unit_test(test_rejects_non_ascii),
        cmocka_unit_test(test_rejects_quoted_local_parts_and_specials),
        cmocka_unit_test(test_rejects_cr_lf_and_nul_anywhere),
    };
    return cmocka_run_group_tests_name("email", tests, NULL, NULL);
}
