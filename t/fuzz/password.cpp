// libFuzzer target: stored password hash strings (core/password): the PHC
// strings ($scrypt$, $pbkdf2-sha256$ and passlib's variant) and the crypt(3)
// settings ($2y$ $2b$ $2a$ $5$ $6$ $y$ $1$). Input:
//   the stored hash, then optionally a NUL and the password tried;
//   or "H" then a password: hashed here with cheap parameters, then
//   inspected and verified (the round trip).
//
// The parsing is checked through inspect_stored_hash, which hashes
// nothing; verify_password runs only when the stored string asks for
// little work (the fuzzer's time goes to the parser, not to scrypt).
//
// Invariants: what inspect refuses, verify_password refuses without a
// match; what it accepts as PHC, verify_password reads (never
// unknown_format); a match asks for a re-hash exactly when the string is
// not canonical or not of the current parameters; a hash made by
// hash_password is inspected back to its parameters and verifies.
#include "fuzz.h"

#include <string>

#include "core/primitives/password.h"

using namespace extranet;

namespace {

// Work cheap enough to verify on every input.
bool cheap(const StoredHashInfo& info)
{
    switch (info.format) {
    case StoredFormat::unknown: return true;
    case StoredFormat::scrypt: return info.work <= 1024 && info.params.scrypt_n <= 1024;
    case StoredFormat::pbkdf2_sha256: return info.work <= 2000;
    case StoredFormat::bcrypt: return info.work <= 32;
    case StoredFormat::sha256_crypt:
    case StoredFormat::sha512_crypt: return info.work <= 5000;
    case StoredFormat::yescrypt: return info.work <= 1024;
    case StoredFormat::md5_crypt: return true;
    }
    return false;
}

HashParams current_params()
{
    HashParams p;
    p.scheme = HashScheme::scrypt;
    p.scrypt_n = 16;
    p.scrypt_r = 1;
    p.scrypt_p = 1;
    return p;
}

bool same_params(const HashParams& a, const HashParams& b)
{
    if (a.scheme != b.scheme) {
        return false;
    }
    return a.scheme == HashScheme::scrypt
               ? a.scrypt_n == b.scrypt_n && a.scrypt_r == b.scrypt_r && a.scrypt_p == b.scrypt_p
               : a.pbkdf2_iterations == b.pbkdf2_iterations;
}

void round_trip(std::string_view input)
{
    // Parameters from the first byte, the rest is the password.
    std::uint8_t b = input.empty() ? 0 : static_cast<std::uint8_t>(input[0]);
    std::string_view password = input.empty() ? input : input.substr(1);
    HashParams p;
    if (b & 1) {
        p.scheme = HashScheme::pbkdf2_sha256;
        p.pbkdf2_iterations = 1 + (b >> 1);
    } else {
        p.scheme = HashScheme::scrypt;
        p.scrypt_n = std::uint64_t{2} << ((b >> 1) % 6);
        p.scrypt_r = 1 + ((b >> 4) % 4);
        p.scrypt_p = 1 + (b >> 6);
    }
    std::string stored = hash_password(password, p);

    StoredHashInfo info = inspect_stored_hash(stored);
    FUZZ_CHECK(info.format == (p.scheme == HashScheme::scrypt ? StoredFormat::scrypt
                                                              : StoredFormat::pbkdf2_sha256));
    FUZZ_CHECK(info.canonical);
    FUZZ_CHECK(same_params(info.params, p));

    VerifyResult ok = verify_password(password, stored, p);
    FUZZ_CHECK(ok.status == VerifyStatus::match && !ok.needs_rehash);
    std::string wrong(password);
    wrong += 'x';
    FUZZ_CHECK(verify_password(wrong, stored, p).status == VerifyStatus::mismatch);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view in = fuzz_text(data, size);
    if (!in.empty() && in[0] == 'H') {
        round_trip(in.substr(1));
        return 0;
    }

    std::size_t nul = in.find('\0');
    std::string_view stored = in.substr(0, nul);
    std::string_view password =
        nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);

    StoredHashInfo info = inspect_stored_hash(stored);
    if (!cheap(info)) {
        FUZZ_CHECK(info.format != StoredFormat::unknown);
        return 0;
    }

    HashParams current = current_params();
    VerifyResult r = verify_password(password, stored, current);
    switch (info.format) {
    case StoredFormat::unknown:
        FUZZ_CHECK(r.status == VerifyStatus::unknown_format && !r.needs_rehash);
        break;
    case StoredFormat::scrypt:
    case StoredFormat::pbkdf2_sha256:
        FUZZ_CHECK(r.status != VerifyStatus::unknown_format);
        if (r.status == VerifyStatus::match) {
            FUZZ_CHECK(r.needs_rehash == (!info.canonical || !same_params(info.params, current)));
        } else {
            FUZZ_CHECK(!r.needs_rehash);
        }
        break;
    default:
        // crypt(3) may still refuse a setting it does not support.
        FUZZ_CHECK(r.status != VerifyStatus::match || r.needs_rehash);
        FUZZ_CHECK(r.status == VerifyStatus::match || !r.needs_rehash);
        break;
    }
    return 0;
}
