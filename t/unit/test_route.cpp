// Unit tests of flows/route: the answer to a browser's form that finds its
// session ended (whether the client prefers HTML, where it goes back to
// after logging in again, the page it reads).
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <cstring>
#include <string>

#include "core/flows/route.h"

using namespace extranet;

static void test_a_browser_prefers_html(void **)
{
    assert_true(prefers_html("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
    assert_true(prefers_html("text/html, */*; q=0.01"));
    assert_true(prefers_html("application/xhtml+xml"));
    assert_true(prefers_html("TEXT/HTML;level=1;q=0.9, text/plain;q=0.5"));
}

static void test_json_clients_and_scripts_do_not(void **)
{
    assert_false(prefers_html(""));
    assert_false(prefers_html("*/*"));
    assert_false(prefers_html("application/json"));
    assert_false(prefers_html("application/json, text/html"));
    assert_false(prefers_html("text/html, application/json;q=0.1"));
    assert_false(prefers_html("text/html;q=0.1, application/xml"));
    assert_false(prefers_html("text/html;q=0"));
    assert_false(prefers_html("text/html;q=0.000, */*"));
    assert_false(prefers_html("text/html;q=bad"));
}

static void test_back_to_the_referers_page_of_this_host(void **)
{
    assert_string_equal(referer_next("http://site.example/contact/syndic?lot=12", "site.example", "/").c_str(),
                        "/contact/syndic?lot=12");
    assert_string_equal(referer_next("https://Site.Example:8443/a#frag", "site.example:8443", "/").c_str(),
                        "/a");
}

static void test_else_back_to_the_fallback(void **)
{
    assert_string_equal(referer_next("", "site.example", "/copro/").c_str(), "/copro/");
    assert_string_equal(referer_next("http://evil.example/a", "site.example", "/copro/").c_str(), "/copro/");
    assert_string_equal(referer_next("http://site.example.evil/a", "site.example", "/").c_str(), "/");
    assert_string_equal(referer_next("http://site.example", "site.example", "/x/").c_str(), "/x/");
    assert_string_equal(referer_next("http://site.example?a", "site.example", "/x/").c_str(), "/x/");
    assert_string_equal(referer_next("http://site.example//evil.example/", "site.example", "/").c_str(), "/");
    assert_string_equal(referer_next("http://site.example/\\evil", "site.example", "/").c_str(), "/");
    assert_string_equal(referer_next("/a", "site.example", "/").c_str(), "/");
    assert_string_equal(referer_next("http://site.example/a", "", "/").c_str(), "/");
    // a fallback that is no path of this site
    assert_string_equal(referer_next("", "site.example", "//evil.example").c_str(), "/");
}

static void test_the_page_says_the_session_ended_and_links_to_login(void **)
{
    PageContext page;
    page.prefix = "/auth/";
    std::string html = render_session_ended(page, "/auth/login?next=%2Fa%3Fb%3D1");
    assert_non_null(strstr(html.c_str(), "Votre session a pris fin"));
    assert_non_null(strstr(html.c_str(), "href=\"/auth/login?next=%2Fa%3Fb%3D1\""));
    assert_non_null(strstr(html.c_str(), "Se reconnecter"));
    assert_null(strstr(html.c_str(), "<script>"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_browser_prefers_html),
        cmocka_unit_test(test_json_clients_and_scripts_do_not),
        cmocka_unit_test(test_back_to_the_referers_page_of_this_host),
        cmocka_unit_test(test_else_back_to_the_fallback),
        cmocka_unit_test(test_the_page_says_the_session_ended_and_links_to_login),
    };
    return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
