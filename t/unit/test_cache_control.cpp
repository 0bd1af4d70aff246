// Unit tests of core/cache_control: which answers to a session a shared
// cache may keep, and what stays of their Cache-Control once private.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>
#include <vector>

#include "core/primitives/cache_control.h"

using namespace extranet;

// What private_directives() writes, in a buffer of exactly the room asked.
static std::string kept(std::string_view value)
{
    std::vector<char> out(private_directives_room(value));
    std::size_t n = private_directives(value, out.data());
    assert_true(n <= out.size());
    return std::string(out.data(), n);
}

static void test_private_or_no_store_keep_an_answer_from_shared_caches(void **)
{
    assert_true(keeps_from_shared_caches("private"));
    assert_true(keeps_from_shared_caches("max-age=60, Private"));
    assert_true(keeps_from_shared_caches("public, no-store"));
    assert_true(keeps_from_shared_caches(" no-store "));
    assert_true(keeps_from_shared_caches("no-cache=\"a, b\",private"));
}

static void test_others_do_not(void **)
{
    assert_false(keeps_from_shared_caches(""));
    assert_false(keeps_from_shared_caches("public, max-age=600"));
    assert_false(keeps_from_shared_caches("max-age=60"));
    assert_false(keeps_from_shared_caches("no-cache"));
    assert_false(keeps_from_shared_caches("s-maxage=0, proxy-revalidate"));
    // a qualified private keeps out the named fields only
    assert_false(keeps_from_shared_caches("private=\"Set-Cookie\", max-age=30"));
    // a directive's name inside another's quoted value is no directive
    assert_false(keeps_from_shared_caches("no-cache=\"private, no-store\""));
    assert_false(keeps_from_shared_caches("no-storeX, privately"));
}

static void test_what_a_private_cache_still_uses_is_kept(void **)
{
    assert_string_equal(kept("public, max-age=600").c_str(), ", max-age=600");
    assert_string_equal(kept("s-maxage=300, max-age=60, Must-Revalidate, proxy-revalidate").c_str(),
                        ", max-age=60, Must-Revalidate");
    assert_string_equal(kept("no-cache=\"Set-Cookie, X-Foo\", max-age=5").c_str(),
                        ", no-cache=\"Set-Cookie, X-Foo\", max-age=5");
    assert_string_equal(kept("no-cache").c_str(), ", no-cache");
    assert_string_equal(kept("private=\"Set-Cookie\", max-age=30").c_str(), ", max-age=30");
}

static void test_the_rest_goes(void **)
{
    assert_string_equal(kept("").c_str(), "");
    assert_string_equal(kept("public").c_str(), "");
    assert_string_equal(kept("public, s-maxage=10, proxy-revalidate, immutable").c_str(), "");
    assert_string_equal(kept(",,, ,").c_str(), "");
    assert_string_equal(kept("max-agex=5, x-max-age=5").c_str(), "");
}

static void test_the_room_is_enough_for_the_worst_line(void **)
{
    // one-character separators around the shortest kept directives
    std::string worst;
    for (int i = 0; i < 50; i++) worst += "no-cache,";
    assert_int_equal(kept(worst).size(), 50 * (2 + 8));
    assert_string_equal(kept("max-age=1,max-age=2").c_str(), ", max-age=1, max-age=2");
    // an unterminated quote swallows the rest, nothing overflows
    assert_string_equal(kept("no-cache=\"a, max-age=5").c_str(), ", no-cache=\"a, max-age=5");
    assert_string_equal(kept("no-cache=\"a\\\", max-age=5\"").c_str(), ", no-cache=\"a\\\", max-age=5\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_private_or_no_store_keep_an_answer_from_shared_caches),
        cmocka_unit_test(test_others_do_not),
        cmocka_unit_test(test_what_a_private_cache_still_uses_is_kept),
        cmocka_unit_test(test_the_rest_goes),
        cmocka_unit_test(test_the_room_is_enough_for_the_worst_line),
    };
    return cmocka_run_group_tests_name("cache_control", tests, NULL, NULL);
}
