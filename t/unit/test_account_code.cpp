// Unit tests of core/account_code: numeric codes and login identifiers.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/primitives/account_code.h"

using namespace extranet;
using namespace std::string_literals;

static void test_account_code_accepts_4_to_32_digits(void **)
{
    assert_true(is_account_code("030000100001"));
    assert_true(is_account_code("0000"));
    assert_true(is_account_code(std::string(32, '9')));
    assert_false(is_account_code("123"));
    assert_false(is_account_code(std::string(33, '9')));
    assert_false(is_account_code(""));
}

static void test_account_code_rejects_anything_but_digits(void **)
{
    assert_false(is_account_code("0300 0010 0001"));
    assert_false(is_account_code("03000010000a"));
    assert_false(is_account_code("-1234"));
    assert_false(is_account_code("+1234"));
    assert_false(is_account_code("12.34"));
    assert_false(is_account_code("１２３４"));  // full-width digits
    assert_false(is_account_code("1234\0"s));
}

static void test_identifier_with_digits_is_an_account_code(void **)
{
    Identifier id = classify_identifier("030000100001");
    assert_int_equal(id.kind, IdentifierKind::account_code);
    assert_string_equal(id.value.c_str(), "030000100001");
}

static void test_identifier_ignores_surrounding_white_space(void **)
{
    Identifier id = classify_identifier(" \t030000100001\r\n ");
    assert_int_equal(id.kind, IdentifierKind::account_code);
    assert_string_equal(id.value.c_str(), "030000100001");
}

static void test_identifier_removes_inner_spaces_of_a_code(void **)
{
    Identifier id = classify_identifier("0300 0010 0001");
    assert_int_equal(id.kind, IdentifierKind::account_code);
    assert_string_equal(id.value.c_str(), "030000100001");
    Identifier spaced = classify_identifier(" 03  00 ");
    assert_int_equal(spaced.kind, IdentifierKind::account_code);
    assert_string_equal(spaced.value.c_str(), "0300");
}

// Copied from a PDF or a webmail typeset the French way, or typed with the
// separators printed on the call for funds.
static void test_identifier_removes_the_separators_owners_paste(void **)
{
    const char* forms[] = {
        "0300\xc2\xa0" "0010\xc2\xa0" "0001",          // U+00A0
        "0300\xe2\x80\xaf" "0010\xe2\x80\xaf" "0001",  // U+202F
        "0300\xe2\x80\x89" "0010 0001",                 // U+2009
        "\xc2\xa0" "030000100001\xc2\xa0",               // around it
        "030000100001\xe2\x80\xaf",
        "0300-0010-0001",
        "0300.0010.0001",
        " 0300 - 0010 - 0001 ",
    };
    for (const char* f : forms) {
        Identifier id = classify_identifier(f);
        assert_int_equal(id.kind, IdentifierKind::account_code);
        assert_string_equal(id.value.c_str(), "030000100001");
    }
    // An address with a no-break space after it, pasted from a mail.
    Identifier email = classify_identifier("jean@example.fr\xc2\xa0");
    assert_int_equal(email.kind, IdentifierKind::email);
    assert_string_equal(email.value.c_str(), "jean@example.fr");
    // Half of a no-break space is not one.
    assert_int_equal(classify_identifier("0300\xc2" "0010").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("--").kind, IdentifierKind::invalid);
}

static void test_identifier_with_at_sign_is_a_normalised_email(void **)
{
    Identifier id = classify_identifier("  Jean.Dupont+Syndic@Example.FR ");
    assert_int_equal(id.kind, IdentifierKind::email);
    assert_string_equal(id.value.c_str(), "jean.dupont+syndic@example.fr");
}

static void test_identifier_with_bad_email_is_invalid(void **)
{
    Identifier id = classify_identifier("jean@localhost");
    assert_int_equal(id.kind, IdentifierKind::invalid);
    assert_string_equal(id.value.c_str(), "");
    assert_int_equal(classify_identifier("1234@").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("a@b@example.fr").kind, IdentifierKind::invalid);
}

static void test_identifier_neither_code_nor_email_is_invalid(void **)
{
    assert_int_equal(classify_identifier("").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("   ").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("jeandupont").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("0300/0010/0001").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("0300\r0010").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("123").kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier(std::string(33, '1')).kind, IdentifierKind::invalid);
    assert_int_equal(classify_identifier("0300\n0010").kind, IdentifierKind::invalid);
    Identifier id = classify_identifier("abc");
    assert_string_equal(id.value.c_str(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_account_code_accepts_4_to_32_digits),
        cmocka_unit_test(test_account_code_rejects_anything_but_digits),
        cmocka_unit_test(test_identifier_with_digits_is_an_account_code),
        cmocka_unit_test(test_identifier_ignores_surrounding_white_space),
        cmocka_unit_test(test_identifier_removes_inner_spaces_of_a_code),
        cmocka_unit_test(test_identifier_removes_the_separators_owners_paste),
        cmocka_unit_test(test_identifier_with_at_sign_is_a_normalised_email),
        cmocka_unit_test(test_identifier_with_bad_email_is_invalid),
        cmocka_unit_test(test_identifier_neither_code_nor_email_is_invalid),
    };
    return cmocka_run_group_tests_name("account_code", tests, NULL, NULL);
}
