// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Partner groups of syndics: which accounts may share one identity.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace extranet {

class PartnerRules {
public:
    // Throws std::invalid_argument on an empty name, an empty group or a
    // syndic code that is not numeric.
    void add_group(std::string name, std::vector<std::string> syndics);

    // Same syndic, or both in one group.
    bool compatible(std::string_view syndic_a, std::string_view syndic_b) const;

    // nullopt when new_syndic may join an identity whose accounts are of
    // the given syndics; otherwise the first syndic it is incompatible with.
    std::optional<std::string> first_conflict(const std::vector<std::string>& syndics,
                                              std::string_view new_syndic) const;

    // Names of the groups the syndic belongs to.
    std::vector<std::string> groups_of(std::string_view syndic) const;

private:
    struct Group {
        std::string name;
        std::vector<std::string> syndics;
    };
    std::vector<Group> groups_;
};

}  // namespace extranet
