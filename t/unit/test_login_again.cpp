// Unit tests of where a portal request without a (live) session is sent
// (through dispatch(), as the nginx layer calls it): the login page with
// next= the page, or the page of the form, never a POST-only URL; the
// notice that the session expired only when there was one; JSON's 401.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <cstring>
#include <memory>
#include <string>

#include "core/primitives/crypto.h"
#include "core/router/portal.h"

using namespace extranet;

namespace {

class Limiter : public AttemptLimiter {
public:
    bool locked(std::string_view, std::uint64_t) override { return false; }
};

Settings settings() {
    Settings s;
    s.keys = std::make_shared<KeyRing>(std::vector<std::string>{std::string(32, 'k')});
    s.site_url = "https://extranet.example.org";
    return s;
}

PortalRequest request(std::string method, std::string route, std::string args_or_body = "",
                      std::string cookie = "") {
    PortalRequest r;
    r.method = std::move(method);
    r.route = std::move(route);
    r.prefix = "/auth/";
    if (r.method == "POST") {
        r.content_type = "application/x-www-form-urlencoded";
        r.body = std::move(args_or_body);
    } else {
        r.args = std::move(args_or_body);
    }
    r.host = "extranet.example.org";
    r.origin = "https://extranet.example.org";
    r.client_addr = "192.0.2.1";
    r.cookie = std::move(cookie);
    r.now = 1700000000;
    return r;
}

PortalResponse answer(const PortalRequest& r) {
    Settings s = settings();
    Limiter l;
    Dispatch d = dispatch(s, r, l);
    assert_true(d.response.has_value());
    return *d.response;
}

const std::string kStale = "extranet_session=AAAA";

}  // namespace

static void test_a_page_view_comes_back_to_itself(void **)
{
    PortalResponse r = answer(request("GET", "manage"));
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Fmanage");

    r = answer(request("GET", "link/profile", "email=a%40b.fr"));
    assert_string_equal(r.location.c_str(),
                        "/auth/login?next=%2Fauth%2Flink%2Fprofile%3Femail%3Da%2540b.fr");
}

static void test_an_ended_session_is_told(void **)
{
    PortalResponse r = answer(request("GET", "accounts", "", kStale));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Faccounts&expired=1");

    // an empty value is no session
    r = answer(request("GET", "accounts", "", "extranet_session="));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Faccounts");
}

static void test_a_post_comes_back_to_the_page_of_its_form(void **)
{
    PortalResponse r = answer(request("POST", "manage", "action=profile&last_name=X", kStale));
    assert_int_equal(r.status, 303);
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Fmanage&expired=1");

    r = answer(request("POST", "link/password", "email=a%40b.fr&password=x", kStale));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Flink&expired=1");

    r = answer(request("POST", "passkey/delete", "id=AAAA", kStale));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Fmanage&expired=1");
}

static void test_switch_comes_back_where_it_was_going(void **)
{
    PortalResponse r = answer(request("POST", "switch", "account=030000100002&next=%2Ftravaux%3Fa%3D1"));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Ftravaux%3Fa%3D1");

    r = answer(request("POST", "switch", "account=030000100002"));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Faccounts");

    r = answer(request("POST", "switch", "account=030000100002&next=%2F%2Fevil.example%2F"));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Faccounts");
}

static void test_never_back_to_a_post_only_url(void **)
{
    PortalResponse r = answer(request("GET", "switch"));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Faccounts");

    r = answer(request("POST", "switch", "account=030000100002&next=%2Fauth%2Fswitch%3Fx%3D1"));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Faccounts");

    r = answer(request("POST", "switch", "account=030000100002&next=%2Fauth%2Fpasskey%2Fdelete"));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Faccounts");

    r = answer(request("GET", "passkey/register"));
    assert_string_equal(r.location.c_str(), "/auth/login?next=%2Fauth%2Fmanage");
}

static void test_json_keeps_its_401(void **)
{
    PortalRequest q = request("GET", "manage", "", kStale);
    q.wants_json = true;
    PortalResponse r = answer(q);
    assert_int_equal(r.status, 401);
    assert_true(r.location.empty());
    assert_non_null(strstr(r.body.c_str(), "\"login\":\"/auth/login\""));
}

static void test_the_login_url(void **)
{
    assert_string_equal(login_again_url("/auth/", "/a b", true).c_str(),
                        "/auth/login?next=%2Fa%20b&expired=1");
    assert_string_equal(login_again_url("/auth/", "//evil.example", false).c_str(), "/auth/login");
    assert_string_equal(login_again_url("/auth/", "", true).c_str(), "/auth/login?expired=1");
}

static void test_which_routes_refresh_the_session(void **)
{
    assert_true(serves_session("manage"));
    assert_true(serves_session("accounts"));
    assert_true(serves_session("switch"));
    assert_false(serves_session("login"));
    assert_false(serves_session("logout"));
    assert_false(serves_session("style.css"));
    assert_false(serves_session("nowhere"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_page_view_comes_back_to_itself),
        cmocka_unit_test(test_an_ended_session_is_told),
        cmocka_unit_test(test_a_post_comes_back_to_the_page_of_its_form),
        cmocka_unit_test(test_switch_comes_back_where_it_was_going),
        cmocka_unit_test(test_never_back_to_a_post_only_url),
        cmocka_unit_test(test_json_keeps_its_401),
        cmocka_unit_test(test_the_login_url),
        cmocka_unit_test(test_which_routes_refresh_the_session),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
