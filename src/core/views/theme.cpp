// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/theme.h"

#include "core/primitives/crypto.h"
#include "core/primitives/escape.h"
#include "core/views/page_data.h"
#include "core/views/page_template.h"

#include <ctemplate/template.h>
#include <ctemplate/template_cache.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

namespace extranet {

namespace {

struct EmbeddedFile {
    const char* path;
    const char* data;
    std::size_t size;
};

#include "default_theme.inc"

constexpr std::string_view kBuiltinDir = "themes/default";
constexpr std::string_view kCatalog = "messages_fr.properties";

// Every template is parsed in auto-escape mode for HTML: ctemplate picks
// the escaping of each variable from where it stands (text, attribute,
// URL, script string). Themes cannot set a pragma of their own.
constexpr std::string_view kAutoescape = "{{%AUTOESCAPE context=\"HTML\"}}";

const std::vector<std::string> kTemplates = {
    "layout.tpl",        "login.tpl",          "password_forgot.tpl", "password_reset.tpl",
    "contact_syndic.tpl", "partner_refusal.tpl", "link_email.tpl",     "link_profile.tpl",
    "link_password.tpl", "link_done.tpl",      "accounts.tpl",        "manage.tpl",
    "message.tpl",       "field.tpl",          "error_summary.tpl",   "syndic_contact.tpl",
    "passkey_login.tpl", "passkey_manage.tpl", "confirm_address.tpl",
};

// The templates a page's body comes from (the layout's CONTENT).
const std::vector<std::string> kPages = {
    "login.tpl",       "password_forgot.tpl", "password_reset.tpl", "contact_syndic.tpl", "partner_refusal.tpl",
    "link_email.tpl",  "link_profile.tpl",    "link_password.tpl",  "link_done.tpl",      "confirm_address.tpl",
    "accounts.tpl",    "manage.tpl",          "message.tpl",
};

// What a page cannot work without: the forms' fields and hidden values,
// the included parts. A theme's template that drops one is refused.
const std::map<std::string, std::vector<std::string>, std::less<>>& required_markers()
{
    static const std::map<std::string, std::vector<std::string>, std::less<>> required = {
        {"layout.tpl", {">CONTENT", "PREFIX", "VERSION", "TITLE"}},
        {"login.tpl", {">LOGIN_ERRORS", ">FIELD_LOGIN", ">FIELD_PASSWORD", "NEXT", ">PASSKEY_LOGIN"}},
        {"password_forgot.tpl", {">FORGOT_ERRORS", ">FIELD_LOGIN", "CSRF"}},
        {"password_reset.tpl", {">RESET_ERRORS", "TOKEN", ">FIELD_NEW_PASSWORD", ">FIELD_PASSWORD_CONFIRM", "CSRF"}},
        {"contact_syndic.tpl", {">SYNDIC"}},
        {"partner_refusal.tpl", {"MESSAGE", "ACCOUNT", ">SYNDIC"}},
        {"link_email.tpl", {">LINK_ERRORS", ">FIELD_EMAIL", "CSRF"}},
        {"link_profile.tpl", {">PROFILE_ERRORS", "EMAIL", ">FIELD_LAST_NAME", ">FIELD_FIRST_NAME",
                              ">FIELD_PHONE", ">FIELD_PASSWORD", ">FIELD_PASSWORD_CONFIRM", "CSRF"}},
        {"link_password.tpl", {">LINK_PASSWORD_ERRORS", "EMAIL", ">FIELD_PASSWORD", "CSRF"}},
        {"link_done.tpl", {"ACCOUNT", "EMAIL"}},
        {"confirm_address.tpl", {"EMAIL", "TOKEN"}},
        {"accounts.tpl", {"#ACCOUNT", "CODE", "CSRF"}},
        {"manage.tpl", {"#ACCOUNT", "#SESSION", ">PASSKEYS", "CSRF", ">FIELD_LAST_NAME",
                        ">FIELD_CURRENT_PASSWORD", ">FIELD_NEW_PASSWORD"}},
        {"message.tpl", {"MESSAGE"}},
        {"field.tpl", {"ID", "NAME", "LABEL", "VALUE", "ERROR"}},
        {"error_summary.tpl", {"#ITEM", "MESSAGE"}},
        {"syndic_contact.tpl", {"NAME"}},
        {"passkey_login.tpl", {"PREFIX"}},
        {"passkey_manage.tpl", {"#PASSKEY", "ID", "CSRF"}},
    };
    return required;
}

std::size_t line_of(std::string_view text, std::size_t pos)
{
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
        line += text[i] == '\n';
    }
    return line;
}

[[noreturn]] void fail(const std::string& file, std::size_t line, const std::string& why)
{
    throw ThemeError(file + ":" + std::to_string(line) + ": " + why);
}

// A message of the catalog is text, not markup: what it holds is shown as
// written (a "<" stays a "<" on screen).
std::string as_text(std::string_view message)
{
    std::string out;
    out.reserve(message.size());
    for (char c : message) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

// A message's \n is a line break (the mails'), \\ a backslash.
std::string unescape(std::string_view value)
{
    std::string out;
    out.reserve(value.size());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size() && (value[i + 1] == 'n' || value[i + 1] == '\\')) {
            out += value[i + 1] == 'n' ? '\n' : '\\';
            ++i;
        } else {
            out += value[i];
        }
    }
    return out;
}

