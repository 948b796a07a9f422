#!/bin/sh
# .npy files written by NumPy as inputs and read back as outputs, --shape
# and the note on defaulted symbolic dims, and the separable-pair line of
# --info, on small models made by make_models.py. Skipped (77) without
# NumPy and onnx for /usr/bin/python3.
# Usage: python.sh ONNXRUN DATA WORKDIR
set -u
. "$(dirname "$0")/lib.sh"
setup "$@"
PY=/usr/bin/python3
if ! $PY -c 'import numpy, onnx' 2>/dev/null; then
    echo "SKIP: $PY lacks numpy or onnx"; exit 77
fi
$PY "$(dirname "$0")/make_models.py" "$WORK" || { echo "FAIL: make_models.py"; exit 1; }

# symbolic N defaults to 1, with a note; --shape sets it
run "$ONNXRUN" "$WORK/sym"
expect_rc 0 "symbolic model"
expect_in err "defaulted to 1" "symbolic model without --shape"
expect_in err "(N)" "symbolic model without --shape"
expect_in out "output 0 'y': 1x3 float32" "symbolic model without --shape"
run "$ONNXRUN" "$WORK/sym" --shape x=4x3
expect_rc 0 "--shape x=4x3"
expect_in out "output 0 'y': 4x3 float32" "--shape x=4x3"
grep -q "defaulted" "$WORK/stderr.txt" && fail "--shape x=4x3: defaulted-dims note printed"
run "$ONNXRUN" "$WORK/sym" --shape nosuch=4x3
expect_rc 2 "--shape for an unknown input"
expect_in err "nosuch" "--shape for an unknown input"

# float64 .npy in (converted to float32), .npy out
run "$ONNXRUN" "$WORK/sym" -i "x=$WORK/x64.npy" -o "$WORK/out"
expect_rc 0 "-i float64 .npy"
expect_in out "output 0 'y': 2x3 float32" "-i float64 .npy"
grep -q "defaulted" "$WORK/stderr.txt" && fail "-i x64.npy: defaulted-dims note printed"
$PY - "$WORK" <<'PYEOF' || fail "y.npy is not Relu(float32(x))"
import sys, numpy as np
w = sys.argv[1]
x = np.load(w + "/x64.npy").astype(np.float32)
y = np.load(w + "/out/y.npy")
assert y.dtype == np.float32 and y.shape == (2, 3), (y.dtype, y.shape)
assert np.array_equal(y, np.maximum(x, 0)), (y, x)
PYEOF

# --test tolerances: the reference is off by 1e-3
run "$ONNXRUN" --test "$WORK/tol"
expect_rc 1 "--test, reference off by 1e-3, default tolerance"
expect_in out "0 passed, 1 failed" "--test, reference off by 1e-3"
run "$ONNXRUN" --test "$WORK/tol" --atol 2e-3
expect_rc 0 "--test --atol 2e-3, reference off by 1e-3"
expect_in out "PASS  max abs 0.001" "--test --atol 2e-3"
run "$ONNXRUN" --test "$WORK/tol" --atol 5e-4 --rtol 0
expect_rc 1 "--test --atol 5e-4 --rtol 0, reference off by 1e-3"
# int64 outputs compare exactly, whatever the tolerance
run "$ONNXRUN" --test "$WORK/int"
expect_rc 0 "--test on int64 Add"
run "$ONNXRUN" --test "$WORK/int_bad" --atol 10 --rtol 10
expect_rc 1 "--test on int64 Add with a reference off by 1"
expect_in out "1 of 4 elements differ" "--test on int64 Add with a reference off by 1"

# the separable pair, fused (default) and through the Relu (--no-opt)
line="separable pair: depthwise 3x3 (288 weights) + pointwise 1x1 (2,048 weights) = 2,336 weights, 598,016 MACs; one standard 3x3 conv 32->64: 18,432 weights, 4,718,592 MACs; saving 18,432/2,336 = 7.9x"
for opt in "" --no-opt; do
    run "$ONNXRUN" --info $opt "$WORK/sep"
    expect_rc 0 "--info $opt on the separable block"
    expect_in out "$line" "--info $opt on the separable block"
    expect_in out "W tensors only" "--info $opt on the separable block"
done
run "$ONNXRUN" "$WORK/sep"
expect_rc 0 "run the separable block"
expect_in out "output 0 'y': 1x64x16x16 float32" "run the separable block"
finish
