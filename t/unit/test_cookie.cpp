// Unit tests of core/cookie: Cookie header parsing and the Set-Cookie value.
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

#include "core/primitives/cookie.h"

using namespace extranet;

static void test_find_cookie_returns_the_value(void **)
{
    auto v = find_cookie("lang=fr; extranet_session=abc.def; theme=dark", "extranet_session");
    assert_true(v.has_value());
    assert_string_equal(v->c_str(), "abc.def");
    auto first = find_cookie("extranet_session=x", "extranet_session");
    assert_string_equal(first->c_str(), "x");
}

static void test_find_cookie_absent_is_nullopt(void **)
{
    assert_false(find_cookie("lang=fr; theme=dark", "extranet_session").has_value());
    assert_false(find_cookie("", "extranet_session").has_value());
    assert_false(find_cookie("extranet_session", "extranet_session").has_value());
}

static void test_find_cookie_matches_the_exact_name_not_a_prefix(void **)
{
    const char *h = "extranet_session_old=bad; xextranet_session=bad2; extranet_sessio=bad3";
    assert_false(find_cookie(h, "extranet_session").has_value());
    auto v = find_cookie("extranet_session_old=bad; extranet_session=good", "extranet_session");
    assert_true(v.has_value());
    assert_string_equal(v->c_str(), "good");
    assert_false(find_cookie("Extranet_Session=x", "extranet_session").has_value());
}

static void test_find_cookie_returns_the_first_of_several(void **)
{
    auto v = find_cookie("s=first; s=second", "s");
    assert_string_equal(v->c_str(), "first");
}

static void test_find_cookie_tolerates_missing_or_extra_blanks(void **)
{
    assert_string_equal(find_cookie("a=1;s=v;b=2", "s")->c_str(), "v");
    assert_string_equal(find_cookie("a=1 ;  s = v \t; b=2", "s")->c_str(), "v");
    assert_string_equal(find_cookie(";; s=v;", "s")->c_str(), "v");
}

static void test_find_cookie_unquotes_quoted_values(void **)
{
    assert_string_equal(find_cookie("s=\"abc\"", "s")->c_str(), "abc");
    assert_string_equal(find_cookie("s=\"\"", "s")->c_str(), "");
    // A lone quote is not a quoted value: kept as is.
    assert_string_equal(find_cookie("s=\"abc", "s")->c_str(), "\"abc");
}

static void test_find_cookie_keeps_equals_inside_the_value(void **)
{
    assert_string_equal(find_cookie("s=a=b==", "s")->c_str(), "a=b==");
    assert_string_equal(find_cookie("s=", "s")->c_str(), "");
}

// The request path's versions agree with the allocating ones, and the
// capacity is always enough (a header with no space after its ';' grows).
static void test_view_versions_agree(void **)
{
    const char *headers[] = {"s=1; a=x; s=2; b=y; s=3", "a=1;b=2;s=3;c=4", "s=1",
                             " s=1 ; s=2 ", "", "a=\"q v\";s=tok;  b=%41%42==;c",
                             "extranet%5Fsession=1;x=2", "a;b;c;s=\"v\""};
    for (const char *h : headers) {
        std::vector<std::string> all = find_cookies(h, "s");
        std::string_view views[2];
        std::size_t n = find_cookie_views(h, "s", views, 2);
        assert_int_equal(n, all.size());
        for (std::size_t i = 0; i < n && i < 2; i++) {
            assert_true(views[i] == all[i]);
        }
        std::string buf(strip_cookie_capacity(h), '\0');
        std::optional<std::size_t> size = strip_cookie_into(h, "s", &buf[0]);
        StrippedCookies ref = strip_cookie(h, "s");
        assert_int_equal(size.has_value(), ref.removed);
        if (size) {
            assert_true(*size <= buf.size());
            assert_string_equal(buf.substr(0, *size).c_str(), ref.value.c_str());
        }
    }
}

static void test_strip_cookie_removes_every_occurrence(void **)
{
    StrippedCookies h = strip_cookie("s=1; a=x; s=2; b=y; s=3", "s");
    assert_string_equal(h.value.c_str(), "a=x; b=y");
    assert_true(h.removed);
}

static void test_strip_cookie_keeps_others_byte_for_byte(void **)
{
    StrippedCookies h = strip_cookie("a=\"q v\";s=tok;  b=%41%42==;c", "s");
    assert_true(h.removed);
    assert_string_equal(h.value.c_str(), "a=\"q v\"; b=%41%42==; c");
}

static void test_strip_cookie_does_not_strip_by_prefix(void **)
{
    StrippedCookies h = strip_cookie("s_old=1; s=2; xs=3", "s");
    assert_true(h.removed);
    assert_string_equal(h.value.c_str(), "s_old=1; xs=3");
}

