// Unit tests of core/form: urlencoded and flat JSON bodies under limits.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/primitives/form.h"

using namespace extranet;
using namespace std::string_literals;

static const FormLimits limits;

static FormError url_error(const std::string& body)
{
    return parse_urlencoded(body, limits).error;
}

static FormError json_error(const std::string& body)
{
    return parse_json_object(body, limits).error;
}

/* Form itself */

static void test_form_get_value_has_and_set(void **)
{
    Form f;
    assert_false(f.has("a"));
    assert_false(f.get("a").has_value());
    assert_string_equal(f.value("a").c_str(), "");
    f.set("a", "1");
    assert_true(f.has("a"));
    assert_string_equal(f.get("a")->c_str(), "1");
    f.set("a", "2");
    assert_string_equal(f.value("a").c_str(), "2");
    assert_int_equal(f.size(), 1);
}

/* urlencoded */

static void test_urlencoded_parses_fields(void **)
{
    FormResult r = parse_urlencoded("login=030000100001&password=s3cret", limits);
    assert_int_equal(r.error, FormError::none);
    assert_int_equal(r.form.size(), 2);
    assert_string_equal(r.form.value("login").c_str(), "030000100001");
    assert_string_equal(r.form.value("password").c_str(), "s3cret");
}

static void test_urlencoded_decodes_plus_and_percent_escapes(void **)
{
    FormResult r = parse_urlencoded("next=%2Fauth%2Faccounts&name=Jean+Dupont&e=%C3%a9t%C3%A9", limits);
    assert_int_equal(r.error, FormError::none);
    assert_string_equal(r.form.value("next").c_str(), "/auth/accounts");
    assert_string_equal(r.form.value("name").c_str(), "Jean Dupont");
    assert_string_equal(r.form.value("e").c_str(), "été");
    FormResult plus = parse_urlencoded("p=a%2Bb", limits);
    assert_string_equal(plus.form.value("p").c_str(), "a+b");
}

static void test_urlencoded_field_without_equals_has_empty_value(void **)
{
    FormResult r = parse_urlencoded("remember&a=", limits);
    assert_int_equal(r.error, FormError::none);
    assert_true(r.form.has("remember"));
    assert_string_equal(r.form.value("remember").c_str(), "");
    assert_true(r.form.has("a"));
    assert_string_equal(r.form.get("a")->c_str(), "");
}

static void test_urlencoded_skips_empty_pairs(void **)
{
    FormResult r = parse_urlencoded("&a=1&&b=2&", limits);
    assert_int_equal(r.error, FormError::none);
    assert_int_equal(r.form.size(), 2);
    assert_string_equal(r.form.value("b").c_str(), "2");
    assert_int_equal(parse_urlencoded("", limits).form.size(), 0);
    assert_int_equal(parse_urlencoded("", limits).error, FormError::none);
}

static void test_urlencoded_value_may_contain_equals(void **)
{
    FormResult r = parse_urlencoded("csrf=abc==", limits);
    assert_int_equal(r.error, FormError::none);
    assert_string_equal(r.form.value("csrf").c_str(), "abc==");
}

static void test_urlencoded_rejects_broken_percent_encoding(void **)
{
    assert_int_equal(url_error("a=%"), FormError::bad_encoding);
    assert_int_equal(url_error("a=%4"), FormError::bad_encoding);
    assert_int_equal(url_error("a=%zz"), FormError::bad_encoding);
    assert_int_equal(url_error("a=%4g"), FormError::bad_encoding);
    assert_int_equal(url_error("%=1"), FormError::bad_encoding);
    FormResult r = parse_urlencoded("password=%zz", limits);
    assert_string_equal(r.field.c_str(), "password");
    assert_int_equal(r.form.size(), 0);
}

static void test_urlencoded_rejects_empty_field_name(void **)
{
    assert_int_equal(url_error("=value"), FormError::bad_encoding);
}

static void test_urlencoded_rejects_nul_cr_lf_and_controls(void **)
{
    assert_int_equal(url_error("a=x%00y"), FormError::control_char);
    assert_int_equal(url_error("a=x%0D%0ASet-Cookie:+x"), FormError::control_char);
    assert_int_equal(url_error("a=%0a"), FormError::control_char);
    assert_int_equal(url_error("a=%09"), FormError::control_char);
    assert_int_equal(url_error("a=%1F"), FormError::control_char);
    assert_int_equal(url_error("a=%7F"), FormError::control_char);
    assert_int_equal(url_error("a%00=1"), FormError::control_char);
    assert_int_equal(url_error("a=raw\nline"), FormError::control_char);
    FormResult r = parse_urlencoded("email=a%0Ab", limits);
    assert_string_equal(r.field.c_str(), "email");
}

