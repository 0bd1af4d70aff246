// Unit tests of src/core/session_token: sealing and opening the session
// cookie under a key ring, refusal of anything altered, the time limits,
// and the CSRF token.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include "core/primitives/crypto.h"
#include "core/primitives/session_token.h"

#include <stdexcept>
#include <string>
#include <vector>

using namespace extranet;

namespace {

const std::string kKeyA(32, 'A');
const std::string kKeyB = "0123456789abcdef0123456789abcdef-second-key";
const std::string kKeyC(64, '\x7f');

SessionClaims email_claims()
{
    SessionClaims c;
    c.session_id = std::string("\x00\x01\x02\xfe\xff session id!", 16);
    c.issued_at = 1700000000;
    c.refreshed_at = 1700000300;
    c.method = LoginMethod::email;
    c.identity_id = (std::uint64_t{1} << 40) + 7;
    c.email = "marie.dupont@example.fr";
    c.account = "030000100001";
    c.syndic = "0300";
    c.accounts = {"030000100001", "030000100002", "031000200017"};
    return c;
}

SessionClaims code_claims()
{
    SessionClaims c;
    c.session_id = "sixteen-bytes-id";
    c.issued_at = 1700000000;
    c.refreshed_at = 1700000000;
    c.method = LoginMethod::code;
    c.account = "030000100001";
    c.syndic = "0300";
    return c;
}

bool same_claims(const SessionClaims& a, const SessionClaims& b)
{
    return a.session_id == b.session_id && a.issued_at == b.issued_at &&
           a.refreshed_at == b.refreshed_at && a.method == b.method &&
           a.identity_id == b.identity_id && a.email == b.email &&
           a.account == b.account && a.syndic == b.syndic &&
           a.accounts == b.accounts;
}

// Builds a token by hand, following the documented layout, and signs it
// with `key`: lets a test forge well-signed but ill-formed bodies.
struct Forge {
    std::string data;

    Forge& byte(unsigned b) { data += static_cast<char>(b); return *this; }
    Forge& u64(std::uint64_t v)
    {
        for (int s = 56; s >= 0; s -= 8) {
            byte(static_cast<unsigned>(v >> s & 0xff));
        }
        return *this;
    }
    Forge& text(const std::string& s)
    {
        byte(static_cast<unsigned>(s.size()));
        data += s;
        return *this;
    }
    Forge& raw(const std::string& s) { data += s; return *this; }

    std::string signed_with(const std::string& key) const
    {
        return base64url_encode(data + hmac_sha256(key, data));
    }
};

std::string key_id(const std::string& key) { return sha256(key).substr(0, 4); }

// A valid body up to (not including) the accounts list.
Forge forge_head(const std::string& key, unsigned version = 1)
{
    Forge f;
    f.byte(version).raw(key_id(key)).text("sixteen-bytes-id")
        .u64(1700000000).u64(1700000000).byte(1).u64(0)
        .text("").text("030000100001").text("0300");
    return f;
}

bool throws_invalid_argument(std::vector<std::string> keys)
{
    try {
        KeyRing ring(std::move(keys));
    } catch (const std::invalid_argument&) {
        return true;
    }
    return false;
}

}  // namespace

static void test_seal_then_open_gives_back_every_claim(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    SessionClaims c = email_claims();
    auto back = ring.open(ring.seal(c));
    assert_true(back.has_value());
    assert_true(same_claims(*back, c));
    assert_int_equal(back->identity_id, (std::uint64_t{1} << 40) + 7);
    assert_int_equal(back->method, LoginMethod::email);
    assert_int_equal(back->accounts.size(), 3);
}

static void test_numeric_code_session_round_trips(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    SessionClaims c = code_claims();
    auto back = ring.open(ring.seal(c));
    assert_true(back.has_value());
    assert_true(same_claims(*back, c));
    assert_true(back->email.empty());
    assert_true(back->accounts.empty());
    assert_int_equal(back->method, LoginMethod::code);
}

