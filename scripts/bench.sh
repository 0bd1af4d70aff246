#!/usr/bin/env bash
# make bench: side-by-side measurements of the module in one run (proxied
# request cost, login timing of unknown vs known identifiers, event loop
# latency under password hashing). Loopback only; a throwaway PostgreSQL and
# nginx that t/bench/bench.pl stops and removes; bounded in time.
#
#   scripts/bench.sh MODULE_SO
#
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
# The Perl side stops itself well before; the timeout is a last resort that
# still lets it clean up (SIGTERM runs its END blocks).
TEST_EXTRANET_MODULE="$(realpath "$module")" \
    exec nice -n "${BENCH_NICE:-0}" timeout --kill-after=20 170 perl -I t/lib t/bench/bench.pl
