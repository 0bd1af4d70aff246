// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// A page's template with what every render of it on one portal shows alike
// already in place: the portal's prefix, the theme's asset version, its
// logo and favicon (their sections shown or dropped). Each value is put in
// as ctemplate itself escapes it where it stands: the modifiers its
// auto-escaping chose for that very marker (read from the parsed page)
// are applied by ctemplate to the value. The folded text is parsed again
// and kept only if every marker left in it has the same modifiers as
// before; otherwise the page keeps its generic template.
//
// Why: a page looks these up at every render, a dozen times for the login
// page, each lookup going down the page's dictionaries to the theme's
// constants and through an escaper; folded once when the configuration is
// read, the page renders about a third faster and prints the same bytes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ctemplate {
class Template;
}  // namespace ctemplate

namespace extranet::parts {

// What a page may have put in place: variables with their value, sections
// shown (their markers go) or hidden (their whole text goes). The pages'
// code never sets these names itself (only the theme's constants and the
// page's PREFIX do), so that the value folded is the one a render finds.
struct Constants {
    std::vector<std::pair<std::string, std::string>> values;
    std::vector<std::pair<std::string, bool>> sections;
};

// The page (text as parsed into `parsed`, with DO_NOT_STRIP) with the
// constants in place, parsed; nullptr when it cannot be folded with the
// same output (a marker delimiter changed, an unexpected tree), and the
// generic template is to be used.
std::unique_ptr<ctemplate::Template> fold_constants(std::string_view text, const ctemplate::Template& parsed,
                                                    const Constants& constants);

}  // namespace extranet::parts
