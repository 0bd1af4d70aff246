// libFuzzer target: the session token (core/session_token: KeyRing::open)
// with a real key ring of two keys. Input: one mode byte, then
//   mode 0: a cookie value, opened as it comes;
//   mode 1: claims bytes, sealed here with the signing key (so that the
//           fuzzer reaches the claims parser behind the MAC), then opened;
//   mode 2: the same, sealed with the older key, and also with the newer;
//   mode 3: claims bytes sealed with the signing key, then one character
//           of the token changed (the byte after the mode tells which).
//
// Invariants: a token that opens re-seals to the same token (claims and
// layout are one-to-one); a token signed by either key of the ring opens
// to the same claims; a changed token never opens; an opened session's
// CSRF token verifies and a foreign one does not.
#include "fuzz.h"

#include <cstring>
#include <string>

#include "core/primitives/crypto.h"
#include "core/primitives/session_token.h"

using namespace extranet;

namespace {

const std::string kNew(40, 'n');
const std::string kOld(32, 'o');

const KeyRing& ring()
{
    static const KeyRing r({kNew, kOld});
    return r;
}

// The token layout of core/session_token: version, key id, claims, MAC.
std::string sign(std::string_view secret, std::string_view claims)
{
    std::string raw(1, '\x01');
    raw += sha256(secret).substr(0, 4);
    raw.append(claims.data(), claims.size());
    raw += hmac_sha256(secret, raw);
    return base64url_encode(raw);
}

bool same(const SessionClaims& a, const SessionClaims& b)
{
    return a.session_id == b.session_id && a.issued_at == b.issued_at &&
           a.refreshed_at == b.refreshed_at && a.method == b.method &&
           a.identity_id == b.identity_id && a.email == b.email &&
           a.account == b.account && a.syndic == b.syndic && a.accounts == b.accounts;
}

void check_opened(const SessionClaims& c, const std::string& token, bool signed_new)
{
    FUZZ_CHECK(c.method == LoginMethod::code || c.method == LoginMethod::email);
    FUZZ_CHECK(c.session_id.size() <= 255 && c.email.size() <= 255 &&
               c.account.size() <= 255 && c.syndic.size() <= 255 && c.accounts.size() <= 255);
    std::string resealed = ring().seal(c);
    if (signed_new) {
        FUZZ_CHECK(resealed == token);
    }
    auto again = ring().open(resealed);
    FUZZ_CHECK(again && same(*again, c));

    std::string csrf = ring().csrf_token(c.session_id);
    FUZZ_CHECK(ring().csrf_valid(c.session_id, csrf));
    FUZZ_CHECK(!ring().csrf_valid(c.session_id + "x", csrf));
    FUZZ_CHECK(!ring().csrf_valid(c.session_id, ""));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    std::uint8_t mode = data[0] % 4;
    std::string_view rest = fuzz_text(data + 1, size - 1);

    if (mode == 0) {
        std::string token(rest);
        auto c = ring().open(token);
        if (c) {
            check_opened(*c, token, false);
        }
        return 0;
    }

    if (mode == 3) {
        if (rest.empty()) {
            return 0;
        }
        std::uint8_t where = static_cast<std::uint8_t>(rest[0]);
        std::string token = sign(kNew, rest.substr(1));
        std::string changed = token;
        std::size_t i = where % changed.size();
        static const char kAlphabet[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char* pos = std::strchr(kAlphabet, changed[i]);
        FUZZ_CHECK(pos != nullptr);
        changed[i] = kAlphabet[(pos - kAlphabet + 1 + where / 64) % 64];
        if (changed != token) {
            FUZZ_CHECK(!ring().open(changed).has_value());
        }
        return 0;
    }

    std::string token = sign(kNew, rest);
    auto c = ring().open(token);
    if (c) {
        check_opened(*c, token, true);
    }
    if (mode == 2) {
        std::string old_token = sign(kOld, rest);
        auto o = ring().open(old_token);
        FUZZ_CHECK(o.has_value() == c.has_value());
        if (o) {
            FUZZ_CHECK(same(*o, *c));
            check_opened(*o, old_token, false);
        }
        // A key outside the ring opens nothing.
        FUZZ_CHECK(!ring().open(sign(std::string(32, 'x'), rest)).has_value());
    }
    return 0;
}
