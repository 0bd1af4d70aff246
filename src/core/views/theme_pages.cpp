// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// A theme's pages at render time: the generic template of each, or the one
// prepared for the portal's prefix (page_fold.h).
#include <ctemplate/template.h>
#include <ctemplate/template_cache.h>

#include <stdexcept>

#include "core/views/page_data.h"
#include "core/views/page_fold.h"
#include "core/views/theme.h"

namespace extranet {

struct Theme::Prepared {
    std::string prefix;
    // The pages that could be folded; the others render generic.
    std::map<std::string, std::unique_ptr<ctemplate::Template>, std::less<>> pages;
};

Theme::Theme() = default;
Theme::~Theme() = default;

const Theme::Prepared* Theme::prepared_for(std::string_view prefix) const
{
    std::size_t n = prepared_count_.load(std::memory_order_acquire);
    for (std::size_t i = 0; i < n; ++i) {
        if (prepared_[i]->prefix == prefix) return prepared_[i].get();
    }
    return nullptr;
}

void Theme::prepare(std::string_view prefix) const
{
    std::lock_guard<std::mutex> lock(prepare_mutex_);
    std::size_t n = prepared_count_.load(std::memory_order_relaxed);
    if (prepared_for(prefix) != nullptr || n == kMaxPrepared) return;
    parts::Constants constants;
    constants.values = {{"PREFIX", std::string(prefix)}, {"VERSION", version_}};
    constants.sections = {{"LOGO", !logo_.empty()}, {"FAVICON", !favicon_.empty()}};
    if (!logo_.empty()) constants.values.emplace_back("LOGO_FILE", logo_);
    if (!favicon_.empty()) constants.values.emplace_back("FAVICON_FILE", favicon_);
    auto p = std::make_unique<Prepared>();
    p->prefix = std::string(prefix);
    for (const auto& [page, text] : page_texts_) {
        std::unique_ptr<ctemplate::Template> folded = parts::fold_constants(text, *pages_.at(page), constants);
        if (folded != nullptr) p->pages.emplace(page, std::move(folded));
    }
    prepared_[n] = std::move(p);
    prepared_count_.store(n + 1, std::memory_order_release);
}

bool Theme::prepared(std::string_view prefix, std::string_view page) const
{
    const Prepared* p = prepared_for(prefix);
    return p != nullptr && p->pages.count(page) != 0;
}

void Theme::expand_page(std::string_view page, std::string_view prefix,
                        const ctemplate::TemplateDictionaryInterface& dict, std::string* out) const
{
    const ctemplate::Template* tpl = nullptr;
    if (const Prepared* p = prepared_for(prefix)) {
        auto it = p->pages.find(page);
        if (it != p->pages.end()) tpl = it->second.get();
    }
    if (tpl == nullptr) {
        auto it = pages_.find(page);
        if (it != pages_.end()) tpl = it->second.get();
    }
    if (tpl == nullptr || !tpl->Expand(out, &dict)) {
        throw std::runtime_error("page " + std::string(page) + " could not be expanded");
    }
}

}  // namespace extranet
