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
    // The dictionaries of a section from first on; only first when single.
    Iterator(const Dict* first, bool single) : next_(first), single_(single) {}

    bool HasNext() const override { return next_ != nullptr; }

    const ctemplate::TemplateDictionaryInterface& Next() override
    {
        const Dict* d = next_;
        next_ = single_ ? nullptr : d->next_;
        return *d;
    }

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

    const Dict* next_;
    bool single_;
};

thread_local Dict::Iterator::Free* Dict::Iterator::free_ = nullptr;
thread_local unsigned Dict::Iterator::free_count_ = 0;

namespace {

std::uint64_t load64(const char* p)
{
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
}

std::uint32_t load32(const char* p)
{
    std::uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
}

}  // namespace

inline Dict::Key::Key(std::string_view n) : name(n)
{
    // A word of the name's bytes, by two overlapping loads: names are
    // short, and a call to memcpy or a loop per byte costs more than the
    // lookup it serves.
    const char* p = n.data();
    std::size_t size = n.size();
    if (size >= 8) {
        head = load64(p) ^ (load64(p + size - 8) * 31);
    } else if (size >= 4) {
        head = load32(p) | std::uint64_t(load32(p + size - 4)) << 32;
    } else {
        head = 0;
        for (std::size_t i = 0; i < size; ++i) head = head << 8 | static_cast<unsigned char>(p[i]);
    }
    std::uint64_t h = (head ^ (size * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;
    bit = std::uint64_t(1) << (h >> 58);
}

inline bool Dict::Key::operator==(const Key& k) const
{
    if (head != k.head || name.size() != k.name.size()) return false;
    // Under eight bytes the word holds them all; from eight on, it mixes
    // two words and proves nothing.
    if (name.size() < 8) return true;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] != k.name[i]) return false;
    }
    return true;
}

Dict::Dict(PageData* page, const Dict* parent) : page_(page), parent_(parent) {}

void Dict::SetValue(Name name, std::string_view value)
{
    Key key(name);
    std::string_view copied = page_->copy(value);
    if (value_bits_ & key.bit) {
        for (Value* v = values_; v != nullptr; v = v->next) {
            if (v->key == key) {
                v->value = copied;
                return;
            }
        }
    }
    values_ = new (page_->memory_.allocate(sizeof(Value), alignof(Value))) Value{key, copied, values_};
    value_bits_ |= key.bit;
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
    if (find_section(key) == nullptr) add_section(key);  // else already shown
}

void Dict::SetValueAndShowSection(Name name, std::string_view value, Name section)
{
    // As ctemplate does: the value in a dictionary of the section, seen only
    // inside it.
    if (value.empty()) return;
    AddSectionDictionary(section)->SetValue(name, value);
}

Dict::Section* Dict::add_section(const Key& key)
{
    page_->last_from_ = nullptr;
    sections_ = new (page_->memory_.allocate(sizeof(Section), alignof(Section)))
        Section{key, nullptr, nullptr, sections_};
    section_bits_ |= key.bit;
    return sections_;
}

void Dict::append(Section* s, Dict* d)
{
    page_->last_from_ = nullptr;
    if (s->last == nullptr) {
        s->first = d;
    } else {
        s->last->next_ = d;
    }
    s->last = d;
}

Dict* Dict::AddSectionDictionary(Name name)
{
    Key key(name);
    Section* s = find_section(key);
    if (s == nullptr) {
        s = add_section(key);
    } else if (s->first == nullptr) {
        // Shown before it got dictionaries: as in ctemplate, it keeps its
        // first (empty) iteration.
        append(s, page_->make(this));
    }
    Dict* d = page_->make(this);
    append(s, d);
    return d;
}

Dict* Dict::AddIncludeDictionary(Name include)
{
    Key key(include);
    Section* s = find_section(key);
    if (s == nullptr) s = add_section(key);
    Dict* d = page_->make(nullptr);
    append(s, d);
    return d;
}

