// libFuzzer target: e-mail syntax and normalisation (core/email). Input:
// the address as typed.
//
// Invariants: an accepted address is lower-case ASCII with one '@', a
// dot-atom local part of at most 64 bytes, a dotted LDH domain, at most
// 254 bytes; normalising is idempotent and does not depend on case.
#include "fuzz.h"

#include <string>

#include "core/primitives/email.h"

using namespace extranet;

namespace {

bool allowed_local(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-/=?^_`{|}~.").find(c) != std::string_view::npos;
}

bool allowed_domain(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text = fuzz_text(data, size);
    auto e = normalize_email(text);

    std::string upper(text);
    for (char& c : upper) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    FUZZ_CHECK(normalize_email(upper) == e);

    if (!e) {
        return 0;
    }
    FUZZ_CHECK(!e->empty() && e->size() <= 254);
    std::size_t at = e->find('@');
    FUZZ_CHECK(at != std::string::npos && e->find('@', at + 1) == std::string::npos);
    FUZZ_CHECK(at >= 1 && at <= 64);
    for (std::size_t i = 0; i < at; i++) {
        FUZZ_CHECK(allowed_local((*e)[i]));
    }
    std::string_view domain = std::string_view(*e).substr(at + 1);
    FUZZ_CHECK(domain.find('.') != std::string_view::npos);
    FUZZ_CHECK(domain.front() != '.' && domain.back() != '.' &&
               domain.find("..") == std::string_view::npos);
    for (char c : domain) {
        FUZZ_CHECK(allowed_domain(c));
    }
    FUZZ_CHECK(e->front() != '.' && (*e)[at - 1] != '.');
    // The result is the input trimmed and lower-cased, nothing else.
    FUZZ_CHECK(text.size() >= e->size());
    FUZZ_CHECK(normalize_email(*e) == e);
    return 0;
}
