// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The session cookie. Layout (all integers big-endian):
//
//   version        1 byte  (2 bound to a site; 1 before, unbound)
//   key id         4 bytes (start of sha256 of the MAC key)
//   session id     1-byte length + bytes
//   issued_at      8 bytes
//   refreshed_at   8 bytes
//   method         1 byte  (1 code, 2 email)
//   identity id    8 bytes
//   email          1-byte length + bytes
//   account        1-byte length + bytes
//   syndic         1-byte length + bytes
//   accounts       1-byte count, then each 1-byte length + bytes
//   mac           32 bytes HMAC-SHA256 over all of the above
//
// Version 2's MAC key is the site's: HMAC-SHA256(secret, "extranet site:"
// + site id); version 1's was the secret itself.
//
// then base64url without padding.
#include "core/primitives/session_token.h"

#include "core/primitives/crypto.h"

#include <stdexcept>
#include <utility>

namespace extranet {

namespace {

constexpr std::uint8_t kVersionUnbound = 1;
constexpr std::uint8_t kVersionBound = 2;
constexpr std::size_t kKeyIdBytes = 4;
constexpr std::size_t kMacBytes = 32;
constexpr std::size_t kMinKeyBytes = 32;
constexpr std::size_t kMaxTokenChars = 4096;
constexpr std::size_t kMaxCsrfChars = 64;
constexpr std::size_t kMaxField = 255;

class Writer {
public:
    void byte(std::uint8_t b) { out_ += static_cast<char>(b); }

    void u64(std::uint64_t v)
    {
        for (int shift = 56; shift >= 0; shift -= 8) {
            byte(static_cast<std::uint8_t>(v >> shift));
        }
    }

    void raw(std::string_view s) { out_.append(s.data(), s.size()); }

    void text(std::string_view s, const char* what)
    {
        if (s.size() > kMaxField) {
            throw std::length_error(std::string("session token: ") + what +
                                    " longer than 255 bytes");
        }
        byte(static_cast<std::uint8_t>(s.size()));
        raw(s);
    }

    std::string& str() { return out_; }

private:
    std::string out_;
};

// Reads from a buffer; every read checks the remaining length, and the
// first failure sticks.
class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}

    bool ok() const { return ok_; }
    bool at_end() const { return ok_ && in_.empty(); }

    std::uint8_t byte()
    {
        if (!ok_ || in_.empty()) {
            ok_ = false;
            return 0;
        }
        auto b = static_cast<std::uint8_t>(in_[0]);
        in_.remove_prefix(1);
        return b;
    }

    std::uint64_t u64()
    {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | byte();
        }
        return v;
    }

    std::string bytes(std::size_t n)
    {
        if (!ok_ || in_.size() < n) {
            ok_ = false;
            return {};
        }
        std::string s(in_.substr(0, n));
        in_.remove_prefix(n);
        return s;
    }

    std::string text() { return bytes(byte()); }

private:
    std::string_view in_;
    bool ok_ = true;
};

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

std::optional<SessionClaims> parse_claims(std::string_view body)
{
    Reader in(body);
    SessionClaims c;

    c.session_id = in.text();
    c.issued_at = in.u64();
    c.refreshed_at = in.u64();
    std::uint8_t method = in.byte();
    c.identity_id = in.u64();
    c.email = in.text();
    c.account = in.text();
    c.syndic = in.text();

    std::size_t count = in.byte();
    for (std::size_t i = 0; i < count && in.ok(); i++) {
        c.accounts.push_back(in.text());
    }

    if (!in.at_end()) {
        return std::nullopt;
    }
    if (method != static_cast<std::uint8_t>(LoginMethod::code) &&
        method != static_cast<std::uint8_t>(LoginMethod::email)) {
        return std::nullopt;
    }
    c.method = static_cast<LoginMethod>(method);
    return c;
}

std::string site_secret(std::string_view secret, std::string_view site)
{
    std::string label = "extranet site:";
    label.append(site.data(), site.size());
    return hmac_sha256(secret, label);
}

std::string csrf_for(const HmacSha256Key& key, std::string_view session_id)
{
    std::string data = "csrf:";
    data.append(session_id.data(), session_id.size());
    return base64url_encode(key.mac(data));
}

}  // namespace

bool same_owner(const SessionClaims& a, const SessionClaims& b)
{
    if (a.method != b.method) {
        return false;
    }
    // The active account of an e-mail session moves with a switch; its
    // identity does not. A code session's account never moves.
    if (a.method == LoginMethod::email) {
        return a.identity_id == b.identity_id;
    }
    return a.account == b.account;
}

TokenState token_state(const SessionClaims& claims, const SessionTimeouts& t,
                       std::uint64_t now)
{
    // A session lasts exactly `absolute` (or `idle`) seconds: at the
    // deadline itself it is over.
    if (now >= saturating_add(claims.issued_at, t.absolute) ||
        now >= saturating_add(claims.refreshed_at, t.idle)) {
        return TokenState::expired;
    }
    if (now >= saturating_add(claims.refreshed_at, t.refresh)) {
        return TokenState::refresh_due;
    }
    return TokenState::valid;
}

