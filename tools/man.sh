#!/usr/bin/env bash
# The man pages of the tools, from the POD at the end of each script:
#   tools/man.sh           write tools/extranet-admin.8 and tools/extranet-mailer.8
#   tools/man.sh --check   exit 1 when a committed page differs from its POD
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
check=0
[ "${1:-}" = "--check" ] && check=1
status=0
for tool in extranet-admin extranet-mailer; do
    version="$(sed -n "s/^our \$VERSION = '\(.*\)';/\1/p" "$here/$tool")"
    out="$(pod2man --utf8 --section 8 --center "ngx_http_auth_extranet_module" \
        --release "$tool $version" --date "" --name "${tool^^}" "$here/$tool")"
    if [ "$check" -eq 1 ]; then
        if [ "$out" != "$(cat "$here/$tool.8")" ]; then
            echo "man.sh: $tool.8 is out of date: run tools/man.sh" >&2
            status=1
        fi
    else
        printf '%s\n' "$out" >"$here/$tool.8"
    fi
done
exit "$status"