static void test_urlencoded_rejects_invalid_utf8(void **)
{
    assert_int_equal(url_error("a=%FF"), FormError::invalid_utf8);
    assert_int_equal(url_error("a=%C0%AF"), FormError::invalid_utf8);        // overlong '/'
    assert_int_equal(url_error("a=%E0%80%AF"), FormError::invalid_utf8);     // overlong
    assert_int_equal(url_error("a=%ED%A0%80"), FormError::invalid_utf8);     // surrogate
    assert_int_equal(url_error("a=%F4%90%80%80"), FormError::invalid_utf8);  // > U+10FFFF
    assert_int_equal(url_error("a=%C3"), FormError::invalid_utf8);           // truncated
    assert_int_equal(url_error("a=%E2%82"), FormError::invalid_utf8);        // truncated
    assert_int_equal(url_error("%C3=1"), FormError::invalid_utf8);
    assert_int_equal(url_error("a=%F0%9F%8F%A0"), FormError::none);          // U+1F3E0
}

static void test_urlencoded_rejects_too_many_fields(void **)
{
    FormLimits small;
    small.max_fields = 3;
    assert_int_equal(parse_urlencoded("a=1&b=2&c=3", small).error, FormError::none);
    FormResult r = parse_urlencoded("a=1&b=2&c=3&d=4", small);
    assert_int_equal(r.error, FormError::too_many_fields);
    assert_int_equal(r.form.size(), 0);

    std::string body;
    for (int i = 0; i < 33; ++i) {
        body += "f" + std::to_string(i) + "=x&";
    }
    assert_int_equal(url_error(body), FormError::too_many_fields);
}

static void test_urlencoded_checks_decoded_value_length(void **)
{
    std::string ok = "password=" + std::string(1024, 'x');
    assert_int_equal(url_error(ok), FormError::none);
    FormResult r = parse_urlencoded("password=" + std::string(1025, 'x'), limits);
    assert_int_equal(r.error, FormError::field_too_long);
    assert_string_equal(r.field.c_str(), "password");

    // 1024 encoded 'é' decode to 2048 bytes: over the limit.
    std::string encoded;
    for (int i = 0; i < 513; ++i) {
        encoded += "%C3%A9";
    }
    assert_int_equal(url_error("p=" + encoded), FormError::field_too_long);
    // 512 of them decode to exactly 1024 bytes.
    assert_int_equal(url_error("p=" + encoded.substr(6)), FormError::none);
}

static void test_urlencoded_checks_decoded_name_length(void **)
{
    assert_int_equal(url_error(std::string(64, 'n') + "=1"), FormError::none);
    assert_int_equal(url_error(std::string(65, 'n') + "=1"), FormError::field_too_long);
    std::string encoded;
    for (int i = 0; i < 64; ++i) {
        encoded += "%41";
    }
    assert_int_equal(url_error(encoded + "=1"), FormError::none);
    assert_int_equal(url_error(encoded + "%41=1"), FormError::field_too_long);
}

static void test_urlencoded_refuses_huge_raw_input_before_decoding(void **)
{
    // Far over 3 x the limit: refused as too long even though the escape
    // at its end is broken, which shows it was not decoded.
    std::string huge = "password=" + std::string(100000, 'x') + "%zz";
    FormResult r = parse_urlencoded(huge, limits);
    assert_int_equal(r.error, FormError::field_too_long);
    assert_string_equal(r.field.c_str(), "password");
    std::string huge_name = std::string(100000, 'n') + "%zz=1";
    assert_int_equal(url_error(huge_name), FormError::field_too_long);
}

static void test_urlencoded_rejects_duplicate_fields(void **)
{
    FormResult r = parse_urlencoded("account=1&account=2", limits);
    assert_int_equal(r.error, FormError::duplicate_field);
    assert_string_equal(r.field.c_str(), "account");
    // Same name once encoded, once not.
    assert_int_equal(url_error("ab=1&a%62=2"), FormError::duplicate_field);
}

/* JSON */

static void test_json_parses_flat_object_of_strings(void **)
{
    FormResult r = parse_json_object(" {\"login\" : \"030000100001\",\n\t\"password\":\"p\"} ", limits);
    assert_int_equal(r.error, FormError::none);
    assert_int_equal(r.form.size(), 2);
    assert_string_equal(r.form.value("login").c_str(), "030000100001");
    assert_string_equal(r.form.value("password").c_str(), "p");
    FormResult empty = parse_json_object("{}", limits);
    assert_int_equal(empty.error, FormError::none);
    assert_int_equal(empty.form.size(), 0);
}

