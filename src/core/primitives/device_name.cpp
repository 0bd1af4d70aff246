// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The name of a session's device, as "Gérer mes comptes" lists it: the
// browser and system a user agent names ("Firefox sur Windows"), or a short
// prefix of an agent it does not know.
#include "core/primitives/device_name.h"

namespace extranet {

namespace {

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

std::string device_name(std::string_view ua) {
    if (ua.empty()) return {};
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
    if (!browser.empty() && !system.empty()) {
        return std::string(browser) + " sur " + std::string(system);
    }
    if (!browser.empty()) return std::string(browser);
    if (!system.empty()) return std::string(system);
    // Unknown: a short prefix, cut on a character boundary.
    constexpr std::size_t kMax = 60;
    if (ua.size() <= kMax) return std::string(ua);
    std::size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(ua[cut]) & 0xC0) == 0x80) cut--;
    return std::string(ua.substr(0, cut)) + "…";
}

}  // namespace extranet
