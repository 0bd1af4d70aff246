// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Cryptographic primitives over OpenSSL 3, and the encodings tokens and
// PHC strings are written in.
#include "core/primitives/crypto.h"

// SHA-256's low-level interface (deprecated in OpenSSL 3, still there in
// every 3.x): it runs the compression without the provider machinery, so
// that a hash or an HMAC on the request path fetches no algorithm, takes
// no lock and allocates nothing.
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace extranet {

namespace {

constexpr char kBase64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr char kBase64Std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode_base64(std::string_view data, const char* alphabet)
{
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);

    std::size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16 |
                     static_cast<unsigned char>(data[i + 1]) << 8 |
                     static_cast<unsigned char>(data[i + 2]);
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
        out += alphabet[v & 63];
    }

    std::size_t rest = data.size() - i;
    if (rest == 1) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
    } else if (rest == 2) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16 |
                     static_cast<unsigned char>(data[i + 1]) << 8;
        out += alphabet[v >> 18 & 63];
        out += alphabet[v >> 12 & 63];
        out += alphabet[v >> 6 & 63];
    }
    return out;
}

// Maps a character to its 6-bit value, or -1.
using SextetOf = int (*)(char c);

int sextet_url(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

int sextet_std_or_ab64(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '.') return 62;
    if (c == '/') return 63;
    return -1;
}

// Decodes unpadded text. With `canonical`, bits left over in the last
// character must be zero, so that one byte string has one encoding only
// (a token cannot be altered without changing its bytes).
std::optional<std::string> decode_base64(std::string_view text, SextetOf sextet,
                                         bool canonical)
{
    if (text.size() % 4 == 1) {
        return std::nullopt;
    }

    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);

    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        int v = sextet(c);
        if (v < 0) {
            return std::nullopt;
        }
        acc = (acc << 6 | static_cast<unsigned>(v)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>(acc >> bits & 0xff);
        }
    }

    if (canonical && bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return out;
}

}  // namespace

std::string random_bytes(std::size_t n)
{
    std::string out(n, '\0');
    std::size_t done = 0;
    while (done < n) {
        int chunk = static_cast<int>(std::min<std::size_t>(n - done, INT_MAX));
        if (RAND_bytes(reinterpret_cast<unsigned char*>(&out[done]), chunk) != 1) {
            throw std::runtime_error("RAND_bytes failed");
        }
        done += static_cast<std::size_t>(chunk);
    }
    return out;
}

// (The one-shot SHA256() is no shortcut: in OpenSSL 3 it fetches SHA-256
// through EVP_Q_digest on every call.)
std::string sha256(std::string_view data)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data.data(), data.size());
    SHA256_Final(md, &ctx);
    OPENSSL_cleanse(&ctx, sizeof(ctx));
    return std::string(reinterpret_cast<char*>(md), sizeof(md));
}

static_assert(sizeof(SHA256_CTX) <= 128, "HmacSha256Key: SHA256_CTX too large");
static_assert(SHA256_DIGEST_LENGTH == HmacSha256Key::kSize, "HMAC-SHA256 size");

// RFC 2104: H((K ^ opad) || H((K ^ ipad) || m)), K padded to the 64-byte
// block, hashed first when longer.
HmacSha256Key::HmacSha256Key(std::string_view key)
{
    unsigned char block[SHA256_CBLOCK] = {0};
    if (key.size() > sizeof(block)) {
        SHA256_CTX ctx;
        SHA256_Init(&ctx);
        SHA256_Update(&ctx, key.data(), key.size());
        SHA256_Final(block, &ctx);
        OPENSSL_cleanse(&ctx, sizeof(ctx));
    } else if (!key.empty()) {
        std::copy(key.begin(), key.end(), block);
    }

    unsigned char pad[SHA256_CBLOCK];
    auto* inner = reinterpret_cast<SHA256_CTX*>(inner_);
    auto* outer = reinterpret_cast<SHA256_CTX*>(outer_);

    for (std::size_t i = 0; i < sizeof(pad); i++) {
        pad[i] = block[i] ^ 0x36;
    }
    SHA256_Init(inner);
    SHA256_Update(inner, pad, sizeof(pad));

    for (std::size_t i = 0; i < sizeof(pad); i++) {
        pad[i] = block[i] ^ 0x5c;
    }
    SHA256_Init(outer);
    SHA256_Update(outer, pad, sizeof(pad));

    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
}

HmacSha256Key::~HmacSha256Key()
{
    OPENSSL_cleanse(inner_, sizeof(inner_));
    OPENSSL_cleanse(outer_, sizeof(outer_));
}

HmacSha256Key::HmacSha256Key(const HmacSha256Key& other)
{
    std::copy(std::begin(other.inner_), std::end(other.inner_), inner_);
    std::copy(std::begin(other.outer_), std::end(other.outer_), outer_);
}

HmacSha256Key& HmacSha256Key::operator=(const HmacSha256Key& other)
{
    if (this != &other) {
        std::copy(std::begin(other.inner_), std::end(other.inner_), inner_);
        std::copy(std::begin(other.outer_), std::end(other.outer_), outer_);
    }
    return *this;
}