static void test_token_is_base64url_text(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    std::string token = ring.seal(email_claims());
    assert_true(token.find_first_not_of(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
}

static void test_any_flipped_bit_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    auto raw = base64url_decode(ring.seal(email_claims()));
    assert_true(raw.has_value());

    for (std::size_t i = 0; i < raw->size(); i++) {
        for (unsigned mask : {0x01u, 0x80u, 0xffu}) {
            std::string bad = *raw;
            bad[i] = static_cast<char>(bad[i] ^ static_cast<char>(mask));
            assert_false(ring.open(base64url_encode(bad)).has_value());
        }
    }
}

static void test_any_changed_character_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    std::string token = ring.seal(code_claims());
    for (std::size_t i = 0; i < token.size(); i++) {
        std::string bad = token;
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        assert_false(ring.open(bad).has_value());
    }
}

static void test_truncation_at_every_length_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    std::string token = ring.seal(email_claims());
    for (std::size_t len = 0; len < token.size(); len++) {
        assert_false(ring.open(token.substr(0, len)).has_value());
    }
    auto raw = base64url_decode(token);
    assert_true(raw.has_value());
    for (std::size_t len = 0; len < raw->size(); len++) {
        assert_false(ring.open(base64url_encode(raw->substr(0, len))).has_value());
    }
}

static void test_appended_bytes_are_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    std::string token = ring.seal(code_claims());
    auto raw = base64url_decode(token);
    assert_true(raw.has_value());
    assert_false(ring.open(base64url_encode(*raw + "x")).has_value());
    assert_false(ring.open(token + "A").has_value());
    assert_false(ring.open(token + "AA").has_value());
}

static void test_signed_body_with_trailing_bytes_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    Forge good = forge_head(kKeyA);
    good.byte(0);
    assert_true(ring.open(good.signed_with(kKeyA)).has_value());  // the forge is right

    Forge trailing = good;
    trailing.byte(0);
    assert_false(ring.open(trailing.signed_with(kKeyA)).has_value());
}

static void test_signed_body_with_overrunning_length_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});

    Forge count = forge_head(kKeyA);
    count.byte(5).text("030000100001").text("030000100002");  // 2 of 5
    assert_false(ring.open(count.signed_with(kKeyA)).has_value());

    Forge length = forge_head(kKeyA);
    length.byte(1).byte(200).raw("030000100001");  // 12 of 200 bytes
    assert_false(ring.open(length.signed_with(kKeyA)).has_value());

    Forge head_only;
    head_only.byte(1).raw(key_id(kKeyA)).byte(16).raw("short");
    assert_false(ring.open(head_only.signed_with(kKeyA)).has_value());
}

static void test_signed_body_with_unknown_login_method_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    for (unsigned method : {0u, 3u, 255u}) {
        Forge f;
        f.byte(1).raw(key_id(kKeyA)).text("sixteen-bytes-id")
            .u64(1700000000).u64(1700000000).byte(method).u64(0)
            .text("").text("030000100001").text("0300").byte(0);
        assert_false(ring.open(f.signed_with(kKeyA)).has_value());
    }
}

static void test_other_version_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    for (unsigned version : {0u, 2u, 255u}) {
        Forge f = forge_head(kKeyA, version);
        f.byte(0);
        assert_false(ring.open(f.signed_with(kKeyA)).has_value());
    }
}

static void test_unknown_key_id_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    // Signed with the right key, but naming another key.
    Forge f;
    f.byte(1).raw(key_id(kKeyB)).text("sixteen-bytes-id")
        .u64(1700000000).u64(1700000000).byte(1).u64(0)
        .text("").text("030000100001").text("0300").byte(0);
    assert_false(ring.open(f.signed_with(kKeyA)).has_value());
}

static void test_token_of_another_key_is_refused(void **state)
{
    (void) state;
    KeyRing a({kKeyA});
    KeyRing b({kKeyB});
    assert_false(b.open(a.seal(email_claims())).has_value());
    assert_false(a.open(b.seal(email_claims())).has_value());
}

