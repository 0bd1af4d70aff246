// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The legacy hashes crypt(3) verifies (MD5-crypt, bcrypt, SHA-crypt,
// yescrypt), each accepted only within bounds: a corrupt or hostile row
// must not hold a pool thread for minutes or exhaust memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/primitives/password.h"

namespace extranet {

// Bounds shared with the PHC strings' checks (password.cpp).
namespace hash_limits {
constexpr unsigned max_scrypt_log2n = 24;
constexpr std::uint64_t max_kdf_memory = std::uint64_t{1} << 30;  // 1 GiB
constexpr std::uint64_t max_sha_crypt_rounds = 10000000;
}  // namespace hash_limits

// Plain decimal digits, no sign, at most `max` (the costs written in
// crypt(3) and PHC strings).
std::optional<std::uint64_t> parse_uint(std::string_view s, std::uint64_t max);

// A character of crypt(3)'s itoa64 alphabet as a number, -1 if none.
int crypt64_value(char c);

// A crypt(3) string of a known format whose cost is within bounds.
bool acceptable_crypt(std::string_view stored);

// The password against an acceptable crypt(3) string, through libcrypt's
// reentrant crypt_rn (pool threads verify concurrently).
VerifyResult verify_crypt(std::string_view password, std::string_view stored);

}  // namespace extranet
