// Unit tests of src/core/crypto: known answers for SHA-256 and HMAC-SHA256
// (RFC 4231), and the base64 encodings tokens and PHC strings rely on.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include "core/primitives/crypto.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <set>
#include <string>

using namespace extranet;

namespace {

std::string hex(const std::string& s) { return hex_encode(s); }

std::string repeat(char c, std::size_t n) { return std::string(n, c); }

}  // namespace

static void test_sha256_matches_fips_180_vectors(void **state)
{
    (void) state;
    assert_string_equal(hex(sha256("")).c_str(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(hex(sha256("abc")).c_str(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(
        hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).c_str(),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_hmac_sha256_matches_rfc4231_case_1(void **state)
{
    (void) state;
    assert_string_equal(hex(hmac_sha256(repeat('\x0b', 20), "Hi There")).c_str(),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void test_hmac_sha256_matches_rfc4231_case_2(void **state)
{
    (void) state;
    assert_string_equal(
        hex(hmac_sha256("Jefe", "what do ya want for nothing?")).c_str(),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_hmac_sha256_matches_rfc4231_case_3(void **state)
{
    (void) state;
    assert_string_equal(
        hex(hmac_sha256(repeat('\xaa', 20), repeat('\xdd', 50))).c_str(),
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

static void test_hmac_sha256_matches_rfc4231_case_4(void **state)
{
    (void) state;
    std::string key;
    for (int i = 1; i <= 25; i++) {
        key += static_cast<char>(i);
    }
    assert_string_equal(hex(hmac_sha256(key, repeat('\xcd', 50))).c_str(),
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

static void test_hmac_sha256_matches_rfc4231_case_6(void **state)
{
    (void) state;
    assert_string_equal(
        hex(hmac_sha256(repeat('\xaa', 131),
            "Test Using Larger Than Block-Size Key - Hash Key First")).c_str(),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hmac_sha256_matches_rfc4231_case_7(void **state)
{
    (void) state;
    assert_string_equal(
        hex(hmac_sha256(repeat('\xaa', 131),
            "This is a test using a larger than block-size key and a larger "
            "than block-size data. The key needs to be hashed before being "
            "used by the HMAC algorithm.")).c_str(),
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_hmac_sha256_accepts_empty_key_and_data(void **state)
{
    (void) state;
    // HMAC-SHA256("", "") as computed by any conforming implementation.
    assert_string_equal(hex(hmac_sha256("", "")).c_str(),
        "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

static void test_random_bytes_have_requested_length_and_differ(void **state)
{
    (void) state;
    assert_int_equal(random_bytes(0).size(), 0);
    assert_int_equal(random_bytes(1).size(), 1);
    assert_int_equal(random_bytes(1000).size(), 1000);

    std::set<std::string> seen;
    for (int i = 0; i < 100; i++) {
        seen.insert(random_bytes(16));
    }
    assert_int_equal(seen.size(), 100);
}

static void test_constant_time_equal_compares_content_and_length(void **state)
{
    (void) state;
    assert_true(constant_time_equal("", ""));
    assert_true(constant_time_equal("abc", "abc"));
    assert_false(constant_time_equal("abc", "abd"));
    assert_false(constant_time_equal("abc", "ab"));
    assert_false(constant_time_equal("", "a"));
    assert_true(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
    assert_false(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

// Compared eight bytes at a time, then the tail: a single differing bit is
// found in every position of a cookie-sized value.
static void test_constant_time_equal_finds_any_single_difference(void **state)
{
    (void) state;
    for (std::size_t size : {7u, 8u, 9u, 16u, 167u}) {
        std::string a(size, 'x');
        for (std::size_t i = 0; i < size; ++i) {
            std::string b = a;
            b[i] = static_cast<char>(b[i] ^ 0x01);
            assert_false(constant_time_equal(a, b));
            assert_false(constant_time_equal(b, a));
        }
        assert_true(constant_time_equal(a, std::string(size, 'x')));
    }
}

static void test_secure_wipe_clears_the_string(void **state)
{
    (void) state;
    std::string s(100, 'k');
    secure_wipe(s);
    assert_true(s.empty());

    std::string empty;
    secure_wipe(empty);
    assert_true(empty.empty());
}

static void test_hex_encode_is_lowercase_two_digits_per_byte(void **state)
{
    (void) state;
    assert_string_equal(hex_encode("").c_str(), "");
    assert_string_equal(hex_encode(std::string("\x00\x0f\xa5\xff", 4)).c_str(),
                        "000fa5ff");
}

static void test_base64url_matches_rfc4648_vectors(void **state)
{
    (void) state;
    // RFC 4648 §10, padding removed.
    assert_string_equal(base64url_encode("").c_str(), "");
    assert_string_equal(base64url_encode("f").c_str(), "Zg");
    assert_string_equal(base64url_encode("fo").c_str(), "Zm8");
    assert_string_equal(base64url_encode("foo").c_str(), "Zm9v");
    assert_string_equal(base64url_encode("foob").c_str(), "Zm9vYg");
    assert_string_equal(base64url_encode("fooba").c_str(), "Zm9vYmE");
    assert_string_equal(base64url_encode("foobar").c_str(), "Zm9vYmFy");
    // The URL alphabet's two last characters.
    assert_string_equal(base64url_encode("\xfb\xff").c_str(), "-_8");
}

static void test_base64url_round_trips_every_byte_and_length(void **state)
{
    (void) state;
    std::string all;
    for (int i = 0; i < 256; i++) {
        all += static_cast<char>(i);
    }
    for (std::size_t len = 0; len <= all.size(); len++) {
        std::string data = all.substr(256 - len);
        auto back = base64url_decode(base64url_encode(data));
        assert_true(back.has_value());
        assert_true(*back == data);
    }
}

static void test_base64url_decode_rejects_foreign_input(void **state)
{
    (void) state;
    assert_false(base64url_decode("Zg==").has_value());   // padding
    assert_false(base64url_decode("Zm+v").has_value());   // standard alphabet
    assert_false(base64url_decode("Zm/v").has_value());
    assert_false(base64url_decode("Zm9 v").has_value());  // whitespace
    assert_false(base64url_decode("Zm9v\n").has_value());
    assert_false(base64url_decode("Zm9vY").has_value());  // impossible length
    assert_false(base64url_decode(std::string("Zm\0v", 4)).has_value());
    assert_true(base64url_decode("").has_value());
}

static void test_base64url_decode_rejects_non_canonical_trailing_bits(void **state)
{
    (void) state;
    // "Zg" is the one encoding of "f"; "Zh" carries extra bits.
    assert_true(base64url_decode("Zg").has_value());
    assert_false(base64url_decode("Zh").has_value());
    assert_true(base64url_decode("Zm8").has_value());
    assert_false(base64url_decode("Zm9").has_value());
}

static void test_base64_unpadded_uses_standard_alphabet(void **state)
{
    (void) state;
    assert_string_equal(base64_encode_unpadded("foobar").c_str(), "Zm9vYmFy");
    assert_string_equal(base64_encode_unpadded("fooba").c_str(), "Zm9vYmE");
    assert_string_equal(base64_encode_unpadded("\xfb\xff").c_str(), "+/8");
    assert_string_equal(base64_encode_unpadded("saltsaltsaltsalt").c_str(),
                        "c2FsdHNhbHRzYWx0c2FsdA");
}

static void test_base64_decode_lenient_accepts_padding_and_ab64(void **state)
{
    (void) state;
    auto a = base64_decode_lenient("Zg==");
    auto b = base64_decode_lenient("Zg");
    auto c = base64_decode_lenient("Zm8=");
    auto d = base64_decode_lenient("+/8");
    auto e = base64_decode_lenient("./8");  // passlib ab64
    assert_true(a && *a == "f");
    assert_true(b && *b == "f");
    assert_true(c && *c == "fo");
    assert_true(d && *d == "\xfb\xff");
    assert_true(e && *e == "\xfb\xff");
}

static void test_base64_decode_lenient_rejects_garbage(void **state)
{
    (void) state;
    assert_false(base64_decode_lenient("Zg=").has_value());    // short padding
    assert_false(base64_decode_lenient("Z===").has_value());
    assert_false(base64_decode_lenient("Zg==Zg==").has_value());
    assert_false(base64_decode_lenient("Zm-v").has_value());   // URL alphabet
    assert_false(base64_decode_lenient("Zm9v!").has_value());
    assert_false(base64_decode_lenient("Zm9vY").has_value());
}

// The pre-keyed HMAC gives what OpenSSL's one-shot HMAC() gives, for keys
// shorter, equal to and longer than the block, and for many message sizes
// (across the 55/56/64-byte padding boundaries); a copy and a reuse give
// the same again (the keyed states are not consumed).
static void test_hmac_key_matches_openssl_hmac(void **state)
{
    (void) state;
    for (std::size_t key_len : {0, 1, 32, 63, 64, 65, 131}) {
        std::string key = random_bytes(key_len);
        HmacSha256Key k(key);
        HmacSha256Key copy(k);
        for (std::size_t len = 0; len < 300; len += (len < 70 ? 1 : 37)) {
            std::string data = random_bytes(len);
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int md_len = 0;
            static const unsigned char empty = 0;
            assert_non_null(HMAC(EVP_sha256(), key.empty() ? &empty : (const void *) key.data(),
                                 static_cast<int>(key.size()),
                                 data.empty() ? &empty : (const unsigned char *) data.data(),
                                 data.size(), md, &md_len));
            std::string want(reinterpret_cast<char *>(md), md_len);
            assert_true(k.mac(data) == want);
            assert_true(k.mac(data) == want);
            assert_true(copy.mac(data) == want);
            assert_true(hmac_sha256(key, data) == want);
        }
    }
}

// Decoding into a buffer agrees with base64url_decode on every length,
// refuses what it refuses, and never writes past the capacity.
static void test_base64url_decode_into_matches_and_bounds(void **state)
{
    (void) state;
    for (std::size_t len = 0; len < 100; len++) {
        std::string data = random_bytes(len);
        std::string text = base64url_encode(data);
        char buf[128];
        auto n = base64url_decode_into(text, buf, sizeof(buf));
        assert_true(n.has_value());
        assert_true(std::string(buf, *n) == data);

        if (len > 0) {
            std::string guard(len + 8, '#');
            auto short_n = base64url_decode_into(text, &guard[0], len - 1);
            assert_false(short_n.has_value());
            assert_true(guard.substr(len - 1) == std::string(9, '#'));
        }
    }
    char buf[16];
    for (const char *bad : {"Zm9vY", "Zm9v!", "Zm+v", "Zh", "Zm9=", "Zm9vYh"}) {
        assert_false(base64url_decode_into(bad, buf, sizeof(buf)).has_value());
        assert_false(base64url_decode(bad).has_value());
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_matches_fips_180_vectors),
        cmocka_unit_test(test_hmac_sha256_matches_rfc4231_case_1),
        cmocka_unit_test(test_hmac_sha256_matches_rfc4231_case_2),
        cmocka_unit_test(test_hmac_sha256_matches_rfc4231_case_3),
        cmocka_unit_test(test_hmac_sha256_matches_rfc4231_case_4),
        cmocka_unit_test(test_hmac_sha256_matches_rfc4231_case_6),
        cmocka_unit_test(test_hmac_sha256_matches_rfc4231_case_7),
        cmocka_unit_test(test_hmac_sha256_accepts_empty_key_and_data),
        cmocka_unit_test(test_hmac_key_matches_openssl_hmac),
        cmocka_unit_test(test_base64url_decode_into_matches_and_bounds),
        cmocka_unit_test(test_random_bytes_have_requested_length_and_differ),
        cmocka_unit_test(test_constant_time_equal_compares_content_and_length),
        cmocka_unit_test(test_constant_time_equal_finds_any_single_difference),
        cmocka_unit_test(test_secure_wipe_clears_the_string),
        cmocka_unit_test(test_hex_encode_is_lowercase_two_digits_per_byte),
        cmocka_unit_test(test_base64url_matches_rfc4648_vectors),
        cmocka_unit_test(test_base64url_round_trips_every_byte_and_length),
        cmocka_unit_test(test_base64url_decode_rejects_foreign_input),
        cmocka_unit_test(test_base64url_decode_rejects_non_canonical_trailing_bits),
        cmocka_unit_test(test_base64_unpadded_uses_standard_alphabet),
        cmocka_unit_test(test_base64_decode_lenient_accepts_padding_and_ab64),
        cmocka_unit_test(test_base64_decode_lenient_rejects_garbage),
    };
    return cmocka_run_group_tests_name("crypto", tests, nullptr, nullptr);
}
