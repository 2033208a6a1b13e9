#!/bin/sh
# build-deb.sh - build odmr-fetch_VERSION_ARCH.deb with Debian 12's tools.
#
# Usage: packaging/build-deb.sh WORKDIR
#
# dpkg-buildpackage wants ./debian at the top of the source tree, and this
# repository's top level is fixed, so the Debian files live in
# packaging/debian/: this script copies the source tree (without build
# directories or .git) to WORKDIR/odmr-fetch-VERSION, packaging/debian to its
# ./debian, and runs `dpkg-buildpackage -b -us -uc` there. The .deb (and
# .buildinfo, .changes) land in WORKDIR.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 64; }
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n '1s/^odmr-fetch (\([^)]*\)).*/\1/p' "$top/packaging/debian/changelog")
mkdir -p "$1"
work=$(cd "$1" && pwd)
tree=$work/odmr-fetch-$version

commit=${ODMR_COMMIT:-}
if [ -z "$commit" ] && git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    commit=$(git -C "$top" describe --always --dirty --tags 2>/dev/null || true)
fi
export ODMR_COMMIT="${commit:-unknown}"

rm -rf "$tree" "$work"/odmr-fetch_*
mkdir -p "$tree"
(cd "$top" && tar -cf - --exclude=./.git --exclude='./build*' --exclude=__pycache__ .) |
    (cd "$tree" && tar -xf -)
rm -rf "$tree/debian"
cp -a "$top/packaging/debian" "$tree/debian"

# ccache, when installed (it can only reuse what does not use the
# precompiled header, whose .gch differs from build to build).
if [ -d /usr/lib/ccache ]; then
    PATH=/usr/lib/ccache:$PATH
    CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
    export PATH CCACHE_SLOPPINESS
fi
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=2}"

cd "$tree"
dpkg-buildpackage -b -us -uc
ls "$work"/odmr-fetch_"$version"_*.deb
