#!/bin/sh
# Checks that `onnxrun --test` can fail: a copy of a model folder whose last
# reference value is replaced by 1000.0 must be reported as a failed case
# (exit status non-zero, not a crash, and "0 passed, 1 failed").
# Usage: detects_mismatch.sh ONNXRUN WORKDIR MODEL_DIR
# Relies on the reference being a float32 TensorProto with raw_data, which
# protobuf serialises last, so its final 4 bytes are the last element.
set -u
onnxrun=$1 work=$2 src=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
cp -R "$src" "$work/bad" || exit 1
ref="$work/bad/test_data_set_0/output_0.pb"
head -c -4 "$src/test_data_set_0/output_0.pb" > "$ref" || exit 1
printf '\000\000\172\104' >> "$ref"   # 1000.0f, little-endian
log="$work/log.txt"
"$onnxrun" --test "$work/bad" --rtol 1e-4 --atol 1e-5 > "$log" 2>&1
rc=$?
cat "$log"
if [ $rc = 0 ]; then
    echo "FAIL: onnxrun --test passed a folder with a wrong reference"; exit 1
fi
if [ $rc -ge 128 ]; then
    echo "FAIL: onnxrun --test crashed (status $rc)"; exit 1
fi
if ! grep -q "0 passed, 1 failed" "$log"; then
    echo "FAIL: expected the summary '0 passed, 1 failed'"; exit 1
fi
echo "PASS: the wrong reference was detected (status $rc)"
rm -rf "$work"
