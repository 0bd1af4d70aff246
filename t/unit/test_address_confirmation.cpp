// Unit tests of the pure pieces of flows/address_confirmation and of its
// pages: the mailed link and mail, the cookie that carries the token off
// the URL, which request is which, and what the pages say.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <string>

#include "core/flows/address_confirmation.h"
#include "core/flows/password_reset.h"
#include "core/views/pages.h"
#include "core/views/response.h"

using namespace extranet;

namespace {

const std::string kToken(43, 'A');
const std::string kOther = "abcdefghijklmnopqrstuvwxyz0123456789-_ABCDE";

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

Form form_of(std::initializer_list<std::pair<std::string, std::string>> fields) {
    Form f;
    for (const auto& [k, v] : fields) f.set(k, v);
    return f;
}

}  // namespace

static void test_link_is_site_prefix_route_and_token(void**)
{
    assert_string_equal(confirm_link("https://extranet.example", "/auth/", kToken).c_str(),
                        ("https://extranet.example/auth/link/confirm?token=" + kToken).c_str());
}

static void test_mail_names_the_account_and_holds_the_link_on_its_own_line(void**)
{
    std::string link = confirm_link("https://e.example", "/auth/", kToken);
    std::string body = confirm_mail_body(PageContext{}, link, "030000100001", "Résidence Les Tilleuls — lot 12");
    assert_true(contains(body, "\n" + link + "\n"));
    assert_true(contains(body, "030000100001 (Résidence Les Tilleuls — lot 12)"));
    assert_true(contains(body, "48 heures"));
    assert_true(contains(body, "Si ce n'est pas vous, ne confirmez pas"));
    assert_string_equal(confirm_mail_subject(PageContext{}).c_str(), "Confirmez votre adresse e-mail");
}

static void test_cookie_is_host_only_httponly_on_the_route(void**)
{
    Settings s;
    s.cookie.domain = "example.org";  // the session's domain is not the token's
    s.cookie.secure = true;
    CookieSettings c = confirm_cookie(s, "/auth/");
    std::string set = set_cookie(c, kToken, 3600);
    assert_true(contains(set, "extranet_confirm=" + kToken + "; Path=/auth/link/confirm;"));
    assert_true(contains(set, "HttpOnly"));
    assert_true(contains(set, "Secure"));
    assert_false(contains(set, "Domain"));
}

static void test_get_with_token_moves_it_to_the_cookie(void**)
{
    ConfirmRequest r = read_confirm_request("GET", form_of({{"token", kToken}}), "", "extranet_confirm");
    assert_int_equal(static_cast<int>(r.kind), static_cast<int>(ConfirmRequest::Kind::move_to_cookie));
    assert_string_equal(r.token.c_str(), kToken.c_str());
}

static void test_get_without_token_reads_the_cookie(void**)
{
    ConfirmRequest r = read_confirm_request("GET", Form{}, "a=b; extranet_confirm=" + kOther,
                                            "extranet_confirm");
    assert_int_equal(static_cast<int>(r.kind), static_cast<int>(ConfirmRequest::Kind::show));
    assert_string_equal(r.token.c_str(), kOther.c_str());
}

static void test_post_takes_the_form_token_before_the_cookie(void**)
{
    ConfirmRequest r = read_confirm_request("POST", form_of({{"token", kToken}}),
                                            "extranet_confirm=" + kOther, "extranet_confirm");
    assert_int_equal(static_cast<int>(r.kind), static_cast<int>(ConfirmRequest::Kind::confirm));
    assert_string_equal(r.token.c_str(), kToken.c_str());
    r = read_confirm_request("POST", Form{}, "extranet_confirm=" + kOther, "extranet_confirm");
    assert_string_equal(r.token.c_str(), kOther.c_str());
}

static void test_malformed_tokens_are_refused(void**)
{
    for (const std::string& bad : {std::string(), std::string(42, 'A'), std::string(44, 'A'),
                                   std::string(42, 'A') + "+", std::string(42, 'A') + "="}) {
        ConfirmRequest r = read_confirm_request("GET", form_of({{"token", bad}}),
                                                "extranet_confirm=" + kToken, "extranet_confirm");
        assert_int_equal(static_cast<int>(r.kind), static_cast<int>(ConfirmRequest::Kind::bad_token));
        assert_true(r.token.empty());
    }
    ConfirmRequest r = read_confirm_request("GET", Form{}, "", "extranet_confirm");
    assert_int_equal(static_cast<int>(r.kind), static_cast<int>(ConfirmRequest::Kind::bad_token));
}

static void test_link_done_adds_one_sentence_for_a_new_address(void**)
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    LinkDoneView v;
    v.account = "030000100001";
    v.email = "marie@example.org";
    std::string plain = render_link_done(ctx, v);
    v.confirmation_sent = true;
    std::string sent = render_link_done(ctx, v);
    assert_true(contains(plain, "Ce compte est associé"));
    assert_true(contains(sent, "Ce compte est associé"));
    assert_false(contains(plain, "Un message vient d'être envoyé"));
    assert_true(contains(sent, "Un message vient d'être envoyé à cette adresse : ouvrez-le"));
}

static void test_confirm_page_escapes_and_posts_the_token(void**)
{
    PageContext ctx;
    ctx.prefix = "/auth/";
    ConfirmAddressView v;
    v.token = kToken;
    v.email = "marie@example.org";
    v.claimant = "<script>Marie</script>";
    v.accounts = {{"030000100001", "Lot <12>"}};
    std::string html = render_confirm_address(ctx, v);
    assert_true(contains(html, "<form method=\"post\" action=\"/auth/link/confirm\""));
    assert_true(contains(html, "name=\"token\" value=\"" + kToken + "\""));
    assert_true(contains(html, "&lt;script&gt;Marie&lt;/script&gt;"));
    assert_false(contains(html, "<script>Marie"));
    assert_true(contains(html, "Lot &lt;12&gt;"));
    assert_true(contains(html, "Confirmer mon adresse e-mail"));
}

static void test_no_referrer_flag_sets_the_policy(void**)
{
    PortalResponse r;
    auto policy = [](const PortalResponse& x) {
        for (const HeaderLine& h : security_headers(x)) {
            if (std::string(h.name) == "Referrer-Policy") return h.value;
        }
        return std::string();
    };
    assert_string_equal(policy(r).c_str(), "same-origin");
    r.no_referrer = true;
    assert_string_equal(policy(r).c_str(), "no-referrer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_is_site_prefix_route_and_token),
        cmocka_unit_test(test_mail_names_the_account_and_holds_the_link_on_its_own_line),
        cmocka_unit_test(test_cookie_is_host_only_httponly_on_the_route),
        cmocka_unit_test(test_get_with_token_moves_it_to_the_cookie),
        cmocka_unit_test(test_get_without_token_reads_the_cookie),
        cmocka_unit_test(test_post_takes_the_form_token_before_the_cookie),
        cmocka_unit_test(test_malformed_tokens_are_refused),
        cmocka_unit_test(test_link_done_adds_one_sentence_for_a_new_address),
        cmocka_unit_test(test_confirm_page_escapes_and_posts_the_token),
        cmocka_unit_test(test_no_referrer_flag_sets_the_policy),
    };
    return cmocka_run_group_tests(tests, nullptr, nullptr);
}
