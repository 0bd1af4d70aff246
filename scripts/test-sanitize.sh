#!/usr/bin/env bash
# The unit and integration tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (make test-sanitize).
#   test-sanitize.sh SAN_BUILD UNIT_BINARY...
# The core and the module are built with -fsanitize=address,undefined
# -fno-sanitize-recover=all (see the Makefile). Debian's nginx binary is not
# instrumented, so the integration tests run it through a wrapper that
# preloads gcc's ASan runtime (it must come first in the process to
# intercept malloc), with libstdc++; the module then loads into a
# sanitized process. Every
# report is written to SAN_BUILD/reports/ (log_path) and aborts the
# process; any report there, or any failed test, fails the run.
set -uo pipefail
san="$1"; shift
root="$(cd "$(dirname "$0")/.." && pwd)"
reports="$san/reports"
rm -rf "$reports"
# Workers run as nginx's unprivileged user when tests run as root: they
# must be able to write their reports too.
mkdir -p "$reports"
chmod 1777 "$reports"

libasan="$(gcc -print-file-name=libasan.so)"
libstdcxx="$(gcc -print-file-name=libstdc++.so)"
if [ ! -e "$libasan" ] || [ ! -e "$libstdcxx" ]; then
    echo "test-sanitize: gcc's libasan.so or libstdc++.so not found" >&2
    exit 1
fi

# halt on the first report, in every process; leaks are checked in the
# unit tests only (nginx frees its pools by exiting).
common="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export UBSAN_OPTIONS="$common:log_path=$reports/ubsan"

status=0
start=$(date +%s)

echo "# unit tests (ASan+UBSan, leak detection on)"
for t in "$@"; do
    echo "# $t"
    ASAN_OPTIONS="$common:detect_leaks=1:log_path=$reports/asan-unit" "$t" || status=1
done
unit_end=$(date +%s)

wrapper="$san/nginx-sanitized"
cat > "$wrapper" <<WRAP
#!/bin/sh
# Debian's nginx with the ASan runtime preloaded (make test-sanitize).
# libstdc++ too: nginx itself does not link it, and ASan finds the real
# __cxa_throw only in the libraries loaded when it starts.
export LD_PRELOAD="$libasan:$libstdcxx\${LD_PRELOAD:+:\$LD_PRELOAD}"
export ASAN_OPTIONS="$common:detect_leaks=0:log_path=$reports/asan-nginx\${ASAN_EXTRA:+:\$ASAN_EXTRA}"
exec /usr/sbin/nginx "\$@"
WRAP
chmod +x "$wrapper"

# The runtime must really be in nginx, or nothing below would be checked.
help="$(ASAN_EXTRA=help=1:log_path=stderr "$wrapper" -V 2>&1)"
if ! grep -q 'Available flags for AddressSanitizer' <<< "$help"; then
    echo "test-sanitize: the ASan runtime does not load into nginx" >&2
    exit 1
fi

echo "# integration tests (nginx with the sanitized module)"
TEST_NGINX_BINARY="$wrapper" \
TEST_NGINX_KEEP_ENV="LD_PRELOAD ASAN_OPTIONS UBSAN_OPTIONS" \
TEST_EXTRANET_MODULE="$san/nginx/objs/ngx_http_auth_extranet_module.so" \
    prove -I "$root/t/lib" ${PROVE_ARGS:-} ${TESTS:-"$root"/t/*.t} || status=1
end=$(date +%s)

echo "# unit tests: $((unit_end - start)) s, integration tests: $((end - unit_end)) s"
if ls "$reports" | grep -q .; then
    echo "test-sanitize: sanitizer reports:" >&2
    ls "$reports" >&2
    for f in $(ls "$reports"/* | head -3); do
        echo "=== $f" >&2
        head -60 "$f" >&2
    done
    status=1
fi
if grep -rlsE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$reports" >/dev/null; then
    status=1
fi
[ "$status" -eq 0 ] && echo "test-sanitize: no sanitizer report, all tests passed"
exit "$status"