// key = value, one a line, UTF-8; '#' or '!' starts a comment line.
std::map<std::string, std::string, std::less<>> parse_catalog(std::string_view text, const std::string& file)
{
    std::map<std::string, std::string, std::less<>> out;
    std::size_t line = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view l = text.substr(pos, end - pos);
        pos = end + 1;
        ++line;
        while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
        while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
        if (l.empty() || l.front() == '#' || l.front() == '!') continue;
        std::size_t eq = l.find('=');
        if (eq == std::string_view::npos) fail(file, line, "expected \"key = message\"");
        std::string_view key = l.substr(0, eq);
        std::string_view value = l.substr(eq + 1);
        while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.remove_suffix(1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        if (key.empty() || key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789._") != std::string_view::npos) {
            fail(file, line, "bad message key \"" + std::string(key) + "\"");
        }
        if (!out.emplace(std::string(key), unescape(value)).second) {
            fail(file, line, "message \"" + std::string(key) + "\" given twice");
        }
    }
    return out;
}

// The first "{N}" of message that model does not have, "" when none.
std::string unknown_placeholder(std::string_view message, std::string_view model)
{
    for (std::size_t at = message.find('{'); at != std::string_view::npos; at = message.find('{', at + 1)) {
        std::size_t end = message.find('}', at);
        if (end == std::string_view::npos || end == at + 1) continue;
        std::string_view p = message.substr(at, end - at + 1);
        if (p.substr(1, p.size() - 2).find_first_not_of("0123456789") != std::string_view::npos) continue;
        if (model.find(p) == std::string_view::npos) return std::string(p);
    }
    return {};
}

// ${message.key} in a template: the catalog's text, put in when the theme
// is loaded (texts are the theme's, like the template around them).
std::string put_messages(std::string_view text, const std::string& file,
                         const std::map<std::string, std::string, std::less<>>& messages)
{
    std::string out;
    out.reserve(text.size() + 512);
    std::size_t pos = 0;
    for (;;) {
        std::size_t start = text.find("${", pos);
        if (start == std::string_view::npos) break;
        std::size_t end = text.find('}', start);
        if (end == std::string_view::npos) fail(file, line_of(text, start), "\"${\" without its \"}\"");
        std::string_view key = text.substr(start + 2, end - start - 2);
        auto it = messages.find(key);
        if (it == messages.end()) {
            fail(file, line_of(text, start), "unknown message key \"" + std::string(key) + "\"");
        }
        out.append(text.substr(pos, start - pos));
        out += as_text(it->second);
        pos = end + 1;
    }
    out.append(text.substr(pos));
    return out;
}