static void test_rotated_ring_opens_tokens_of_the_old_key(void **state)
{
    (void) state;
    KeyRing old_ring({kKeyA});
    KeyRing rotated({kKeyB, kKeyA});
    KeyRing new_only({kKeyB});

    std::string old_token = old_ring.seal(email_claims());
    auto back = rotated.open(old_token);
    assert_true(back.has_value());
    assert_true(same_claims(*back, email_claims()));
    assert_false(new_only.open(old_token).has_value());

    // The rotated ring signs with its first key.
    std::string new_token = rotated.seal(email_claims());
    assert_true(new_only.open(new_token).has_value());
    assert_false(old_ring.open(new_token).has_value());
}

static void test_non_base64url_input_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    std::string token = ring.seal(code_claims());

    assert_false(ring.open("").has_value());
    assert_false(ring.open("not a token").has_value());
    for (char c : {'+', '/', '=', '.', ' ', '%', '\0', '\n'}) {
        std::string bad = token;
        bad[bad.size() / 2] = c;
        assert_false(ring.open(bad).has_value());
    }
    assert_false(ring.open(token + "=").has_value());
}

static void test_oversize_input_is_refused(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});

    // Well signed and well formed, but longer than 4096 characters.
    Forge f = forge_head(kKeyA);
    f.byte(200);
    for (int i = 0; i < 200; i++) {
        f.text(std::string(20, '1'));
    }
    std::string big = f.signed_with(kKeyA);
    assert_true(big.size() > 4096);
    assert_false(ring.open(big).has_value());
    assert_false(ring.open(std::string(100000, 'A')).has_value());
}

static void test_seal_refuses_what_open_could_not_read(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});

    SessionClaims many = code_claims();
    many.accounts.assign(256, "1");
    bool thrown = false;
    try { ring.seal(many); } catch (const std::length_error&) { thrown = true; }
    assert_true(thrown);

    SessionClaims long_email = email_claims();
    long_email.email = std::string(256, 'a');
    thrown = false;
    try { ring.seal(long_email); } catch (const std::length_error&) { thrown = true; }
    assert_true(thrown);

    SessionClaims huge = code_claims();
    huge.accounts.assign(200, std::string(30, '1'));
    thrown = false;
    try { ring.seal(huge); } catch (const std::length_error&) { thrown = true; }
    assert_true(thrown);
}

static void test_token_with_100_accounts_fits_a_cookie(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    SessionClaims c = email_claims();
    c.email = std::string(243, 'a') + "@example.fr";  // 254 characters
    assert_int_equal(c.email.size(), 254);
    c.accounts.clear();
    for (int i = 0; i < 100; i++) {
        c.accounts.push_back("0300001" + std::to_string(10000 + i));
    }

    std::string token = ring.seal(c);
    assert_true(token.size() < 4096);
    auto back = ring.open(token);
    assert_true(back.has_value());
    assert_true(same_claims(*back, c));
}

static void test_short_key_is_refused_naming_its_index(void **state)
{
    (void) state;
    assert_true(throws_invalid_argument({std::string(31, 'k')}));
    assert_true(throws_invalid_argument({kKeyA, ""}));
    assert_true(throws_invalid_argument({}));
    assert_false(throws_invalid_argument({std::string(32, 'k')}));

    try {
        KeyRing ring({kKeyA, kKeyB, std::string(10, 'k')});
        fail_msg("a 10-byte key was accepted");
    } catch (const std::invalid_argument& e) {
        assert_true(std::string(e.what()).find("key 2 ") != std::string::npos);
    }
}

