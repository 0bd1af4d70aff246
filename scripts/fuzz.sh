#!/usr/bin/env bash
# Run each libFuzzer target for a bounded time and fail on any finding.
#   fuzz.sh BUILD_DIR SECONDS TARGET...
# Seeds come from t/fuzz/corpus/<target>/ (read only); what the fuzzer
# learns goes to BUILD_DIR/corpus/<target>/ and is reused by the next run;
# a crashing input is kept in t/artifacts/fuzz/<target>/ with the log.
# Reproduce one with: BUILD_DIR/<target> t/artifacts/fuzz/<target>/crash-...
set -uo pipefail
build="$1"; seconds="$2"; shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"

# Leaks count as findings; UBSan reports stop the target (built with
# -fno-sanitize-recover) and print their stack.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

failed=()
printf '%-15s %12s %10s %8s %s\n' target executions exec/s corpus result > "$build/summary.txt"
for target in "$@"; do
    corpus="$build/corpus/$target"
    seeds="$root/t/fuzz/corpus/$target"
    artifacts="$root/t/artifacts/fuzz/$target"
    mkdir -p "$corpus" "$artifacts"
    log="$artifacts/fuzz.log"
    echo "fuzz: $target for ${seconds}s"
    "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=4096 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$corpus" "$seeds" > "$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    units=$(ls "$corpus" | wc -l)
    if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
        result=ok
    else
        result="FAILED (exit $rc, see $log)"
        failed+=("$target")
        grep -E -m5 'ERROR:|runtime error:|invariant broken|Test unit written' "$log" | sed 's/^/    /'
    fi
    printf '%-15s %12s %10s %8s %s\n' "$target" "${execs:-?}" "${rate:-?}" "$units" "$result" \
        >> "$build/summary.txt"
done

cat "$build/summary.txt"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: findings in ${failed[*]}; inputs kept in t/artifacts/fuzz/" >&2
    exit 1
fi