static void test_json_decodes_string_escapes(void **)
{
    FormResult r = parse_json_object(
        R"({"a":"q\"b\\s\/","e":"\u00e9\u20AC","x":"\ud83c\udfe0"})", limits);
    assert_int_equal(r.error, FormError::none);
    assert_string_equal(r.form.value("a").c_str(), "q\"b\\s/");
    assert_string_equal(r.form.value("e").c_str(), "é€");
    assert_string_equal(r.form.value("x").c_str(), "🏠");
    FormResult raw = parse_json_object("{\"n\":\"Héloïse\"}", limits);
    assert_string_equal(raw.form.value("n").c_str(), "Héloïse");
}

static void test_json_takes_numbers_and_booleans_as_text(void **)
{
    FormResult r = parse_json_object(
        R"({"account":030,"n":-1.5e+3,"z":0,"t":true,"f":false})", limits);
    assert_int_equal(r.error, FormError::bad_encoding);  // leading zero
    r = parse_json_object(R"({"account":30000100001,"n":-1.5e+3,"z":0,"t":true,"f":false})",
                          limits);
    assert_int_equal(r.error, FormError::none);
    assert_string_equal(r.form.value("account").c_str(), "30000100001");
    assert_string_equal(r.form.value("n").c_str(), "-1.5e+3");
    assert_string_equal(r.form.value("z").c_str(), "0");
    assert_string_equal(r.form.value("t").c_str(), "true");
    assert_string_equal(r.form.value("f").c_str(), "false");
}

static void test_json_rejects_malformed_numbers(void **)
{
    assert_int_equal(json_error(R"({"a":-})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":1.})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":1e})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":+1})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":.5})"), FormError::bad_encoding);
}

static void test_json_rejects_null_arrays_and_objects(void **)
{
    assert_int_equal(json_error(R"({"a":null})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":["x"]})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":{"b":"c"}})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"(["a"])"), FormError::bad_encoding);
    assert_int_equal(json_error(R"("a")"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":True})"), FormError::bad_encoding);
    FormResult r = parse_json_object(R"({"account":null})", limits);
    assert_string_equal(r.field.c_str(), "account");
}

static void test_json_rejects_syntax_errors(void **)
{
    assert_int_equal(json_error(""), FormError::bad_encoding);
    assert_int_equal(json_error("{"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"1")"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"1)"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a" "1"})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"1",})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({,"a":"1"})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"1" "b":"2"})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({a:"1"})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({'a':'1'})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"\x41"})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"\u12G4"})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"\u12"})"), FormError::bad_encoding);
    assert_int_equal(json_error("{\"a\":\"raw\ttab\"}"), FormError::bad_encoding);
}

static void test_json_rejects_trailing_garbage(void **)
{
    assert_int_equal(json_error(R"({"a":"1"}x)"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":"1"}{"b":"2"})"), FormError::bad_encoding);
    assert_int_equal(json_error(R"({"a":truex})"), FormError::bad_encoding);
    assert_int_equal(json_error("{\"a\":\"1\"}\0"s), FormError::bad_encoding);
    assert_int_equal(json_error("{\"a\":\"1\"} \r\n"), FormError::none);
}

static void test_json_rejects_escaped_control_characters(void **)
{
    assert_int_equal(json_error(R"({"a":"x\u0000y"})"), FormError::control_char);
    assert_int_equal(json_error(R"({"a":"x\r\ny"})"), FormError::control_char);
    assert_int_equal(json_error(R"({"a":"\n"})"), FormError::control_char);
    assert_int_equal(json_error(R"({"a":"\t"})"), FormError::control_char);
    assert_int_equal(json_error(R"({"a":"\u007f"})"), FormError::control_char);
    assert_int_equal(json_error(R"({"a\u0000":"1"})"), FormError::control_char);
    FormResult r = parse_json_object(R"({"email":"a\u000Db"})", limits);
    assert_string_equal(r.field.c_str(), "email");
}

static void test_json_rejects_lone_or_mismatched_surrogates(void **)
{
    assert_int_equal(json_error(R"({"a":"\ud83c"})"), FormError::invalid_utf8);
    assert_int_equal(json_error(R"({"a":"\ud83cx"})"), FormError::invalid_utf8);
    assert_int_equal(json_error(R"({"a":"\udfe0"})"), FormError::invalid_utf8);
    assert_int_equal(json_error(R"({"a":"\ud83c\u0041"})"), FormError::invalid_utf8);
    assert_int_equal(json_error(R"({"a":"\ud83c\ud83c"})"), FormError::invalid_utf8);
}

static void test_json_rejects_invalid_raw_utf8(void **)
{
    assert_int_equal(json_error("{\"a\":\"\xFF\"}"), FormError::invalid_utf8);
    assert_int_equal(json_error("{\"a\":\"\xC0\xAF\"}"), FormError::invalid_utf8);
    assert_int_equal(json_error("{\"a\":\"\xED\xA0\x80\"}"), FormError::invalid_utf8);
    assert_int_equal(json_error("{\"a\":\"\xF4\x90\x80\x80\"}"), FormError::invalid_utf8);
    assert_int_equal(json_error("{\"a\":\"\xC3\"}"), FormError::invalid_utf8);
}

