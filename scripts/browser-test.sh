#!/usr/bin/env bash
# The browser test (`make browser`): a fresh throwaway demo environment
# (scripts/run-demo.sh: PostgreSQL, nginx with the module, the njs legacy
# app, on free loopback ports), the owner's journey in headless Chromium
# (t/browser/journey.mjs, playwright-core), the passkeys test
# (t/browser/passkeys.mjs), then everything stopped.
#
#   browser-test.sh [MODULE_SO]     default build/nginx/objs/ngx_http_auth_extranet_module.so
#
# Exit code: the journey's, else the passkeys test's, else the themes test's
# (t/browser/themes.mjs, run first) (0 only when every step passed); non-zero as well
# when the environment cannot be started. Screenshots: t/artifacts/.
# CHROMIUM overrides /usr/bin/chromium; BROWSER_TIMEOUT (s, default 600)
# bounds the journey.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="${1:-$here/build/nginx/objs/ngx_http_auth_extranet_module.so}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
timeout_s="${BROWSER_TIMEOUT:-600}"

die() { echo "browser-test: $*" >&2; exit 1; }
say() { echo "browser-test: $*" >&2; }

[ -f "$module" ] || die "module not found: $module (run make build)"
[ -x "$CHROMIUM" ] || die "chromium not found: $CHROMIUM (apt-get install chromium)"
command -v node >/dev/null || die "node not found (apt-get install nodejs npm)"

# playwright-core and axe-core, pinned in t/browser/package.json (and its
# lock file).
if [ ! -f "$here/t/browser/node_modules/playwright-core/package.json" ] \
   || [ ! -f "$here/t/browser/node_modules/axe-core/axe.min.js" ]; then
    command -v npm >/dev/null || die "npm not found (apt-get install npm)"
    say "installing playwright-core and axe-core (npm) in t/browser"
    if [ -f "$here/t/browser/package-lock.json" ]; then
        (cd "$here/t/browser" && npm ci --no-audit --no-fund) >&2
    else
        (cd "$here/t/browser" && npm install --no-audit --no-fund) >&2
    fi || die "npm could not install playwright-core"
fi

any_free_port() {
    perl -MIO::Socket::INET -e \
        'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0,
                                     Proto => "tcp", Listen => 1)->sockport, "\n"'
}

work="$(mktemp -d /tmp/extranet-browser.XXXXXX)"
demo_pid=""
test_pid=""
demo_log="$work/demo.log"
cleaned=0

stop_demo() {
    [ -n "$demo_pid" ] || return 0
    if kill -0 "$demo_pid" 2>/dev/null; then
        # run-demo.sh stops nginx and PostgreSQL and removes its folder.
        kill -TERM "$demo_pid" 2>/dev/null || true
        for _ in $(seq 1 300); do
            kill -0 "$demo_pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$demo_pid" 2>/dev/null; then
            say "the demo did not stop within 30 s, killing it"
            kill -KILL "$demo_pid" 2>/dev/null || true
        fi
    fi
    wait "$demo_pid" 2>/dev/null || true
    demo_pid=""
}

cleanup() {
    [ "$cleaned" -eq 0 ] || return 0
    cleaned=1
    if [ -n "$test_pid" ] && kill -0 "$test_pid" 2>/dev/null; then
        kill -TERM "$test_pid" 2>/dev/null || true   # timeout passes it on to node
        wait "$test_pid" 2>/dev/null || true
    fi
    stop_demo
    rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Sets base to the demo's URL once it answers; fails if it died first.
# (Not run in a $(...) subshell: demo_pid must stay in this shell.)
start_demo() {
    local port="$1" i
    : > "$demo_log"
    "$here/scripts/run-demo.sh" "$module" "$port" > "$demo_log" 2>&1 &
    demo_pid=$!
    for ((i = 0; i < 600; i++)); do     # 60 s: initdb, migrations, nginx
        if grep -q "Extranet demo: http://127.0.0.1:$port/" "$demo_log"; then
            base="http://127.0.0.1:$port"
            return 0
        fi
        kill -0 "$demo_pid" 2>/dev/null || break
        sleep 0.1
    done
    stop_demo
    return 1
}

# A free port may be taken between choosing it and nginx binding it: retry.
base=""
for attempt in 1 2 3; do
    port="$(any_free_port)"
    say "starting the demo on port $port"
    if start_demo "$port"; then
        break
    fi
    say "the demo did not start (attempt $attempt):"
    sed 's/^/    /' "$demo_log" >&2
    base=""
done
[ -n "$base" ] || die "could not start the demo environment"

# The demo's folder, for its logs in case of failure.
demo_dir="$(sed -n 's/^  Logs: \(.*\)\/error\.log,.*/\1/p' "$demo_log" | head -n 1)"
# Its PostgreSQL ("<dir> <port>"), where the tests read the mails the demo
# does not send (the confirmation link of a new address).
EXTRANET_DEMO_PG="$(sed -n 's/^  Mails: .*pg\.sh psql \([^ ]*\) \([0-9]*\) .*/\1 \2/p' "$demo_log" | head -n 1)"
export EXTRANET_DEMO_PG

# Two sites, two themes (t/browser/themes.mjs), first: it leaves the demo
# accounts as it found them.
durand_base="$(sed -n 's/^  Second site (theme cabinet-durand): \(http:[^ ]*\)\/auth\/login$/\1/p' "$demo_log" | head -n 1)"
[ -n "$durand_base" ] || die "the demo did not say where its second site is"
say "running the themes test against $base and $durand_base"
timeout -k 5 "$timeout_s" node "$here/t/browser/themes.mjs" "$base" "$durand_base" &
test_pid=$!
set +e
wait "$test_pid"
themes_rc=$?
set -e
test_pid=""

say "running the journey against $base"
# In the background so that a Ctrl-C (trapped) does not wait for it.
timeout -k 5 "$timeout_s" node "$here/t/browser/journey.mjs" "$base" &
test_pid=$!
set +e
wait "$test_pid"
rc=$?
set -e
test_pid=""

# Passkeys (t/browser/passkeys.mjs), after the journey: it links the account
# the journey leaves unlinked (040000300001) to an e-mail of its own.
say "running the passkeys test against $base"
timeout -k 5 "$timeout_s" node "$here/t/browser/passkeys.mjs" "$base" &
test_pid=$!
set +e
wait "$test_pid"
passkeys_rc=$?
set -e
test_pid=""
[ "$passkeys_rc" -ne 124 ] || say "the passkeys test took more than ${timeout_s}s"
[ "$rc" -ne 0 ] || rc=$passkeys_rc
[ "$rc" -ne 0 ] || rc=$themes_rc

if [ "$rc" -ne 0 ]; then
    [ "$rc" -ne 124 ] || say "the journey took more than ${timeout_s}s"
    if [ -n "$demo_dir" ] && [ -f "$demo_dir/error.log" ]; then
        say "last lines of the demo's nginx error.log:"
        grep -v '\[info\]' "$demo_dir/error.log" | tail -n 30 | sed 's/^/    /' >&2 || true
    fi
    say "FAILED (exit $rc); screenshots in t/artifacts/"
else
    say "passed; screenshots in t/artifacts/"
fi
exit "$rc"
