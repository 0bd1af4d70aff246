// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What a session's device is, as "Gérer mes comptes" lists it: the browser
// and system a user agent names, or a short prefix of an agent it does not
// know.
#include "core/primitives/device_name.h"

namespace extranet {

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

Device recognise_device(std::string_view ua) {
    std::string_view browser;
    if (contains(ua, "Edg/") || contains(ua, "EdgA/") || contains(ua, "EdgiOS/")) {
        browser = "Edge";
    } else if (contains(ua, "OPR/") || contains(ua, "Opera")) {
        browser = "Opera";
    } else if (contains(ua, "Firefox/") || contains(ua, "FxiOS/")) {
        browser = "Firefox";
    } else if (contains(ua, "SamsungBrowser/")) {
        browser = "Samsung Internet";
    } else if (contains(ua, "Chrome/") || contains(ua, "CriOS/") || contains(ua, "Chromium/")) {
        browser = "Chrome";
    } else if (contains(ua, "Safari/")) {
        browser = "Safari";
    } else if (contains(ua, "MSIE ") || contains(ua, "Trident/")) {
        browser = "Internet Explorer";
    }
    std::string_view system;
    if (contains(ua, "iPhone")) {
        system = "iPhone";
    } else if (contains(ua, "iPad")) {
        system = "iPad";
    } else if (contains(ua, "Android")) {
        system = "Android";
    } else if (contains(ua, "Windows")) {
        system = "Windows";
    } else if (contains(ua, "CrOS")) {
        system = "ChromeOS";
    } else if (contains(ua, "Macintosh") || contains(ua, "Mac OS X")) {
        system = "macOS";
    } else if (contains(ua, "Linux")) {
        system = "Linux";
    }
    return Device{browser, system};
}

std::string agent_prefix(std::string_view ua) {
    constexpr std::size_t kMax = 60;
    if (ua.size() <= kMax) return std::string(ua);
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(ua[cut]) & 0xC0) == 0x80) cut--;
    return std::string(ua.substr(0, cut)) + "…";
}

}  // namespace extranet