KeyRing::KeyRing(std::vector<std::string> keys)
{
    if (keys.empty()) {
        throw std::invalid_argument("session key ring: no key given");
    }

    for (std::size_t i = 0; i < keys.size(); i++) {
        if (keys[i].size() < kMinKeyBytes) {
            std::size_t size = keys[i].size();
            for (auto& k : keys) {
                secure_wipe(k);
            }
            for (auto& k : keys_) {
                secure_wipe(k.secret);
            }
            throw std::invalid_argument(
                "session key ring: key " + std::to_string(i) + " is " +
                std::to_string(size) + " bytes, at least 32 are required");
        }
        std::string derived = site_secret(keys[i], "");
        keys_.push_back(Key{keys[i], sha256(keys[i]).substr(0, kKeyIdBytes),
                            HmacSha256Key(keys[i]),
                            sha256(derived).substr(0, kKeyIdBytes),
                            HmacSha256Key(derived)});
        secure_wipe(derived);
        secure_wipe(keys[i]);
    }
}

KeyRing::~KeyRing()
{
    for (auto& k : keys_) {
        secure_wipe(k.secret);
        secure_wipe(k.id);
    }
}

std::shared_ptr<const KeyRing> KeyRing::bound_to(std::string_view site) const
{
    auto ring = std::make_shared<KeyRing>(*this);
    for (auto& k : ring->keys_) {
        std::string derived = site_secret(k.secret, site);
        k.site_id = sha256(derived).substr(0, kKeyIdBytes);
        k.site_hmac = HmacSha256Key(derived);
        secure_wipe(derived);
    }
    ring->bound_ = true;
    return ring;
}

std::string KeyRing::seal(const SessionClaims& claims) const
{
    if (claims.accounts.size() > kMaxField) {
        throw std::length_error("session token: more than 255 accounts");
    }

    const Key& key = keys_.front();
    Writer out;
    out.byte(bound_ ? kVersionBound : kVersionUnbound);
    out.raw(bound_ ? key.site_id : key.id);
    out.text(claims.session_id, "session id");
    out.u64(claims.issued_at);
    out.u64(claims.refreshed_at);
    out.byte(static_cast<std::uint8_t>(claims.method));
    out.u64(claims.identity_id);
    out.text(claims.email, "email");
    out.text(claims.account, "account");
    out.text(claims.syndic, "syndic");
    out.byte(static_cast<std::uint8_t>(claims.accounts.size()));
    for (const auto& a : claims.accounts) {
        out.text(a, "linked account");
    }

    std::string mac = (bound_ ? key.site_hmac : key.hmac).mac(out.str());
    out.raw(mac);
    std::string token = base64url_encode(out.str());
    // open() would refuse it, and browsers drop such cookies anyway.
    if (token.size() > kMaxTokenChars) {
        throw std::length_error("session token: longer than 4096 characters");
    }
    return token;
}

std::optional<SessionClaims> KeyRing::open(std::string_view token) const
{
    // Every valid cookie goes through here: decoded on the stack, its MAC
    // computed from the key's precomputed HMAC states, nothing allocated
    // before the claims themselves.
    char buf[kMaxTokenChars / 4 * 3];
    if (token.size() > kMaxTokenChars) {
        return std::nullopt;
    }
    auto size = base64url_decode_into(token, buf, sizeof(buf));
    if (!size || *size < 1 + kKeyIdBytes + kMacBytes) {
        return std::nullopt;
    }

    std::string_view data(buf, *size);
    std::uint8_t version = static_cast<std::uint8_t>(data[0]);
    // An unbound ring (no site) seals and opens version 1 only; a bound
    // one opens version 1 as well, sealed before the upgrade, marked so.
    bool bound = version == kVersionBound;
    if (!(version == kVersionUnbound || (bound && bound_))) {
        return std::nullopt;
    }
    std::string_view id = data.substr(1, kKeyIdBytes);
    std::string_view signed_part = data.substr(0, data.size() - kMacBytes);
    std::string_view mac = data.substr(data.size() - kMacBytes);

    // Key ids are not secret; they only pick the key. Two keys sharing an
    // id (a 2^-32 chance) are both tried.
    bool authentic = false;
    unsigned char expected[kMacBytes];
    for (const auto& key : keys_) {
        if ((bound ? key.site_id : key.id) != id) {
            continue;
        }
        (bound ? key.site_hmac : key.hmac).mac(signed_part, expected);
        if (constant_time_equal(
                std::string_view(reinterpret_cast<char*>(expected), kMacBytes), mac)) {
            authentic = true;
            break;
        }
    }
    if (!authentic) {
        return std::nullopt;
    }

    std::optional<SessionClaims> claims = parse_claims(signed_part.substr(1 + kKeyIdBytes));
    if (claims) claims->unbound = bound_ && !bound;
    return claims;
}

std::string KeyRing::csrf_token(std::string_view session_id) const
{
    return csrf_for(keys_.front().hmac, session_id);
}

bool KeyRing::csrf_valid(std::string_view session_id, std::string_view token) const
{
    if (token.empty() || token.size() > kMaxCsrfChars) {
        return false;
    }
    bool valid = false;
    for (const auto& key : keys_) {
        // No early exit: the time does not tell which key matched.
        valid |= constant_time_equal(csrf_for(key.hmac, session_id), token);
    }
    return valid;
}

bool KeyRing::shares_key_with(const KeyRing& other) const
{
    for (const auto& mine : keys_) {
        for (const auto& theirs : other.keys_) {
            if (constant_time_equal(mine.secret, theirs.secret)) return true;
        }
    }
    return false;
}

}  // namespace extranet
