// make bench's control for the logins/s figure: the bare rate of the core's
// own password hash (src/core/primitives/password.cpp, as the module links it), with
// the same scheme and parameters, in T threads for S seconds, outside nginx.
//
//   hash_rate scrypt N r p THREADS SECONDS
//   hash_rate pbkdf2 ITERATIONS THREADS SECONDS
//
// Prints "hashes H seconds S rate R" (R hashes per second, all threads).
// The hashing threads keep their memory as the module's workers do
// (keep_hash_memory): the fastest the bare function goes here. With
// HASH_RATE_NICE=n in the environment each thread runs at that niceness,
// as the module's pool threads do (nice 10, ngx_http_auth_extranet_bridge.cpp).
#include "core/primitives/password.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv)
{
    using clock = std::chrono::steady_clock;

    std::string scheme = argc > 1 ? argv[1] : "";
    int need = scheme == "scrypt" ? 7 : scheme == "pbkdf2" ? 5 : 0;
    if (need == 0 || argc != need) {
        std::fprintf(stderr, "usage: hash_rate scrypt N r p THREADS SECONDS\n"
                             "       hash_rate pbkdf2 ITERATIONS THREADS SECONDS\n");
        return 2;
    }

    unsigned long n = 0, r = 0, p = 0, iterations = 0;
    int threads, at;
    if (scheme == "scrypt") {
        n = std::strtoul(argv[2], nullptr, 10);
        r = std::strtoul(argv[3], nullptr, 10);
        p = std::strtoul(argv[4], nullptr, 10);
        at = 5;
    } else {
        iterations = std::strtoul(argv[2], nullptr, 10);
        at = 3;
    }
    threads = std::atoi(argv[at]);
    double seconds = std::atof(argv[at + 1]);
    if (threads < 1 || seconds <= 0) {
        std::fprintf(stderr, "hash_rate: THREADS >= 1 and SECONDS > 0\n");
        return 2;
    }

    extranet::keep_hash_memory();
    const char* nice_env = std::getenv("HASH_RATE_NICE");
    int nice_value = nice_env ? std::atoi(nice_env) : 0;

    std::atomic<long> done{0};
    auto start = clock::now();
    auto end = start + std::chrono::duration_cast<clock::duration>(
                           std::chrono::duration<double>(seconds));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; t++) {
        pool.emplace_back([&] {
            if (nice_value != 0) {
                setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), nice_value);
            }
            while (clock::now() < end) {
                if (scheme == "scrypt") {
                    extranet::scrypt_raw("Bench-mot-de-passe-2024", "0123456789abcdef",
                                         n, static_cast<std::uint32_t>(r),
                                         static_cast<std::uint32_t>(p), 32);
                } else {
                    extranet::pbkdf2_sha256_raw("Bench-mot-de-passe-2024",
                                                "0123456789abcdef",
                                                static_cast<std::uint32_t>(iterations), 32);
                }
                done++;
            }
        });
    }
    for (auto& t : pool) {
        t.join();
    }
    double took = std::chrono::duration<double>(clock::now() - start).count();
    std::printf("hashes %ld seconds %.3f rate %.3f\n", done.load(), took, done.load() / took);
    return 0;
}
