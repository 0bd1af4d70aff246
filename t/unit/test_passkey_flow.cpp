// Unit tests of core/passkey_flow's event-loop part: the stored name, the
// notices, and what the passkey routes refuse before any database work
// (through dispatch(), as the nginx layer calls it).
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include <memory>
#include <set>
#include <string>

#include "core/primitives/crypto.h"
#include "core/flows/passkey_flow.h"
#include "core/router/portal.h"

using namespace extranet;

namespace {

class Limiter : public AttemptLimiter {
public:
    std::set<std::string> locked_keys;
    bool locked(std::string_view key, std::uint64_t) override {
        return locked_keys.count(std::string(key)) != 0;
    }
};

Settings settings(std::string site_url = "https://extranet.example.org") {
    Settings s;
    s.keys = std::make_shared<KeyRing>(std::vector<std::string>{std::string(32, 'k')});
    s.site_url = std::move(site_url);
    return s;
}

SessionClaims email_claims() {
    SessionClaims c;
    c.session_id = std::string(16, 's');
    c.method = LoginMethod::email;
    c.identity_id = 7;
    c.email = "claire@example.org";
    c.account = "030000100001";
    return c;
}

PortalRequest post(std::string route, std::string body,
                   std::optional<SessionClaims> session = std::nullopt) {
    PortalRequest r;
    r.method = "POST";
    r.route = std::move(route);
    r.prefix = "/auth/";
    r.content_type = "application/json";
    r.body = std::move(body);
    r.wants_json = true;
    r.host = "extranet.example.org";
    r.origin = "https://extranet.example.org";
    r.client_addr = "192.0.2.1";
    r.session = std::move(session);
    r.now = 1700000000;
    return r;
}

std::string csrf_json(const Settings& s, std::string rest = "") {
    return "{\"csrf\":\"" + s.keys->csrf_token(std::string(16, 's')) + "\"" + rest + "}";
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

static void test_name_is_trimmed_and_bounded_in_characters(void **)
{
    assert_string_equal(passkey_name(PageContext{}, "  Mon téléphone ", "")->c_str(), "Mon téléphone");
    std::string sixty_accents;
    for (int i = 0; i < 60; i++) sixty_accents += "é";
    assert_string_equal(passkey_name(PageContext{}, sixty_accents, "")->c_str(), sixty_accents.c_str());
    assert_false(passkey_name(PageContext{}, sixty_accents + "e", "").has_value());
    assert_string_equal(passkey_name(PageContext{}, "Clé", "")->c_str(), "Clé");  // ends on a multibyte letter
}

static void test_name_defaults_to_the_device(void **)
{
    std::string ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
                     "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
    assert_string_equal(passkey_name(PageContext{}, "   ", ua)->c_str(), "Safari sur iPhone");
    assert_string_equal(passkey_name(PageContext{}, "", "")->c_str(), "Clé d'accès");
}

static void test_notices(void **)
{
    assert_true(has(page_text(PageContext{}, *passkey_notice("passkey_added")), "ajoutée"));
    assert_true(has(page_text(PageContext{}, *passkey_notice("passkey_deleted")), "supprimée"));
    assert_false(passkey_notice("profile").has_value());
}

static void test_script_is_a_static_file(void **)
{
    Settings s = settings();
    Limiter l;
    PortalRequest r = post("passkey.js", "");
    r.method = "GET";
    Dispatch d = dispatch(s, r, l);
    assert_true(d.response.has_value());
    assert_int_equal(d.response->status, 200);
    assert_true(has(d.response->content_type, "javascript"));
    assert_true(has(d.response->body, "PublicKeyCredential"));
    assert_false(has(d.response->body, "innerHTML"));
    r.method = "POST";
    assert_int_equal(dispatch(s, r, l).response->status, 405);
}

static void test_register_needs_an_email_session_and_csrf(void **)
{
    Settings s = settings();
    Limiter l;
    Dispatch d = dispatch(s, post("passkey/register/options", "{}"), l);
    assert_int_equal(d.response->status, 401);

    d = dispatch(s, post("passkey/register/options", "{}", email_claims()), l);
    assert_int_equal(d.response->status, 403);
    assert_true(has(d.response->body, "csrf"));

    SessionClaims code = email_claims();
    code.method = LoginMethod::code;
    code.identity_id = 0;
    d = dispatch(s, post("passkey/register/options", csrf_json(s), code), l);
    assert_int_equal(d.response->status, 403);
    assert_true(has(d.response->body, "email_only"));

    // The current password first: without it, no work at all.
    d = dispatch(s, post("passkey/register/options", csrf_json(s), email_claims()), l);
    assert_true(d.response.has_value());
    assert_int_equal(d.response->status, 400);
    assert_true(has(d.response->body, "missing_password"));
    assert_true(has(d.response->body, "current_password"));

    d = dispatch(s, post("passkey/register/options",
                         csrf_json(s, ",\"current_password\":\"Claire-perso-2024!\""),
                         email_claims()),
                 l);
    assert_false(d.response.has_value());
    assert_true(static_cast<bool>(d.work));  // checked, then the challenge stored, in the pool
    assert_true(d.hashes);                   // in the hashing pool
}

static void test_hidden_characters_in_names(void **)
{
    assert_false(has_hidden_chars("Mon téléphone"));
    assert_false(has_hidden_chars("Clé d'accès — bureau 😀"));
    assert_true(has_hidden_chars("\xE2\x80\xAEgnp.exe"));    // U+202E right-to-left override
    assert_true(has_hidden_chars("a\xE2\x81\xA6" "b"));          // U+2066 isolate
    assert_true(has_hidden_chars("a\xE2\x80\x8E" "b"));          // U+200E mark
    assert_true(has_hidden_chars("a\xE2\x80\x8B" "b"));          // U+200B zero width
    assert_true(has_hidden_chars("a\xC2\x9B" "2J"));           // U+009B CSI (C1)
    assert_true(has_hidden_chars("a\x1B[2J"));                  // ESC
    assert_true(has_hidden_chars("a\x7F"));
    assert_true(has_hidden_chars("a\xEF\xBB\xBF"));           // U+FEFF
    assert_true(has_hidden_chars("a\xF3\xA0\x80\x81"));       // U+E0001 tag
    assert_true(has_hidden_chars("a\xC3"));                     // truncated UTF-8
    // A default name from a user agent that hides characters is not taken.
    assert_string_equal(passkey_name(PageContext{}, "", "Evil\xE2\x80\xAE")->c_str(), "Clé d'accès");

    Settings s = settings();
    Limiter l;
    std::string cd = base64url_encode(
        "{\"type\":\"webauthn.create\",\"challenge\":\"AAAA\",\"origin\":\"https://extranet.example.org\"}");
    Dispatch d = dispatch(s, post("passkey/register",
                                  csrf_json(s, ",\"clientDataJSON\":\"" + cd +
                                                   "\",\"attestationObject\":\"oA\",\"name\":\"\\u202egnp.exe\""),
                                  email_claims()),
                          l);
    assert_int_equal(d.response->status, 400);
    assert_true(has(d.response->body, "name_invalid"));
}

static void test_register_refuses_malformed_responses_on_the_event_loop(void **)
{
    Settings s = settings();
    Limiter l;
    for (const char* rest : {"", ",\"clientDataJSON\":\"***\",\"attestationObject\":\"oA\"",
                             ",\"clientDataJSON\":\"e30\",\"attestationObject\":\"oA\""}) {
        Dispatch d = dispatch(s, post("passkey/register", csrf_json(s, rest), email_claims()), l);
        assert_true(d.response.has_value());
        assert_int_equal(d.response->status, 400);
        assert_true(has(d.response->body, "bad_request"));
    }
    std::string cd = base64url_encode(
        "{\"type\":\"webauthn.create\",\"challenge\":\"AAAA\",\"origin\":\"https://extranet.example.org\"}");
    std::string long_name(61, 'n');
    Dispatch d = dispatch(s, post("passkey/register",
                                  csrf_json(s, ",\"clientDataJSON\":\"" + cd +
                                                   "\",\"attestationObject\":\"oA\",\"name\":\"" +
                                                   long_name + "\""),
                                  email_claims()),
                          l);
    assert_int_equal(d.response->status, 400);
    assert_true(has(d.response->body, "name_too_long"));
}

static void test_login_refusals_before_the_database(void **)
{
    Settings s = settings();
    Limiter l;
    Dispatch d = dispatch(s, post("passkey/login", "{\"id\":\"AA\"}"), l);
    assert_int_equal(d.response->status, 400);
    assert_int_equal(d.response->failures.size(), 1);
    assert_string_equal(d.response->failures[0].c_str(), "ip:192.0.2.1");

    // GET is no ceremony.
    PortalRequest get = post("passkey/login/options", "");
    get.method = "GET";
    assert_int_equal(dispatch(s, get, l).response->status, 405);

    // A cross-site POST never reaches the route.
    PortalRequest cross = post("passkey/login/options", "{}");
    cross.origin = "https://evil.example.net";
    assert_int_equal(dispatch(s, cross, l).response->status, 403);

    l.locked_keys.insert("ip:192.0.2.1");
    assert_int_equal(dispatch(s, post("passkey/login/options", "{}"), l).response->status, 429);
}

static void test_login_options_work_needs_a_site_url(void **)
{
    Limiter l;
    Settings s = settings();
    Dispatch d = dispatch(s, post("passkey/login/options", "{}"), l);
    assert_false(d.response.has_value());
    assert_true(static_cast<bool>(d.work));

    Settings broken = settings("not a url");
    d = dispatch(broken, post("passkey/login/options", "{}"), l);
    assert_int_equal(d.response->status, 503);
}

static void test_large_responses_fit_the_passkey_routes(void **)
{
    // An RS256 attestationObject is longer than a password may be.
    Settings s = settings();
    Limiter l;
    std::string big(3000, 'A');
    Dispatch d = dispatch(s, post("passkey/register",
                                  csrf_json(s, ",\"clientDataJSON\":\"" + big +
                                                   "\",\"attestationObject\":\"" + big + "\""),
                                  email_claims()),
                          l);
    assert_int_equal(d.response->status, 400);
    assert_true(has(d.response->body, "bad_request"));  // not "field too long"
    assert_false(has(d.response->body, "trop long"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_is_trimmed_and_bounded_in_characters),
        cmocka_unit_test(test_name_defaults_to_the_device),
        cmocka_unit_test(test_notices),
        cmocka_unit_test(test_script_is_a_static_file),
        cmocka_unit_test(test_register_needs_an_email_session_and_csrf),
        cmocka_unit_test(test_hidden_characters_in_names),
        cmocka_unit_test(test_register_refuses_malformed_responses_on_the_event_loop),
        cmocka_unit_test(test_login_refusals_before_the_database),
        cmocka_unit_test(test_login_options_work_needs_a_site_url),
        cmocka_unit_test(test_large_responses_fit_the_passkey_routes),
    };
    return cmocka_run_group_tests_name("passkey_flow", tests, NULL, NULL);
}
