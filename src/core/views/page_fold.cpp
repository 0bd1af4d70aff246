// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/page_fold.h"

#include <ctemplate/template.h>
#include <ctemplate/template_dictionary.h>

#include <map>

namespace extranet::parts {

namespace {

constexpr std::string_view kVariableNode = "Variable Node: ";

// The variable markers of a parsed template, in the order of its text,
// each as "NAME:modifiers" (the modifiers its auto-escaping chose):
// ctemplate shows them so in its dump of the template's tree.
std::vector<std::string> variable_nodes(const ctemplate::Template& parsed)
{
    std::string dump;
    parsed.DumpToString("", &dump);
    std::vector<std::string> nodes;
    std::size_t pos = 0;
    while (pos < dump.size()) {
        std::size_t end = dump.find('\n', pos);
        if (end == std::string::npos) end = dump.size();
        std::string_view line(dump.data() + pos, end - pos);
        pos = end + 1;
        std::size_t start = line.find_first_not_of(' ');
        if (start != std::string_view::npos && line.substr(start, kVariableNode.size()) == kVariableNode) {
            nodes.emplace_back(line.substr(start + kVariableNode.size()));
        }
    }
    return nodes;
}

std::string_view name_of(std::string_view node)
{
    return node.substr(0, node.find(':'));
}

// The value as ctemplate prints it through those modifiers: a template of
// that one marker, with its modifiers written out (no auto-escaping, so
// they are the only ones applied); nullptr if ctemplate refuses them.
const std::string* escaped(std::string_view node, const std::string& value,
                           std::map<std::string, std::string, std::less<>>* seen)
{
    auto it = seen->find(node);
    if (it != seen->end()) return &it->second;
    std::string marker = "{{" + std::string(node) + "}}";
    std::unique_ptr<ctemplate::Template> one(ctemplate::Template::StringToTemplate(marker, ctemplate::DO_NOT_STRIP));
    std::string name(name_of(node));
    ctemplate::TemplateDictionary dict("fold");
    dict.SetValue(name, value);
    std::string out;
    if (one == nullptr || !one->Expand(&out, &dict)) return nullptr;
    return &seen->emplace(std::string(node), std::move(out)).first->second;
}

}  // namespace

std::unique_ptr<ctemplate::Template> fold_constants(std::string_view text, const ctemplate::Template& parsed,
                                                    const Constants& constants)
{
    // A changed delimiter would hide markers from the scan below; a dump
    // line forged by the page's own text would shift the nodes.
    if (text.find("{{=") != std::string_view::npos || text.find(kVariableNode) != std::string_view::npos) {
        return nullptr;
    }
    auto value_of = [&](std::string_view name) -> const std::string* {
        for (const auto& [n, v] : constants.values) {
            if (n == name) return &v;
        }
        return nullptr;
    };
    auto section_of = [&](std::string_view name) -> const bool* {
        for (const auto& [n, shown] : constants.sections) {
            if (n == name) return &shown;
        }
        return nullptr;
    };

    const std::vector<std::string> nodes = variable_nodes(parsed);
    std::vector<std::string_view> left;  // the nodes the folded page keeps
    std::map<std::string, std::string, std::less<>> seen;
    struct Open {
        std::string_view name;
        bool folded;  // its markers are dropped
    };
    std::vector<Open> open;
    std::size_t hidden_depth = 0;  // > 0: inside a hidden constant section
    std::string out;
    out.reserve(text.size());
    std::size_t next_node = 0;
    std::size_t pos = 0;
    for (;;) {
        std::size_t start = text.find("{{", pos);
        if (start == std::string_view::npos) break;
        std::size_t end = text.find("}}", start + 2);
        if (end == std::string_view::npos) return nullptr;
        if (hidden_depth == 0) out.append(text.substr(pos, start - pos));
        pos = end + 2;
        std::string_view marker = text.substr(start, pos - start);
        std::string_view body = text.substr(start + 2, end - start - 2);
        char kind = body.empty() ? '\0' : body[0];
        if (kind == '#') {
            std::string_view name = body.substr(1);
            const bool* shown = section_of(name);
            if (hidden_depth > 0 || (shown != nullptr && !*shown)) {
                ++hidden_depth;
            } else if (shown == nullptr) {
                out.append(marker);
            }
            open.push_back({name, shown != nullptr});
        } else if (kind == '/') {
            if (open.empty() || open.back().name != body.substr(1)) return nullptr;
            if (hidden_depth > 0) {
                --hidden_depth;
            } else if (!open.back().folded) {
                out.append(marker);
            }
            open.pop_back();
        } else if (kind == '!' || kind == '%' || kind == '>') {
            if (hidden_depth == 0) out.append(marker);
        } else {
            if (next_node >= nodes.size() || name_of(nodes[next_node]) != name_of(body)) return nullptr;
            std::string_view node = nodes[next_node++];
            if (hidden_depth > 0) continue;
            const std::string* value = value_of(name_of(node));
            if (value != nullptr) {
                const std::string* put = escaped(node, *value, &seen);
                if (put == nullptr) return nullptr;
                out.append(*put);
            } else {
                out.append(marker);
                left.push_back(node);
            }
        }
    }
    if (next_node != nodes.size() || !open.empty()) return nullptr;
    out.append(text.substr(pos));

    std::unique_ptr<ctemplate::Template> folded(ctemplate::Template::StringToTemplate(out, ctemplate::DO_NOT_STRIP));
    if (folded == nullptr) return nullptr;
    // Every marker left is escaped as it was: the text put in did not move
    // the auto-escaping's idea of where the markers after it stand.
    std::vector<std::string> after = variable_nodes(*folded);
    if (after.size() != left.size()) return nullptr;
    for (std::size_t i = 0; i < after.size(); ++i) {
        if (after[i] != left[i]) return nullptr;
    }
    return folded;
}

}  // namespace extranet::parts
