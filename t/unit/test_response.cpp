// Unit tests of core/response: the security headers of portal answers, and
// that the pages they cover hold nothing the policy would have to allow
// inline (no <script> body, no on...= handler, no style attribute).
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "core/views/pages.h"
#include "core/views/response.h"

using namespace extranet;

static std::string header(const PortalResponse& r, const std::string& name)
{
    for (const HeaderLine& h : security_headers(r)) {
        if (name == h.name) return h.value;
    }
    return "<absent>";
}

static void test_pages_are_not_stored_static_files_are(void **)
{
    assert_string_equal(header(html_response(200, "x"), "Cache-Control").c_str(), "no-store");
    assert_string_equal(header(json_response(200, "{}"), "Cache-Control").c_str(), "no-store");
    assert_string_equal(header(redirect_response("/x"), "Cache-Control").c_str(), "no-store");
    PortalResponse css;
    css.no_store = false;
    assert_string_equal(header(css, "Cache-Control").c_str(), "max-age=300");
}

static void test_policy_never_allows_inline_script(void **)
{
    std::string csp = header(html_response(200, "x"), "Content-Security-Policy");
    assert_true(csp.find("script-src 'self'") != std::string::npos);
    assert_true(csp.find("unsafe-inline") == std::string::npos);
    assert_true(csp.find("unsafe-eval") == std::string::npos);
    assert_true(csp.find("default-src 'none'") != std::string::npos);
    assert_true(csp.find("frame-ancestors 'none'") != std::string::npos);
    assert_string_equal(header(html_response(200, "x"), "X-Frame-Options").c_str(), "DENY");
}

static std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// Inline script, handlers and style attributes in a page.
static void assert_nothing_inline(const std::string& page)
{
    std::string p = lower(page);
    std::size_t at = 0;
    while ((at = p.find("<script", at)) != std::string::npos) {
        std::size_t close = p.find('>', at);
        assert_true(close != std::string::npos);
        // Only <script src=...></script>: nothing between the tags.
        assert_true(p.substr(at, close - at).find(" src=") != std::string::npos);
        assert_true(p.compare(close + 1, 9, "</script>") == 0);
        at = close;
    }
    assert_true(p.find("<style") == std::string::npos);
    assert_true(p.find(" style=") == std::string::npos);
    assert_true(p.find("javascript:") == std::string::npos);
    for (std::size_t i = 0; (i = p.find(" on", i)) != std::string::npos; i++) {
        std::size_t j = i + 3;
        while (j < p.size() && std::isalpha(static_cast<unsigned char>(p[j]))) j++;
        // " onclick=" style attributes; words in texts ("on ", "one") pass.
        bool attribute = j > i + 3 && j < p.size() && p[j] == '=';
        if (attribute) fail_msg("inline handler at %zu: %s", i, p.substr(i, 30).c_str());
    }
}

static void test_pages_hold_no_inline_script_handler_or_style(void **)
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    ctx.csrf = "tok";
    ctx.logged_in = true;
    assert_nothing_inline(render_login(ctx, LoginView()));
    assert_nothing_inline(render_link_email(ctx, LinkEmailView()));
    assert_nothing_inline(render_link_profile(ctx, LinkProfileView()));
    assert_nothing_inline(render_link_password(ctx, LinkPasswordView()));
    assert_nothing_inline(render_link_done(ctx, LinkDoneView()));
    AccountsView accounts;
    AccountItem a;
    a.code = "030000100001";
    a.active = true;
    accounts.accounts.push_back(a);
    assert_nothing_inline(render_accounts(ctx, accounts));
    ManageView manage;
    manage.accounts.push_back(a);
    manage.confirm_unlink_last = true;
    manage.unlink_account = a.code;
    assert_nothing_inline(render_manage(ctx, manage));
    assert_nothing_inline(render_password_forgot(ctx, PasswordForgotView()));
    assert_nothing_inline(render_password_reset(ctx, PasswordResetView()));
    assert_nothing_inline(render_message(ctx, MessageView()));
}

static void test_an_answer_that_sets_a_cookie_is_never_stored(void **)
{
    PortalResponse asset;
    asset.no_store = false;
    asset.cache_control = "public, max-age=300";
    asset.set_cookies.push_back("a=b; Path=/");
    assert_string_equal(header(asset, "Cache-Control").c_str(), "no-store");
}

static void test_a_page_holding_a_secret_sends_no_referrer(void **)
{
    PortalResponse page;
    assert_string_equal(header(page, "Referrer-Policy").c_str(), "same-origin");
    page.no_referrer = true;
    assert_string_equal(header(page, "Referrer-Policy").c_str(), "no-referrer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_are_not_stored_static_files_are),
        cmocka_unit_test(test_policy_never_allows_inline_script),
        cmocka_unit_test(test_pages_hold_no_inline_script_handler_or_style),
        cmocka_unit_test(test_an_answer_that_sets_a_cookie_is_never_stored),
        cmocka_unit_test(test_a_page_holding_a_secret_sends_no_referrer),
    };
    return cmocka_run_group_tests_name("response", tests, NULL, NULL);
}
