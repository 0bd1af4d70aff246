// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// A page's whole template, assembled when a theme is loaded: the layout
// with the page in place of its {{>CONTENT}}, and every template the page
// includes put in place of its {{>NAME}}, as a section {{#NAME}}...{{/NAME}}
// that the renderer fills with the include's dictionaries (page_data.h).
//
// Why: ctemplate finds an included template in its cache at each include,
// under the cache's write lock (twice) and a reference count's mutex, a
// lock every pool thread rendering a page would share; a field is an
// include. Assembled once, a page expands with no lookup and no lock of
// its own. ctemplate still parses the whole and escapes every value by
// its context; each file is parsed on its own as well, so that a mistake
// is reported against its own file and line.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace extranet::parts {

// The template a {{>NAME}} of the pages includes: "field.tpl" for a
// FIELD_*, "error_summary.tpl" for a *_ERRORS, ...; "" for CONTENT (the
// page) and for a name the renderer does not fill.
std::string_view included_template(std::string_view include);

// The text as ctemplate's STRIP_BLANK_LINES leaves it before parsing: a
// blank line goes, and so does the newline of a line that holds only one
// section, include, comment or pragma marker.
std::string strip_blank_lines(std::string_view text);

// A template's file as the theme has it: its text (messages put in,
// stripped) and the path to show in an error.
struct TemplateText {
    const std::string* text;
    const std::string* shown;
    const std::string* original;  // before stripping, for line numbers
};

// layout.tpl with page (e.g. "login.tpl") in its CONTENT and every
// include put in place; files(name) gives each template's text. Throws
// ThemeError for an include that cannot be put in place (CONTENT outside
// the layout, an include of a template into itself).
std::string assemble_page(std::string_view page, const std::function<TemplateText(std::string_view)>& files);

}  // namespace extranet::parts
