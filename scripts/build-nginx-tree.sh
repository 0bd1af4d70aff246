#!/usr/bin/env bash
# Build a whole nginx (binary and dynamic modules) from an nginx source
# tree, with this module and optionally njs added in the same configure, to
# try the module against nginx versions other than Debian's.
#   build-nginx-tree.sh NGINX_SRC BUILD_DIR MODULE_DIR [NJS_SRC]
# NGINX_SRC: an nginx source tree (nginx.org tarball or a git checkout:
# ./configure or auto/configure). NJS_SRC: an njs source tree (its nginx/
# folder is the addon). Results: BUILD_DIR/objs/nginx and the .so files in
# BUILD_DIR/objs/. NGINX_EXTRA_MODULES="dir..." adds other third-party
# dynamic modules (headers-more, brotli...) to the same configure. The
# flags are what the integration tests need (threads, compat, TLS, HTTP/2,
# sub_filter, stub_status, realip...).
set -euo pipefail
src="$1"; dir="$2"; module="$3"; njs="${4:-}"

if [ ! -x "$src/configure" ] && [ ! -x "$src/auto/configure" ]; then
    echo "build-nginx-tree: no nginx source tree at $src" >&2
    exit 1
fi
if [ -n "$njs" ] && [ ! -f "$njs/nginx/config" ]; then
    echo "build-nginx-tree: no njs source tree at $njs" >&2
    exit 1
fi

src="$(cd "$src" && pwd)"; module="$(cd "$module" && pwd)"
[ -z "$njs" ] || njs="$(cd "$njs" && pwd)"
extras=()
for extra in ${NGINX_EXTRA_MODULES:-}; do
    extras+=(--add-dynamic-module="$(cd "$extra" && pwd)")
done
rm -rf "$dir"
mkdir -p "$dir"
cp -a "$src/." "$dir/"
cd "$dir"
configure=./configure
[ -x ./configure ] || configure=./auto/configure
flags=(--prefix="$dir" --with-threads --with-compat
       --with-http_ssl_module --with-http_v2_module
       --with-http_stub_status_module --with-http_sub_module
       --with-http_addition_module --with-http_realip_module
       --with-http_auth_request_module
       --add-dynamic-module="$module")
if [ -n "$njs" ]; then
    # njs builds its engine (libnjs.a) in its own tree, with its own C
    # configure: work on a copy so that builds do not share it.
    cp -a "$njs" "$dir/njs"
    flags+=(--add-dynamic-module="$dir/njs/nginx")
    export NJS_QUICKJS=NO
fi
"$configure" "${flags[@]}" ${extras[@]+"${extras[@]}"} > configure.log 2>&1 \
    || { tail -30 configure.log >&2; exit 1; }
if ! make -f objs/Makefile -j"$(nproc)" > make.log 2>&1; then
    grep -E 'error|Error' make.log | head -40 >&2 || tail -40 make.log >&2
    exit 1
fi
ls objs/nginx objs/*.so
