#!/usr/bin/env bash
# make bench: side-by-side measurements of the module in one run. First the
# user's comparison (t/bench/compare.pl): nginx without the module vs with
# it protecting the location, separate masters, a login storm, the portal's
# pages, the allocator calls per proxied request; then the module's own
# cost in one nginx (t/bench/bench.pl: proxied request cost and profile,
# login timing of unknown vs known identifiers, event loop latency under
# password hashing). Loopback only; a throwaway PostgreSQL and nginx
# instances that the scripts stop and remove; bounded in time.
#
#   scripts/bench.sh MODULE_SO
#
# BENCH_ONLY=portal runs only the portal pages' rates (a page change
# measured before/after, a minute); BENCH_ONLY=compare only the comparison.
# The module is measured side by side with a build of an earlier commit
# ("before"): BENCH_BASE (default: the commit the fast path work started
# from; BENCH_BASE=none skips it) is exported with git archive into a
# temporary directory and built with scripts/build-module.sh into
# build/bench-base/<commit>/ (kept for the next run, never committed).
# BENCH_QUICK=1 shortens every phase (a smoke run, figures less stable).
# BENCH_NICE=-10 (say) runs the bench and everything it starts at that
# niceness: steadier figures on a machine busy with other work.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
module="${1:?usage: scripts/bench.sh MODULE_SO}"
[ -f "$module" ] || { echo "bench: $module not found (make build)" >&2; exit 1; }

# wrk (Debian package, installed by make deps) drives the HTTP load.
command -v wrk >/dev/null || { echo "bench: wrk not found (make deps)" >&2; exit 1; }

cd "$here"

base="${BENCH_BASE:-4ef0991}"
before=""
if [ "$base" != none ]; then
    commit="$(git rev-parse --verify "$base^{commit}")"
    before_dir="$here/build/bench-base/$commit"
    before="$before_dir/nginx/objs/ngx_http_auth_extranet_module.so"
    if [ ! -f "$before" ]; then
        echo "bench: building the module of $commit (before) into $before_dir" >&2
        src="$(mktemp -d)"
        trap 'rm -rf "$src"' EXIT
        git archive "$commit" | tar -x -C "$src"
        # with the base tree's own build script: its files are not this tree's
        "$src/scripts/build-module.sh" "${NGINX_SRC:-/usr/share/nginx/src}" "$before_dir/nginx" "$src" >&2
        rm -rf "$src"
        trap - EXIT
    fi
fi

# The bare hash rate of the core's own scrypt, for the logins/s ratio.
hash_rate="$here/build/bench/hash_rate"
if [ ! -x "$hash_rate" ] || [ tools/hash_rate.cpp -nt "$hash_rate" ] \
   || [ src/core/primitives/password.cpp -nt "$hash_rate" ] || [ src/core/primitives/prepared_password.cpp -nt "$hash_rate" ] \
   || [ src/core/primitives/crypt_formats.cpp -nt "$hash_rate" ] || [ src/core/primitives/crypto.cpp -nt "$hash_rate" ]; then
    mkdir -p "$(dirname "$hash_rate")"
    ${CXX:-g++} -O2 -std=c++17 -Isrc -o "$hash_rate" tools/hash_rate.cpp \
        src/core/primitives/password.cpp src/core/primitives/prepared_password.cpp src/core/primitives/crypt_formats.cpp \
        src/core/primitives/crypto.cpp -lcrypto -lcrypt -lunistring -lpthread
fi
# The allocator's calls of the workers, counted (LD_PRELOAD).
malloc_count="$here/build/bench/malloc_count.so"
if [ ! -f "$malloc_count" ] || [ t/bench/malloc_count.c -nt "$malloc_count" ]; then
    mkdir -p "$(dirname "$malloc_count")"
    ${CC:-gcc} -O2 -shared -fPIC -o "$malloc_count" t/bench/malloc_count.c -lpthread
fi
summary="$here/build/bench/compare.txt"
rm -f "$summary"

export TEST_EXTRANET_MODULE="$(realpath "$module")"

TEST_EXTRANET_MODULE="$(realpath "$module")" nice -n "${BENCH_NICE:-0}" timeout --kill-after=20 300 perl -I t/lib t/bench/fleet.pl
# Portal page renders per second at the core (the themes' templates).
make -s -C "$here" render-bench
# The Perl side stops itself well before; the timeout is a last resort that
# still lets it clean up (SIGTERM runs its END blocks).
case "${BENCH_ONLY:-}" in
    portal) BENCH_MODULE_BEFORE="$before" BENCH_ONLY=portal exec nice -n "${BENCH_NICE:-0}" timeout --kill-after=20 300 \
                perl -I t/lib t/bench/compare.pl ;;
esac
BENCH_MODULE_BEFORE="$before" BENCH_MALLOC_SHIM="$malloc_count" BENCH_COMPARE_OUT="$summary" BENCH_ONLY= \
    nice -n "${BENCH_NICE:-0}" timeout --kill-after=20 720 perl -I t/lib t/bench/compare.pl
[ "${BENCH_ONLY:-}" = compare ] && exit 0
BENCH_MODULE_BEFORE="$before" BENCH_HASH_RATE="$hash_rate" BENCH_COMPARE_SUMMARY="$summary" \
    exec nice -n "${BENCH_NICE:-0}" timeout --kill-after=20 420 perl -I t/lib t/bench/bench.pl
