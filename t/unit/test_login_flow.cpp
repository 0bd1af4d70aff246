// Unit tests of core/login_flow's pure piece: the stand-in hash an unknown
// or inactive account code is checked against (the site's sample when its
// format is known, else a built-in sha512crypt hash that never matches).
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>
#include <vector>

#include "core/flows/login_flow.h"
#include "core/primitives/password.h"

using namespace extranet;

// sql/demo/demo_data.sql: bcrypt cost 10 of "tilleuls-0002", yescrypt of
// "monceau-0001".
static const char kBcrypt[] = "$2y$10$vl6u55a4xIFqZNCpm3TZl.pxWeF4t8km91/eXjLQBGCpJpkCIjoem";
static const char kYescrypt[] =
    "$y$j9T$Dd5D1UGn0n7fIIb.E97n50$24UTlk8/cnz6V1eYFTwmkESvcV.DtdyqQPHUxGt3eZA";

static bool starts_with(const std::string& s, const std::string& prefix)
{
    return s.compare(0, prefix.size(), prefix) == 0;
}

static void test_site_sample_of_a_known_format_is_the_stand_in(void **)
{
    LegacyStandIn s = legacy_stand_in(std::string_view(kBcrypt), "$2y$10$");
    assert_string_equal(s.hash.c_str(), kBcrypt);
    assert_string_equal(s.family.c_str(), "$2y$10$");

    s = legacy_stand_in(std::string_view(kYescrypt), "$y$");
    assert_string_equal(s.hash.c_str(), kYescrypt);
    assert_string_equal(s.family.c_str(), "$y$");
}

static void test_no_sample_gives_the_builtin_sha512crypt(void **)
{
    LegacyStandIn s = legacy_stand_in(std::nullopt, "");
    assert_true(starts_with(s.hash, "$6$"));
    assert_string_equal(s.family.c_str(), "built-in $6$");
}

static void test_sample_of_an_unknown_format_gives_the_builtin(void **)
{
    LegacyStandIn builtin = legacy_stand_in(std::nullopt, "");
    for (const char* odd : {"5f4dcc3b5aa765d61d8327deb882cf99", "$md5$abc$def", "!", ""}) {
        LegacyStandIn s = legacy_stand_in(std::string_view(odd), "$md5$");
        assert_string_equal(s.hash.c_str(), builtin.hash.c_str());
        assert_string_equal(s.family.c_str(), "built-in $6$");
    }
}

static void test_sample_without_its_family_gives_the_builtin(void **)
{
    LegacyStandIn s = legacy_stand_in(std::string_view(kBcrypt), "");
    assert_true(starts_with(s.hash, "$6$"));
}

static void test_builtin_stand_in_is_a_real_hash_that_never_matches(void **)
{
    // A real sha512crypt computation (not refused as unknown), and no
    // password opens an unknown code.
    LegacyStandIn s = legacy_stand_in(std::nullopt, "");
    for (const char* password : {"", "x", "tilleuls-0001", "xxxxxxxxxxxxxxxx"}) {
        VerifyResult v = verify_password(password, s.hash, HashParams{});
        assert_int_equal(static_cast<int>(v.status), static_cast<int>(VerifyStatus::mismatch));
    }
}

static void test_site_sample_still_verifies_as_its_own_account(void **)
{
    // The stand-in is the row's hash untouched: its password matches it,
    // so the time spent is exactly a real check's.
    LegacyStandIn s = legacy_stand_in(std::string_view(kBcrypt), "$2y$10$");
    VerifyResult v = verify_password("tilleuls-0002", s.hash, HashParams{});
    assert_int_equal(static_cast<int>(v.status), static_cast<int>(VerifyStatus::match));
}

// A sha512crypt hash of "x" (default 5000 rounds).
static const char kSha512[] =
    "$6$saltsalt$8RWsOfwR6M6PpnoeQiEiWzNTPo1f0HjVYjDnLZhGx16aBFRkeqiHAzfXP/LgrOWMBMXqiU2pLrXsSOHNUyUm91";

static void test_plan_keeps_one_stand_in_per_known_family(void **)
{
    CodeTiming t = plan_code_timing({{"$2y$10$", kBcrypt}, {"$6$", kSha512},
                                     {"$y$j9T$", kYescrypt}, {"$md5$", "$md5$abc$def"},
                                     {"$6$", "!" + std::string(kSha512)}});
    assert_string_equal(t.families().c_str(), "$2y$10$ $6$ $y$j9T$");
    assert_string_equal(t.stand_ins[0].hash.c_str(), kBcrypt);
}

static void test_every_code_spends_one_hash_of_each_family(void **)
{
    CodeTiming t = plan_code_timing({{"$2y$10$", kBcrypt}, {"$6$", kSha512},
                                     {"$y$j9T$", kYescrypt}});
    // Own hash + the others = one of each family, whatever the account.
    std::vector<const LegacyStandIn*> o = t.others("$6$");
    assert_int_equal(o.size(), 2);
    assert_string_equal(o[0]->family.c_str(), "$2y$10$");
    assert_string_equal(o[1]->family.c_str(), "$y$j9T$");
    assert_int_equal(t.others("$2y$10$").size(), 2);
    // An unknown code, or a format not seen when the plan was made: all.
    assert_int_equal(t.others("").size(), 3);
    assert_int_equal(t.others("$2y$12$").size(), 3);
}

static void test_plan_without_known_family_is_the_builtin(void **)
{
    CodeTiming none = plan_code_timing({});
    assert_int_equal(none.stand_ins.size(), 1);
    assert_string_equal(none.families().c_str(), "built-in $6$");
    CodeTiming odd = plan_code_timing({{"$md5$", "$md5$abc$def"}, {"", kBcrypt}});
    assert_string_equal(odd.families().c_str(), "built-in $6$");
    assert_int_equal(odd.others("").size(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_site_sample_of_a_known_format_is_the_stand_in),
        cmocka_unit_test(test_no_sample_gives_the_builtin_sha512crypt),
        cmocka_unit_test(test_sample_of_an_unknown_format_gives_the_builtin),
        cmocka_unit_test(test_sample_without_its_family_gives_the_builtin),
        cmocka_unit_test(test_builtin_stand_in_is_a_real_hash_that_never_matches),
        cmocka_unit_test(test_site_sample_still_verifies_as_its_own_account),
        cmocka_unit_test(test_plan_keeps_one_stand_in_per_known_family),
        cmocka_unit_test(test_every_code_spends_one_hash_of_each_family),
        cmocka_unit_test(test_plan_without_known_family_is_the_builtin),
    };
    return cmocka_run_group_tests_name("login_flow", tests, NULL, NULL);
}
