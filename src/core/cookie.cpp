#include "core/cookie.h"

#include <stdexcept>
#include <vector>

namespace extranet {

namespace {

struct CookiePair {
    std::string_view text;   // the whole "name=value", blanks trimmed
    std::string_view name;
    std::string_view value;  // raw, quotes included
    bool has_value = false;
};

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s)
{
    while (!s.empty() && is_blank(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_blank(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// RFC 6265 5.4 leniently: ';' separated pairs, blanks around them allowed
// (some clients omit the space after ';' or add more). Calls f(pair) for
// each in order until f returns false; nothing is allocated (every
// protected request goes through here).
template <typename F>
void for_each_cookie(std::string_view header, F f)
{
    std::size_t start = 0;
    while (start <= header.size()) {
        std::size_t end = header.find(';', start);
        if (end == std::string_view::npos) {
            end = header.size();
        }
        std::string_view text = trim(header.substr(start, end - start));
        start = end + 1;
        if (text.empty()) {
            continue;
        }
        CookiePair p;
        p.text = text;
        std::size_t eq = text.find('=');
        if (eq == std::string_view::npos) {
            p.name = text;
        } else {
            p.name = trim(text.substr(0, eq));
            p.value = trim(text.substr(eq + 1));
            p.has_value = true;
        }
        if (!f(p)) {
            return;
        }
    }
}

// cookie-octet of RFC 6265 4.1.1: no CTL, blank, '"', ',', ';' or '\\'.
bool is_cookie_octet(char ch)
{
    unsigned char c = static_cast<unsigned char>(ch);
    return c >= 0x21 && c <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

// Attribute text coming from the configuration: no ';' or control that
// would let it start another attribute or header.
bool is_attribute_text(std::string_view s)
{
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F || c == ';') {
            return false;
        }
    }
    return true;
}

bool is_token(std::string_view s)
{
    if (s.empty()) {
        return false;
    }
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7F) {
            return false;
        }
        switch (c) {
        case '(': case ')': case '<': case '>': case '@': case ',': case ';':
        case ':': case '\\': case '"': case '/': case '[': case ']': case '?':
        case '=': case '{': case '}':
            return false;
        default:
            break;
        }
    }
    return true;
}

}  // namespace

std::optional<std::string> find_cookie(std::string_view header, std::string_view name)
{
    std::optional<std::string> found;
    for_each_cookie(header, [&](const CookiePair& p) {
        if (!p.has_value || p.name != name) {
            return true;
        }
        std::string_view v = p.value;
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
            v = v.substr(1, v.size() - 2);
        }
        found.emplace(v);
        return false;
    });
    return found;
}

std::string strip_cookie(std::string_view header, std::string_view name)
{
    std::string out;
    for_each_cookie(header, [&](const CookiePair& p) {
        if (p.has_value && p.name == name) {
            return true;
        }
        if (!out.empty()) {
            out += "; ";
        }
        out.append(p.text);
        return true;
    });
    return out;
}

std::string set_cookie(const CookieSettings& s, std::string_view value, std::uint64_t max_age)
{
    // These reach a response header verbatim: refuse rather than let a
    // stray ';' or CR/LF add attributes or headers.
    if (!is_token(s.name)) {
        throw std::invalid_argument("invalid cookie name \"" + s.name + "\"");
    }
    for (char c : value) {
        if (!is_cookie_octet(c)) {
            throw std::invalid_argument("invalid character in cookie value");
        }
    }
    if (!is_attribute_text(s.path) || !is_attribute_text(s.domain)
        || !is_attribute_text(s.same_site)) {
        throw std::invalid_argument("invalid cookie attribute");
    }

    std::string out;
    out.reserve(s.name.size() + value.size() + 128);
    out += s.name;
    out += '=';
    out.append(value);
    out += "; Path=";
    out += s.path.empty() ? std::string("/") : s.path;
    out += "; Max-Age=";
    out += std::to_string(max_age);
    if (max_age == 0) {
        // Old browsers ignore Max-Age; a date in the past clears there too.
        out += "; Expires=Thu, 01 Jan 1970 00:00:00 GMT";
    }
    out += "; HttpOnly";
    if (s.secure) {
        out += "; Secure";
    }
    if (!s.same_site.empty()) {
        out += "; SameSite=";
        out += s.same_site;
    }
    if (!s.domain.empty()) {
        out += "; Domain=";
        out += s.domain;
    }
    return out;
}

}  // namespace extranet
