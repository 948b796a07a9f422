#!/bin/sh
# Exports torchvision model families afresh (models/zoo.py), runs each with
# onnxrun on its stored input and compares with PyTorch's output
# (compare.py: max abs error relative to max|ref|).
# Usage: zoo_test.sh ONNXRUN WORKDIR RTOL [zoo.py options...]
# With ZOO_SHAPE=AxBxCxD, runs with --shape input=ZOO_SHAPE (dynamic batch)
# and also checks that without it onnxrun says symbolic dims default to 1.
# With ZOO_ZERO_BATCH=1 (models exported with --dynamic), also runs each at
# batch 0 with 1 and 2 threads: an empty output or a refusal with a
# message, never a crash.
set -u
onnxrun=$1 work=$2 rtol=$3
shift 3
here=$(dirname "$0")
py="sh $here/../models/with_torch_python.sh"
rm -rf "$work" && mkdir -p "$work" || exit 1
$py "$here/../../models/zoo.py" --out "$work" "$@"
rc=$?
[ $rc = 77 ] && exit 77
[ $rc != 0 ] && { echo "FAIL: export"; exit 1; }
status=0
for case in "$work"/*/; do
    case=${case%/}
    out="$case/out"
    shape=""
    [ -n "${ZOO_SHAPE:-}" ] && shape="--shape input=$ZOO_SHAPE"
    if ! "$onnxrun" $shape "$case/model.onnx" -i "input=$case/test_data_set_0/input_0.pb" \
            -o "$out" >"$case/run.log" 2>&1; then
        echo "FAIL: $(basename "$case"): onnxrun failed:"; cat "$case/run.log"; status=1; continue
    fi
    $py "$here/compare.py" "$rtol" "$case" "$out" || status=1
    if [ -n "${ZOO_ZERO_BATCH:-}" ]; then
        # An empty batch at 1 and 2 threads: an empty output, or a refusal
        # with a message where ONNX leaves no answer (ShuffleNet's
        # Reshape to 0x-1x28x28 of no elements: -1 could be anything; PyTorch
        # 1.13 refuses it too); never a signal.
        for t in 1 2; do
            "$onnxrun" --threads $t --shape input=0x3x224x224 "$case/model.onnx" >"$case/b0.log" 2>&1
            rc=$?
            if [ $rc = 0 ] && grep -q "': 0x" "$case/b0.log"; then
                :
            elif [ $rc = 1 ] && grep -q "^onnxrun: .*: " "$case/b0.log"; then
                echo "$(basename "$case"): batch 0 refused: $(head -1 "$case/b0.log")"
            else
                echo "FAIL: $(basename "$case"): batch 0 at $t threads: exit $rc:"; cat "$case/b0.log"
                status=1
            fi
        done
    fi
    if [ -n "${ZOO_SHAPE:-}" ]; then
        "$onnxrun" "$case/model.onnx" >"$case/default.log" 2>&1
        if ! grep -qi "symbolic" "$case/default.log"; then
            echo "FAIL: no note that symbolic dims default to 1:"; cat "$case/default.log"; status=1
        fi
    fi
done
[ $status = 0 ] && rm -rf "$work"
exit $status
