#!/usr/bin/env bash
# make deb: build the Debian package from debian/ with dpkg-buildpackage
# (debhelper and nginx-dev's dh_nginx), in a copy of the tree so that the
# tree itself stays clean, then check it with lintian.
#
#   build-deb.sh BUILD_DIR
#
# The version is debian/changelog's, the only place it is written. The
# result, BUILD_DIR/<package>_<version>_<arch>.deb, is replaced only by a
# package that lintian passes without error; the build log, lintian's
# report and the debug symbols (<package>-dbgsym_...deb) are in
# BUILD_DIR/deb/, the copy is removed after a good build. Nothing
# is done when the .deb is newer than every file of the tree (FORCE=1 builds
# anyway).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "build-deb: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: build-deb.sh BUILD_DIR"
for tool in dpkg-buildpackage dpkg-parsechangelog dh dh_nginx lintian; do
    command -v "$tool" >/dev/null \
        || die "$tool not found (make deb installs debhelper, dpkg-dev, nginx-dev, lintian)"
done

mkdir -p "$1"
build="$(cd "$1" && pwd)"
source="$(dpkg-parsechangelog -l "$here/debian/changelog" -S Source)"
version="$(dpkg-parsechangelog -l "$here/debian/changelog" -S Version)"
package="$(sed -n 's/^Package: *//p' "$here/debian/control")"
arch="$(dpkg-architecture -qDEB_HOST_ARCH)"
deb="${package}_${version}_${arch}.deb"
work="$build/deb"
copy="$work/$source-$version"

# Left out of the copy: git, build outputs, the tests (the package has none
# of them), and BUILD_DIR itself when it is inside the tree.
excludes=(--exclude=./.git --exclude=./build --exclude=./t)
case "$build/" in
    "$here"/*) excludes+=("--exclude=./${build#"$here"/}") ;;
esac

if [ -f "$build/$deb" ] && [ "${FORCE:-0}" != 1 ]; then
    newer="$(cd "$here" && find . \( -path ./.git -o -path ./build -o -path ./t \
                 -o -path "./${build#"$here"/}" \) -prune -o -newer "$build/$deb" -print -quit)"
    if [ -z "$newer" ]; then
        echo "build-deb: $build/$deb is up to date (FORCE=1 to build it again)"
        exit 0
    fi
fi

rm -rf -- "$work"
mkdir -p -- "$copy"
tar -C "$here" --anchored "${excludes[@]}" -cf - . | tar -C "$copy" -xf -

echo "build-deb: building $deb in $copy (log: $work/build.log)"
if ! (cd "$copy" && DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
          dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
    tail -40 "$work/build.log" >&2
    die "dpkg-buildpackage failed (log: $work/build.log)"
fi
[ -f "$work/$deb" ] || die "dpkg-buildpackage made no $deb (log: $work/build.log)"

echo "build-deb: lintian $deb"
if ! lintian --fail-on error --display-info "$work/$deb" >"$work/lintian.log" 2>&1; then
    cat "$work/lintian.log" >&2
    die "lintian reports errors: $deb not installed into $build"
fi
cat "$work/lintian.log"

mv -f -- "$work/$deb" "$build/$deb"
rm -rf -- "$copy"
echo "build-deb: $build/$deb"