static void test_json_applies_length_limits(void **)
{
    assert_int_equal(json_error("{\"p\":\"" + std::string(1024, 'x') + "\"}"), FormError::none);
    FormResult r = parse_json_object("{\"p\":\"" + std::string(1025, 'x') + "\"}", limits);
    assert_int_equal(r.error, FormError::field_too_long);
    assert_string_equal(r.field.c_str(), "p");
    assert_int_equal(json_error("{\"" + std::string(65, 'n') + "\":\"1\"}"),
                     FormError::field_too_long);
    assert_int_equal(json_error("{\"p\":" + std::string(1025, '1') + "}"),
                     FormError::field_too_long);
    // Stops at the limit: an unterminated huge string is too long, not
    // read to its end.
    assert_int_equal(json_error("{\"p\":\"" + std::string(100000, 'x')),
                     FormError::field_too_long);
}

static void test_json_rejects_too_many_and_duplicate_fields(void **)
{
    FormLimits small;
    small.max_fields = 2;
    assert_int_equal(parse_json_object(R"({"a":"1","b":"2"})", small).error, FormError::none);
    assert_int_equal(parse_json_object(R"({"a":"1","b":"2","c":"3"})", small).error,
                     FormError::too_many_fields);
    FormResult r = parse_json_object(R"({"account":"1","account":"2"})", limits);
    assert_int_equal(r.error, FormError::duplicate_field);
    assert_string_equal(r.field.c_str(), "account");
    assert_int_equal(json_error(R"({"ab":"1","a\u0062":"2"})"), FormError::duplicate_field);
}

static void test_json_rejects_empty_field_name(void **)
{
    assert_int_equal(json_error(R"({"":"1"})"), FormError::bad_encoding);
}

static void test_fields_lists_every_field_by_name(void **)
{
    FormResult r = parse_urlencoded("b=2&a=%C3%A9&c", FormLimits());
    assert_int_equal(r.error, FormError::none);
    const auto &f = r.form.fields();
    assert_int_equal(f.size(), 3);
    auto it = f.begin();
    assert_string_equal(it->first.c_str(), "a");
    assert_string_equal(it->second.c_str(), "\xc3\xa9");
    ++it;
    assert_string_equal(it->first.c_str(), "b");
    ++it;
    assert_string_equal(it->first.c_str(), "c");
    assert_string_equal(it->second.c_str(), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_get_value_has_and_set),
        cmocka_unit_test(test_urlencoded_parses_fields),
        cmocka_unit_test(test_urlencoded_decodes_plus_and_percent_escapes),
        cmocka_unit_test(test_urlencoded_field_without_equals_has_empty_value),
        cmocka_unit_test(test_urlencoded_skips_empty_pairs),
        cmocka_unit_test(test_urlencoded_value_may_contain_equals),
        cmocka_unit_test(test_urlencoded_rejects_broken_percent_encoding),
        cmocka_unit_test(test_urlencoded_rejects_empty_field_name),
        cmocka_unit_test(test_urlencoded_rejects_nul_cr_lf_and_controls),
        cmocka_unit_test(test_urlencoded_rejects_invalid_utf8),
        cmocka_unit_test(test_urlencoded_rejects_too_many_fields),
        cmocka_unit_test(test_urlencoded_checks_decoded_value_length),
        cmocka_unit_test(test_urlencoded_checks_decoded_name_length),
        cmocka_unit_test(test_urlencoded_refuses_huge_raw_input_before_decoding),
        cmocka_unit_test(test_urlencoded_rejects_duplicate_fields),
        cmocka_unit_test(test_json_parses_flat_object_of_strings),
        cmocka_unit_test(test_json_decodes_string_escapes),
        cmocka_unit_test(test_json_takes_numbers_and_booleans_as_text),
        cmocka_unit_test(test_json_rejects_malformed_numbers),
        cmocka_unit_test(test_json_rejects_null_arrays_and_objects),
        cmocka_unit_test(test_json_rejects_syntax_errors),
        cmocka_unit_test(test_json_rejects_trailing_garbage),
        cmocka_unit_test(test_json_rejects_escaped_control_characters),
        cmocka_unit_test(test_json_rejects_lone_or_mismatched_surrogates),
        cmocka_unit_test(test_json_rejects_invalid_raw_utf8),
        cmocka_unit_test(test_json_applies_length_limits),
        cmocka_unit_test(test_json_rejects_too_many_and_duplicate_fields),
        cmocka_unit_test(test_json_rejects_empty_field_name),
        cmocka_unit_test(test_fields_lists_every_field_by_name),
    };
    return cmocka_run_group_tests_name("form", tests, NULL, NULL);
}
