#!/bin/sh
# An installed onnxrun used as its README says: examples/run_block.c built
# with pkg-config against the shared and the static library, and
# examples/CMakeLists.txt with find_package(onnxrun) (shared and static);
# each runs the notebook's block and must match its PyTorch reference.
# Usage: consumers.sh PREFIX EXAMPLES_DIR CASE_DIR WORK CC [EXTRA_FLAGS]
# EXTRA_FLAGS: the sanitizer flags of a sanitizer build of the library.
set -u
prefix=$1 examples=$2 case_dir=$3 work=$4 cc=$5 extra=${6:-}
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1
pc=$(find "$prefix" -name onnxrun.pc | head -n 1)
[ -n "$pc" ] || fail "no onnxrun.pc under $prefix"
export PKG_CONFIG_PATH="$(dirname "$pc")"
libdir=$(pkg-config --variable=libdir onnxrun) || fail "pkg-config onnxrun"
for f in "$prefix/include/onnxrun.h" "$libdir/libonnxrun.a" "$libdir/libonnxrun.so" \
         "$prefix/bin/onnxrun" "$libdir/cmake/onnxrun/onnxrunConfig.cmake"; do
    [ -e "$f" ] || fail "not installed: $f"
done
# Self-contained: the protobuf-c code generated from onnx.proto is inside.
nm "$libdir/libonnxrun.a" 2>/dev/null | grep -q ' T onnx__tensor_proto__unpack$' ||
    fail "libonnxrun.a lacks onnx__tensor_proto__unpack"

echo "== pkg-config, shared: $(pkg-config --cflags --libs onnxrun)"
$cc $extra "$examples/run_block.c" $(pkg-config --cflags --libs onnxrun) -Wl,-rpath,"$libdir" \
    -o "$work/run_shared" || fail "building against libonnxrun.so"
readelf -d "$work/run_shared" | grep -q 'NEEDED.*libonnxrun.so.0' || fail "run_shared does not use libonnxrun.so.0"
"$work/run_shared" "$case_dir" || fail "run_shared"

# Static: libonnxrun.a by path, then what pkg-config --static says it needs.
static_libs=$(pkg-config --static --libs-only-l onnxrun | sed 's/-lonnxrun//')
static_other=$(pkg-config --static --libs-only-other onnxrun)
echo "== pkg-config, static: $libdir/libonnxrun.a $static_other $static_libs"
$cc $extra "$examples/run_block.c" $(pkg-config --cflags onnxrun) "$libdir/libonnxrun.a" \
    $static_other $static_libs -o "$work/run_static" || fail "building against libonnxrun.a"
readelf -d "$work/run_static" | grep -q 'libonnxrun' && fail "run_static depends on libonnxrun.so"
"$work/run_static" "$case_dir" || fail "run_static"

for kind in shared static; do
    echo "== CMake package, $kind"
    static=OFF; [ $kind = static ] && static=ON
    cmake -S "$examples" -B "$work/cmake_$kind" -DCMAKE_PREFIX_PATH="$prefix" \
          -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$extra" -DONNXRUN_STATIC=$static \
          -DCMAKE_BUILD_TYPE=Release > "$work/cmake_$kind.log" 2>&1 ||
        { cat "$work/cmake_$kind.log"; fail "configuring examples/ ($kind)"; }
    cmake --build "$work/cmake_$kind" > "$work/build_$kind.log" 2>&1 ||
        { cat "$work/build_$kind.log"; fail "building examples/ ($kind)"; }
    "$work/cmake_$kind/run_block" "$case_dir" 1 || fail "CMake $kind run_block"
done
echo "== installed CLI"
"$prefix/bin/onnxrun" --test "$case_dir" > "$work/cli.log" 2>&1 || { cat "$work/cli.log"; fail "installed onnxrun --test"; }
rm -rf "$work"
echo "ok: pkg-config shared and static, CMake shared and static, the CLI"
