// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// What a passkey is called and what the manage page says of the passkey
// actions: pure text, apart from the routes (passkey_flow) that use it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/views/pages.h"

namespace extranet {

// The name a new passkey is stored under: the typed one trimmed, else the
// device's name (from the user agent) when it holds no hidden character,
// else the theme's "Clé d'accès"; nullopt when the typed one is over 60
// characters. typed is valid UTF-8 (the form parser's).
std::optional<std::string> passkey_name(const PageContext& page, std::string_view typed,
                                        std::string_view user_agent);

// Whether UTF-8 text holds a character that is not shown as itself: C0 and
// C1 controls, DEL, bidirectional embeddings, overrides, isolates and
// marks (U+202A-202E, U+2066-2069, U+200E/F, U+061C), zero-width and other
// invisible format characters, line and paragraph separators, tag
// characters; or a byte that is not UTF-8. A passkey's name is shown on the
// manage page and to the support desk: such a name could disguise itself
// there, so it is refused.
bool has_hidden_chars(std::string_view utf8);

// manage?done=<action> for the passkey actions, nullopt for any other.
std::optional<Text> passkey_notice(std::string_view done);

}  // namespace extranet
