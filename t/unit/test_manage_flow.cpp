// Unit tests of core/manage_flow's pure parts: the readable device of a
// session and the notices after an action.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/flows/manage_flow.h"
#include "core/primitives/device_name.h"

using namespace extranet;

static void test_device_names_browser_and_system(void **)
{
    assert_string_equal(device_name(PageContext{}, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) "
                                    "Gecko/20100101 Firefox/120.0").c_str(),
                        "Firefox sur Windows");
    assert_string_equal(device_name(PageContext{}, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
                                    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
                                    "Mobile/15E148 Safari/604.1").c_str(),
                        "Safari sur iPhone");
    assert_string_equal(device_name(PageContext{}, "Mozilla/5.0 (Linux; Android 13; SM-A536B) "
                                    "AppleWebKit/537.36 (KHTML, like Gecko) "
                                    "Chrome/119.0.0.0 Mobile Safari/537.36").c_str(),
                        "Chrome sur Android");
}

static void test_device_tells_edge_from_chrome(void **)
{
    assert_string_equal(device_name(PageContext{}, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                                    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 "
                                    "Safari/537.36 Edg/119.0.2151.72").c_str(),
                        "Edge sur Windows");
    assert_string_equal(device_name(PageContext{}, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) "
                                    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 "
                                    "Safari/537.36").c_str(),
                        "Chrome sur macOS");
}

static void test_device_unknown_agent_is_shortened_on_a_character_boundary(void **)
{
    assert_string_equal(device_name(PageContext{}, "curl/8.4.0").c_str(), "curl/8.4.0");
    std::string agent = std::string(59, 'a') + "éééé";
    std::string name = device_name(PageContext{}, agent);
    assert_string_equal(name.c_str(), (std::string(59, 'a') + "…").c_str());
    assert_string_equal(device_name(PageContext{}, "").c_str(), "");
}

// The notice of a finished action, in the words of the default catalog.
std::string notice(std::string_view done)
{
    std::optional<Text> t = manage_notice(done);
    return t ? page_text(PageContext{}, *t) : std::string();
}

static void test_notices_for_each_action(void **)
{
    assert_string_equal(notice("profile").c_str(),
                        "Vos informations personnelles ont été enregistrées.");
    assert_true(notice("password").find("mot de passe a été modifié") != std::string::npos);
    assert_false(notice("unlink").empty());
    assert_false(notice("default").empty());
    assert_false(notice("session_end").empty());
    assert_false(notice("sessions_end").empty());
    assert_true(notice("passkey_added").find("ajoutée") != std::string::npos);
}

static void test_unknown_notice_is_empty(void **)
{
    assert_false(manage_notice("").has_value());
    assert_false(manage_notice("<script>").has_value());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_names_browser_and_system),
        cmocka_unit_test(test_device_tells_edge_from_chrome),
        cmocka_unit_test(test_device_unknown_agent_is_shortened_on_a_character_boundary),
        cmocka_unit_test(test_notices_for_each_action),
        cmocka_unit_test(test_unknown_notice_is_empty),
    };
    return cmocka_run_group_tests_name("manage_flow", tests, NULL, NULL);
}