// The markers of a template, checked before ctemplate sees it: plain names
// only (no modifier, so a template cannot ask for raw output such as
// ":none"; no pragma, no delimiter change that would hide markers from
// this check); sections balanced; names the renderer knows (known, when
// given); then the markers the page needs (required). Returns the names.
std::set<std::string> check_markers(std::string_view text, const std::string& file,
                                    const std::set<std::string>* known,
                                    const std::vector<std::string>& required)
{
    std::set<std::string> seen;  // "NAME", "#NAME", ">NAME"
    std::vector<std::pair<std::string, std::size_t>> open;
    std::size_t pos = 0;
    for (;;) {
        std::size_t start = text.find("{{", pos);
        if (start == std::string_view::npos) break;
        std::size_t end = text.find("}}", start + 2);
        std::size_t line = line_of(text, start);
        if (end == std::string_view::npos) fail(file, line, "\"{{\" without its \"}}\"");
        std::string_view m = text.substr(start + 2, end - start - 2);
        pos = end + 2;
        if (!m.empty() && m.front() == '!') continue;  // a comment
        if (!m.empty() && m.front() == '%') fail(file, line, "no pragma: pages are always auto-escaped");
        if (!m.empty() && m.front() == '=') fail(file, line, "no delimiter change");
        char kind = 0;
        if (!m.empty() && (m.front() == '#' || m.front() == '/' || m.front() == '>')) {
            kind = m.front();
            m.remove_prefix(1);
        }
        if (m.find(':') != std::string_view::npos) {
            fail(file, line, "\"{{" + std::string(text.substr(start + 2, end - start - 2))
                                 + "}}\": no modifier, the escaping follows the context");
        }
        if (m.empty() || m.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string_view::npos) {
            fail(file, line, "malformed marker \"{{" + std::string(text.substr(start + 2, end - start - 2))
                                 + "}}\" (names are upper case)");
        }
        std::string name(m);
        if (kind == '#') {
            open.emplace_back(name, line);
        } else if (kind == '/') {
            if (open.empty() || open.back().first != name) {
                fail(file, line, "\"{{/" + name + "}}\" closes no open \"{{#" + name + "}}\"");
            }
            open.pop_back();
            continue;
        }
        std::string key = (kind == '#' ? "#" : kind == '>' ? ">" : "") + name;
        if (known != nullptr && name.rfind("BI_", 0) != 0 && known->count(key) == 0) {
            fail(file, line, "unknown placeholder \"{{" + key + "}}\"");
        }
        seen.insert(key);
    }
    if (!open.empty()) {
        fail(file, open.back().second, "\"{{#" + open.back().first + "}}\" is never closed");
    }
    for (const std::string& r : required) {
        if (seen.count(r) == 0) fail(file, 1, "missing placeholder \"{{" + r + "}}\"");
    }
    return seen;
}

// No inline script, whatever the theme: the Content-Security-Policy would
// block it, and a page that relies on one would break silently.
void check_no_inline_script(std::string_view text, const std::string& file)
{
    static const std::regex script("<script\\b([^>]*)>\\s*(</script)?", std::regex::icase);
    static const std::regex handler("<[^>]*\\son[a-z]+\\s*=", std::regex::icase);
    static const std::regex js_url("javascript:", std::regex::icase);
    std::string s(text);
    std::smatch m;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), script); it != std::sregex_iterator(); ++it) {
        const std::smatch& sm = *it;
        if (sm[1].str().find("src=") == std::string::npos || !sm[2].matched) {
            fail(file, line_of(text, sm.position(0)), "inline script (scripts come from files: menu.js, passkey.js)");
        }
    }
    if (std::regex_search(s, m, handler)) {
        fail(file, line_of(text, m.position(0)), "inline event handler attribute");
    }
    if (std::regex_search(s, m, js_url)) {
        fail(file, line_of(text, m.position(0)), "javascript: URL");
    }
}

