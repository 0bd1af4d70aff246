// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
#include "core/views/page_data.h"

#include <charconv>
#include <cstring>
#include <new>
#include <string>

namespace extranet::parts {

namespace {

std::string_view view_of(const ctemplate::TemplateString& s)
{
    return std::string_view(s.data(), s.size());
}

ctemplate::TemplateString template_string(std::string_view s)
{
    return ctemplate::TemplateString(s.data(), s.size());
}

// ctemplate's own global values, which every dictionary sees last.
std::string_view builtin_value(std::string_view name)
{
    if (name == "BI_SPACE") return " ";
    if (name == "BI_NEWLINE") return "\n";
    return {};
}

}  // namespace

// ctemplate deletes the iterators it asks for: they come from a free list
// of the thread, not from the allocator, one or two per section expanded.
class Dict::Iterator final : public ctemplate::TemplateDictionaryInterface::Iterator {
public:
    Iterator(const Dict* const* begin, const Dict* const* end) : next_(begin), end_(end) {}

    bool HasNext() const override { return next_ != end_; }
    const ctemplate::TemplateDictionaryInterface& Next() override { return **next_++; }

    static void* operator new(std::size_t size)
    {
        if (free_ != nullptr && size == sizeof(Iterator)) {
            Free* f = free_;
            free_ = f->next;
            --free_count_;
            return f;
        }
        return ::operator new(size);
    }

    static void operator delete(void* p, std::size_t size)
    {
        if (size != sizeof(Iterator) || free_count_ >= 64) {
            ::operator delete(p);
            return;
        }
        auto* f = static_cast<Free*>(p);
        f->next = free_;
        free_ = f;
        ++free_count_;
    }

private:
    struct Free {
        Free* next;
    };
    static thread_local Free* free_;
    static thread_local unsigned free_count_;