static void test_strip_cookie_leaves_empty_when_nothing_remains(void **)
{
    assert_string_equal(strip_cookie("s=1", "s").value.c_str(), "");
    assert_true(strip_cookie("s=1", "s").removed);
    assert_string_equal(strip_cookie(" s=1 ; s=2 ", "s").value.c_str(), "");
    assert_string_equal(strip_cookie("", "s").value.c_str(), "");
    assert_false(strip_cookie("", "s").removed);
}

// Issue 7, finding 5: 195 "a=1;" without blanks and the session cookie. The
// re-spaced header without the session cookie is exactly as long as the
// original, which a length comparison took for "nothing removed".
static void test_strip_cookie_reports_removal_whatever_the_lengths(void **)
{
    std::string header;
    for (int i = 0; i < 195; i++) header += "a=1;";
    std::string token(176, 'T');  // 195*4 + 17 + 176 == 195*3 + 194*2
    header += "extranet_session=" + token;
    StrippedCookies h = strip_cookie(header, "extranet_session");
    // The collision the finding relied on: same length, session cookie gone.
    assert_int_equal(h.value.size(), header.size());
    assert_true(h.removed);
    assert_true(h.value.find("extranet_session") == std::string::npos);
    assert_true(h.value.find(token) == std::string::npos);
}

static void test_strip_cookie_reports_nothing_removed(void **)
{
    // Re-spaced, hence of another length, yet nothing to rewrite.
    StrippedCookies h = strip_cookie("a=1;b=2", "s");
    assert_false(h.removed);
    assert_string_equal(h.value.c_str(), "a=1; b=2");
    assert_false(strip_cookie("s_old=1; xs=2", "s").removed);
    assert_false(strip_cookie("s; a=1", "s").removed);  // a name without '=' is no cookie s
}

// Issue 7, finding 7c: "s=; s=<valid>" (a tossed empty cookie first): every
// candidate in the order sent, the caller keeps the one that verifies.
static void test_find_cookies_returns_every_candidate_in_order(void **)
{
    std::vector<std::string> v = find_cookies("s=; a=1; s=good;s=\"q\"", "s");
    assert_int_equal(v.size(), 3);
    assert_string_equal(v[0].c_str(), "");
    assert_string_equal(v[1].c_str(), "good");
    assert_string_equal(v[2].c_str(), "q");
    assert_true(find_cookies("a=1; s_old=2", "s").empty());
    assert_true(find_cookies("", "s").empty());
}

static void test_set_cookie_with_defaults(void **)
{
    CookieSettings s;
    std::string v = set_cookie(s, "tok.en_-", 43200);
    assert_string_equal(v.c_str(),
                        "extranet_session=tok.en_-; Path=/; Max-Age=43200; HttpOnly; Secure; "
                        "SameSite=Lax");
}

static void test_set_cookie_without_secure_and_with_domain(void **)
{
    CookieSettings s;
    s.name = "sid";
    s.secure = false;
    s.same_site = "Strict";
    s.domain = "example.fr";
    std::string v = set_cookie(s, "abc", 300);
    assert_string_equal(v.c_str(),
                        "sid=abc; Path=/; Max-Age=300; HttpOnly; SameSite=Strict; "
                        "Domain=example.fr");
}

static void test_set_cookie_uses_the_configured_path(void **)
{
    CookieSettings s;
    s.path = "/extranet";
    std::string v = set_cookie(s, "abc", 1);
    assert_true(v.find("; Path=/extranet;") != std::string::npos);
}

static void test_set_cookie_with_zero_max_age_clears_the_cookie(void **)
{
    CookieSettings s;
    s.same_site = "None";
    std::string v = set_cookie(s, "", 0);
    assert_string_equal(v.c_str(),
                        "extranet_session=; Path=/; Max-Age=0; "
                        "Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; "
                        "SameSite=None");
    assert_true(set_cookie(s, "x", 1).find("Expires=") == std::string::npos);
}