const Dict::Value* Dict::find_value(const Key& key) const
{
    if (!(value_bits_ & key.bit)) return nullptr;
    for (const Value* v = values_; v != nullptr; v = v->next) {
        if (v->key == key) return v;
    }
    return nullptr;
}

Dict::Section* Dict::find_section(const Key& key) const
{
    if (!(section_bits_ & key.bit)) return nullptr;
    for (Section* s = sections_; s != nullptr; s = s->next) {
        if (s->key == key) return s;
    }
    return nullptr;
}

ctemplate::TemplateString Dict::GetValue(const ctemplate::TemplateString& variable) const
{
    Key key(view_of(variable));
    for (const Dict* d = this; d != nullptr; d = d->parent_) {
        if (const Value* v = d->find_value(key)) return template_string(v->value);
    }
    if (const Value* v = page_->globals_.find_value(key)) return template_string(v->value);
    if (page_->constants_ != nullptr) {
        if (const Value* v = page_->constants_->globals_.find_value(key)) return template_string(v->value);
    }
    return template_string(builtin_value(key.name));
}

Dict::Found Dict::resolve_section(const ctemplate::TemplateString& name) const
{
    if (page_->last_from_ == this && page_->last_name_ == name.data() && page_->last_size_ == name.size()) {
        return page_->last_found_;
    }
    Key key(view_of(name));
    Found found{nullptr, nullptr};
    for (const Dict* d = this; d != nullptr && found.section == nullptr; d = d->parent_) {
        if (const Section* s = d->find_section(key)) found = Found{s, d};
    }
    if (found.section == nullptr) {
        found.section = page_->globals_.find_section(key);
        if (found.section == nullptr && page_->constants_ != nullptr) {
            found.section = page_->constants_->globals_.find_section(key);
        }
    }
    page_->last_from_ = this;
    page_->last_name_ = name.data();
    page_->last_size_ = name.size();
    page_->last_found_ = found;
    return found;
}

bool Dict::IsHiddenSection(const ctemplate::TemplateString& name) const
{
    return resolve_section(name).section == nullptr;
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
    return new Iterator(nullptr, true);
}

ctemplate::TemplateDictionaryInterface::Iterator* Dict::CreateSectionIterator(
    const ctemplate::TemplateString& name) const
{
    Found found = resolve_section(name);
    if (found.section == nullptr) return new Iterator(nullptr, true);
    if (found.owner != nullptr) {
        // Shown without dictionaries of its own: ctemplate expands it
        // once with an empty dictionary under the one that showed it,
        // which reads as that one.
        return found.section->first != nullptr ? new Iterator(found.section->first, false)
                                               : new Iterator(found.owner, true);
    }
    // Shown for the whole page, or by the theme: expanded once with the
    // page's globals (which, as ctemplate's template-global dictionary,
    // see the root's values, and nothing of the dictionaries below it).
    return new Iterator(&page_->globals_, true);
}

void Dict::DumpToString(std::string* out, int level) const
{
    std::string indent(static_cast<std::size_t>(level) * ctemplate::kIndent, ' ');
    for (const Value* v = values_; v != nullptr; v = v->next) {
        out->append(indent).append(v->key.name).append(": >").append(v->value).append("<\n");
    }
    for (const Section* s = sections_; s != nullptr; s = s->next) {
        out->append(indent).append("section ").append(s->key.name).append(" {\n");
        for (const Dict* d = s->first; d != nullptr; d = d->next_) d->DumpToString(out, level + 1);
        out->append(indent).append("}\n");
    }
}

PageData::PageData(const PageData* constants)
    // As ctemplate's template-global dictionary, the globals' parent is the
    // root: a section shown for the whole page sees the root's values.
    : memory_(buffer_, sizeof(buffer_)), constants_(constants), globals_(this, &root_), root_(this, nullptr)
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
