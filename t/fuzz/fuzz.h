// Shared by the libFuzzer targets: an invariant check that stops the run
// with the failed condition (libFuzzer keeps the input that broke it).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                          \
    do {                                                                          \
        if (!(cond)) {                                                            \
            std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__,       \
                         __LINE__, #cond);                                        \
            std::abort();                                                         \
        }                                                                         \
    } while (0)

inline std::string_view fuzz_text(const std::uint8_t* data, std::size_t size)
{
    return std::string_view(reinterpret_cast<const char*>(data), size);
}