std::string read_file(const std::filesystem::path& p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in) throw ThemeError(p.string() + ":1: cannot be read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A theme's text is UTF-8: pages and mails are sent as such, and
// PostgreSQL refuses anything else in a mail. A file saved in another
// encoding (Latin-1, a Windows editor's "ANSI") is refused when the theme
// is loaded; a leading BOM, which Windows editors add, is dropped.
std::string utf8_text(std::string body, const std::string& file)
{
    constexpr std::string_view bom = "\xEF\xBB\xBF";
    if (std::string_view(body).substr(0, bom.size()) == bom) body.erase(0, bom.size());
    if (std::size_t at = invalid_utf8_at(body); at != std::string::npos) {
        char byte[8];
        std::snprintf(byte, sizeof(byte), "0x%02X", static_cast<unsigned char>(body[at]));
        fail(file, line_of(body, at), std::string("byte ") + byte + " is not UTF-8: save the file as UTF-8");
    }
    return body;
}

// A JavaScript string literal of the menu's stylesheet.
std::string js_string(std::string_view s)
{
    std::string out = "'";
    for (char c : s) {
        switch (c) {
        case '\\': out += "\\\\"; break;
        case '\'': out += "\\'"; break;
        case '\n': out += "\\n"; break;
        case '\r': break;
        case '<': out += "\\x3c"; break;
        default: out += c;
        }
    }
    return out + "'";
}

std::string content_type_of(std::string_view name)
{
    auto ends = [&](std::string_view ext) {
        return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
    };
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".js")) return "application/javascript; charset=utf-8";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    if (ends(".ico")) return "image/x-icon";
    return "application/octet-stream";
}

bool is_logo(std::string_view n) { return n == "logo.svg" || n == "logo.png"; }
bool is_favicon(std::string_view n) { return n == "favicon.svg" || n == "favicon.png" || n == "favicon.ico"; }
// Read as text: put into pages, mails and menu.js. A logo or favicon is
// served as is (an SVG declares its own encoding).
bool is_text(std::string_view n) { return !is_logo(n) && !is_favicon(n); }

// A file of the theme folder, by its path relative to the folder.
struct Source {
    std::string body;
    std::string file;  // for messages: the path shown
};

}  // namespace


const std::vector<std::string>& theme_template_names()
{
    return kTemplates;
}

const ThemeAsset* Theme::asset(std::string_view name) const
{
    auto it = assets_.find(name);
    return it == assets_.end() ? nullptr : &it->second;
}

void Theme::expand(std::string_view name, const ctemplate::TemplateDictionaryInterface& dict,
                   std::string* out) const
{
    if (!cache_->ExpandNoLoad(ctemplate::TemplateString(name.data(), name.size()), ctemplate::STRIP_BLANK_LINES, &dict,
                              nullptr, out)) {
        throw std::runtime_error("template " + std::string(name.data(), name.size()) + " could not be expanded");
    }
}

const std::shared_ptr<const Theme>& Theme::builtin()
{
    static const std::shared_ptr<const Theme> theme = build("");
    return theme;
}

std::shared_ptr<const Theme> Theme::load(const std::string& dir)
{
    return build(dir);
}

