#!/bin/sh
# Saves every output a build of onnxrun gives on the repository's models,
# the ONNX backend test folders it passes and (optionally) exported zoo
# cases, then compares two such saves byte for byte: a refactoring that
# must not change a single bit is checked by
#
#   tools/bitwise_compare.sh save OLD/onnxrun /tmp/old [ZOO_DIR]
#   tools/bitwise_compare.sh save NEW/onnxrun /tmp/new [ZOO_DIR]
#   tools/bitwise_compare.sh compare /tmp/old /tmp/new
#
# Each case runs at --threads 1 and 2, each with the default kernels and
# with ONR_DISABLE_AVX2=1 (the portable path). ZOO_DIR holds folders made by
# models/zoo.py (DIR/<case>/model.onnx + test_data_set_0/input_0.pb).
# The backend list is tests/models/onnx_backend_tests.txt, read from
# BACKEND_DATA (default /usr/share/libonnx-testdata/data); set
# BACKEND_DATA=none to skip it. compare exits 1 on any difference or on a
# case present in one save only.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)

run_case() { # onnxrun outdir model [-i name=file ...]
    exe=$1 out=$2 model=$3
    shift 3
    for t in 1 2; do
        for isa in default portable; do
            d="$out/t$t-$isa"
            mkdir -p "$d"
            if [ $isa = portable ]; then
                ONR_DISABLE_AVX2=1 "$exe" --threads $t "$model" "$@" -o "$d" >"$d/log" 2>&1
            else
                "$exe" --threads $t "$model" "$@" -o "$d" >"$d/log" 2>&1
            fi
            echo "rc=$?" >"$d/rc"
            rm -f "$d/log"   # it holds timings
        done
    done
}

save() {
    exe=$1 dest=$2 zoo=${3:-}
    rm -rf "$dest" && mkdir -p "$dest" || exit 1
    for m in "$here"/models/*/; do
        m=${m%/}
        [ -f "$m/model.onnx" ] || continue
        run_case "$exe" "$dest/models/$(basename "$m")" "$m/model.onnx" \
            -i "input=$m/test_data_set_0/input_0.pb"
    done
    if [ -n "$zoo" ]; then
        for m in "$zoo"/*/; do
            m=${m%/}
            [ -f "$m/model.onnx" ] || continue
            run_case "$exe" "$dest/zoo/$(basename "$m")" "$m/model.onnx" \
                -i "input=$m/test_data_set_0/input_0.pb"
        done
    fi
    data=${BACKEND_DATA:-/usr/share/libonnx-testdata/data}
    [ "$data" = none ] || [ ! -d "$data" ] && return 0
    # One python run lists "case<TAB>model<TAB>-i name=file ..." per folder.
    /usr/bin/python3 - "$data" "$here/tests/models/onnx_backend_tests.txt" <<'EOF' |
import os, sys, onnx
data, listing = sys.argv[1], sys.argv[2]
for line in open(listing):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    folder = os.path.join(data, line)
    model = onnx.load(os.path.join(folder, "model.onnx"), load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    names = [i.name for i in model.graph.input if i.name not in inits]
    ds = os.path.join(folder, "test_data_set_0")
    args = []
    for k, n in enumerate(names):
        args.append("-i")
        args.append("%s=%s" % (n, os.path.join(ds, "input_%d.pb" % k)))
    print("\t".join([line.replace("/", "__"), os.path.join(folder, "model.onnx")] + args))
EOF
    while IFS="$(printf '\t')" read -r case model rest; do
        # shellcheck disable=SC2086  (the arguments have no spaces)
        run_case "$exe" "$dest/backend/$case" "$model" $(echo "$rest" | tr '\t' ' ')
    done
}

compare() {
    a=$1 b=$2
    na=$(cd "$a" && find . -type f | sort | tee /tmp/bitwise_a.$$ | wc -l)
    nb=$(cd "$b" && find . -type f | sort | tee /tmp/bitwise_b.$$ | wc -l)
    status=0
    if ! cmp -s /tmp/bitwise_a.$$ /tmp/bitwise_b.$$; then
        echo "DIFFERENT FILE SETS:"; diff /tmp/bitwise_a.$$ /tmp/bitwise_b.$$ | head -20
        status=1
    fi
    differ=0
    while read -r f; do
        [ -f "$b/$f" ] || continue
        if ! cmp -s "$a/$f" "$b/$f"; then
            echo "DIFFERS: $f"
            differ=$((differ + 1))
        fi
    done </tmp/bitwise_a.$$
    failed=$(cat "$a"/*/*/*/rc 2>/dev/null | grep -vc 'rc=0')
    rm -f /tmp/bitwise_a.$$ /tmp/bitwise_b.$$
    echo "compared $na files against $nb: $differ differ; $failed runs in $a exited non-zero"
    [ $differ = 0 ] && [ $status = 0 ]
}

case ${1:-} in
save) shift; save "$@" ;;
compare) shift; compare "$@" ;;
*) echo "usage: $0 save ONNXRUN DEST [ZOO_DIR] | compare DIR_A DIR_B" >&2; exit 2 ;;
esac
