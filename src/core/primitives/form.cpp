// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/form.h"

#include "core/primitives/escape.h"

#include <utility>

namespace extranet {

namespace {

int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool has_control_char(std::string_view text)
{
    for (char ch : text) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F) {
            return true;
        }
    }
    return false;
}

// Checks shared by both body formats, on one decoded name or value.
FormError check_text(std::string_view text, std::size_t max)
{
    if (text.size() > max) {
        return FormError::field_too_long;
    }
    if (has_control_char(text)) {
        return FormError::control_char;
    }
    if (!valid_utf8(text)) {
        return FormError::invalid_utf8;
    }
    return FormError::none;
}

FormResult failure(FormError error, std::string field = {})
{
    FormResult result;
    result.error = error;
    result.field = std::move(field);
    return result;
}

// Adds a decoded field to result, or records why it cannot be added.
bool add_field(FormResult& result, std::string name, std::string value,
               const FormLimits& limits)
{
    if (FormError e = check_text(name, limits.max_name); e != FormError::none) {
        // The name itself is unusable: do not echo it.
        result = failure(e);
        return false;
    }
    if (name.empty()) {
        result = failure(FormError::bad_encoding);
        return false;
    }
    if (FormError e = check_text(value, limits.max_value); e != FormError::none) {
        result = failure(e, std::move(name));
        return false;
    }
    if (result.form.has(name)) {
        // A repeated field could smuggle a second value past a check.
        result = failure(FormError::duplicate_field, std::move(name));
        return false;
    }
    if (result.form.size() >= limits.max_fields) {
        result = failure(FormError::too_many_fields);
        return false;
    }
    result.form.set(std::move(name), std::move(value));
    return true;
}