    const Dict* const* next_;
    const Dict* const* end_;
};

thread_local Dict::Iterator::Free* Dict::Iterator::free_ = nullptr;
thread_local unsigned Dict::Iterator::free_count_ = 0;

Dict::Key::Key(std::string_view n) : head(0), name(n)
{
    std::size_t k = n.size() < 8 ? n.size() : 8;
    for (std::size_t i = 0; i < k; ++i) head |= std::uint64_t(static_cast<unsigned char>(n[i])) << (8 * i);
}

bool Dict::Key::operator==(const Key& k) const
{
    if (head != k.head || name.size() != k.name.size()) return false;
    return name.size() <= 8 || std::memcmp(name.data() + 8, k.name.data() + 8, name.size() - 8) == 0;
}

Dict::Dict(PageData* page, const Dict* parent)
    : page_(page), parent_(parent), values_(&page->memory_), shown_(&page->memory_), sections_(&page->memory_)
{
}

void Dict::SetValue(Name name, std::string_view value)
{
    Key key(name);
    std::string_view copied = page_->copy(value);
    for (Value& v : values_) {
        if (v.key == key) {
            v.value = copied;
            return;
        }
    }
    if (values_.empty()) values_.reserve(8);  // most have a few: no regrowth
    values_.push_back({key, copied});
}

void Dict::SetIntValue(Name name, long value)
{
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), value);
    (void)ec;  // 24 characters hold any long
    SetValue(name, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void Dict::ShowSection(Name name)
{
    Key key(name);
    if (find_section(key) != nullptr || shown_here(key)) return;  // already shown
    if (shown_.empty()) shown_.reserve(4);
    shown_.push_back(key);
}

void Dict::SetValueAndShowSection(Name name, std::string_view value, Name section)
{
    // As ctemplate does: the value in a dictionary of the section, seen only
    // inside it.
    if (value.empty()) return;
    AddSectionDictionary(section)->SetValue(name, value);
}

Dict::Children& Dict::section(const Key& key)
{
    for (Children& c : sections_) {
        if (c.key == key) return c;
    }
    if (sections_.empty()) sections_.reserve(4);
    sections_.push_back(Children{key, std::pmr::vector<const Dict*>(sections_.get_allocator())});
    return sections_.back();
}

Dict* Dict::AddSectionDictionary(Name name)
{
    Key key(name);
    Children& c = section(key);
    if (c.dicts.empty()) {
        // A section shown before it got dictionaries keeps, as in ctemplate,
        // its first (empty) iteration: this dictionary stands for it.
        for (auto it = shown_.begin(); it != shown_.end(); ++it) {
            if (*it == key) {
                shown_.erase(it);
                c.dicts.push_back(page_->make(this));
                break;
            }
        }
    }
    Dict* d = page_->make(this);
    c.dicts.push_back(d);
    return d;
}

Dict* Dict::AddIncludeDictionary(Name include)
{
    Dict* d = page_->make(nullptr);
    section(Key(include)).dicts.push_back(d);
    return d;
}

const std::string_view* Dict::find_value(const Key& key) const
{
    for (const Value& v : values_) {
        if (v.key == key) return &v.value;
    }
    return nullptr;
}

bool Dict::shown_here(const Key& key) const
{
    for (const Key& s : shown_) {
        if (s == key) return true;
    }
    return false;
}

const Dict::Children* Dict::find_section(const Key& key) const
{
    for (const Children& c : sections_) {
        if (c.key == key) return &c;
    }
    return nullptr;
}

ctemplate::TemplateString Dict::GetValue(const ctemplate::TemplateString& variable) const
{
    Key key(view_of(variable));
    for (const Dict* d = this; d != nullptr; d = d->parent_) {
        if (const std::string_view* v = d->find_value(key)) return template_string(*v);
    }
    if (const std::string_view* v = page_->globals_.find_value(key)) return template_string(*v);
    return template_string(builtin_value(key.name));
}

bool Dict::IsHiddenSection(const ctemplate::TemplateString& name) const
{
    Key key(view_of(name));
    for (const Dict* d = this; d != nullptr; d = d->parent_) {
        if (d->find_section(key) != nullptr || d->shown_here(key)) return false;
    }
    return !page_->globals_.shown_here(key);
}

bool Dict::IsUnhiddenSection(const ctemplate::TemplateString& name) const
{
    return !IsHiddenSection(name);
}

// Includes come as sections (page_template.h): ctemplate meets none.
bool Dict::IsHiddenTemplate(const ctemplate::TemplateString&) const
{
    return true;
}

const char* Dict::GetIncludeTemplateName(const ctemplate::TemplateString&, int) const
{
    return "";
}

ctemplate::TemplateDictionaryInterface::Iterator* Dict::CreateTemplateIterator(const ctemplate::TemplateString&) const
{
    return new Iterator(nullptr, nullptr);
}

ctemplate::TemplateDictionaryInterface::Iterator* Dict::CreateSectionIterator(
    const ctemplate::TemplateString& name) const
{
    Key key(view_of(name));
    for (const Dict* d = this; d != nullptr; d = d->parent_) {
        if (const Children* c = d->find_section(key)) {
            return new Iterator(c->dicts.data(), c->dicts.data() + c->dicts.size());
        }
        // Shown without dictionaries of its own: ctemplate expands it once
        // with an empty dictionary under the one that showed it, which
        // reads as that one.
        if (d->shown_here(key)) return new Iterator(&d->self_, &d->self_ + 1);
    }
    if (page_->globals_.shown_here(key)) {
        return new Iterator(&page_->globals_.self_, &page_->globals_.self_ + 1);
    }
    return new Iterator(nullptr, nullptr);
}

void Dict::DumpToString(std::string* out, int level) const
{
    std::string indent(static_cast<std::size_t>(level) * ctemplate::kIndent, ' ');
    for (const Value& v : values_) out->append(indent).append(v.key.name).append(": >").append(v.value).append("<\n");
    for (const Key& s : shown_) out->append(indent).append("section ").append(s.name).append(" (shown)\n");
    for (const Children& c : sections_) {
        out->append(indent).append("section ").append(c.key.name).append(" {\n");
        for (const Dict* d : c.dicts) d->DumpToString(out, level + 1);
        out->append(indent).append("}\n");
    }
}

PageData::PageData()
    : memory_(buffer_, sizeof(buffer_)), globals_(this, nullptr), root_(this, nullptr)
{
}

std::string_view PageData::copy(std::string_view s)
{
    if (s.empty()) return {};
    auto* p = static_cast<char*>(memory_.allocate(s.size(), 1));
    std::memcpy(p, s.data(), s.size());
    return std::string_view(p, s.size());
}

Dict* PageData::make(const Dict* parent)
{
    // Never destroyed: all its memory, vectors included, is the page's.
    return new (memory_.allocate(sizeof(Dict), alignof(Dict))) Dict(this, parent);
}

}  // namespace extranet::parts
