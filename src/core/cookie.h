// Cookie request headers and the Set-Cookie of the session.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace extranet {

struct CookieSettings {
    std::string name = "extranet_session";
    bool secure = true;
    std::string same_site = "Lax";  // Lax, Strict or None
    std::string domain;             // empty: host-only
    std::string path = "/";
};

// The value of the first cookie called name in one Cookie header value.
std::optional<std::string> find_cookie(std::string_view header, std::string_view name);

// The header value without any cookie called name ("" if nothing is left).
std::string strip_cookie(std::string_view header, std::string_view name);

// "name=value; Path=/; Max-Age=N; HttpOnly; Secure; SameSite=Lax"; a
// max_age of 0 clears the cookie.
std::string set_cookie(const CookieSettings& s, std::string_view value,
                       std::uint64_t max_age);

}  // namespace extranet
