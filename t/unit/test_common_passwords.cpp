// Unit tests of core/common_passwords: the compiled-in list of the most
// common passwords, compared case-insensitively.
#include <fstream>  // before cmocka.h: its fail() macro
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/primitives/common_passwords.h"

using namespace extranet;

static void test_the_list_holds_at_least_ten_thousand(void **)
{
    assert_true(common_password_count() >= 10000);
}

static void test_common_passwords_are_found_whatever_the_case(void **)
{
    assert_true(is_common_password("123456"));
    assert_true(is_common_password("password"));
    assert_true(is_common_password("PassWord"));
    assert_true(is_common_password("azertyuiop"));
    assert_true(is_common_password("MotDePasse"));
    assert_true(is_common_password("qwertyuiop"));
}

static void test_uncommon_passwords_pass(void **)
{
    assert_false(is_common_password("Tilleuls-été-2024"));
    assert_false(is_common_password("une phrase de passe assez longue"));
    assert_false(is_common_password(""));
    assert_false(is_common_password(std::string(200, 'a')));
    assert_false(is_common_password("password "));  // not trimmed: another password
}

// Every entry of data/common-passwords.txt, the documented source, is in the
// compiled-in list.
static void test_every_entry_of_the_shipped_file_is_compiled_in(void **)
{
    std::ifstream in("data/common-passwords.txt");
    assert_true(in.good());
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        if (!is_common_password(line)) fail_msg("not compiled in: %s", line.c_str());
        n++;
    }
    assert_int_equal(n, common_password_count());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_list_holds_at_least_ten_thousand),
        cmocka_unit_test(test_common_passwords_are_found_whatever_the_case),
        cmocka_unit_test(test_uncommon_passwords_pass),
        cmocka_unit_test(test_every_entry_of_the_shipped_file_is_compiled_in),
    };
    return cmocka_run_group_tests_name("common_passwords", tests, NULL, NULL);
}
