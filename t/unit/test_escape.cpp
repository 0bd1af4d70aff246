// Unit tests of core/escape: HTML, JSON, URL escaping and UTF-8 validity.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/primitives/escape.h"

using namespace extranet;
using namespace std::string_literals;

static void test_html_escape_replaces_the_five_special_characters(void **)
{
    assert_string_equal(html_escape("<a href=\"x\">Tom & Jerry's</a>").c_str(),
                        "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
}

static void test_html_escape_leaves_plain_and_utf8_text_alone(void **)
{
    assert_string_equal(html_escape("Gérer mes comptes").c_str(), "Gérer mes comptes");
    assert_string_equal(html_escape("").c_str(), "");
}

static void test_html_escape_does_not_double_decode_entities(void **)
{
    assert_string_equal(html_escape("&amp;").c_str(), "&amp;amp;");
}

static void test_json_string_quotes_and_escapes_quote_and_backslash(void **)
{
    assert_string_equal(json_string("a\"b\\c").c_str(), "\"a\\\"b\\\\c\"");
    assert_string_equal(json_string("").c_str(), "\"\"");
}

static void test_json_string_escapes_control_characters_as_u00xx(void **)
{
    assert_string_equal(json_string("a\nb\tc\r").c_str(), "\"a\\u000Ab\\u0009c\\u000D\"");
    assert_string_equal(json_string("\x01\x1f\x7f"s).c_str(), "\"\\u0001\\u001F\\u007F\"");
    std::string with_nul = json_string("x\0y"s);
    assert_string_equal(with_nul.c_str(), "\"x\\u0000y\"");
}

static void test_json_string_is_safe_inside_html(void **)
{
    std::string s = json_string("</script><b>&'");
    assert_string_equal(s.c_str(), "\"\\u003C/script\\u003E\\u003Cb\\u003E\\u0026\\u0027\"");
    assert_true(s.find('<') == std::string::npos);
    assert_true(s.find('>') == std::string::npos);
    assert_true(s.find('&') == std::string::npos);
}

static void test_json_string_keeps_valid_utf8_as_is(void **)
{
    assert_string_equal(json_string("Résidence €🏠").c_str(), "\"Résidence €🏠\"");
}

static void test_json_string_escapes_js_line_separators(void **)
{
    assert_string_equal(json_string("a\xE2\x80\xA8z\xE2\x80\xA9").c_str(),
                        "\"a\\u2028z\\u2029\"");
}

static void test_json_string_replaces_invalid_utf8(void **)
{
    assert_string_equal(json_string("a\xFFz").c_str(), "\"a\\uFFFDz\"");
    assert_string_equal(json_string("\xC3").c_str(), "\"\\uFFFD\"");
}

static void test_url_encode_keeps_only_unreserved_characters(void **)
{
    assert_string_equal(url_encode("AZaz09-._~").c_str(), "AZaz09-._~");
    assert_string_equal(url_encode("/auth/login?next=/a b&c").c_str(),
                        "%2Fauth%2Flogin%3Fnext%3D%2Fa%20b%26c");
    assert_string_equal(url_encode("é+%").c_str(), "%C3%A9%2B%25");
    assert_string_equal(url_encode("\n"s + '\0').c_str(), "%0A%00");
}

static void test_valid_utf8_accepts_ascii_and_well_formed_sequences(void **)
{
    assert_true(valid_utf8(""));
    assert_true(valid_utf8("plain"));
    assert_true(valid_utf8("\xC2\x80"));          // U+0080
    assert_true(valid_utf8("\xDF\xBF"));          // U+07FF
    assert_true(valid_utf8("\xE0\xA0\x80"));      // U+0800
    assert_true(valid_utf8("\xED\x9F\xBF"));      // U+D7FF
    assert_true(valid_utf8("\xEE\x80\x80"));      // U+E000
    assert_true(valid_utf8("\xEF\xBF\xBF"));      // U+FFFF
    assert_true(valid_utf8("\xF0\x90\x80\x80"));  // U+10000
    assert_true(valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
}

static void test_valid_utf8_rejects_overlong_forms(void **)
{
    assert_false(valid_utf8("\xC0\xAF"));
    assert_false(valid_utf8("\xC1\xBF"));
    assert_false(valid_utf8("\xE0\x80\xAF"));
    assert_false(valid_utf8("\xE0\x9F\xBF"));
    assert_false(valid_utf8("\xF0\x80\x80\xAF"));
    assert_false(valid_utf8("\xF0\x8F\xBF\xBF"));
}

static void test_valid_utf8_rejects_surrogates(void **)
{
    assert_false(valid_utf8("\xED\xA0\x80"));  // U+D800
    assert_false(valid_utf8("\xED\xBF\xBF"));  // U+DFFF
}

static void test_valid_utf8_rejects_code_points_above_10ffff(void **)
{
    assert_false(valid_utf8("\xF4\x90\x80\x80"));
    assert_false(valid_utf8("\xF5\x80\x80\x80"));
    assert_false(valid_utf8("\xFF"));
}

static void test_valid_utf8_rejects_truncated_and_stray_bytes(void **)
{
    assert_false(valid_utf8("\xC3"));
    assert_false(valid_utf8("a\xE2\x82"));
    assert_false(valid_utf8("\xF0\x9F\x8F"));
    assert_false(valid_utf8("\x80"));
    assert_false(valid_utf8("\xC3\x28"));
}

static void test_invalid_utf8_at_finds_the_first_bad_byte(void **)
{
    assert_int_equal(invalid_utf8_at(""), std::string_view::npos);
    assert_int_equal(invalid_utf8_at("Résidence €🏠"), std::string_view::npos);
    assert_int_equal(invalid_utf8_at("Dur\xE9"), 3);                  // Latin-1 é
    assert_int_equal(invalid_utf8_at("é\xE9 \xFF"), 2);
    assert_int_equal(invalid_utf8_at("ab\xED\xA0\x80"), 2);          // a surrogate
    assert_int_equal(invalid_utf8_at("\xC0\xAF"), 0);                 // overlong
    assert_int_equal(invalid_utf8_at("ok \xE2\x82"), 3);              // truncated
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escape_replaces_the_five_special_characters),
        cmocka_unit_test(test_html_escape_leaves_plain_and_utf8_text_alone),
        cmocka_unit_test(test_html_escape_does_not_double_decode_entities),
        cmocka_unit_test(test_json_string_quotes_and_escapes_quote_and_backslash),
        cmocka_unit_test(test_json_string_escapes_control_characters_as_u00xx),
        cmocka_unit_test(test_json_string_is_safe_inside_html),
        cmocka_unit_test(test_json_string_keeps_valid_utf8_as_is),
        cmocka_unit_test(test_json_string_escapes_js_line_separators),
        cmocka_unit_test(test_json_string_replaces_invalid_utf8),
        cmocka_unit_test(test_url_encode_keeps_only_unreserved_characters),
        cmocka_unit_test(test_valid_utf8_accepts_ascii_and_well_formed_sequences),
        cmocka_unit_test(test_valid_utf8_rejects_overlong_forms),
        cmocka_unit_test(test_valid_utf8_rejects_surrogates),
        cmocka_unit_test(test_valid_utf8_rejects_code_points_above_10ffff),
        cmocka_unit_test(test_valid_utf8_rejects_truncated_and_stray_bytes),
        cmocka_unit_test(test_invalid_utf8_at_finds_the_first_bad_byte),
    };
    return cmocka_run_group_tests_name("escape", tests, NULL, NULL);
}
