// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// A site's theme: its page templates (rendered by Google's ctemplate with
// auto-escaping), its stylesheet, the menu's look, logo, favicon and the
// catalog of its French texts. A theme folder overrides the built-in
// default theme file by file and message by message; what it leaves out
// comes from the default, which is built into the module.
//
// Loaded and checked once, when the configuration is read; read-only
// afterwards, so pool threads render pages with it concurrently.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/views/texts.h"

namespace ctemplate {
class Template;
class TemplateCache;
class TemplateDictionaryInterface;
}  // namespace ctemplate

namespace extranet {

namespace parts {
class PageData;
}  // namespace parts

// A theme that cannot be used: "<file>:<line>: <why>" (nginx -t shows it).
struct ThemeError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A file the portal serves as is: style.css, menu.js, passkey.js, the logo
// and the favicon.
struct ThemeAsset {
    std::string name;          // its route under the portal prefix: "logo.svg"
    std::string content_type;
    std::string body;
    std::string etag;          // strong: "\"<32 hex digits of its SHA-256>\""
};

class Theme {
public:
    // The built-in theme (the files of themes/default, embedded at build
    // time). Parsed once per process.
    static const std::shared_ptr<const Theme>& builtin();
    // A site's theme, or the built-in one where it names none (nginx always
    // sets one; settings built without nginx, in tests, may not).
    static const Theme& or_builtin(const Theme* theme) { return theme != nullptr ? *theme : *builtin(); }

    // A theme folder over the built-in theme. Throws ThemeError naming the
    // file and line of a template that does not parse, of a placeholder a
    // page needs and the template lacks, of a marker or message key the
    // pages do not know, of a message with a placeholder ("{1}") its
    // default lacks, of a raw (unescaped) output or an inline script.
    static std::shared_ptr<const Theme> load(const std::string& dir);

    ~Theme();
    Theme(const Theme&) = delete;
    Theme& operator=(const Theme&) = delete;

    // 16 hex digits of the SHA-256 of every asset: the "?v=" of their URLs,
    // so that a changed theme changes them.
    const std::string& version() const { return version_; }
    // The asset served at <prefix><name>, or nullptr.
    const ThemeAsset* asset(std::string_view name) const;
    // Names of the logo and favicon assets ("" when the theme has none).
    const std::string& logo() const { return logo_; }
    const std::string& favicon() const { return favicon_; }

    // A message of the catalog, by its name in texts.h (field labels, the
    // flows' errors and notices). Every name has its message: a theme
    // without one is refused at load, so this never fails.
    const std::string& text(Text t) const { return *texts_[static_cast<std::size_t>(t)]; }

    // Expands a page ("login.tpl") in the layout, with the layout's
    // dictionary, into out, for a portal at prefix ("/auth/"): with the
    // page prepared for that prefix if it was, else with its generic
    // template (the same bytes, more lookups). Thread-safe.
    void expand_page(std::string_view page, std::string_view prefix,
                     const ctemplate::TemplateDictionaryInterface& dict, std::string* out) const;

    // Prepares the pages for a portal at prefix: the prefix, the asset
    // version, logo and favicon folded into them (page_fold.h). Called
    // when the configuration is read, for each site's portal; a prefix
    // already prepared, or one past the first few, changes nothing. Safe
    // while other threads render.
    void prepare(std::string_view prefix) const;
    // Whether the page renders prepared for that prefix (tests).
    bool prepared(std::string_view prefix, std::string_view page) const;

    // Expands a template ("passkey_login.tpl") alone, with its dictionary,
    // into out. Thread-safe: the cache is frozen once loaded.
    void expand(std::string_view name, const ctemplate::TemplateDictionaryInterface& dict,
                std::string* out) const;

    // What every page of the theme shows alike, set once when it is loaded
    // rather than at each render: VERSION, LOGO_FILE (LOGO shown) and
    // FAVICON_FILE (FAVICON shown) when the theme has them.
    const parts::PageData& constants() const { return *constants_; }

    // The theme's folder ("" for the built-in theme).
    const std::string& dir() const { return dir_; }

private:
    Theme();
    static std::shared_ptr<const Theme> build(const std::string& dir);

    std::string dir_;
    std::unique_ptr<ctemplate::TemplateCache> cache_;
    // Each page in the layout, its includes in place (page_template.h),
    // and the text it was parsed from (to fold constants into).
    std::map<std::string, std::unique_ptr<ctemplate::Template>, std::less<>> pages_;
    std::map<std::string, std::string, std::less<>> page_texts_;
    // The pages folded for a prefix each: slots filled in order under the
    // mutex, then published by the count; never changed once published,
    // so that renders read them without a lock.
    struct Prepared;
    static constexpr std::size_t kMaxPrepared = 8;
    const Prepared* prepared_for(std::string_view prefix) const;  // nullptr: none yet
    mutable std::array<std::unique_ptr<const Prepared>, kMaxPrepared> prepared_;
    mutable std::atomic<std::size_t> prepared_count_{0};
    mutable std::mutex prepare_mutex_;
    std::map<std::string, std::string, std::less<>> messages_;
    // The same, hashed: pages look up a few messages at each render.
    // The messages of texts.h, by their index: pages and flows look up a
    // few at each answer.
    std::vector<const std::string*> texts_;
    std::unique_ptr<parts::PageData> constants_;
    std::map<std::string, ThemeAsset, std::less<>> assets_;
    std::string version_;
    std::string logo_;
    std::string favicon_;
};

// The templates a theme may override (templates/<name>).
const std::vector<std::string>& theme_template_names();

}  // namespace extranet