static void test_token_state_follows_idle_absolute_and_refresh_limits(void **state)
{
    (void) state;
    SessionTimeouts t;  // idle 30 min, absolute 12 h, refresh 5 min
    SessionClaims c = code_claims();
    c.issued_at = 1000000;
    c.refreshed_at = 1000000;

    assert_int_equal(token_state(c, t, 1000000), TokenState::valid);
    assert_int_equal(token_state(c, t, 1000000 + 299), TokenState::valid);
    assert_int_equal(token_state(c, t, 1000000 + 300), TokenState::refresh_due);
    assert_int_equal(token_state(c, t, 1000000 + 1799), TokenState::refresh_due);
    // Idle: no refresh for 30 minutes.
    assert_int_equal(token_state(c, t, 1000000 + 1800), TokenState::expired);

    // Refreshed recently, but past the absolute limit.
    c.refreshed_at = 1000000 + 12 * 3600 - 10;
    assert_int_equal(token_state(c, t, 1000000 + 12 * 3600 - 1), TokenState::valid);
    assert_int_equal(token_state(c, t, 1000000 + 12 * 3600), TokenState::expired);
}

static void test_token_state_survives_extreme_values(void **state)
{
    (void) state;
    SessionTimeouts t;
    SessionClaims c = code_claims();
    c.issued_at = UINT64_MAX - 10;
    c.refreshed_at = UINT64_MAX - 10;
    // No overflow turns a fresh session into an expired one or back.
    assert_int_equal(token_state(c, t, UINT64_MAX - 5), TokenState::valid);

    c.issued_at = 0;
    c.refreshed_at = 0;
    assert_int_equal(token_state(c, t, UINT64_MAX), TokenState::expired);

    t.idle = UINT64_MAX;
    t.absolute = UINT64_MAX;
    t.refresh = UINT64_MAX;
    assert_int_equal(token_state(c, t, 1000), TokenState::valid);
}

static void test_same_owner_is_the_identity_or_the_code_account(void **)
{
    SessionClaims mail = email_claims();
    SessionClaims mail_other_session = mail;
    mail_other_session.session_id = std::string(16, 'x');
    mail_other_session.account = "030000100002";  // switched: still hers
    assert_true(same_owner(mail, mail_other_session));

    SessionClaims other_identity = mail;
    other_identity.identity_id++;
    assert_false(same_owner(mail, other_identity));

    SessionClaims code = code_claims();
    SessionClaims code_other_session = code;
    code_other_session.session_id = std::string(16, 'y');
    code_other_session.refreshed_at++;
    assert_true(same_owner(code, code_other_session));

    SessionClaims other_account = code;
    other_account.account = "040000300001";
    assert_false(same_owner(code, other_account));

    // A code session of the very account the e-mail session is on: two
    // ways in, two owners.
    SessionClaims code_of_mail = code;
    code_of_mail.account = mail.account;
    assert_false(same_owner(mail, code_of_mail));
    assert_false(same_owner(code_of_mail, mail));
}

static void test_csrf_token_is_bound_to_the_session(void **state)
{
    (void) state;
    KeyRing ring({kKeyA});
    std::string token = ring.csrf_token("session-one");
    assert_true(ring.csrf_valid("session-one", token));
    assert_false(ring.csrf_valid("session-two", token));
    assert_false(ring.csrf_valid("session-one", ""));
    assert_false(ring.csrf_valid("session-one", token.substr(1)));
    assert_false(ring.csrf_valid("session-one", token + "A"));
    assert_false(ring.csrf_valid("session-one", std::string(10000, 'A')));

    std::string bad = token;
    bad[0] = bad[0] == 'A' ? 'B' : 'A';
    assert_false(ring.csrf_valid("session-one", bad));

    // base64url(HMAC(key, "csrf:" + session id)), as documented.
    assert_string_equal(token.c_str(),
                        base64url_encode(hmac_sha256(kKeyA, "csrf:session-one")).c_str());
}

static void test_csrf_token_holds_across_key_rotation_only(void **state)
{
    (void) state;
    KeyRing old_ring({kKeyA});
    KeyRing rotated({kKeyB, kKeyA});
    KeyRing other({kKeyC});

    std::string token = old_ring.csrf_token("session-one");
    assert_true(rotated.csrf_valid("session-one", token));
    assert_false(other.csrf_valid("session-one", token));
    assert_true(rotated.csrf_valid("session-one", rotated.csrf_token("session-one")));
}

