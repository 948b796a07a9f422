#!/bin/sh
# onnxrun on the ONNX test case test_conv_with_strides_padding (a 3x3 Conv,
# stride 2, pads 1, x 1x1x7x5 -> y 1x1x4x3): --info, --test passing and
# failing, a run with .pb inputs written to -o, --bench and --profile.
# Usage: conv_case.sh ONNXRUN DATA WORKDIR
set -u
. "$(dirname "$0")/lib.sh"
setup "$@"
[ -f "$CONV/model.onnx" ] || { echo "SKIP: no $CONV"; exit 77; }
IN0="$CONV/test_data_set_0/input_0.pb" IN1="$CONV/test_data_set_0/input_1.pb"

run "$ONNXRUN" --info "$CONV"
expect_rc 0 "--info"
grep -E '^ +0 +[^ ]+ +Conv +1x1x4x3 +108 ' "$WORK/stdout.txt" > /dev/null ||
    fail "--info: no Conv line with output 1x1x4x3 and 108 MACs"
expect_in out "s=2" "--info Conv params"

run "$ONNXRUN" --test "$CONV"
expect_rc 0 "--test"
expect_in out "test_conv_with_strides_padding" "--test"
expect_in out "PASS" "--test"
expect_in out "1 passed, 0 failed" "--test"
run "$ONNXRUN" --test "$CONV" --reference --no-opt --threads 1
expect_rc 0 "--test --reference --no-opt --threads 1"

# a wrong reference (x's data, shape 1x1x7x5) must fail
mkdir -p "$WORK/bad/test_data_set_0"
cp "$CONV/model.onnx" "$WORK/bad/" && cp "$IN0" "$IN1" "$WORK/bad/test_data_set_0/"
cp "$IN0" "$WORK/bad/test_data_set_0/output_0.pb"
run "$ONNXRUN" --test "$WORK/bad" "$CONV"
expect_rc 1 "--test with a wrong reference"
expect_in out "FAIL" "--test with a wrong reference"
expect_in out "1 passed, 1 failed" "--test with a wrong reference"

# real inputs by name and by position; outputs saved as .npy
run "$ONNXRUN" "$CONV/model.onnx" -i "x=$IN0" -i "W=$IN1" -o "$WORK/outdir"
expect_rc 0 "run with -i and -o"
expect_in out "output 0 'y': 1x1x4x3 float32" "run with -i"
expect_in out "time:" "run with -i"
[ -s "$WORK/outdir/y.npy" ] || fail "-o: no $WORK/outdir/y.npy"
cp "$WORK/stdout.txt" "$WORK/named.txt"
run "$ONNXRUN" "$CONV/model.onnx" -i "$IN0" -i "$IN1"
grep -v "time:" "$WORK/stdout.txt" > "$WORK/a.txt"; grep -v "time:" "$WORK/named.txt" > "$WORK/b.txt"
cmp -s "$WORK/a.txt" "$WORK/b.txt" || fail "inputs by position differ from inputs by name"

# generated inputs are deterministic
run "$ONNXRUN" "$CONV"
expect_rc 0 "run on generated inputs"
expect_in out "sum|x|" "run on generated inputs"
grep -v "time:" "$WORK/stdout.txt" > "$WORK/a.txt"
run "$ONNXRUN" "$CONV" --threads 2
grep -v "time:" "$WORK/stdout.txt" > "$WORK/b.txt"
cmp -s "$WORK/a.txt" "$WORK/b.txt" || fail "generated-input runs differ"

run "$ONNXRUN" "$CONV" --bench 5
expect_rc 0 "--bench 5"
expect_in out "median" "--bench 5"
expect_in out "p90" "--bench 5"
expect_in out "inferences/s" "--bench 5"

run "$ONNXRUN" "$CONV" --bench 3 --profile "$WORK/trace.json"
expect_rc 0 "--profile"
expect_in err "Conv" "--profile summary"
grep -q '"traceEvents"' "$WORK/trace.json" 2>/dev/null || fail "--profile: no traceEvents"
[ "$(grep -o '"ph": "X"' "$WORK/trace.json" | wc -l)" = 3 ] ||
    fail "--profile: expected 3 events (1 node x 3 runs)"
if /usr/bin/python3 -c 'import json' 2>/dev/null; then
    /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/trace.json" ||
        fail "--profile: not valid JSON"
fi
finish
