// Unit tests of core/partners: which syndics may share one identity.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <stdexcept>
#include <string>
#include <vector>

#include "core/primitives/partners.h"

using namespace extranet;

static bool add_throws(PartnerRules& rules, std::string name, std::vector<std::string> syndics)
{
    try {
        rules.add_group(std::move(name), std::move(syndics));
    } catch (const std::invalid_argument&) {
        return true;
    }
    return false;
}

static void test_same_syndic_is_always_compatible(void **)
{
    PartnerRules rules;
    assert_true(rules.compatible("0300", "0300"));
    assert_false(rules.compatible("0300", "0400"));
}

static void test_syndics_of_one_group_are_compatible_both_ways(void **)
{
    PartnerRules rules;
    rules.add_group("sud", {"0300", "0400", "0500"});
    assert_true(rules.compatible("0300", "0400"));
    assert_true(rules.compatible("0400", "0300"));
    assert_true(rules.compatible("0500", "0300"));
    assert_false(rules.compatible("0300", "0600"));
    assert_false(rules.compatible("0600", "0700"));
}

static void test_codes_match_exactly_not_by_prefix(void **)
{
    PartnerRules rules;
    rules.add_group("g", {"0300", "0400"});
    assert_false(rules.compatible("030", "0400"));
    assert_false(rules.compatible("03000", "0400"));
    assert_false(rules.compatible("300", "0400"));
}

static void test_partnership_is_not_transitive_across_groups(void **)
{
    PartnerRules rules;
    rules.add_group("a", {"1", "2"});
    rules.add_group("b", {"2", "3"});
    assert_true(rules.compatible("1", "2"));
    assert_true(rules.compatible("2", "3"));
    assert_false(rules.compatible("1", "3"));
}

static void test_first_conflict_is_none_when_all_compatible(void **)
{
    PartnerRules rules;
    rules.add_group("g", {"10", "20"});
    assert_false(rules.first_conflict({}, "10").has_value());
    assert_false(rules.first_conflict({"10", "20", "10"}, "20").has_value());
    assert_false(rules.first_conflict({"30", "30"}, "30").has_value());
}

static void test_first_conflict_checks_every_listed_syndic(void **)
{
    PartnerRules rules;
    rules.add_group("a", {"1", "2"});
    rules.add_group("b", {"2", "3"});
    // 3 is a partner of 2 but not of 1: linking it must be refused.
    auto conflict = rules.first_conflict({"2", "1"}, "3");
    assert_true(conflict.has_value());
    assert_string_equal(conflict->c_str(), "1");
}

static void test_first_conflict_names_the_first_incompatible_syndic(void **)
{
    PartnerRules rules;
    rules.add_group("g", {"10", "20"});
    auto conflict = rules.first_conflict({"10", "40", "50"}, "20");
    assert_true(conflict.has_value());
    assert_string_equal(conflict->c_str(), "40");
}

static void test_groups_of_lists_names_in_declaration_order(void **)
{
    PartnerRules rules;
    rules.add_group("nord", {"1", "2"});
    rules.add_group("sud", {"3"});
    rules.add_group("national", {"2", "3"});
    auto g = rules.groups_of("2");
    assert_int_equal(g.size(), 2);
    assert_string_equal(g[0].c_str(), "nord");
    assert_string_equal(g[1].c_str(), "national");
    assert_true(rules.groups_of("9").empty());
}

static void test_add_group_rejects_empty_name(void **)
{
    PartnerRules rules;
    assert_true(add_throws(rules, "", {"1", "2"}));
}

static void test_add_group_rejects_empty_group(void **)
{
    PartnerRules rules;
    assert_true(add_throws(rules, "g", {}));
}

static void test_add_group_rejects_non_numeric_codes(void **)
{
    PartnerRules rules;
    assert_true(add_throws(rules, "g", {"1", "A2"}));
    assert_true(add_throws(rules, "g", {"1", ""}));
    assert_true(add_throws(rules, "g", {"1", " 2"}));
    assert_true(add_throws(rules, "g", {"-1"}));
    // Nothing was half-added by the refused calls.
    assert_true(rules.groups_of("1").empty());
    assert_false(add_throws(rules, "g", {"1", "2"}));
}

static void test_add_group_rejects_duplicate_group_name(void **)
{
    PartnerRules rules;
    rules.add_group("g", {"1", "2"});
    assert_true(add_throws(rules, "g", {"3", "4"}));
    assert_false(rules.compatible("3", "4"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_syndic_is_always_compatible),
        cmocka_unit_test(test_syndics_of_one_group_are_compatible_both_ways),
        cmocka_unit_test(test_codes_match_exactly_not_by_prefix),
        cmocka_unit_test(test_partnership_is_not_transitive_across_groups),
        cmocka_unit_test(test_first_conflict_is_none_when_all_compatible),
        cmocka_unit_test(test_first_conflict_checks_every_listed_syndic),
        cmocka_unit_test(test_first_conflict_names_the_first_incompatible_syndic),
        cmocka_unit_test(test_groups_of_lists_names_in_declaration_order),
        cmocka_unit_test(test_add_group_rejects_empty_name),
        cmocka_unit_test(test_add_group_rejects_empty_group),
        cmocka_unit_test(test_add_group_rejects_non_numeric_codes),
        cmocka_unit_test(test_add_group_rejects_duplicate_group_name),
    };
    return cmocka_run_group_tests_name("partners", tests, NULL, NULL);
}
