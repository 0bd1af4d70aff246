// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Request bodies: application/x-www-form-urlencoded and flat JSON objects,
// parsed under limits into the same field map.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace extranet {

struct FormLimits {
    std::size_t max_fields = 32;
    std::size_t max_name = 64;
    std::size_t max_value = 1024;  // passwords up to 1024 bytes
};

enum class FormError {
    none,
    bad_encoding,    // broken %-escape, malformed JSON, non-string JSON value
    invalid_utf8,
    control_char,    // NUL, CR, LF or any other C0 control / DEL
    too_many_fields,
    field_too_long,  // name or value over the limit
    duplicate_field,
};

class Form {
public:
    // nullopt when the field is absent.
    std::optional<std::string> get(std::string_view name) const;
    // The value, or "" when absent.
    std::string value(std::string_view name) const;
    bool has(std::string_view name) const;
    void set(std::string name, std::string value);
    std::size_t size() const { return fields_.size(); }
    // Every field, by name (to re-encode or log a form).
    const std::map<std::string, std::string, std::less<>>& fields() const { return fields_; }

private:
    std::map<std::string, std::string, std::less<>> fields_;
};

struct FormResult {
    Form form;
    FormError error = FormError::none;
    std::string field;  // the offending field's name when known
};

// '+' is a space; a field without '=' has an empty value; empty pairs
// ("a=1&&b=2") are skipped.
FormResult parse_urlencoded(std::string_view body, const FormLimits& limits);

// A JSON object whose values are strings (numbers and booleans are taken
// as their text; nested objects/arrays and null are bad_encoding).
FormResult parse_json_object(std::string_view body, const FormLimits& limits);

// The 400 page's text for each is the flows' (form_error_text, route.h):
// a text of the site's theme.

}  // namespace extranet
