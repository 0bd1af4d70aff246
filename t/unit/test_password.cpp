// Unit tests of src/core/password: RFC 7914 known answers for scrypt and
// PBKDF2-HMAC-SHA256, PHC round trips, re-hash decisions, every crypt(3)
// format, and refusal of malformed or absurd stored hashes.
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
extern "C" {
#include <cmocka.h>
}

#include "core/primitives/crypto.h"
#include "core/primitives/password.h"

#include <crypt.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace extranet;

namespace {

constexpr const char* kPassword = "tilleuls-0001";

// Small parameters: the round trips must stay fast.
HashParams small_scrypt()
{
    HashParams p;
    p.scheme = HashScheme::scrypt;
    p.scrypt_n = 1024;
    p.scrypt_r = 8;
    p.scrypt_p = 1;
    return p;
}

HashParams small_pbkdf2()
{
    HashParams p;
    p.scheme = HashScheme::pbkdf2_sha256;
    p.pbkdf2_iterations = 1000;
    return p;
}

// A crypt(3) fixture made at test time from a fixed setting.
std::string crypt_fixture(const std::string& password, const std::string& setting)
{
    auto data = std::make_unique<crypt_data>();
    const char* out = crypt_r(password.c_str(), setting.c_str(), data.get());
    if (out == nullptr || out[0] == '*') {
        return {};
    }
    return out;
}

VerifyStatus status_of(std::string_view password, std::string_view stored)
{
    return verify_password(password, stored, small_scrypt()).status;
}

void assert_crypt_format_verifies(const std::string& setting)
{
    std::string stored = crypt_fixture(kPassword, setting);
    assert_false(stored.empty());

    VerifyResult ok = verify_password(kPassword, stored, small_scrypt());
    assert_int_equal(ok.status, VerifyStatus::match);
    assert_true(ok.needs_rehash);

    assert_int_equal(status_of("tilleuls-0002", stored), VerifyStatus::mismatch);
    assert_int_equal(status_of("", stored), VerifyStatus::mismatch);
}

// "Été 2026, mot de passe" with "É" and "é" as one character each (NFC),
// then as a letter and a combining acute accent (NFD), as macOS and some
// keyboards or password managers give them; then with no-break spaces.
const std::string kNfc = "\xC3\x89t\xC3\xA9 2026, mot de passe";
const std::string kNfd = "E\xCC\x81te\xCC\x81 2026, mot de passe";
const std::string kNbsp = "\xC3\x89t\xC3\xA9\xC2\xA0" "2026,\xE2\x80\xAFmot de passe";

// The PHC string the module wrote before passwords were prepared: the
// bytes as typed, hashed.
std::string hashed_as_typed(const std::string& password)
{
    std::string salt = "sixteen byte slt";
    std::string derived = pbkdf2_sha256_raw(password, salt, 1000, 32);
    return "$pbkdf2-sha256$i=1000$" + base64_encode_unpadded(salt) + "$" + base64_encode_unpadded(derived);
}

int jobs_run = 0;

bool count_jobs(PasswordJob&)
{
    ++jobs_run;
    return false;  // run here
}

}  // namespace

