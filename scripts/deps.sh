#!/usr/bin/env bash
# Install, with apt-get, the Debian packages given as arguments that are not
# installed yet; with --browser, then playwright-core from npm for the
# browser test.
#   deps.sh [--browser] PACKAGE...
set -euo pipefail

browser=0
if [ "${1:-}" = "--browser" ]; then
    browser=1
    shift
fi

missing=()
for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        # a newer Node.js installed outside apt also provides node and npm
        case "$pkg" in
            nodejs) command -v node >/dev/null && continue ;;
            npm) command -v npm >/dev/null && continue ;;
        esac
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}"
fi

# The browser test drives Debian's chromium with playwright-core and checks
# every page with axe-core.
here="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$browser" -eq 1 ] && { [ ! -d "$here/t/browser/node_modules/playwright-core" ] \
                              || [ ! -d "$here/t/browser/node_modules/axe-core" ]; }; then
    echo "deps: installing playwright-core and axe-core into t/browser"
    (cd "$here/t/browser" && npm install --no-audit --no-fund)
fi
