// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/crypt_formats.h"

#include "core/primitives/crypto.h"

#include <crypt.h>
#include <openssl/crypto.h>

#include <memory>
#include <optional>
#include <string>

namespace extranet {

namespace {

constexpr unsigned kMaxBcryptCost = 16;
constexpr std::uint64_t kMaxShaCryptRounds = hash_limits::max_sha_crypt_rounds;

bool starts_with(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

// Wipes the password copy when it goes out of scope.
struct WipeOnExit {
    std::string& s;
    ~WipeOnExit() { secure_wipe(s); }
};

// "$2y$NN$" + 53 characters; the cost is bounded.
bool acceptable_bcrypt(std::string_view stored)
{
    if (stored.size() != 60 || stored[6] != '$') {
        return false;
    }
    auto cost = parse_uint(stored.substr(4, 2), 99);
    return cost && *cost >= 4 && *cost <= kMaxBcryptCost;
}

// "$5$" / "$6$", optionally "rounds=N$", then salt and hash.
bool acceptable_sha_crypt(std::string_view stored)
{
    std::string_view rest = stored.substr(3);
    constexpr std::string_view rounds = "rounds=";
    if (!starts_with(rest, rounds)) {
        return true;
    }
    rest.remove_prefix(rounds.size());
    std::size_t end = rest.find('$');
    if (end == std::string_view::npos) {
        return false;
    }
    auto n = parse_uint(rest.substr(0, end), kMaxShaCryptRounds);
    return n.has_value();
}

// "$y$" + flavour, log2 N and r (one itoa64 character each) + "$salt$hash".
// Settings with optional parameters (p, t, g, ROM) are not accepted: no
// libcrypt default writes them, and they could ask for unbounded work.
bool acceptable_yescrypt(std::string_view stored)
{
    std::string_view rest = stored.substr(3);
    std::size_t end = rest.find('$');
    if (end != 3) {
        return false;
    }
    int flavour = crypt64_value(rest[0]);
    int n_log2 = crypt64_value(rest[1]);
    int r = crypt64_value(rest[2]);
    // Values 0..47 are single-character numbers, offset by 1 for N and r.
    if (flavour < 0 || n_log2 < 0 || n_log2 >= 48 || r < 0 || r >= 48) {
        return false;
    }
    std::uint64_t log2n = static_cast<std::uint64_t>(n_log2) + 1;
    std::uint64_t rr = static_cast<std::uint64_t>(r) + 1;
    return log2n <= hash_limits::max_scrypt_log2n &&
           128 * rr * (std::uint64_t{1} << log2n) <= hash_limits::max_kdf_memory;
}

}  // namespace

// Plain decimal digits, no sign, at most `max`.
std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max)
{
    if (s.empty() || s.size() > 20) {
        return std::nullopt;
    }
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        std::uint64_t d = static_cast<std::uint64_t>(c - '0');
        if (v > (max - d) / 10) {
            return std::nullopt;
        }
        v = v * 10 + d;
    }
    return v;
}

int crypt64_value(char c)
{
    if (c == '.') return 0;
    if (c == '/') return 1;
    if (c >= '0' && c <= '9') return c - '0' + 2;
    if (c >= 'A' && c <= 'Z') return c - 'A' + 12;
    if (c >= 'a' && c <= 'z') return c - 'a' + 38;
    return -1;
}

bool acceptable_crypt(std::string_view stored)
{
    if (starts_with(stored, "$2y$") || starts_with(stored, "$2b$") ||
        starts_with(stored, "$2a$")) {
        return acceptable_bcrypt(stored);
    }
    if (starts_with(stored, "$5$") || starts_with(stored, "$6$")) {
        return acceptable_sha_crypt(stored);
    }
    if (starts_with(stored, "$y$")) {
        return acceptable_yescrypt(stored);
    }
    return starts_with(stored, "$1$");
}

namespace {

struct CryptDataDeleter {
    void operator()(crypt_data* d) const
    {
        // The work area holds password-derived state.
        OPENSSL_cleanse(d, sizeof(*d));
        delete d;
    }
};

}  // namespace

VerifyResult verify_crypt(std::string_view password, std::string_view stored)
{
    VerifyResult result;

    // crypt(3) reads C strings: a NUL would silently cut the password.
    if (password.find('\0') != std::string_view::npos) {
        result.status = VerifyStatus::mismatch;
        return result;
    }

    std::string phrase(password);
    WipeOnExit wipe{phrase};
    std::string setting(stored);

    // crypt_rn keeps all state in `data`, so concurrent pool threads are
    // safe; the structure must start zeroed.
    std::unique_ptr<crypt_data, CryptDataDeleter> data(new crypt_data());
    const char* out = crypt_rn(phrase.c_str(), setting.c_str(), data.get(),
                               static_cast<int>(sizeof(crypt_data)));
    if (out == nullptr || out[0] == '*') {
        result.status = VerifyStatus::unknown_format;
        return result;
    }

    if (constant_time_equal(out, stored)) {
        result.status = VerifyStatus::match;
        result.needs_rehash = true;  // never the current scheme
    }
    return result;
}

}  // namespace extranet
