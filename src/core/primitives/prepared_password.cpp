// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/prepared_password.h"

#include "core/primitives/crypto.h"

#include <openssl/crypto.h>
#include <uninorm.h>

#include <cstdint>
#include <cstdlib>

namespace extranet {

namespace {

// The non-ASCII spaces (Unicode's Zs) in UTF-8, each read as " ".
constexpr std::string_view kSpaces[] = {
    "\xC2\xA0",          // U+00A0 no-break space (Alt+Space on a French Mac)
    "\xE1\x9A\x80",      // U+1680
    "\xE2\x80\x80", "\xE2\x80\x81", "\xE2\x80\x82", "\xE2\x80\x83",
    "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86", "\xE2\x80\x87",
    "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A",  // U+2000..U+200A
    "\xE2\x80\xAF",      // U+202F narrow no-break space
    "\xE2\x81\x9F",      // U+205F
    "\xE3\x80\x80",      // U+3000
};

}  // namespace

PreparedPassword::PreparedPassword(std::string_view raw) : raw_(raw)
{
    bool ascii = true;
    for (char c : raw) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    if (ascii) return;

    std::string spaced;
    spaced.reserve(raw.size());
    struct Wipe {
        std::string& s;
        ~Wipe() { secure_wipe(s); }
    } wipe_spaced{spaced};
    for (std::size_t i = 0; i < raw.size();) {
        std::size_t len = 0;
        for (std::string_view sp : kSpaces) {
            if (raw.compare(i, sp.size(), sp) == 0) len = sp.size();
        }
        if (len != 0) {
            spaced += ' ';
            i += len;
        } else {
            spaced += raw[i++];
        }
    }

    std::size_t n = 0;
    std::uint8_t* nfc = u8_normalize(UNINORM_NFC, reinterpret_cast<const std::uint8_t*>(spaced.data()),
                                     spaced.size(), nullptr, &n);
    if (nfc == nullptr) return;  // not UTF-8 (the forms refuse it before)
    text_.assign(reinterpret_cast<const char*>(nfc), n);
    OPENSSL_cleanse(nfc, n);
    std::free(nfc);
    changed_ = text_ != raw;
}

PreparedPassword::~PreparedPassword()
{
    secure_wipe(text_);
}

}  // namespace extranet
