// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The block of addresses one client holds, which the per-address limits
// count (lockout, hashes in flight, passkey challenges, cookie refreshes).
#pragma once

#include <string>
#include <string_view>

namespace extranet {

// An IPv6 client is given a whole /64 and may take a new address of it for
// every request: an IPv6 address counts as its /64, in canonical text
// ("2001:db8:1:2::/64"). An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
// the IPv4 client it stands for: "a.b.c.d". An IPv4 address, and anything
// that is not an address, is returned unchanged.
std::string address_block(std::string_view address);

// The lockout key of a client address (failures counted per client, in the
// zone and in extranet.login_lockout; the desk's unlock of an address).
inline std::string address_key(std::string_view address) { return "ip:" + address_block(address); }

}  // namespace extranet
