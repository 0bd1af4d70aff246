// Cryptographic primitives over OpenSSL 3, and the encodings tokens and
// PHC strings are written in.
#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
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

std::string sha256(std::string_view data)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("EVP_Digest(SHA-256) failed");
    }
    return std::string(reinterpret_cast<char*>(md), len);
}

std::string hmac_sha256(std::string_view key, std::string_view data)
{
    // HMAC() may read the key pointer even for an empty key: never pass null.
    static const unsigned char empty = 0;
    const void* k = key.empty() ? static_cast<const void*>(&empty) : key.data();
    const unsigned char* d = data.empty()
        ? &empty : reinterpret_cast<const unsigned char*>(data.data());

    if (key.size() > INT_MAX) {
        throw std::invalid_argument("HMAC key too long");
    }

    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), d, data.size(), md,
             &len) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    std::string out(reinterpret_cast<char*>(md), len);
    OPENSSL_cleanse(md, sizeof(md));
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b)
{
    if (a.size() != b.size()) {
        return false;
    }
    if (a.empty()) {
        return true;
    }
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
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
    std::string out;
    out.reserve(data.size() * 2);
    for (unsigned char c : data) {
        out += digits[c >> 4];
        out += digits[c & 15];
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
