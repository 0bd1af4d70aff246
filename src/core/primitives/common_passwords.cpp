// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/common_passwords.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/primitives/crypto.h"

namespace extranet {

namespace {

// Plain C strings: an array of 30 000 std::string_view costs the compiler
// minutes.
const char* const kCommon[] = {
#include "core/primitives/common_passwords_list.inc"
};

constexpr std::size_t kLongest = 64;  // the list's are far shorter

}  // namespace

bool is_common_password(std::string_view password) {
    if (password.size() > kLongest || password.find('\0') != std::string_view::npos) return false;
    std::string folded(password);
    for (char& c : folded) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    bool found = std::binary_search(
        std::begin(kCommon), std::end(kCommon), folded.c_str(),
        [](const char* a, const char* b) { return std::strcmp(a, b) < 0; });
    secure_wipe(folded);
    return found;
}

std::size_t common_password_count() { return std::size(kCommon); }

}  // namespace extranet
