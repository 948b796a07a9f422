#!/bin/sh
# The shared library exports exactly the functions include/onnxrun.h marks
# ONR_API (nothing else: no internal onr_* helper, no protobuf-c code, no
# kernel), and its SONAME carries the major version.
# Usage: check_exports.sh LIBONNXRUN_SO ONNXRUN_H MAJOR
set -u
so=$1 header=$2 major=$3
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }
nm -D --defined-only "$so" | awk '{print $NF}' | sort > "$work/exported" || exit 1
# The name before the '(' on each line that declares an ONR_API function.
grep '^ONR_API ' "$header" | sed 's/(.*//; s/.*[ *]//' | sort > "$work/declared"
if [ ! -s "$work/declared" ]; then echo "FAIL: no ONR_API declarations in $header"; exit 1; fi
status=0
if grep -v '^onr_' "$work/exported" > "$work/foreign"; then
    echo "FAIL: exported symbols without the onr_ prefix:"; cat "$work/foreign"; status=1
fi
if ! diff "$work/declared" "$work/exported" > "$work/diff"; then
    echo "FAIL: exports differ from the header's ONR_API functions (< header only, > library only):"
    grep '^[<>]' "$work/diff"; status=1
fi
soname=$(readelf -d "$so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
if [ "$soname" != "libonnxrun.so.$major" ]; then
    echo "FAIL: SONAME is '$soname', expected libonnxrun.so.$major"; status=1
fi
[ $status = 0 ] && echo "ok: $(wc -l < "$work/exported") exported functions, all onr_*, as declared; SONAME $soname"
exit $status