static void test_a_site_bound_cookie_opens_on_its_site_only(void **)
{
    KeyRing ring({kKeyA});
    auto a = ring.bound_to("https://a.example");
    auto b = ring.bound_to("https://b.example");
    std::string token = a->seal(code_claims());

    auto opened = a->open(token);
    assert_true(opened.has_value());
    assert_true(same_claims(*opened, code_claims()));
    assert_false(opened->unbound);
    // Same key, same claims: another site refuses it, and so does the
    // unbound ring.
    assert_false(b->open(token).has_value());
    assert_false(ring.open(token).has_value());
    assert_false(a->open(b->seal(code_claims())).has_value());
    // What the ring binds is the site: its keys still verify its CSRF tokens.
    assert_true(a->csrf_valid("sid", ring.csrf_token("sid")));
    assert_true(a->shares_key_with(*b));
}

static void test_a_bound_ring_opens_the_cookies_of_before_marked_unbound(void **)
{
    KeyRing ring({kKeyA, kKeyB});
    auto site = ring.bound_to("https://a.example");
    auto opened = site->open(ring.seal(email_claims()));
    assert_true(opened.has_value());
    assert_true(same_claims(*opened, email_claims()));
    assert_true(opened->unbound);
    // Re-sealed, it is bound.
    std::string again = site->seal(*opened);
    assert_false(ring.open(again).has_value());
    assert_false(site->open(again)->unbound);
}

static void test_a_site_bound_cookie_holds_across_key_rotation(void **)
{
    auto old_site = KeyRing({kKeyA}).bound_to("s");
    auto new_site = KeyRing({kKeyB, kKeyA}).bound_to("s");
    assert_true(new_site->open(old_site->seal(code_claims())).has_value());
    assert_false(KeyRing({kKeyB}).bound_to("s")->open(old_site->seal(code_claims())).has_value());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_then_open_gives_back_every_claim),
        cmocka_unit_test(test_numeric_code_session_round_trips),
        cmocka_unit_test(test_token_is_base64url_text),
        cmocka_unit_test(test_any_flipped_bit_is_refused),
        cmocka_unit_test(test_any_changed_character_is_refused),
        cmocka_unit_test(test_truncation_at_every_length_is_refused),
        cmocka_unit_test(test_appended_bytes_are_refused),
        cmocka_unit_test(test_signed_body_with_trailing_bytes_is_refused),
        cmocka_unit_test(test_signed_body_with_overrunning_length_is_refused),
        cmocka_unit_test(test_signed_body_with_unknown_login_method_is_refused),
        cmocka_unit_test(test_other_version_is_refused),
        cmocka_unit_test(test_unknown_key_id_is_refused),
        cmocka_unit_test(test_token_of_another_key_is_refused),
        cmocka_unit_test(test_rotated_ring_opens_tokens_of_the_old_key),
        cmocka_unit_test(test_non_base64url_input_is_refused),
        cmocka_unit_test(test_oversize_input_is_refused),
        cmocka_unit_test(test_seal_refuses_what_open_could_not_read),
        cmocka_unit_test(test_token_with_100_accounts_fits_a_cookie),
        cmocka_unit_test(test_short_key_is_refused_naming_its_index),
        cmocka_unit_test(test_token_state_follows_idle_absolute_and_refresh_limits),
        cmocka_unit_test(test_token_state_survives_extreme_values),
        cmocka_unit_test(test_same_owner_is_the_identity_or_the_code_account),
        cmocka_unit_test(test_csrf_token_is_bound_to_the_session),
        cmocka_unit_test(test_csrf_token_holds_across_key_rotation_only),
        cmocka_unit_test(test_a_site_bound_cookie_opens_on_its_site_only),
        cmocka_unit_test(test_a_bound_ring_opens_the_cookies_of_before_marked_unbound),
        cmocka_unit_test(test_a_site_bound_cookie_holds_across_key_rotation),
    };
    return cmocka_run_group_tests_name("session_token", tests, nullptr, nullptr);
}
