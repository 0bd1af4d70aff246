// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Password hashing (PHC strings of scrypt and PBKDF2-SHA256) and the
// verification of every legacy format, through OpenSSL and libcrypt.
#include "core/primitives/password.h"

#include "core/primitives/crypt_formats.h"
#include "core/primitives/crypto.h"
#include "core/primitives/prepared_password.h"

#include <malloc.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

namespace extranet {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

// Limits on what a stored hash may ask for: a corrupt or hostile row must
// not be able to hold a pool thread for minutes or exhaust memory.
constexpr std::size_t kMaxStoredLength = 512;
constexpr unsigned kMaxScryptLog2N = hash_limits::max_scrypt_log2n;
constexpr std::uint64_t kMaxScryptRP = 64;
constexpr std::uint64_t kMaxKdfMemory = hash_limits::max_kdf_memory;
constexpr std::uint64_t kMaxScryptWork = std::uint64_t{1} << 26;  // N*r*p
constexpr std::uint64_t kMaxIterations = 10000000;
constexpr std::size_t kMinStoredHash = 16;
constexpr std::size_t kMaxStoredHash = 64;
constexpr std::size_t kMaxStoredSalt = 256;

constexpr std::string_view kScryptPrefix = "$scrypt$";
constexpr std::string_view kPbkdf2Prefix = "$pbkdf2-sha256$";

bool starts_with(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

// Wipes a derived key or a password copy when it goes out of scope.
struct WipeOnExit {
    std::string& s;
    ~WipeOnExit() { secure_wipe(s); }
};

std::vector<std::string_view> split(std::string_view s, char sep)
{
    std::vector<std::string_view> parts;
    for (;;) {
        std::size_t pos = s.find(sep);
        parts.push_back(s.substr(0, pos));
        if (pos == std::string_view::npos) {
            return parts;
        }
        s.remove_prefix(pos + 1);
    }
}

// "key=<digits>" with the given key.
std::optional<std::uint64_t> parse_field(std::string_view s, std::string_view key,
                                         std::uint64_t max)
{
    if (s.size() <= key.size() || !starts_with(s, key) || s[key.size()] != '=') {
        return std::nullopt;
    }
    return parse_uint(s.substr(key.size() + 1), max);
}

bool valid_scrypt_cost(std::uint64_t n, std::uint64_t r, std::uint64_t p)
{
    if (r == 0 || p == 0 || r > kMaxScryptRP || p > kMaxScryptRP) {
        return false;
    }
    if (n > (std::uint64_t{1} << kMaxScryptLog2N)) {
        return false;
    }
    return 128 * r * n <= kMaxKdfMemory && n * r * p <= kMaxScryptWork;
}

// A decoded PHC string of one of our two schemes.
struct PhcHash {
    HashParams params;
    std::string salt;
    std::string hash;
    bool canonical = true;  // written the way hash_password writes it
};

bool decode_salt_and_hash(std::string_view salt64, std::string_view hash64,
                          PhcHash& out)
{
    auto salt = base64_decode_lenient(salt64);
    auto hash = base64_decode_lenient(hash64);
    if (!salt || !hash || salt->empty() || salt->size() > kMaxStoredSalt ||
        hash->size() < kMinStoredHash || hash->size() > kMaxStoredHash) {
        return false;
    }
    out.salt = std::move(*salt);
    out.hash = std::move(*hash);
    if (out.salt.size() < kSaltBytes || out.hash.size() != kHashBytes ||
        salt64.find_first_of(".=") != std::string_view::npos ||
        hash64.find_first_of(".=") != std::string_view::npos) {
        out.canonical = false;
    }
    return true;
}

// "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>"
std::optional<PhcHash> parse_scrypt(std::string_view stored)
{
    auto parts = split(stored, '$');
    if (parts.size() != 5 || !parts[0].empty()) {
        return std::nullopt;
    }

    auto fields = split(parts[2], ',');
    if (fields.size() != 3) {
        return std::nullopt;
    }
    auto ln = parse_field(fields[0], "ln", kMaxScryptLog2N);
    auto r = parse_field(fields[1], "r", kMaxScryptRP);
    auto p = parse_field(fields[2], "p", kMaxScryptRP);
    if (!ln || !r || !p || *ln == 0) {
        return std::nullopt;
    }

    PhcHash h;
    h.params.scheme = HashScheme::scrypt;
    h.params.scrypt_n = std::uint64_t{1} << *ln;
    h.params.scrypt_r = static_cast<std::uint32_t>(*r);
    h.params.scrypt_p = static_cast<std::uint32_t>(*p);
    if (!valid_scrypt_cost(h.params.scrypt_n, *r, *p) ||
        !decode_salt_and_hash(parts[3], parts[4], h)) {
        return std::nullopt;
    }
    return h;
}

// "$pbkdf2-sha256$i=<iterations>$<salt>$<hash>", or passlib's
// "$pbkdf2-sha256$<iterations>$<ab64 salt>$<ab64 hash>".
std::optional<PhcHash> parse_pbkdf2(std::string_view stored)
{
    auto parts = split(stored, '$');
    if (parts.size() != 5 || !parts[0].empty()) {
        return std::nullopt;
    }

    bool passlib = !parts[2].empty() && parts[2][0] >= '0' && parts[2][0] <= '9';
    auto iterations = passlib ? parse_uint(parts[2], kMaxIterations)
                              : parse_field(parts[2], "i", kMaxIterations);
    if (!iterations || *iterations == 0) {
        return std::nullopt;
    }

    PhcHash h;
    h.params.scheme = HashScheme::pbkdf2_sha256;
    h.params.pbkdf2_iterations = static_cast<std::uint32_t>(*iterations);
    if (!decode_salt_and_hash(parts[3], parts[4], h)) {
        return std::nullopt;
    }
    if (passlib) {
        h.canonical = false;
    }
    return h;
}

bool same_params(const HashParams& a, const HashParams& b)
{
    if (a.scheme != b.scheme) {
        return false;
    }
    if (a.scheme == HashScheme::scrypt) {
        return a.scrypt_n == b.scrypt_n && a.scrypt_r == b.scrypt_r &&
               a.scrypt_p == b.scrypt_p;
    }
    return a.pbkdf2_iterations == b.pbkdf2_iterations;
}

std::string derive(std::string_view password, const PhcHash& h)
{
    if (h.params.scheme == HashScheme::scrypt) {
        return scrypt_raw(password, h.salt, h.params.scrypt_n, h.params.scrypt_r,
                          h.params.scrypt_p, h.hash.size());
    }
    return pbkdf2_sha256_raw(password, h.salt, h.params.pbkdf2_iterations,
                             h.hash.size());
}

VerifyResult verify_phc(std::string_view password, const PhcHash& h,
                        const HashParams& current)
{
    std::string derived = derive(password, h);
    WipeOnExit wipe{derived};

    VerifyResult result;
    if (constant_time_equal(derived, h.hash)) {
        result.status = VerifyStatus::match;
        result.needs_rehash = !h.canonical || !same_params(h.params, current);
    }
    return result;
}

void check_params(const HashParams& params)
{
    if (params.scheme == HashScheme::scrypt) {
        std::uint64_t n = params.scrypt_n;
        if (n < 2 || (n & (n - 1)) != 0 || params.scrypt_r == 0 ||
            params.scrypt_p == 0) {
            throw std::invalid_argument(
                "scrypt parameters: N must be a power of two, r and p positive");
        }
    } else if (params.pbkdf2_iterations == 0) {
        throw std::invalid_argument("pbkdf2-sha256: iterations must be positive");
    }
}

unsigned log2_of(std::uint64_t n)
{
    unsigned l = 0;
    while (n > 1) {
        n >>= 1;
        l++;
    }
    return l;
}

// The hash of the dummy verification, made once per parameter set.
struct DummyHash {
    std::mutex mutex;
    bool ready = false;
    HashParams params;
    std::string hash;
};

std::string hash_password_here(std::string_view password, const HashParams& params);

std::string dummy_hash_for(const HashParams& params)
{
    static DummyHash cache;
    {
        std::lock_guard<std::mutex> lock(cache.mutex);
        if (cache.ready && same_params(cache.params, params)) {
            return cache.hash;
        }
    }

    // Computed outside the lock; two threads racing here both pay once.
    std::string hash = hash_password_here(hex_encode(random_bytes(16)), params);

    std::lock_guard<std::mutex> lock(cache.mutex);
    cache.params = params;
    cache.hash = hash;
    cache.ready = true;
    return hash;
}

// OpenSSL's KDFs want a readable pointer even for an empty input.
const unsigned char* kdf_input(std::string_view s)
{
    static const unsigned char empty = 0;
    return s.empty() ? &empty : reinterpret_cast<const unsigned char*>(s.data());
}

// The len bytes an OpenSSL KDF call writes (it returns 1 on success);
// whatever it wrote is wiped before `failure` is thrown.
template <typename Kdf>
std::string kdf_output(std::size_t len, const char* failure, Kdf kdf)
{
    std::string out(len, '\0');
    if (kdf(reinterpret_cast<unsigned char*>(&out[0])) != 1) {
        secure_wipe(out);
        throw std::runtime_error(failure);
    }
    return out;
}

}  // namespace

bool keep_hash_memory()
{
    // No mmap'ed chunks: glibc caps M_MMAP_THRESHOLD at 32 MiB, just below
    // scrypt's buffer, so the threshold alone cannot keep it in the arena.
    // A request larger than a thread arena's heap (64 MiB) is still mapped.
    bool ok = mallopt(M_MMAP_MAX, 0) == 1;
    // Freed memory at the top of an arena stays there up to this much.
    ok = mallopt(M_TRIM_THRESHOLD, 256 << 20) == 1 && ok;
    // Between two hashes the thread's other allocations (libpq's, the
    // flow's) split the freed buffer, so the next one often lands in a new
    // heap of the arena; with the default 128 KiB pad, freeing it found
    // that heap empty and unmapped it (an mmap, a munmap and 8 192 faults
    // per hash all the same). A pad of a whole heap keeps such heaps. It
    // is address space, not memory: pages never touched stay unbacked.
    ok = mallopt(M_TOP_PAD, 64 << 20) == 1 && ok;
    return ok;
}

std::string scrypt_raw(std::string_view password, std::string_view salt,
                       std::uint64_t n, std::uint32_t r, std::uint32_t p,
                       std::size_t len)
{
    if (n < 2 || (n & (n - 1)) != 0 || r == 0 || p == 0 || len == 0) {
        throw std::invalid_argument("scrypt: bad parameters");
    }

    // OpenSSL refuses to use more than maxmem: B is 128*r*p bytes and V
    // 128*r*(N+2); leave a margin above both.
    std::uint64_t rr = r;
    if (n > (UINT64_MAX / 2) / (128 * rr) - 2) {
        throw std::invalid_argument("scrypt: N*r too large");
    }
    std::uint64_t maxmem = 128 * rr * (n + 2) + 128 * rr * p + (1u << 20);

    return kdf_output(len, "scrypt failed (parameters or memory)", [&](unsigned char* out) {
        return EVP_PBE_scrypt(reinterpret_cast<const char*>(kdf_input(password)),
                              password.size(), kdf_input(salt), salt.size(), n, r, p,
                              maxmem, out, len);
    });
}

std::string pbkdf2_sha256_raw(std::string_view password, std::string_view salt,
                              std::uint32_t iterations, std::size_t len)
{
    if (iterations == 0 || iterations > INT_MAX || len == 0 || len > INT_MAX ||
        password.size() > INT_MAX || salt.size() > INT_MAX) {
        throw std::invalid_argument("pbkdf2-sha256: bad parameters");
    }

    return kdf_output(len, "pbkdf2-sha256 failed", [&](unsigned char* out) {
        return PKCS5_PBKDF2_HMAC(reinterpret_cast<const char*>(kdf_input(password)),
                                 static_cast<int>(password.size()), kdf_input(salt),
                                 static_cast<int>(salt.size()),
                                 static_cast<int>(iterations), EVP_sha256(),
                                 static_cast<int>(len), out);
    });
}

namespace {

std::string hash_password_here(std::string_view password, const HashParams& params)
{
    check_params(params);

    PhcHash h;
    h.params = params;
    h.salt = random_bytes(kSaltBytes);
    h.hash.assign(kHashBytes, '\0');
    std::string derived = derive(password, h);
    WipeOnExit wipe{derived};

    std::string out;
    if (params.scheme == HashScheme::scrypt) {
        out = std::string(kScryptPrefix) + "ln=" +
              std::to_string(log2_of(params.scrypt_n)) +
              ",r=" + std::to_string(params.scrypt_r) +
              ",p=" + std::to_string(params.scrypt_p);
    } else {
        out = std::string(kPbkdf2Prefix) + "i=" +
              std::to_string(params.pbkdf2_iterations);
    }
    out += '$';
    out += base64_encode_unpadded(h.salt);
    out += '$';
    out += base64_encode_unpadded(derived);
    return out;
}

VerifyResult verify_password_here(std::string_view password, std::string_view stored,
                                  const HashParams& current)
{
    VerifyResult unknown;
    unknown.status = VerifyStatus::unknown_format;

    if (stored.size() > kMaxStoredLength ||
        stored.find('\0') != std::string_view::npos) {
        return unknown;
    }

    if (starts_with(stored, kScryptPrefix)) {
        auto h = parse_scrypt(stored);
        return h ? verify_phc(password, *h, current) : unknown;
    }
    if (starts_with(stored, kPbkdf2Prefix)) {
        auto h = parse_pbkdf2(stored);
        return h ? verify_phc(password, *h, current) : unknown;
    }
    if (acceptable_crypt(stored)) {
        return verify_crypt(password, stored);
    }
    return unknown;
}

}  // namespace

StoredHashInfo inspect_stored_hash(std::string_view stored)
{
    StoredHashInfo info;
    // The same checks, in the same order, as verify_password.
    if (stored.size() > kMaxStoredLength ||
        stored.find('\0') != std::string_view::npos) {
        return info;
    }

    std::optional<PhcHash> phc;
    if (starts_with(stored, kScryptPrefix)) {
        phc = parse_scrypt(stored);
    } else if (starts_with(stored, kPbkdf2Prefix)) {
        phc = parse_pbkdf2(stored);
    } else if (acceptable_crypt(stored)) {
        if (starts_with(stored, "$2")) {
            info.format = StoredFormat::bcrypt;
            info.work = std::uint64_t{1} << *parse_uint(stored.substr(4, 2), 99);
        } else if (starts_with(stored, "$5$") || starts_with(stored, "$6$")) {
            info.format = stored[1] == '5' ? StoredFormat::sha256_crypt
                                           : StoredFormat::sha512_crypt;
            std::string_view rest = stored.substr(3);
            constexpr std::string_view rounds = "rounds=";
            info.work = 5000;  // crypt(3)'s default
            if (starts_with(rest, rounds)) {
                rest.remove_prefix(rounds.size());
                info.work = *parse_uint(rest.substr(0, rest.find('$')), hash_limits::max_sha_crypt_rounds);
            }
        } else if (starts_with(stored, "$y$")) {
            info.format = StoredFormat::yescrypt;
            auto n_log2 = static_cast<unsigned>(crypt64_value(stored[4])) + 1;
            auto r = static_cast<std::uint64_t>(crypt64_value(stored[5])) + 1;
            info.work = (std::uint64_t{1} << n_log2) * r;
        } else {
            info.format = StoredFormat::md5_crypt;
            info.work = 1000;
        }
        return info;
    }
    if (!phc) {
        return info;
    }
    info.params = phc->params;
    info.canonical = phc->canonical;
    if (phc->params.scheme == HashScheme::scrypt) {
        info.format = StoredFormat::scrypt;
        info.work = phc->params.scrypt_n * phc->params.scrypt_r * phc->params.scrypt_p;
    } else {
        info.format = StoredFormat::pbkdf2_sha256;
        info.work = phc->params.pbkdf2_iterations;
    }
    return info;
}

std::string hash_family(std::string_view stored)
{
    if (stored.size() > kMaxStoredLength || stored.find('\0') != std::string_view::npos) {
        return {};
    }
    // Up to and including the n-th '$' (the first is at 0).
    auto through = [&](int n) -> std::string {
        std::size_t pos = 0;
        for (int i = 0; i < n; i++) {
            pos = stored.find('$', pos + 1);
            if (pos == std::string_view::npos) return {};
        }
        return std::string(stored.substr(0, pos + 1));
    };
    if (starts_with(stored, kScryptPrefix)) {
        return parse_scrypt(stored) ? through(2) : std::string();
    }
    if (starts_with(stored, kPbkdf2Prefix)) {
        return parse_pbkdf2(stored) ? through(2) : std::string();
    }
    if (!acceptable_crypt(stored)) {
        return {};
    }
    if (starts_with(stored, "$5$") || starts_with(stored, "$6$")) {
        return starts_with(stored.substr(3), "rounds=") ? through(2)
                                                         : std::string(stored.substr(0, 3));
    }
    if (starts_with(stored, "$y$")) {
        return through(2);
    }
    if (starts_with(stored, "$1$")) {
        return "$1$";
    }
    return std::string(stored.substr(0, 7));  // bcrypt: "$2y$NN$"
}

namespace {

void verify_dummy_password_here(std::string_view password, const HashParams& current)
{
    std::string hash = dummy_hash_for(current);
    // The result is meaningless; only the time spent matters.
    (void) verify_password_here(password, hash, current);
}

PasswordJobRunner job_runner = nullptr;

// A job to the runner, else run here.
void dispatch(PasswordJob& job)
{
    if (!(job_runner && job_runner(job))) run_password_job(job);
}

std::string hash_once(std::string_view password, const HashParams& params)
{
    PasswordJob job;
    job.kind = PasswordJob::Kind::hash;
    job.password = password;
    job.params = params;
    dispatch(job);
    return std::move(job.hash);
}

VerifyResult verify_once(std::string_view password, std::string_view stored, const HashParams& current)
{
    PasswordJob job;
    job.kind = PasswordJob::Kind::verify;
    job.password = password;
    job.stored = stored;
    job.params = current;
    dispatch(job);
    return job.result;
}

void verify_dummy_once(std::string_view password, const HashParams& current)
{
    PasswordJob job;
    job.kind = PasswordJob::Kind::dummy;
    job.password = password;
    job.params = current;
    dispatch(job);
}

}  // namespace

void set_password_job_runner(PasswordJobRunner runner)
{
    job_runner = runner;
}

void run_password_job(PasswordJob& job)
{
    switch (job.kind) {
    case PasswordJob::Kind::hash:
        job.hash = hash_password_here(job.password, job.params);
        break;
    case PasswordJob::Kind::verify:
        job.result = verify_password_here(job.password, job.stored, job.params);
        break;
    case PasswordJob::Kind::dummy:
        verify_dummy_password_here(job.password, job.params);
        break;
    }
}

std::string hash_password(std::string_view password, const HashParams& params)
{
    PreparedPassword prepared(password);
    return hash_once(prepared.text(), params);
}

VerifyResult verify_password(std::string_view password, std::string_view stored,
                             const HashParams& current)
{
    PreparedPassword prepared(password);
    VerifyResult r = verify_once(prepared.text(), stored, current);
    if (prepared.changed() && r.status == VerifyStatus::mismatch) {
        // Hashed as typed, before passwords were prepared: still the
        // owner's; re-hashed prepared at this login. The second hash is
        // spent whatever the stored hash (verify_dummy_password spends
        // it too), so that it tells nothing of the account.
        r = verify_once(password, stored, current);
        if (r.status == VerifyStatus::match) r.needs_rehash = true;
    }
    return r;
}

void verify_dummy_password(std::string_view password, const HashParams& current)
{
    PreparedPassword prepared(password);
    verify_dummy_once(prepared.text(), current);
    if (prepared.changed()) verify_dummy_once(password, current);
}

}  // namespace extranet
