// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <string>
#include <string_view>

namespace extranet {

// A password as it is hashed: as RFC 8265's OpaqueString profile compares
// passwords, non-ASCII spaces read as the ASCII space, then Unicode's NFC.
// The same word typed on two devices then hashes alike: "é" as one
// character or as "e" and a combining accent (macOS, some Android
// keyboards, a password manager's paste), a no-break space. ASCII (nearly
// every password) and text that is not UTF-8 are left as they are. The
// prepared copy is wiped when it goes.
class PreparedPassword {
public:
    explicit PreparedPassword(std::string_view raw);
    ~PreparedPassword();
    PreparedPassword(const PreparedPassword&) = delete;
    PreparedPassword& operator=(const PreparedPassword&) = delete;

    std::string_view text() const { return changed_ ? std::string_view(text_) : raw_; }
    // Prepared differs from typed: a hash made before passwords were
    // prepared (or by the legacy application) is of the password as typed.
    bool changed() const { return changed_; }

private:
    std::string_view raw_;
    std::string text_;
    bool changed_ = false;
};

}  // namespace extranet