static void test_scrypt_matches_rfc7914_vector_1(void **state)
{
    (void) state;
    assert_string_equal(hex_encode(scrypt_raw("", "", 16, 1, 1, 64)).c_str(),
        "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
        "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
}

static void test_scrypt_matches_rfc7914_vector_2(void **state)
{
    (void) state;
    assert_string_equal(
        hex_encode(scrypt_raw("password", "NaCl", 1024, 8, 16, 64)).c_str(),
        "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
        "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}

static void test_pbkdf2_sha256_matches_rfc7914_vector_1(void **state)
{
    (void) state;
    assert_string_equal(
        hex_encode(pbkdf2_sha256_raw("passwd", "salt", 1, 64)).c_str(),
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

static void test_pbkdf2_sha256_matches_rfc7914_vector_2(void **state)
{
    (void) state;
    assert_string_equal(
        hex_encode(pbkdf2_sha256_raw("Password", "NaCl", 80000, 64)).c_str(),
        "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

static void test_raw_kdfs_refuse_invalid_parameters(void **state)
{
    (void) state;
    bool thrown = false;
    try { scrypt_raw("a", "b", 1000, 8, 1, 32); } catch (const std::invalid_argument&) { thrown = true; }
    assert_true(thrown);
    thrown = false;
    try { scrypt_raw("a", "b", 1024, 0, 1, 32); } catch (const std::invalid_argument&) { thrown = true; }
    assert_true(thrown);
    thrown = false;
    try { pbkdf2_sha256_raw("a", "b", 0, 32); } catch (const std::invalid_argument&) { thrown = true; }
    assert_true(thrown);
}

static void test_scrypt_hash_is_phc_string_and_round_trips(void **state)
{
    (void) state;
    std::string h = hash_password(kPassword, small_scrypt());
    // "$scrypt$ln=10,r=8,p=1$" + 22 salt characters + "$" + 43 hash characters
    assert_int_equal(h.rfind("$scrypt$ln=10,r=8,p=1$", 0), 0);
    assert_int_equal(h.size(), std::string("$scrypt$ln=10,r=8,p=1$").size() + 22 + 1 + 43);

    VerifyResult r = verify_password(kPassword, h, small_scrypt());
    assert_int_equal(r.status, VerifyStatus::match);
    assert_false(r.needs_rehash);
}

static void test_pbkdf2_hash_is_phc_string_and_round_trips(void **state)
{
    (void) state;
    std::string h = hash_password(kPassword, small_pbkdf2());
    assert_int_equal(h.rfind("$pbkdf2-sha256$i=1000$", 0), 0);
    assert_int_equal(h.size(), std::string("$pbkdf2-sha256$i=1000$").size() + 22 + 1 + 43);

    VerifyResult r = verify_password(kPassword, h, small_pbkdf2());
    assert_int_equal(r.status, VerifyStatus::match);
    assert_false(r.needs_rehash);
}

static void test_wrong_password_is_a_mismatch(void **state)
{
    (void) state;
    for (const HashParams& p : {small_scrypt(), small_pbkdf2()}) {
        std::string h = hash_password(kPassword, p);
        VerifyResult r = verify_password("tilleuls-0002", h, p);
        assert_int_equal(r.status, VerifyStatus::mismatch);
        assert_false(r.needs_rehash);
        assert_int_equal(verify_password("", h, p).status, VerifyStatus::mismatch);
        assert_int_equal(verify_password("Tilleuls-0001", h, p).status,
                         VerifyStatus::mismatch);
    }
}


static void test_password_typed_either_way_verifies(void **state)
{
    (void) state;
    for (const HashParams& p : {small_scrypt(), small_pbkdf2()}) {
        for (const std::string& set : {kNfc, kNfd, kNbsp}) {
            std::string h = hash_password(set, p);
            for (const std::string& typed : {kNfc, kNfd, kNbsp}) {
                VerifyResult r = verify_password(typed, h, p);
                assert_int_equal(r.status, VerifyStatus::match);
                assert_false(r.needs_rehash);
            }
            assert_int_equal(verify_password("Ete 2026, mot de passe", h, p).status,
                             VerifyStatus::mismatch);
        }
    }
    // One character each, the accents being part of it: hashed as NFC.
    assert_int_equal(verify_password(kNfc, hashed_as_typed(kNfc), small_pbkdf2()).status,
                     VerifyStatus::match);
}

static void test_password_hashed_as_typed_still_verifies_and_is_rehashed(void **state)
{
    (void) state;
    std::string old = hashed_as_typed(kNfd);
    VerifyResult r = verify_password(kNfd, old, small_pbkdf2());
    assert_int_equal(r.status, VerifyStatus::match);
    assert_true(r.needs_rehash);
    // The other form did not log in before the change; it does not now
    // either, until the re-hash of a login typed as before.
    assert_int_equal(verify_password(kNfc, old, small_pbkdf2()).status, VerifyStatus::mismatch);
    assert_int_equal(verify_password("E\xCC\x81te\xCC\x81 2026", old, small_pbkdf2()).status,
                     VerifyStatus::mismatch);
}

static void test_password_not_utf8_is_hashed_as_it_is(void **state)
{
    (void) state;
    std::string latin1 = "\xC9t\xE9 2026, mot de passe";
    std::string h = hash_password(latin1, small_pbkdf2());
    assert_int_equal(verify_password(latin1, h, small_pbkdf2()).status, VerifyStatus::match);
    assert_int_equal(verify_password(latin1, hashed_as_typed(latin1), small_pbkdf2()).status,
                     VerifyStatus::match);
    assert_int_equal(verify_password(kNfc, h, small_pbkdf2()).status, VerifyStatus::mismatch);
}

// A password whose prepared form differs costs two hashes when it is
// wrong, whether or not the identifier exists (the dummy spends two too);
// any other, one.
static void test_second_hash_is_spent_alike_for_unknown_identifiers(void **state)
{
    (void) state;
    std::string h = hash_password(kPassword, small_pbkdf2());
    set_password_job_runner(count_jobs);
    auto jobs = [](auto f) {
        jobs_run = 0;
        f();
        return jobs_run;
    };
    assert_int_equal(jobs([&] { verify_password(kNfd, h, small_pbkdf2()); }), 2);
    assert_int_equal(jobs([&] { verify_dummy_password(kNfd, small_pbkdf2()); }), 2);
    assert_int_equal(jobs([&] { verify_password(kNfc, h, small_pbkdf2()); }), 1);
    assert_int_equal(jobs([&] { verify_dummy_password(kNfc, small_pbkdf2()); }), 1);
    assert_int_equal(jobs([&] { verify_password("tilleuls-0002", h, small_pbkdf2()); }), 1);
    assert_int_equal(jobs([&] { verify_dummy_password("tilleuls-0002", small_pbkdf2()); }), 1);
    assert_int_equal(jobs([&] { hash_password(kNfd, small_pbkdf2()); }), 1);
    set_password_job_runner(nullptr);
}

static void test_same_password_hashes_differently_each_time(void **state)
{
    (void) state;
    assert_true(hash_password(kPassword, small_pbkdf2()) !=
                hash_password(kPassword, small_pbkdf2()));
    assert_true(hash_password(kPassword, small_scrypt()) !=
                hash_password(kPassword, small_scrypt()));
}

static void test_hash_password_refuses_invalid_parameters(void **state)
{
    (void) state;
    HashParams p = small_scrypt();
    p.scrypt_n = 1000;  // not a power of two
    bool thrown = false;
    try { hash_password(kPassword, p); } catch (const std::invalid_argument&) { thrown = true; }
    assert_true(thrown);

    p = small_pbkdf2();
    p.pbkdf2_iterations = 0;
    thrown = false;
    try { hash_password(kPassword, p); } catch (const std::invalid_argument&) { thrown = true; }
    assert_true(thrown);
}

static void test_needs_rehash_when_scrypt_parameters_change(void **state)
{
    (void) state;
    std::string h = hash_password(kPassword, small_scrypt());

    HashParams bigger_n = small_scrypt();
    bigger_n.scrypt_n = 2048;
    HashParams other_r = small_scrypt();
    other_r.scrypt_r = 4;
    HashParams other_p = small_scrypt();
    other_p.scrypt_p = 2;

    for (const HashParams& current : {bigger_n, other_r, other_p, small_pbkdf2()}) {
        VerifyResult r = verify_password(kPassword, h, current);
        assert_int_equal(r.status, VerifyStatus::match);
        assert_true(r.needs_rehash);
    }
}

static void test_needs_rehash_when_pbkdf2_parameters_change(void **state)
{
    (void) state;
    std::string h = hash_password(kPassword, small_pbkdf2());

    HashParams more = small_pbkdf2();
    more.pbkdf2_iterations = 2000;
    for (const HashParams& current : {more, small_scrypt()}) {
        VerifyResult r = verify_password(kPassword, h, current);
        assert_int_equal(r.status, VerifyStatus::match);
        assert_true(r.needs_rehash);
    }
}

static void test_phc_hashes_made_by_python_hashlib_verify(void **state)
{
    (void) state;
    // hashlib.scrypt / pbkdf2_hmac, salt "saltsaltsaltsalt", unpadded base64.
    const char* scrypt =
        "$scrypt$ln=10,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
        "m0ktHdUOS6ZRTomtDMTAHIVvGxreJJ5KILUSIx01AyM";
    const char* pbkdf2 =
        "$pbkdf2-sha256$i=1000$c2FsdHNhbHRzYWx0c2FsdA$"
        "AjAtOUxj+Tz0j1mBRSMwPjzn9b7h2jn7LMGjjFs/nt8";

    VerifyResult r = verify_password(kPassword, scrypt, small_scrypt());
    assert_int_equal(r.status, VerifyStatus::match);
    assert_false(r.needs_rehash);
    assert_int_equal(status_of("wrong", scrypt), VerifyStatus::mismatch);

    r = verify_password(kPassword, pbkdf2, small_pbkdf2());
    assert_int_equal(r.status, VerifyStatus::match);
    assert_false(r.needs_rehash);
    assert_int_equal(status_of("wrong", pbkdf2), VerifyStatus::mismatch);
}

static void test_passlib_pbkdf2_variant_verifies_and_is_rehashed(void **state)
{
    (void) state;
    // passlib's own form: bare iteration count, "ab64" ('.' for '+').
    const char* passlib =
        "$pbkdf2-sha256$1000$AAECAwQFBgcICQoLDA0ODw$"
        "pDj5u5WG96XqvG9jNVMRi0C.sqzXvCzffxzPPpcym9k";

    VerifyResult r = verify_password(kPassword, passlib, small_pbkdf2());
    assert_int_equal(r.status, VerifyStatus::match);
    assert_true(r.needs_rehash);  // rewritten in the canonical PHC form
    assert_int_equal(status_of("tilleuls-0002", passlib), VerifyStatus::mismatch);
}

static void test_sha512_crypt_verifies(void **state)
{
    (void) state;
    assert_crypt_format_verifies("$6$saltsalt$");
    assert_crypt_format_verifies("$6$rounds=1000$saltsalt$");
}

static void test_sha256_crypt_verifies(void **state)
{
    (void) state;
    assert_crypt_format_verifies("$5$saltsalt$");
    assert_crypt_format_verifies("$5$rounds=1000$saltsalt$");
}

static void test_bcrypt_verifies_in_all_three_prefixes(void **state)
{
    (void) state;
    assert_crypt_format_verifies("$2y$05$CCCCCCCCCCCCCCCCCCCCC.");
    assert_crypt_format_verifies("$2b$05$abcdefghijklmnopqrstuu");
    assert_crypt_format_verifies("$2a$05$abcdefghijklmnopqrstuu");
}

static void test_yescrypt_verifies(void **state)
{
    (void) state;
    assert_crypt_format_verifies("$y$j9T$saltsaltsaltsalt$");
    assert_crypt_format_verifies("$y$j7T$F5Jx5fExrKuPp53xLKQ..1$");
}

static void test_md5_crypt_verifies(void **state)
{
    (void) state;
    assert_crypt_format_verifies("$1$saltsalt$");
}

static void test_crypt_hashes_made_by_other_tools_verify(void **state)
{
    (void) state;
    // openssl passwd -6 / -5 / -1 -salt abcdefgh tilleuls-0001
    const char* sha512 =
        "$6$abcdefgh$Z6Jp2UDlGQVfgMdeAL3ULwM6r5lHm3Mg8BBvWogyo98nHZLYRIO4Fsn"
        "ugUOVeUGEubbeh/OGGsJdwG0adIObt0";
    const char* sha256 = "$5$abcdefgh$DMMQH94kxTFS3tLLcqRSW6qcAlE0AIxyW2nmLK6g30/";
    const char* md5 = "$1$abcdefgh$OkT8nvH6jWqUXzDksmur61";
    // python3 crypt.crypt('tilleuls-0001', '$2y$05$CCCCCCCCCCCCCCCCCCCCC.')
    const char* bcrypt_y = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.oNZldJ94Kuom3HY3DpN2XSVgOC1JAMi";
    // Openwall crypt_blowfish test vector ("U*U").
    const char* bcrypt_a = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

    for (const char* h : {sha512, sha256, md5, bcrypt_y}) {
        assert_int_equal(status_of(kPassword, h), VerifyStatus::match);
        assert_int_equal(status_of("tilleuls-0002", h), VerifyStatus::mismatch);
    }
    assert_int_equal(status_of("U*U", bcrypt_a), VerifyStatus::match);
    assert_int_equal(status_of("U*V", bcrypt_a), VerifyStatus::mismatch);
}

static void test_password_with_nul_never_matches_crypt_hash(void **state)
{
    (void) state;
    std::string stored = crypt_fixture(kPassword, "$6$saltsalt$");
    assert_false(stored.empty());
    // crypt(3) would read only up to the NUL and see the right password.
    std::string with_nul = std::string(kPassword) + std::string("\0xyz", 4);
    assert_int_equal(status_of(with_nul, stored), VerifyStatus::mismatch);
}

static void test_unknown_formats_are_refused(void **state)
{
    (void) state;
    const char* unknown[] = {
        "",
        "plain",
        "tilleuls-0001",
        "$99$x",
        "$scrypt$garbage",
        "$pbkdf2-sha256$garbage",
        "$pbkdf2-sha512$i=1000$c2FsdA$c2FsdA",
        "*0",
        "*",
        "abJnggxhB/yWI",               // traditional DES
        "_J9..CCCCXBrJUJV154M",        // BSDi extended DES
        "$7$CU..../....saltsalt$hash",  // scrypt crypt(3) form
        "$gy$j9T$saltsaltsaltsalt$hashhashhashhashhashhashhashhashhashhash123",
        "$md5$rounds=1000$salt$hash",
        "{SSHA}c2FsdHNhbHRzYWx0c2FsdA==",
        "$2x$05$CCCCCCCCCCCCCCCCCCCCC.oNZldJ94Kuom3HY3DpN2XSVgOC1JAMi",
    };
    for (const char* h : unknown) {
        VerifyResult r = verify_password(kPassword, h, small_scrypt());
        assert_int_equal(r.status, VerifyStatus::unknown_format);
        assert_false(r.needs_rehash);
    }
}

static void test_malformed_phc_strings_are_refused(void **state)
{
    (void) state;
    const std::string salt = "c2FsdHNhbHRzYWx0c2FsdA";
    const std::string hash = "m0ktHdUOS6ZRTomtDMTAHIVvGxreJJ5KILUSIx01AyM";
    const std::string malformed[] = {
        "$scrypt$ln=10,r=8$" + salt + "$" + hash,              // missing p
        "$scrypt$ln=10,r=8,p=1,x=1$" + salt + "$" + hash,
        "$scrypt$r=8,ln=10,p=1$" + salt + "$" + hash,
        "$scrypt$ln=+10,r=8,p=1$" + salt + "$" + hash,
        "$scrypt$ln=10,r=8,p=1$" + salt + "$" + hash + "$extra",
        "$scrypt$ln=10,r=8,p=1$" + salt,
        "$scrypt$ln=10,r=8,p=1$$" + hash,                      // empty salt
        "$scrypt$ln=10,r=8,p=1$" + salt + "$",                 // empty hash
        "$scrypt$ln=10,r=8,p=1$" + salt + "$c2FsdA",           // 4-byte hash
        "$scrypt$ln=10,r=8,p=1$c2F!dA$" + hash,                // not base64
        "scrypt$ln=10,r=8,p=1$" + salt + "$" + hash,
        "$pbkdf2-sha256$i=1000$$" + hash,
        "$pbkdf2-sha256$i=1000$" + salt + "$",
        "$pbkdf2-sha256$i=abc$" + salt + "$" + hash,
        "$pbkdf2-sha256$i=-1$" + salt + "$" + hash,
        "$pbkdf2-sha256$1000x$" + salt + "$" + hash,
        "$pbkdf2-sha256$" + salt + "$" + hash,
    };
    for (const auto& h : malformed) {
        assert_int_equal(status_of(kPassword, h), VerifyStatus::unknown_format);
    }
}

static void test_absurd_stored_parameters_are_refused(void **state)
{
    (void) state;
    const std::string salt = "c2FsdHNhbHRzYWx0c2FsdA";
    const std::string hash = "m0ktHdUOS6ZRTomtDMTAHIVvGxreJJ5KILUSIx01AyM";
    const std::string bcrypt_tail = "CCCCCCCCCCCCCCCCCCCCC.oNZldJ94Kuom3HY3DpN2XSVgOC1JAMi";
    const std::string absurd[] = {
        "$scrypt$ln=25,r=8,p=1$" + salt + "$" + hash,
        "$scrypt$ln=99999999999999999999999$" + salt + "$" + hash,
        "$scrypt$ln=0,r=8,p=1$" + salt + "$" + hash,
        "$scrypt$ln=10,r=0,p=1$" + salt + "$" + hash,
        "$scrypt$ln=10,r=8,p=0$" + salt + "$" + hash,
        "$scrypt$ln=10,r=65,p=1$" + salt + "$" + hash,
        "$scrypt$ln=21,r=8,p=1$" + salt + "$" + hash,   // 2 GiB
        "$scrypt$ln=20,r=8,p=64$" + salt + "$" + hash,  // too much work
        "$pbkdf2-sha256$i=0$" + salt + "$" + hash,
        "$pbkdf2-sha256$i=10000001$" + salt + "$" + hash,
        "$pbkdf2-sha256$0$" + salt + "$" + hash,
        "$pbkdf2-sha256$4294967296$" + salt + "$" + hash,
        "$2y$31$" + bcrypt_tail,
        "$2y$17$" + bcrypt_tail,
        "$2y$03$" + bcrypt_tail,
        "$2y$5$" + bcrypt_tail,
        "$2y$05$CCCC",
        "$6$rounds=999999999$saltsalt$hash",
        "$5$rounds=10000001$saltsalt$hash",
        "$6$rounds=$saltsalt$hash",
        "$y$jzT$saltsaltsaltsalt$hash",  // multi-character N
        "$y$jKT$saltsaltsaltsalt$hash",  // N = 2^23, r = 32: 32 GiB
        "$y$j9T3$saltsaltsaltsalt$hash",  // optional parameters
    };
    for (const auto& h : absurd) {
        assert_int_equal(status_of(kPassword, h), VerifyStatus::unknown_format);
    }
}

static void test_hash_rejected_by_libcrypt_is_unknown_format(void **state)
{
    (void) state;
    // Well-shaped bcrypt string whose salt libcrypt cannot decode.
    std::string h = "$2y$05$" + std::string(53, '!');
    assert_int_equal(status_of(kPassword, h), VerifyStatus::unknown_format);
}

static void test_stored_hash_with_nul_or_oversize_is_refused(void **state)
{
    (void) state;
    std::string stored = crypt_fixture(kPassword, "$6$saltsalt$");
    assert_false(stored.empty());
    assert_int_equal(status_of(kPassword, stored + std::string("\0", 1)),
                     VerifyStatus::unknown_format);
    assert_int_equal(status_of(kPassword, "$6$saltsalt$" + std::string(600, 'a')),
                     VerifyStatus::unknown_format);
}

static void test_crypt_verification_is_safe_from_concurrent_threads(void **state)
{
    (void) state;
    const std::vector<std::string> stored = {
        crypt_fixture(kPassword, "$6$saltsalt$"),
        crypt_fixture(kPassword, "$2y$05$CCCCCCCCCCCCCCCCCCCCC."),
        crypt_fixture(kPassword, "$y$j7T$saltsaltsaltsalt$"),
        crypt_fixture(kPassword, "$5$saltsalt$"),
        hash_password(kPassword, small_scrypt()),
    };
    std::atomic<int> right{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([&stored, &right, t] {
            for (int i = 0; i < 5; i++) {
                const std::string& h = stored[static_cast<std::size_t>(t + i) % stored.size()];
                bool good = (i % 2 == 0);
                VerifyStatus s = verify_password(good ? kPassword : "tilleuls-9999",
                                                 h, small_scrypt()).status;
                if (s == (good ? VerifyStatus::match : VerifyStatus::mismatch)) {
                    right++;
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    assert_int_equal(right.load(), 20);
}

static void test_inspect_tells_the_format_and_work_of_each_stored_hash(void **)
{
    // The demo's hash strings (sql/demo/demo_data.sql).
    StoredHashInfo six = inspect_stored_hash(
        "$6$1q6OBTetSqvGKXeB$mpI3BmoLzzut0aR1l/hXQ4.K3BpEo4YkDfgosPahvt6bDgGaR4AsG0mYhCA1R5j5XHOBBy4kaezAAOPyUU5AZ1");
    assert_int_equal(six.format, StoredFormat::sha512_crypt);
    assert_int_equal(six.work, 5000);
    StoredHashInfo bcrypt =
        inspect_stored_hash("$2y$10$vl6u55a4xIFqZNCpm3TZl.pxWeF4t8km91/eXjLQBGCpJpkCIjoem");
    assert_int_equal(bcrypt.format, StoredFormat::bcrypt);
    assert_int_equal(bcrypt.work, 1024);
    StoredHashInfo yes =
        inspect_stored_hash("$y$j9T$Dd5D1UGn0n7fIIb.E97n50$24UTlk8/cnz6V1eYFTwmkESvcV.DtdyqQPHUxGt3eZA");
    assert_int_equal(yes.format, StoredFormat::yescrypt);
    assert_int_equal(yes.work, (1u << 12) * 32);  // '9': log2 N = 12, 'T': r = 32
    assert_int_equal(inspect_stored_hash("$5$rounds=1000$saltsalt$x").work, 1000);
    assert_int_equal(inspect_stored_hash("$1$saltsalt$x").format, StoredFormat::md5_crypt);

    HashParams p;
    p.scrypt_n = 16;
    p.scrypt_r = 2;
    p.scrypt_p = 3;
    StoredHashInfo sc = inspect_stored_hash(hash_password("x", p));
    assert_int_equal(sc.format, StoredFormat::scrypt);
    assert_true(sc.canonical);
    assert_int_equal(sc.params.scrypt_n, 16);
    assert_int_equal(sc.work, 16 * 2 * 3);
    p.scheme = HashScheme::pbkdf2_sha256;
    p.pbkdf2_iterations = 1000;
    StoredHashInfo pb = inspect_stored_hash(hash_password("x", p));
    assert_int_equal(pb.format, StoredFormat::pbkdf2_sha256);
    assert_int_equal(pb.work, 1000);
}

static void test_inspect_refuses_what_verify_refuses(void **)
{
    const char *refused[] = {
        "", "plain", "{SSHA}abc", "$scrypt$ln=15,r=8$c2FsdA$aGFzaA",
        "$scrypt$ln=25,r=8,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        "$pbkdf2-sha256$i=0$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaA",
        "$2y$99$vl6u55a4xIFqZNCpm3TZl.pxWeF4t8km91/eXjLQBGCpJpkCIjoem",
        "$6$rounds=99999999$salt$x", "$y$jz9$salt$hash",
    };
    HashParams current;
    for (const char *stored : refused) {
        assert_int_equal(inspect_stored_hash(stored).format, StoredFormat::unknown);
        assert_int_equal(verify_password("x", stored, current).status,
                         VerifyStatus::unknown_format);
    }
    assert_int_equal(inspect_stored_hash(std::string("$1$salt\0x", 10)).format,
                     StoredFormat::unknown);
}

static void test_hash_family_names_format_and_cost(void **)
{
    assert_string_equal(hash_family("$2y$10$vl6u55a4xIFqZNCpm3TZl.pxWeF4t8km91/eXjLQBGCpJpkCIjoem").c_str(),
                        "$2y$10$");
    assert_string_equal(hash_family("$6$saltsalt$8RWsOfwR6M6PpnoeQiEiWzNTPo1f0HjVYjDnLZhGx16aBFRkeqiHAzfXP/LgrOWMBMXqiU2pLrXsSOHNUyUm91").c_str(),
                        "$6$");
    assert_string_equal(hash_family("$5$rounds=80000$salt$abc").c_str(), "$5$rounds=80000$");
    assert_string_equal(hash_family("$y$j9T$Dd5D1UGn0n7fIIb.E97n50$24UTlk8/cnz6V1eYFTwmkESvcV.DtdyqQPHUxGt3eZA").c_str(),
                        "$y$j9T$");
    assert_string_equal(hash_family("$1$salt$hash").c_str(), "$1$");
    HashParams fast;
    fast.scrypt_n = 1u << 4;
    fast.scrypt_p = 1;
    assert_string_equal(hash_family(hash_password("x", fast)).c_str(), "$scrypt$ln=4,r=8,p=1$");
    fast.scheme = HashScheme::pbkdf2_sha256;
    fast.pbkdf2_iterations = 1000;
    assert_string_equal(hash_family(hash_password("x", fast)).c_str(), "$pbkdf2-sha256$i=1000$");
}

static void test_hash_family_of_unknown_formats_is_empty(void **)
{
    for (const char* odd : {"", "!", "5f4dcc3b5aa765d61d8327deb882cf99", "$md5$abc$def",
                            "$2y$99$vl6u55a4xIFqZNCpm3TZl.pxWeF4t8km91/eXjLQBGCpJpkCIjoem",
                            "$scrypt$ln=99,r=8,p=1$c2FsdA$aGFzaA"}) {
        assert_string_equal(hash_family(odd).c_str(), "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scrypt_matches_rfc7914_vector_1),
        cmocka_unit_test(test_scrypt_matches_rfc7914_vector_2),
        cmocka_unit_test(test_pbkdf2_sha256_matches_rfc7914_vector_1),
        cmocka_unit_test(test_pbkdf2_sha256_matches_rfc7914_vector_2),
        cmocka_unit_test(test_raw_kdfs_refuse_invalid_parameters),
        cmocka_unit_test(test_scrypt_hash_is_phc_string_and_round_trips),
        cmocka_unit_test(test_pbkdf2_hash_is_phc_string_and_round_trips),
        cmocka_unit_test(test_wrong_password_is_a_mismatch),
        cmocka_unit_test(test_password_typed_either_way_verifies),
        cmocka_unit_test(test_password_hashed_as_typed_still_verifies_and_is_rehashed),
        cmocka_unit_test(test_password_not_utf8_is_hashed_as_it_is),
        cmocka_unit_test(test_second_hash_is_spent_alike_for_unknown_identifiers),
        cmocka_unit_test(test_same_password_hashes_differently_each_time),
        cmocka_unit_test(test_hash_password_refuses_invalid_parameters),
        cmocka_unit_test(test_needs_rehash_when_scrypt_parameters_change),
        cmocka_unit_test(test_needs_rehash_when_pbkdf2_parameters_change),
        cmocka_unit_test(test_phc_hashes_made_by_python_hashlib_verify),
        cmocka_unit_test(test_passlib_pbkdf2_variant_verifies_and_is_rehashed),
        cmocka_unit_test(test_sha512_crypt_verifies),
        cmocka_unit_test(test_sha256_crypt_verifies),
        cmocka_unit_test(test_bcrypt_verifies_in_all_three_prefixes),
        cmocka_unit_test(test_yescrypt_verifies),
        cmocka_unit_test(test_md5_crypt_verifies),
        cmocka_unit_test(test_crypt_hashes_made_by_other_tools_verify),
        cmocka_unit_test(test_password_with_nul_never_matches_crypt_hash),
        cmocka_unit_test(test_unknown_formats_are_refused),
        cmocka_unit_test(test_malformed_phc_strings_are_refused),
        cmocka_unit_test(test_absurd_stored_parameters_are_refused),
        cmocka_unit_test(test_hash_rejected_by_libcrypt_is_unknown_format),
        cmocka_unit_test(test_stored_hash_with_nul_or_oversize_is_refused),
        cmocka_unit_test(test_crypt_verification_is_safe_from_concurrent_threads),
        cmocka_unit_test(test_inspect_tells_the_format_and_work_of_each_stored_hash),
        cmocka_unit_test(test_inspect_refuses_what_verify_refuses),

        cmocka_unit_test(test_hash_family_names_format_and_cost),
        cmocka_unit_test(test_hash_family_of_unknown_formats_is_empty),
    };
    return cmocka_run_group_tests_name("password", tests, nullptr, nullptr);
}
