// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// The data of a page as ctemplate reads it while it expands the page's
// templates: values, shown sections, section and include dictionaries, like
// ctemplate's own TemplateDictionary and with the same lookup rules, through
// the interface ctemplate offers for dictionaries of one's own
// (TemplateDictionaryInterface). ctemplate still parses the templates and
// escapes every value where it lands; only the storage differs.
//
// Why not TemplateDictionary: filling one costs more than expanding the
// page. Each sub-dictionary gets a name formatted with snprintf, each name
// is filed under a global lock in ctemplate's id-to-name map, each value is
// hashed and copied into a map. Here a page's dictionaries, names and
// values live in one buffer released at once, names are string literals
// compared in place, and nothing is shared between threads.
#pragma once

#include <ctemplate/template_dictionary_interface.h>
#include <ctemplate/template_string.h>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string_view>

namespace extranet::parts {

// A marker's or template's name: always a string literal (it outlives the
// page; a template's name is handed to ctemplate as a C string).
using Name = std::string_view;

class PageData;

class Dict final : public ctemplate::TemplateDictionaryInterface {
public:
    Dict(PageData* page, const Dict* parent);
    ~Dict() override = default;

    // The value is copied: it may be a temporary.
    void SetValue(Name name, std::string_view value);
    void SetIntValue(Name name, long value);
    void ShowSection(Name section);
    void SetValueAndShowSection(Name name, std::string_view value, Name section);
    // A dictionary of one iteration of a section; it sees this one's values.
    Dict* AddSectionDictionary(Name section);
    // The dictionary of an included template ({{>NAME}}); like ctemplate's,
    // it sees only its own values and the page's globals. The theme puts
    // the included template in place as a section of that name
    // (page_template.h), which iterates over these dictionaries.
    Dict* AddIncludeDictionary(Name include);

    // What ctemplate asks while it expands.
    ctemplate::TemplateString GetValue(const ctemplate::TemplateString& variable) const override;
    bool IsHiddenSection(const ctemplate::TemplateString& name) const override;
    bool IsUnhiddenSection(const ctemplate::TemplateString& name) const override;
    bool IsHiddenTemplate(const ctemplate::TemplateString& name) const override;
    const char* GetIncludeTemplateName(const ctemplate::TemplateString& variable, int dictnum) const override;
    TemplateDictionaryInterface::Iterator* CreateTemplateIterator(const ctemplate::TemplateString& name) const override;
    TemplateDictionaryInterface::Iterator* CreateSectionIterator(const ctemplate::TemplateString& name) const override;
    void DumpToString(std::string* out, int level) const override;

private:
    friend class PageData;
    class Iterator;

    // A name with its first eight bytes as one word, and one bit of 64
    // for the dictionaries' filters: most lookups of a name a dictionary
    // lacks stop at the filter, most others compare one word per entry.
    struct Key {
        explicit Key(std::string_view n);
        bool operator==(const Key& k) const;

        std::uint64_t head;
        std::uint64_t bit;
        std::string_view name;
    };
    struct Value {
        Key key;
        std::string_view value;
        Value* next;
    };
    // A section's dictionaries in the order added (linked by next_); none
    // when it is shown without dictionaries of its own.
    struct Section {
        Key key;
        Dict* first;
        Dict* last;
        Section* next;
    };

    // Where a section's state is found for this dictionary: the section
    // (or null) and the dictionary that holds it (null: the page's globals
    // or the theme's, expanded once with the globals).
    struct Found {
        const Section* section;
        const Dict* owner;
    };
    Found resolve_section(const ctemplate::TemplateString& name) const;

    const Value* find_value(const Key& key) const;
    Section* find_section(const Key& key) const;
    Section* add_section(const Key& key);
    void append(Section* s, Dict* d);

    PageData* page_;
    const Dict* parent_;
    Dict* next_ = nullptr;  // the next dictionary of the same section
    Value* values_ = nullptr;
    Section* sections_ = nullptr;
    std::uint64_t value_bits_ = 0;    // the bits of the values' keys
    std::uint64_t section_bits_ = 0;  // the bits of the sections' keys
};

// A page's dictionaries: the root (the layout's) and its globals, seen by
// every template the page includes, then the theme's constants. All of it lives in the page's buffer
// (a few KB on the stack, more from the heap if need be), released when
// the page is.
class PageData {
public:
    // constants: what every page of a theme shows alike (Theme::constants()),
    // seen after the page's own globals; it outlives the page.
    explicit PageData(const PageData* constants = nullptr);
    PageData(const PageData&) = delete;
    PageData& operator=(const PageData&) = delete;

    Dict& root() { return root_; }
    const Dict& root() const { return root_; }
    void SetTemplateGlobalValue(Name name, std::string_view value) { globals_.SetValue(name, value); }
    void ShowTemplateGlobalSection(Name section) { globals_.ShowSection(section); }

private:
    friend class Dict;

    std::string_view copy(std::string_view s);
    Dict* make(const Dict* parent);

    // The last section resolved: ctemplate asks whether a section is
    // hidden, then, if not, for its iterator, the same name of the same
    // dictionary one after the other; the second finds the first's answer.
    // The same bytes (the template's own, which do not move while it
    // expands) of the same dictionary are the same question; a section
    // added forgets the answer.
    mutable const Dict* last_from_ = nullptr;
    mutable const char* last_name_ = nullptr;
    mutable std::size_t last_size_ = 0;
    mutable Dict::Found last_found_{};

    alignas(std::max_align_t) std::byte buffer_[12288];
    std::pmr::monotonic_buffer_resource memory_;
    const PageData* constants_;
    Dict globals_;
    Dict root_;
};

}  // namespace extranet::parts
