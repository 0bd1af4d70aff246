// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/flows/identity_rules.h"

#include <algorithm>

#include "core/primitives/common_passwords.h"
#include "core/primitives/escape.h"
#include "core/primitives/text.h"

namespace extranet {

namespace {

constexpr std::size_t kMaxName = 100;
constexpr std::size_t kMaxPhone = 30;

}  // namespace

ProfileInput read_profile(const Form& form) {
    ProfileInput p;
    p.last_name = std::string(trim_ows(form.value("last_name")));
    p.first_name = std::string(trim_ows(form.value("first_name")));
    p.phone = std::string(trim_ows(form.value("phone")));
    return p;
}

FieldErrors check_profile(const PageContext& page, const ProfileInput& p) {
    FieldErrors errors;
    if (p.last_name.empty()) {
        errors["last_name"] = page_text(page, Text::profile_error_last_name_missing);
    } else if (count_code_points(p.last_name) > kMaxName) {
        errors["last_name"] = page_text(page, Text::profile_error_last_name_too_long);
    }
    if (p.first_name.empty()) {
        errors["first_name"] = page_text(page, Text::profile_error_first_name_missing);
    } else if (count_code_points(p.first_name) > kMaxName) {
        errors["first_name"] = page_text(page, Text::profile_error_first_name_too_long);
    }
    if (!p.phone.empty()) {
        bool digit = false;
        bool allowed = true;
        for (char c : p.phone) {
            if (c >= '0' && c <= '9') {
                digit = true;
            } else if (c != ' ' && c != '+' && c != '.' && c != '-') {
                allowed = false;
            }
        }
        if (p.phone.size() > kMaxPhone) {
            errors["phone"] = page_text(page, Text::profile_error_phone_too_long);
        } else if (!allowed || !digit) {
            errors["phone"] = page_text(page, Text::profile_error_phone_invalid);
        }
    }
    return errors;
}

std::size_t count_code_points(std::string_view utf8) {
    return static_cast<std::size_t>(std::count_if(utf8.begin(), utf8.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

void check_new_password(const PageContext& page, std::string_view password, std::string_view confirm,
                        unsigned min_length, unsigned max_length, const std::string& field,
                        FieldErrors& errors) {
    std::size_t n = count_code_points(password);
    if (n < min_length) {
        errors[field] = page_text(page, Text::password_error_too_short, {std::to_string(min_length)});
    } else if (n > max_length) {
        errors[field] = page_text(page, Text::password_error_too_long, {std::to_string(max_length)});
    } else if (is_common_password(password)) {
        errors[field] = page_text(page, Text::password_error_common);
    }
    if (password != confirm) errors["password_confirm"] = page_text(page, Text::password_error_mismatch);
}

std::string json_field_errors(std::string_view code, std::string_view message,
                              const FieldErrors& errors) {
    std::string out = "{\"error\":" + json_string(code) + ",\"message\":" + json_string(message);
    if (!errors.empty()) out += ",\"field\":" + json_string(errors.begin()->first);
    out += ",\"fields\":{";
    bool first = true;
    for (const auto& [name, text] : errors) {
        if (!first) out += ",";
        first = false;
        out += json_string(name) + ":" + json_string(text);
    }
    return out + "}}";
}

}  // namespace extranet
