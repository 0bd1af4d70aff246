// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Cryptographic primitives the core builds on (OpenSSL underneath).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace extranet {

// Cryptographically secure random bytes; throws std::runtime_error if the
// generator fails (never returns weak bytes).
std::string random_bytes(std::size_t n);

std::string sha256(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

// HMAC-SHA256 under one key, its inner and outer SHA-256 states computed
// once: a message then costs its own compressions only, with no
// allocation, no lock and no OpenSSL algorithm fetch (an EVP fetch per
// call is what HMAC() costs in OpenSSL 3). Immutable once built: threads
// share one freely. The key's states are wiped on destruction.
class HmacSha256Key {
public:
    static constexpr std::size_t kSize = 32;

    explicit HmacSha256Key(std::string_view key);
    ~HmacSha256Key();
    HmacSha256Key(const HmacSha256Key& other);
    HmacSha256Key& operator=(const HmacSha256Key& other);

    void mac(std::string_view data, unsigned char out[kSize]) const;
    std::string mac(std::string_view data) const;

private:
    // two SHA256_CTX (112 bytes each in OpenSSL 3), kept opaque here
    alignas(8) unsigned char inner_[128];
    alignas(8) unsigned char outer_[128];
};

// Compares in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// Overwrites the string's storage before it is released.
void secure_wipe(std::string& s);

std::string hex_encode(std::string_view data);

// RFC 4648 §5 alphabet, no padding (cookies, tokens).
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);
// The same decoding into a caller's buffer (the request path's, on the
// stack): the decoded size, or nullopt if the text is not canonical
// base64url or does not fit in `capacity` bytes.
std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out,
                                                 std::size_t capacity);

// RFC 4648 §4 alphabet without padding, as PHC strings use it.
std::string base64_encode_unpadded(std::string_view data);
// Accepts standard base64 with or without padding, and passlib's "ab64"
// variant ('.' for '+').
std::optional<std::string> base64_decode_lenient(std::string_view text);

}  // namespace extranet