std::shared_ptr<const Theme> Theme::build(const std::string& dir)
{
    namespace fs = std::filesystem;
    std::map<std::string, Source, std::less<>> base;  // the built-in files
    for (const EmbeddedFile& f : extranet_theme_files) {
        std::string file = std::string(kBuiltinDir) + "/" + f.path;
        std::string body(f.data, f.size);
        base[f.path] = Source{is_text(f.path) ? utf8_text(std::move(body), file) : std::move(body), file};
    }
    std::map<std::string, Source, std::less<>> over;  // the theme folder's
    if (!dir.empty()) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) throw ThemeError(dir + ":1: not a theme folder");
        for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            if (!it->is_regular_file()) continue;
            std::string rel = fs::relative(it->path(), dir).generic_string();
            std::string shown = (fs::path(dir) / rel).string();
            std::string leaf = it->path().filename().string();
            if (leaf.rfind("README", 0) == 0 || leaf.rfind('.', 0) == 0) continue;
            bool known = rel == "style.css" || rel == "menu.css" || rel == kCatalog || is_logo(rel)
                         || is_favicon(rel);
            for (const std::string& t : kTemplates) known = known || rel == "templates/" + t;
            if (!known) throw ThemeError(shown + ":1: not a file a theme may override");
            std::string body = read_file(it->path());
            over[rel] = Source{is_text(rel) ? utf8_text(std::move(body), shown) : std::move(body), shown};
        }
        if (ec) throw ThemeError(dir + ":1: " + ec.message());
    }

    std::shared_ptr<Theme> theme(new Theme());
    theme->dir_ = dir;

    // The catalog: the built-in one, reworded message by message.
    const Source& catalog = base.at(std::string(kCatalog));
    theme->messages_ = parse_catalog(catalog.body, catalog.file);
    if (auto it = over.find(kCatalog); it != over.end()) {
        auto reworded = parse_catalog(it->second.body, it->second.file);
        for (auto& [key, value] : reworded) {
            auto m = theme->messages_.find(key);
            std::size_t at = it->second.body.find(key);
            if (m == theme->messages_.end()) {
                fail(it->second.file, line_of(it->second.body, at), "unknown message key \"" + key + "\"");
            }
            // The portal fills in only what the default message names.
            if (std::string p = unknown_placeholder(value, m->second); !p.empty()) {
                fail(it->second.file, line_of(it->second.body, at),
                     "message \"" + key + "\": unknown placeholder \"" + p + "\"");
            }
            m->second = value;
        }
    }

    // Every text the code names, found once here: a lookup on a request
    // is an index. Only the built-in catalog can lack one (a theme's may
    // not add keys), which t/unit/test_texts.cpp catches.
    theme->texts_.reserve(kTextCount);
    for (std::string_view key : kTextKeys) {
        auto m = theme->messages_.find(key);
        if (m == theme->messages_.end()) fail(catalog.file, 1, "no message \"" + std::string(key) + "\"");
        theme->texts_.push_back(&m->second);
    }

    // The markers the renderer fills: those of the built-in templates.
    std::set<std::string> known;
    for (const std::string& t : kTemplates) {
        const Source& s = base.at("templates/" + t);
        std::string text = put_messages(s.body, s.file, theme->messages_);
        auto names = check_markers(text, s.file, nullptr, {});
        known.insert(names.begin(), names.end());
    }

    // ctemplate reports a parse error on stderr: kept for the message.
    auto parse = [](const std::string& file, const std::function<bool()>& parse_it) {
        std::ostringstream err;
        std::streambuf* old = std::cerr.rdbuf(err.rdbuf());
        bool ok = parse_it();
        std::cerr.rdbuf(old);
        if (!ok) {
            std::string why = err.str();
            while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
            fail(file, 1, "does not parse" + (why.empty() ? std::string() : ": " + why));
        }
    };
    struct Checked {
        std::string shown;
        std::string original;
        std::string stripped;
    };
    std::map<std::string, Checked, std::less<>> checked;
    theme->cache_ = std::make_unique<ctemplate::TemplateCache>();
    for (const std::string& t : kTemplates) {
        auto it = over.find("templates/" + t);
        const Source& s = it != over.end() ? it->second : base.at("templates/" + t);
        std::string text = put_messages(s.body, s.file, theme->messages_);
        check_markers(text, s.file, &known, required_markers().at(t));
        check_no_inline_script(text, s.file);
        // On a line of its own, which STRIP_BLANK_LINES then drops.
        std::string parsed = std::string(kAutoescape) + "\n" + text;
        parse(s.file, [&] { return theme->cache_->StringToTemplateCache(t, parsed, ctemplate::STRIP_BLANK_LINES); });
        std::string stripped = parts::strip_blank_lines(text);
        checked[t] = Checked{s.file, std::move(text), std::move(stripped)};
    }
    // The pages, each parsed whole (the non-static Expand of a Template
    // expands it without going through a cache).
    auto files = [&](std::string_view name) {
        const Checked& c = checked.at(std::string(name));
        return parts::TemplateText{&c.stripped, &c.shown, &c.original};
    };
    for (const std::string& page : kPages) {
        std::string whole = std::string(kAutoescape) + parts::assemble_page(page, files);
        ctemplate::Template* tpl = nullptr;
        parse(checked.at(page).shown, [&] {
            tpl = ctemplate::Template::StringToTemplate(whole, ctemplate::DO_NOT_STRIP);
            return tpl != nullptr;
        });
        theme->pages_[page].reset(tpl);
        theme->page_texts_[page] = std::move(whole);
    }
    theme->cache_->Freeze();

    // The assets, each with its strong validator.
    auto pick = [&](std::string_view name) -> const Source* {
        if (auto it = over.find(name); it != over.end()) return &it->second;
        if (auto it = base.find(name); it != base.end()) return &it->second;
        return nullptr;
    };
    auto add = [&](const std::string& name, std::string body) {
        ThemeAsset a{name, content_type_of(name), std::move(body), {}};
        a.etag = "\"" + hex_encode(sha256(a.body)).substr(0, 32) + "\"";
        theme->assets_[name] = std::move(a);
    };
    add("style.css", pick("style.css")->body);
    // The scripts' words, from the catalog: an object of the messages
    // they show, by key.
    auto with_texts = [&](std::string script, std::initializer_list<Text> texts) {
        std::string object = "{";
        for (Text t : texts) {
            if (object.size() > 1) object += ",";
            object += js_string(text_key(t)) + ":" + js_string(theme->text(t));
        }
        object += "}";
        std::size_t at = script.find("/*TEXTS*/{}");
        script.replace(at, std::string_view("/*TEXTS*/{}").size(), object);
        return script;
    };
    std::string menu = base.at("menu.js").body;
    std::size_t slot = menu.find("/*MENU_CSS*/''");
    menu.replace(slot, std::string_view("/*MENU_CSS*/''").size(), js_string(pick("menu.css")->body));
    add("menu.js", with_texts(std::move(menu), {Text::menu_label, Text::menu_user, Text::link_menu, Text::common_manage,
                                                Text::nav_logout, Text::accounts_title, Text::account_active,
                                                Text::syndic_unnamed}));
    add("passkey.js", with_texts(base.at("passkey.js").body,
                                 {Text::passkey_js_cancelled, Text::passkey_js_exists, Text::passkey_js_failed,
                                  Text::passkey_js_error}));
    for (auto choose : {&is_logo, &is_favicon}) {
        std::string found;
        for (const auto& [name, src] : over) {
            if ((*choose)(name)) {
                if (!found.empty()) throw ThemeError(src.file + ":1: a theme has one " + (choose == &is_logo ? "logo" : "favicon"));
                found = name;
            }
        }
        for (const auto& [name, src] : base) {
            if (found.empty() && (*choose)(name)) found = name;
        }
        if (!found.empty()) {
            add(found, pick(found)->body);
            (choose == &is_logo ? theme->logo_ : theme->favicon_) = found;
        }
    }
    std::string all;
    for (const auto& [name, a] : theme->assets_) {
        all += name;
        all += '\0';
        all += a.body;
        all += '\0';
    }
    theme->version_ = hex_encode(sha256(all)).substr(0, 16);

    theme->constants_ = std::make_unique<parts::PageData>();
    parts::PageData& c = *theme->constants_;
    c.SetTemplateGlobalValue("VERSION", theme->version_);
    if (!theme->logo_.empty()) {
        c.SetTemplateGlobalValue("LOGO_FILE", theme->logo_);
        c.ShowTemplateGlobalSection("LOGO");
    }
    if (!theme->favicon_.empty()) {
        c.SetTemplateGlobalValue("FAVICON_FILE", theme->favicon_);
        c.ShowTemplateGlobalSection("FAVICON");
    }
    return theme;
}

}  // namespace extranet
