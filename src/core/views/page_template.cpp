// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/page_template.h"

#include "core/views/theme.h"

namespace extranet::parts {

namespace {

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    return s;
}

// A line that is blank or holds only one removable marker (ctemplate's
// Template::IsBlankOrOnlyHasOneRemovableMarker).
bool removable(std::string_view clean)
{
    if (clean.empty()) return true;
    if (clean.size() < 5 || clean.substr(0, 2) != "{{") return false;
    if (std::string_view("#/>!%=").find(clean[2]) == std::string_view::npos) return false;
    std::size_t end = clean.find("}}", 2);
    return end != std::string_view::npos && end + 2 == clean.size();
}

std::size_t line_of(std::string_view text, std::size_t pos)
{
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n';
    return line;
}

// Deep enough for the layout, a page and the parts it includes; deeper is
// a template included into itself.
constexpr int kMaxDepth = 4;

void put_includes(std::string* out, const TemplateText& file, std::string_view page,
                  const std::function<TemplateText(std::string_view)>& files, int depth)
{
    std::string_view text = *file.text;
    std::size_t pos = 0;
    for (;;) {
        std::size_t start = text.find("{{>", pos);
        if (start == std::string_view::npos) break;
        std::size_t end = text.find("}}", start);
        std::string_view name = text.substr(start + 3, end - start - 3);
        std::string_view included = name == "CONTENT" && depth == 0 ? page : included_template(name);
        std::string marker = "{{>" + std::string(name) + "}}";
        std::size_t line = line_of(*file.original, file.original->find(marker));
        if (included.empty()) {
            throw ThemeError(*file.shown + ":" + std::to_string(line) + ": \"" + marker
                             + "\" cannot be included here");
        }
        if (depth + 1 >= kMaxDepth) {
            throw ThemeError(*file.shown + ":" + std::to_string(line) + ": \"" + marker
                             + "\" includes templates into themselves");
        }
        out->append(text.substr(pos, start - pos));
        out->append("{{#").append(name).append("}}");
        put_includes(out, files(included), page, files, depth + 1);
        out->append("{{/").append(name).append("}}");
        pos = end + 2;
    }
    out->append(text.substr(pos));
}

}  // namespace

std::string_view included_template(std::string_view include)
{
    auto ends_with = [&](std::string_view s) {
        return include.size() >= s.size() && include.substr(include.size() - s.size()) == s;
    };
    if (include.rfind("FIELD_", 0) == 0) return "field.tpl";
    if (ends_with("_ERRORS")) return "error_summary.tpl";
    if (include == "SYNDIC") return "syndic_contact.tpl";
    if (include == "PASSKEY_LOGIN") return "passkey_login.tpl";
    if (include == "PASSKEYS") return "passkey_manage.tpl";
    return {};
}

std::string strip_blank_lines(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
        std::string_view line = text.substr(pos, (end == std::string_view::npos ? text.size() : end) - pos);
        pos = next;
        std::string_view clean = trimmed(line);
        if (removable(clean)) {
            out.append(clean);
        } else {
            out.append(line);
            if (end != std::string_view::npos) out += '\n';
        }
    }
    return out;
}

std::string assemble_page(std::string_view page, const std::function<TemplateText(std::string_view)>& files)
{
    std::string out;
    out.reserve(16384);
    put_includes(&out, files("layout.tpl"), page, files, 0);
    return out;
}

}  // namespace extranet::parts
