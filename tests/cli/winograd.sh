#!/bin/sh
# --winograd (the session's winograd option): ClassicCNN's dense 3x3 Conv
# takes the F(2x2) kernel by default and with 2x2, F(4x4) with 4x4, a direct
# kernel with off; each result matches the model's reference (--test at the
# default tolerance for off and 2x2; F(4x4)'s error is about 50x the direct
# kernel's, so it is held to --rtol 1e-3). A bad value is a usage error.
# Usage: winograd.sh ONNXRUN DATA WORKDIR
set -u
. "$(dirname "$0")/lib.sh"
setup "$@"
case_dir="$(dirname "$0")/../../models/classic_32x64_64x64"

run "$ONNXRUN" --info "$case_dir/model.onnx"
expect_rc 0 "--info (default)"
expect_in out "winograd2x2" "--info (default)"
run "$ONNXRUN" --winograd 2x2 --info "$case_dir/model.onnx"
expect_in out "winograd2x2" "--winograd 2x2 --info"
run "$ONNXRUN" --winograd 4x4 --info "$case_dir/model.onnx"
expect_in out "winograd4x4" "--winograd 4x4 --info"
run "$ONNXRUN" --winograd off --info "$case_dir/model.onnx"
expect_rc 0 "--winograd off --info"
if grep -qF winograd "$WORK/stdout.txt"; then fail "--winograd off: a Winograd kernel is listed"; fi
for w in off 2x2; do
    run "$ONNXRUN" --winograd $w --test "$case_dir"
    expect_rc 0 "--winograd $w --test"
done
run "$ONNXRUN" --winograd 4x4 --rtol 1e-3 --test "$case_dir"
expect_rc 0 "--winograd 4x4 --test --rtol 1e-3"
run "$ONNXRUN" --winograd 3x3 "$case_dir/model.onnx"
expect_rc 2 "--winograd 3x3"
expect_in err "expected off, 2x2 or 4x4" "--winograd 3x3"
finish
