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

// Compares in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// Overwrites the string's storage before it is released.
void secure_wipe(std::string& s);

std::string hex_encode(std::string_view data);

// RFC 4648 §5 alphabet, no padding (cookies, tokens).
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 4648 §4 alphabet without padding, as PHC strings use it.
std::string base64_encode_unpadded(std::string_view data);
// Accepts standard base64 with or without padding, and passlib's "ab64"
// variant ('.' for '+').
std::optional<std::string> base64_decode_lenient(std::string_view text);

}  // namespace extranet
