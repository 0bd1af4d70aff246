// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/address_block.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace extranet {

std::string address_block(std::string_view address) {
    // INET6_ADDRSTRLEN (46) holds the longest IPv6 text, with an embedded
    // IPv4 address; anything longer is no address.
    char text[INET6_ADDRSTRLEN];
    if (address.empty() || address.size() >= sizeof text ||
        address.find('\0') != std::string_view::npos) {
        return std::string(address);
    }
    std::memcpy(text, address.data(), address.size());
    text[address.size()] = '\0';

    in6_addr a6;
    if (inet_pton(AF_INET6, text, &a6) != 1) return std::string(address);

    char out[INET6_ADDRSTRLEN];
    if (IN6_IS_ADDR_V4MAPPED(&a6)) {
        in_addr a4;
        std::memcpy(&a4, a6.s6_addr + 12, 4);
        if (inet_ntop(AF_INET, &a4, out, sizeof out) == nullptr) return std::string(address);
        return out;
    }
    std::memset(a6.s6_addr + 8, 0, 8);
    if (inet_ntop(AF_INET6, &a6, out, sizeof out) == nullptr) return std::string(address);
    return std::string(out) + "/64";
}

}  // namespace extranet
