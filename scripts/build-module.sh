#!/usr/bin/env bash
# Build the dynamic module against an nginx source tree.
#   build-module.sh NGINX_SRC BUILD_DIR MODULE_DIR [CONFIGURE_OPTION...]
# With Debian's nginx-dev tree (it has conf_flags) the module is configured
# with the flags Debian's nginx was built with, so that it loads there.
set -euo pipefail
src="$1"; dir="$2"; module="$3"
shift 3
extra=("$@")   # more configure options (make test-sanitize: --with-cc-opt...)

if [ ! -x "$src/configure" ] && [ ! -x "$src/auto/configure" ]; then
    echo "build: no nginx source tree at $src (install nginx-dev or set NGINX_SRC)" >&2
    exit 1
fi

# configure again when the addon scripts change, a source file comes or
# goes (config lists the core's files when it runs) or the version changes
# (config writes debian/changelog's into objs/)
stamp="$dir/.configured"
sources="$(cd "$module" && ls src/*/*.cpp src/core/*/*.cpp)"
if [ ! -f "$stamp" ] || [ "$module/config" -nt "$stamp" ] || [ "$module/config.make" -nt "$stamp" ] \
   || [ "$module/debian/changelog" -nt "$stamp" ] \
   || [ "$(cat "$stamp")" != "$sources" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    cp -a "$src/." "$dir/"
    cd "$dir"
    configure=./configure
    [ -x ./configure ] || configure=./auto/configure
    flags=()
    if [ -f conf_flags ]; then
        # shellcheck disable=SC1091
        . ./conf_flags
        flags=("${NGX_CONF_FLAGS[@]}")
    else
        flags=(--with-compat --with-threads)
    fi
    "$configure" "${flags[@]}" ${extra[@]+"${extra[@]}"} --add-dynamic-module="$module" > configure.log 2>&1 \
        || { tail -30 configure.log >&2; exit 1; }
    echo "$sources" > "$stamp"
fi

cd "$dir"
# the built-in theme again, should a file of it have changed (only a real
# change touches the .inc, so make rebuilds only then)
sh "$module/scripts/embed-theme.sh" "$module/themes/default" objs/addon/gen/default_theme.inc
if ! make -f objs/Makefile modules -j"$(nproc)" > make.log 2>&1; then
    grep -E 'error|Error' make.log >&2 || tail -40 make.log >&2
    exit 1
fi
ls -l objs/ngx_http_auth_extranet_module.so
