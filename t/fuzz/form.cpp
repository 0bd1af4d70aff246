// libFuzzer target: the request body parsers (core/form), urlencoded and
// JSON. Input: one mode byte (bit 0: JSON, bit 1: small limits), then the
// body.
//
// Invariants: a refused body gives an empty form and a field name that is
// safe to echo; an accepted one respects every limit and character rule,
// and re-encoded (urlencoded and JSON alike) it parses back to the same
// fields.
#include "fuzz.h"

#include <string>

#include "core/primitives/escape.h"
#include "core/primitives/form.h"

using namespace extranet;

namespace {

bool clean_text(const std::string& s, std::size_t max)
{
    if (s.size() > max || !valid_utf8(s)) {
        return false;
    }
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F) {
            return false;
        }
    }
    return true;
}

std::string encode_urlencoded(const Form& form)
{
    std::string out;
    for (const auto& [name, value] : form.fields()) {
        if (!out.empty()) {
            out += '&';
        }
        out += url_encode(name);
        out += '=';
        out += url_encode(value);
    }
    return out;
}

std::string encode_json(const Form& form)
{
    std::string out = "{";
    for (const auto& [name, value] : form.fields()) {
        if (out.size() > 1) {
            out += ',';
        }
        out += json_string(name);
        out += ':';
        out += json_string(value);
    }
    return out + "}";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1) {
        return 0;
    }
    std::uint8_t mode = data[0];
    std::string_view body = fuzz_text(data + 1, size - 1);

    FormLimits limits;
    if (mode & 2) {
        limits.max_fields = 3;
        limits.max_name = 6;
        limits.max_value = 12;
    }
    bool json = mode & 1;
    FormResult r = json ? parse_json_object(body, limits) : parse_urlencoded(body, limits);

    if (r.error != FormError::none) {
        FUZZ_CHECK(r.form.size() == 0);
        // The name is echoed in the 400 page and the JSON error.
        FUZZ_CHECK(r.field.empty() || clean_text(r.field, limits.max_name));
        return 0;
    }
    FUZZ_CHECK(r.field.empty());
    FUZZ_CHECK(r.form.size() <= limits.max_fields);
    for (const auto& [name, value] : r.form.fields()) {
        FUZZ_CHECK(!name.empty());
        FUZZ_CHECK(clean_text(name, limits.max_name));
        FUZZ_CHECK(clean_text(value, limits.max_value));
        FUZZ_CHECK(r.form.get(name) == value);
    }

    // Round trips through both encodings.
    FormResult u = parse_urlencoded(encode_urlencoded(r.form), limits);
    FUZZ_CHECK(u.error == FormError::none);
    FUZZ_CHECK(u.form.fields() == r.form.fields());
    FormResult j = parse_json_object(encode_json(r.form), limits);
    FUZZ_CHECK(j.error == FormError::none);
    FUZZ_CHECK(j.form.fields() == r.form.fields());
    return 0;
}
