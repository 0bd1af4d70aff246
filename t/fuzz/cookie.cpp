// libFuzzer target: the Cookie request header (core/cookie: find_cookie,
// strip_cookie). Input: one byte choosing the cookie name, then the header
// value as a client sends it.
//
// Invariants: what strip_cookie forwards upstream never holds a cookie of
// that name, read by find_cookie or by a plain independent reader; it
// keeps every other cookie as it was (the first of each name reads the
// same); stripping twice changes nothing; it adds no byte but "; ".
#include "fuzz.h"

#include <optional>
#include <string>

#include "core/primitives/cookie.h"

using namespace extranet;

namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

// Whether any ';'-separated pair, blanks trimmed around its name, is
// called name and has an '=': written apart from core/cookie on purpose.
bool has_pair_named(std::string_view header, std::string_view name)
{
    std::size_t start = 0;
    while (start <= header.size()) {
        std::size_t end = header.find(';', start);
        if (end == std::string_view::npos) {
            end = header.size();
        }
        std::string_view pair = header.substr(start, end - start);
        start = end + 1;
        std::size_t eq = pair.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        std::string_view n = pair.substr(0, eq);
        while (!n.empty() && blank(n.front())) n.remove_prefix(1);
        while (!n.empty() && blank(n.back())) n.remove_suffix(1);
        if (n == name) {
            return true;
        }
    }
    return false;
}

const std::string_view kNames[] = {"extranet_session", "s", "lang", "a", ""};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    std::string_view name = kNames[data[0] % 4];
    std::string_view header = fuzz_text(data + 1, size - 1);

    std::optional<std::string> found = find_cookie(header, name);
    StrippedCookies st = strip_cookie(header, name);
    std::string stripped = st.value;

    FUZZ_CHECK(!find_cookie(stripped, name).has_value());
    FUZZ_CHECK(!has_pair_named(stripped, name));
    // An exact cookie of the name is always removed, and the header is
    // rewritten exactly when has_cookie() says something goes.
    FUZZ_CHECK(!found || st.removed);
    FUZZ_CHECK(st.removed == has_cookie(header, name));
    StrippedCookies again = strip_cookie(stripped, name);
    FUZZ_CHECK(!again.removed && again.value == stripped);
    FUZZ_CHECK(found.has_value() == has_pair_named(header, name));

    if (found) {
        FUZZ_CHECK(found->find(';') == std::string::npos);
        FUZZ_CHECK(found->size() < header.size());
        // Blanks around the value are trimmed, but a quoted value is kept
        // as it was between its quotes (then refused by the token parser).
        bool trimmed = found->empty() || (!blank(found->front()) && !blank(found->back()));
        FUZZ_CHECK(trimmed || header.find("\"" + *found + "\"") != std::string_view::npos);
    }

    // Other cookies pass unchanged.
    for (std::string_view other : kNames) {
        if (other != name) {
            FUZZ_CHECK(find_cookie(stripped, other) == find_cookie(header, other));
        }
    }

    // No byte that was not in the header, save the separator it writes.
    std::size_t in_count[256] = {};
    std::size_t out_count[256] = {};
    for (char c : header) in_count[static_cast<unsigned char>(c)]++;
    for (char c : stripped) out_count[static_cast<unsigned char>(c)]++;
    for (int c = 0; c < 256; c++) {
        if (c != ' ' && c != ';') {
            FUZZ_CHECK(out_count[c] <= in_count[c]);
        }
    }
    FUZZ_CHECK(stripped.empty() || (!blank(stripped.front()) && stripped.back() != ';'));
    return 0;
}
