#!/bin/sh
# cpack -G DEB makes a package holding the header, both libraries, the
# CLI, pkg-config and CMake files and the Python package, under /usr.
# Usage: deb.sh BUILD_DIR WORK
set -u
build=$1 work=$2
fail() { echo "FAIL: $*"; exit 1; }
command -v dpkg-deb >/dev/null || { echo "SKIP: no dpkg-deb"; exit 77; }
rm -rf "$work" && mkdir -p "$work" || exit 1
cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work" > "$work/cpack.log" 2>&1 ||
    { cat "$work/cpack.log"; fail "cpack -G DEB"; }
deb=$(ls "$work"/*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no .deb in $work"
dpkg-deb -c "$deb" | awk '{print $NF}' > "$work/contents" || fail "dpkg-deb -c"
for pattern in './usr/include/onnxrun.h$' '/libonnxrun.so.0.[0-9.]*$' '/libonnxrun.a$' \
               './usr/bin/onnxrun$' '/pkgconfig/onnxrun.pc$' '/cmake/onnxrun/onnxrunConfig.cmake$' \
               '/cmake/onnxrun/onnxrunConfigVersion.cmake$' '/cmake/onnxrun/onnxrunTargets.cmake$' \
               './usr/lib/python3/dist-packages/onnxrun/__init__.py$' \
               './usr/lib/python3/dist-packages/onnxrun/_config.py$'; do
    grep -q "$pattern" "$work/contents" || { cat "$work/contents"; fail "the package lacks $pattern"; }
done
dpkg-deb -f "$deb" Depends > "$work/depends" || fail "dpkg-deb -f"
for dep in libprotobuf-c libgomp1 libc6; do
    grep -q "$dep" "$work/depends" || fail "Depends lacks $dep: $(cat "$work/depends")"
done
echo "ok: $(basename "$deb"): $(wc -l < "$work/contents") entries; Depends: $(cat "$work/depends")"
rm -rf "$work"
