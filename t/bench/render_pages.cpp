// Copyright (C) 2026 The ngx_http_auth_extranet_module authors
// SPDX-License-Identifier: BSD-2-Clause
// Portal page renders per second at the core, before and after: the login
// page and "Gérer mes comptes" (three accounts, two sessions, one passkey)
// rendered in a loop as a pool thread renders them, by this tree's views
// ("after") and by an earlier commit's ("before", RENDER_BASE in the
// Makefile, built into this same binary under another namespace).
//
// The two sides run interleaved, in rounds, each round alternating which
// side goes first, so that a machine's load weighs on both alike; each
// side's figure is the median of its rounds, and the ratio after/before
// (the median of the rounds' ratios) is what to judge: absolute figures
// depend on the machine's load.
//
//   build/bench/render_pages [rounds, default 7] [seconds per sample, default 0.5]
//   build/bench/render_pages after|before [seconds per page] [login|manage]   (one side, for perf)
//
// Prints a table, then one line per page:
//   "<page> before <renders/s> after <renders/s> ratio <after/before>"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace extranet::bench {
std::string render_login_page();
std::string render_manage_page();
}  // namespace extranet::bench

namespace extranet_before::bench {
std::string render_login_page();
std::string render_manage_page();
}  // namespace extranet_before::bench

namespace {

using Render = std::string (*)();

struct Side {
    const char* name;
    Render render;
    std::vector<double> rates;
    std::size_t bytes = 0;
};

struct PageBench {
    const char* name;
    Side sides[2];
    std::vector<double> ratios;  // after/before, round by round
};

// Renders per second over one sample of the given length.
double sample(Side& side, double seconds)
{
    using clock = std::chrono::steady_clock;
    long n = 0;
    std::size_t bytes = 0;
    auto start = clock::now();
    auto end = start + std::chrono::duration<double>(seconds);
    clock::time_point now;
    do {
        for (int i = 0; i < 50; ++i) bytes += side.render().size();
        n += 50;
        now = clock::now();
    } while (now < end);
    side.bytes = bytes / static_cast<std::size_t>(n);
    return n / std::chrono::duration<double>(now - start).count();
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc > 1 && (std::string(argv[1]) == "after" || std::string(argv[1]) == "before")) {
        bool after = std::string(argv[1]) == "after";
        double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
        Side login{argv[1], after ? extranet::bench::render_login_page : extranet_before::bench::render_login_page, {}};
        Side manage{argv[1], after ? extranet::bench::render_manage_page : extranet_before::bench::render_manage_page, {}};
        std::string only = argc > 3 ? argv[3] : "";
        if (only != "manage") std::printf("login %s %.0f renders/s\n", argv[1], sample(login, seconds));
        if (only != "login") std::printf("manage %s %.0f renders/s\n", argv[1], sample(manage, seconds));
        return 0;
    }
    int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
    double seconds = argc > 2 ? std::atof(argv[2]) : 0.5;
    if (rounds < 1 || !(seconds > 0)) {
        std::fprintf(stderr, "usage: %s [rounds] [seconds per sample]\n", argv[0]);
        return 2;
    }
    PageBench pages[] = {
        {"login", {{"before", extranet_before::bench::render_login_page, {}},
                   {"after", extranet::bench::render_login_page, {}}}, {}},
        {"manage", {{"before", extranet_before::bench::render_manage_page, {}},
                    {"after", extranet::bench::render_manage_page, {}}}, {}},
    };
    // Warm up: first renders load the templates and fill the caches.
    for (PageBench& p : pages) {
        for (Side& s : p.sides) sample(s, seconds / 5);
    }
    std::printf("%-6s %5s %12s %12s %7s\n", "page", "round", "before/s", "after/s", "ratio");
    for (int r = 0; r < rounds; ++r) {
        for (PageBench& p : pages) {
            int first = r % 2;  // before first on even rounds, after first on odd ones
            for (int k = 0; k < 2; ++k) {
                Side& s = p.sides[(first + k) % 2];
                s.rates.push_back(sample(s, seconds));
            }
            double before = p.sides[0].rates.back();
            double after = p.sides[1].rates.back();
            p.ratios.push_back(after / before);
            std::printf("%-6s %5d %12.0f %12.0f %7.2f\n", p.name, r + 1, before, after, after / before);
            std::fflush(stdout);
        }
    }
    // The ratio: the median of the rounds' ratios (each round's two samples
    // ran back to back, under the same load).
    for (PageBench& p : pages) {
        std::printf("%s before %.0f renders/s (%zu bytes) after %.0f renders/s (%zu bytes) ratio %.2f\n", p.name,
                    median(p.sides[0].rates), p.sides[0].bytes, median(p.sides[1].rates), p.sides[1].bytes,
                    median(p.ratios));
    }
    return 0;
}