static void test_set_cookie_refuses_header_injection(void **)
{
    CookieSettings s;
    bool threw = false;
    try {
        set_cookie(s, "abc\r\nSet-Cookie: evil=1", 10);
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    assert_true(threw);

    threw = false;
    try {
        set_cookie(s, "a;Domain=evil.example", 10);
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    assert_true(threw);

    threw = false;
    s.domain = "example.fr; Secure=0";
    try {
        set_cookie(s, "abc", 10);
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    assert_true(threw);

    threw = false;
    CookieSettings bad_name;
    bad_name.name = "a=b";
    try {
        set_cookie(bad_name, "abc", 10);
    } catch (const std::invalid_argument&) {
        threw = true;
    }
    assert_true(threw);
}

static void test_set_cookie_round_trips_through_find_cookie(void **)
{
    CookieSettings s;
    std::string v = set_cookie(s, "AbC-123_x.y", 60);
    std::string pair = v.substr(0, v.find(';'));
    auto back = find_cookie(pair, s.name);
    assert_true(back.has_value());
    assert_string_equal(back->c_str(), "AbC-123_x.y");
}

// PHP reads these names as "extranet_session" (white space trimmed,
// percent-decoded, '.', ' ' and '[' as '_'): they never reach the app.
static void test_strip_removes_the_copies_php_would_read_as_the_session(void **)
{
    const char *headers[] = {
        "a=1;\vextranet_session=tok; b=2",
        "a=1; extranet%5Fsession=tok; b=2",
        "a=1; extranet.session=tok; b=2",
        "a=1; extranet%20session=tok; b=2",
        "a=1; extranet[session=tok; b=2",
        "a=1; \fextranet_session\f=tok; b=2",
        "a=1; extranet+session=tok; b=2",
    };
    for (const char *h : headers) {
        StrippedCookies s = strip_cookie(h, "extranet_session");
        assert_true(s.removed);
        assert_string_equal(s.value.c_str(), "a=1; b=2");
    }
}

static void test_strip_keeps_names_php_reads_otherwise(void **)
{
    StrippedCookies s = strip_cookie("extranet_sessions=1; xextranet_session=2; "
                                     "extranet%5Gsession=3", "extranet_session");
    assert_false(s.removed);
    assert_string_equal(s.value.c_str(),
                        "extranet_sessions=1; xextranet_session=2; extranet%5Gsession=3");
}

static void test_strip_removes_the_bare_copies_of_a_prefixed_name(void **)
{
    // An older copy (before the prefix) or a tossed one is still a token.
    StrippedCookies s = strip_cookie(
        "extranet_session=old; a=1; __Host-extranet_session=new; extranet%5Fsession=x",
        "__Host-extranet_session");
    assert_true(s.removed);
    assert_string_equal(s.value.c_str(), "a=1");
    assert_true(has_cookie("extranet_session=old", "__Host-extranet_session"));
    assert_true(has_cookie("session=old", "__Secure-session"));
    // Only the session name's bare copy: others keep theirs.
    assert_false(has_cookie("Host-extranet_session=1; __Host-other=2",
                            "__Host-extranet_session"));
    // An unprefixed name has no bare copy to look for.
    assert_false(has_cookie("session=1", "extranet_session"));
    // Reading stays exact: a bare copy never opens a session.
    assert_false(find_cookie("extranet_session=old", "__Host-extranet_session").has_value());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_cookie_returns_the_value),
        cmocka_unit_test(test_find_cookie_absent_is_nullopt),
        cmocka_unit_test(test_find_cookie_matches_the_exact_name_not_a_prefix),
        cmocka_unit_test(test_find_cookie_returns_the_first_of_several),
        cmocka_unit_test(test_find_cookie_tolerates_missing_or_extra_blanks),
        cmocka_unit_test(test_find_cookie_unquotes_quoted_values),
        cmocka_unit_test(test_find_cookie_keeps_equals_inside_the_value),
        cmocka_unit_test(test_strip_cookie_removes_every_occurrence),
        cmocka_unit_test(test_strip_cookie_keeps_others_byte_for_byte),
        cmocka_unit_test(test_strip_cookie_does_not_strip_by_prefix),
        cmocka_unit_test(test_strip_cookie_leaves_empty_when_nothing_remains),
        cmocka_unit_test(test_strip_cookie_reports_removal_whatever_the_lengths),
        cmocka_unit_test(test_strip_cookie_reports_nothing_removed),
        cmocka_unit_test(test_find_cookies_returns_every_candidate_in_order),
        cmocka_unit_test(test_set_cookie_with_defaults),
        cmocka_unit_test(test_set_cookie_without_secure_and_with_domain),
        cmocka_unit_test(test_set_cookie_uses_the_configured_path),
        cmocka_unit_test(test_set_cookie_with_zero_max_age_clears_the_cookie),
        cmocka_unit_test(test_set_cookie_refuses_header_injection),
        cmocka_unit_test(test_set_cookie_round_trips_through_find_cookie),
        cmocka_unit_test(test_view_versions_agree),
        cmocka_unit_test(test_strip_removes_the_copies_php_would_read_as_the_session),
        cmocka_unit_test(test_strip_keeps_names_php_reads_otherwise),
        cmocka_unit_test(test_strip_removes_the_bare_copies_of_a_prefixed_name),
    };
    return cmocka_run_group_tests_name("cookie", tests, NULL, NULL);
}