// Decodes one urlencoded component; nullopt on a broken %-escape.
std::optional<std::string> percent_decode(std::string_view raw)
{
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '+') {
            out += ' ';
        } else if (c == '%') {
            if (raw.size() - i < 3) {
                return std::nullopt;
            }
            int hi = hex_value(raw[i + 1]);
            int lo = hex_value(raw[i + 2]);
            if (hi < 0 || lo < 0) {
                return std::nullopt;
            }
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

// A strict reader of one flat JSON object (RFC 8259 grammar).
class JsonReader {
public:
    JsonReader(std::string_view text, const FormLimits& limits)
        : text_(text), limits_(limits)
    {
    }

    FormResult read()
    {
        FormResult result;
        skip_space();
        if (!eat('{')) {
            return failure(FormError::bad_encoding);
        }
        skip_space();
        if (!eat('}')) {
            for (;;) {
                std::string name;
                skip_space();
                if (FormError e = read_string(name, limits_.max_name); e != FormError::none) {
                    return failure(e);
                }
                skip_space();
                if (!eat(':')) {
                    return failure(FormError::bad_encoding, checked_name(name));
                }
                skip_space();
                std::string value;
                if (FormError e = read_value(value); e != FormError::none) {
                    return failure(e, checked_name(name));
                }
                if (!add_field(result, std::move(name), std::move(value), limits_)) {
                    return result;
                }
                skip_space();
                if (eat(',')) {
                    continue;
                }
                if (eat('}')) {
                    break;
                }
                return failure(FormError::bad_encoding);
            }
        }
        skip_space();
        if (pos_ != text_.size()) {
            return failure(FormError::bad_encoding);
        }
        return result;
    }

private:
    std::string checked_name(const std::string& name) const
    {
        return check_text(name, limits_.max_name) == FormError::none ? name : std::string();
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return text_[pos_]; }

    bool eat(char c)
    {
        if (!at_end() && peek() == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void skip_space()
    {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) {
            ++pos_;
        }
    }

    FormError read_value(std::string& out)
    {
        if (at_end()) {
            return FormError::bad_encoding;
        }
        char c = peek();
        if (c == '"') {
            return read_string(out, limits_.max_value);
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return read_number(out);
        }
        if (literal("true")) {
            out = "true";
            return FormError::none;
        }
        if (literal("false")) {
            out = "false";
            return FormError::none;
        }
        // null, objects, arrays and anything else.
        return FormError::bad_encoding;
    }

    bool literal(std::string_view word)
    {
        if (text_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    bool digits()
    {
        std::size_t start = pos_;
        while (!at_end() && peek() >= '0' && peek() <= '9') {
            ++pos_;
        }
        return pos_ > start;
    }

    // The number's text exactly as written, once its grammar is checked.
    FormError read_number(std::string& out)
    {
        std::size_t start = pos_;
        eat('-');
        if (eat('0')) {
            // no leading zeros
        } else if (!digits()) {
            return FormError::bad_encoding;
        }
        if (eat('.') && !digits()) {
            return FormError::bad_encoding;
        }
        if (eat('e') || eat('E')) {
            if (!eat('+')) {
                eat('-');
            }
            if (!digits()) {
                return FormError::bad_encoding;
            }
        }
        if (pos_ - start > limits_.max_value) {
            return FormError::field_too_long;
        }
        out.assign(text_.substr(start, pos_ - start));
        return FormError::none;
    }

    // Four hex digits after "\u"; -1 when malformed.
    long read_hex4()
    {
        if (text_.size() - pos_ < 4) {
            return -1;
        }
        long code = 0;
        for (int k = 0; k < 4; ++k) {
            int v = hex_value(text_[pos_ + k]);
            if (v < 0) {
                return -1;
            }
            code = code * 16 + v;
        }
        pos_ += 4;
        return code;
    }

    static void append_utf8(std::string& out, unsigned long code)
    {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else if (code < 0x10000) {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (code >> 18));
            out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
        }
    }

    // Reads a string literal into out; stops as soon as it outgrows max so
    // that a huge body costs no more than the limit.
    FormError read_string(std::string& out, std::size_t max)
    {
        if (!eat('"')) {
            return FormError::bad_encoding;
        }
        for (;;) {
            if (out.size() > max) {
                return FormError::field_too_long;
            }
            if (at_end()) {
                return FormError::bad_encoding;
            }
            unsigned char c = static_cast<unsigned char>(text_[pos_++]);
            if (c == '"') {
                break;
            }
            if (c < 0x20) {
                // JSON requires control characters to be escaped.
                return FormError::bad_encoding;
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                continue;
            }
            if (at_end()) {
                return FormError::bad_encoding;
            }
            char e = text_[pos_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                long code = read_hex4();
                if (code < 0) {
                    return FormError::bad_encoding;
                }
                if (code >= 0xDC00 && code <= 0xDFFF) {
                    return FormError::invalid_utf8;  // lone low surrogate
                }
                if (code >= 0xD800 && code <= 0xDBFF) {
                    if (!literal("\\u")) {
                        return FormError::invalid_utf8;  // lone high surrogate
                    }
                    long low = read_hex4();
                    if (low < 0) {
                        return FormError::bad_encoding;
                    }
                    if (low < 0xDC00 || low > 0xDFFF) {
                        return FormError::invalid_utf8;
                    }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                }
                append_utf8(out, static_cast<unsigned long>(code));
                break;
            }
            default:
                return FormError::bad_encoding;
            }
        }
        return check_text(out, max);
    }

    std::string_view text_;
    const FormLimits& limits_;
    std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string> Form::get(std::string_view name) const
{
    auto it = fields_.find(name);
    if (it == fields_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::string Form::value(std::string_view name) const
{
    auto it = fields_.find(name);
    return it == fields_.end() ? std::string() : it->second;
}

bool Form::has(std::string_view name) const
{
    return fields_.find(name) != fields_.end();
}

void Form::set(std::string name, std::string value)
{
    fields_.insert_or_assign(std::move(name), std::move(value));
}

FormResult parse_urlencoded(std::string_view body, const FormLimits& limits)
{
    FormResult result;
    std::size_t start = 0;
    while (start <= body.size()) {
        std::size_t end = body.find('&', start);
        if (end == std::string_view::npos) {
            end = body.size();
        }
        std::string_view pair = body.substr(start, end - start);
        start = end + 1;
        if (pair.empty()) {
            continue;
        }

        std::size_t eq = pair.find('=');
        std::string_view raw_name = pair.substr(0, eq);
        std::string_view raw_value =
            eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);

        // A decoded byte takes at most three raw ones: anything longer is
        // over the limit whatever it decodes to, so do not decode it.
        if (raw_name.size() > 3 * limits.max_name) {
            return failure(FormError::field_too_long);
        }
        auto name = percent_decode(raw_name);
        if (!name) {
            return failure(FormError::bad_encoding);
        }
        std::string known_name =
            check_text(*name, limits.max_name) == FormError::none ? *name : std::string();
        if (raw_value.size() > 3 * limits.max_value) {
            return failure(FormError::field_too_long, known_name);
        }
        auto value = percent_decode(raw_value);
        if (!value) {
            return failure(FormError::bad_encoding, known_name);
        }
        if (!add_field(result, std::move(*name), std::move(*value), limits)) {
            return result;
        }
    }
    return result;
}

FormResult parse_json_object(std::string_view body, const FormLimits& limits)
{
    return JsonReader(body, limits).read();
}

}  // namespace extranet