void HmacSha256Key::mac(std::string_view data, unsigned char out[kSize]) const
{
    // copies of the keyed states, on the stack: the shared ones stay intact
    SHA256_CTX ctx = *reinterpret_cast<const SHA256_CTX*>(inner_);
    SHA256_Update(&ctx, data.data(), data.size());
    SHA256_Final(out, &ctx);

    ctx = *reinterpret_cast<const SHA256_CTX*>(outer_);
    SHA256_Update(&ctx, out, kSize);
    SHA256_Final(out, &ctx);
    OPENSSL_cleanse(&ctx, sizeof(ctx));
}

std::string HmacSha256Key::mac(std::string_view data) const
{
    unsigned char md[kSize];
    mac(data, md);
    std::string out(reinterpret_cast<char*>(md), sizeof(md));
    OPENSSL_cleanse(md, sizeof(md));
    return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data)
{
    return HmacSha256Key(key).mac(data);
}

bool constant_time_equal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    // Eight bytes at a time (the worker's session cache compares every
    // protected request's cookie this way): the differences are or-ed
    // together whatever they are, and the empty asm keeps the compiler from
    // reasoning about the running value, so no early exit can appear.
    std::uint64_t diff = 0;
    std::size_t i = 0;
    for (; i + 8 <= a.size(); i += 8) {
        std::uint64_t x, y;
        std::memcpy(&x, a.data() + i, 8);
        std::memcpy(&y, b.data() + i, 8);
        diff |= x ^ y;
        __asm__ volatile("" : "+r"(diff));
    }
    for (; i < a.size(); ++i) {
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
        __asm__ volatile("" : "+r"(diff));
    }
    return diff == 0;
}

void secure_wipe(std::string& s)
{
    // Grow to the capacity first so that bytes left past size() by earlier
    // contents are overwritten too.
    s.resize(s.capacity());
    if (!s.empty()) {
        OPENSSL_cleanse(&s[0], s.size());
    }
    s.clear();
}

std::string hex_encode(std::string_view data)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(data.size() * 2, '\0');
    char* p = &out[0];
    for (unsigned char c : data) {
        *p++ = digits[c >> 4];
        *p++ = digits[c & 15];
    }
    return out;
}

std::string base64url_encode(std::string_view data)
{
    return encode_base64(data, kBase64Url);
}

std::optional<std::string> base64url_decode(std::string_view text)
{
    return decode_base64(text, sextet_url, true);
}

namespace {

// sextet_url() as a table: 64 for anything outside the alphabet
struct SextetTable {
    unsigned char v[256];
    constexpr SextetTable() : v()
    {
        for (int c = 0; c < 256; c++) {
            v[c] = 64;
        }
        for (int i = 0; i < 64; i++) {
            v[static_cast<unsigned char>(kBase64Url[i])] = static_cast<unsigned char>(i);
        }
    }
};
constexpr SextetTable kSextetUrl;

}  // namespace

std::optional<std::size_t> base64url_decode_into(std::string_view text, char* out,
                                                 std::size_t capacity)
{
    std::size_t rest = text.size() % 4;
    if (rest == 1 || text.size() / 4 * 3 + (rest ? rest - 1 : 0) > capacity) {
        return std::nullopt;
    }

    // whole groups of four characters: three bytes each (capacity checked
    // above), an invalid character seen as a value of 64 or more
    const auto* in = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t n = 0, i = 0;
    for (; i + 4 <= text.size(); i += 4) {
        unsigned a = kSextetUrl.v[in[i]], b = kSextetUrl.v[in[i + 1]],
                 c = kSextetUrl.v[in[i + 2]], d = kSextetUrl.v[in[i + 3]];
        if ((a | b | c | d) & 64) {
            return std::nullopt;
        }
        unsigned v = a << 18 | b << 12 | c << 6 | d;
        out[n++] = static_cast<char>(v >> 16);
        out[n++] = static_cast<char>(v >> 8 & 0xff);
        out[n++] = static_cast<char>(v & 0xff);
    }

    unsigned acc = 0;
    int bits = 0;
    for (char c : text.substr(i)) {
        unsigned v = kSextetUrl.v[static_cast<unsigned char>(c)];
        if (v == 64) {
            return std::nullopt;
        }
        acc = (acc << 6 | v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n == capacity) {
                return std::nullopt;
            }
            out[n++] = static_cast<char>(acc >> bits & 0xff);
        }
    }

    // canonical: the bits left over in the last character are zero
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
        return std::nullopt;
    }
    return n;
}

std::string base64_encode_unpadded(std::string_view data)
{
    return encode_base64(data, kBase64Std);
}

std::optional<std::string> base64_decode_lenient(std::string_view text)
{
    // Padding is accepted only where it belongs: at the end, making a
    // multiple of four.
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') {
        pad++;
    }
    if (pad > 0) {
        if (text.size() % 4 != 0) {
            return std::nullopt;
        }
        text.remove_suffix(pad);
    }
    return decode_base64(text, sextet_std_or_ab64, false);
}

}  // namespace extranet
