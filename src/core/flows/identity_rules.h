// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Personal information and the password policy: the checks of the forms
// that create or change an identity (link/profile, manage, password/reset).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/primitives/form.h"
#include "core/views/pages.h"

namespace extranet {

struct ProfileInput {
    std::string last_name;
    std::string first_name;
    std::string phone;
};

// The three fields as typed, surrounding white space trimmed.
ProfileInput read_profile(const Form& form);

// Names required, at most 100 characters; phone optional, at most 30 of
// digits, spaces, '+', '.', '-' with at least one digit. Errors keyed by
// field name, in the words of the page's catalog.
FieldErrors check_profile(const PageContext& page, const ProfileInput& p);

// Characters, not bytes: the text is valid UTF-8 (the form parser saw to it).
std::size_t count_code_points(std::string_view utf8);

// The password policy for a new password: an error on `field` when it is
// shorter than min_length or longer than max_length characters or one of
// the most common passwords (case-insensitive), and on
// "password_confirm" when the confirmation differs.
void check_new_password(const PageContext& page, std::string_view password, std::string_view confirm,
                        unsigned min_length, unsigned max_length, const std::string& field,
                        FieldErrors& errors);

// {"error":code,"message":message,"field":<first>,"fields":{name:message}}
std::string json_field_errors(std::string_view code, std::string_view message,
                              const FieldErrors& errors);

}  // namespace extranet
