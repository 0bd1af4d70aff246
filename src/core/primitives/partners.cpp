// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/primitives/partners.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace extranet {

namespace {

bool is_numeric(std::string_view code)
{
    return !code.empty()
           && std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool contains(const std::vector<std::string>& list, std::string_view code)
{
    return std::find(list.begin(), list.end(), code) != list.end();
}

}  // namespace

void PartnerRules::add_group(std::string name, std::vector<std::string> syndics)
{
    if (name.empty()) {
        throw std::invalid_argument("partner group without a name");
    }
    if (syndics.empty()) {
        throw std::invalid_argument("partner group \"" + name + "\" has no syndic");
    }
    for (const auto& code : syndics) {
        if (!is_numeric(code)) {
            throw std::invalid_argument("partner group \"" + name + "\": syndic code \"" + code
                                        + "\" is not numeric");
        }
    }
    // Declaring a name twice is most likely a copy-paste slip in the
    // configuration; merging silently would widen a group unnoticed.
    for (const auto& g : groups_) {
        if (g.name == name) {
            throw std::invalid_argument("partner group \"" + name + "\" is duplicate");
        }
    }
    groups_.push_back(Group{std::move(name), std::move(syndics)});
}

bool PartnerRules::compatible(std::string_view syndic_a, std::string_view syndic_b) const
{
    if (syndic_a == syndic_b) {
        return true;
    }
    return std::any_of(groups_.begin(), groups_.end(), [&](const Group& g) {
        return contains(g.syndics, syndic_a) && contains(g.syndics, syndic_b);
    });
}

std::optional<std::string> PartnerRules::first_conflict(const std::vector<std::string>& syndics,
                                                        std::string_view new_syndic) const
{
    // Partnership is not transitive: the newcomer must be compatible with
    // every syndic already under the identity, not just with one of them.
    for (const auto& s : syndics) {
        if (!compatible(s, new_syndic)) {
            return s;
        }
    }
    return std::nullopt;
}

std::vector<std::string> PartnerRules::groups_of(std::string_view syndic) const
{
    std::vector<std::string> names;
    for (const auto& g : groups_) {
        if (contains(g.syndics, syndic)) {
            names.push_back(g.name);
        }
    }
    return names;
}

}  // namespace extranet
