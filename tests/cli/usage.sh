#!/bin/sh
# --help and --version exit 0; usage errors exit 2 with a message.
# Usage: usage.sh ONNXRUN DATA WORKDIR
set -u
. "$(dirname "$0")/lib.sh"
setup "$@"

run "$ONNXRUN" --help
expect_rc 0 "--help"
expect_in out "usage: onnxrun" "--help"
run "$ONNXRUN" --version
expect_rc 0 "--version"
expect_in out "onnxrun 0." "--version"

run "$ONNXRUN"
expect_rc 2 "no arguments"
expect_in err "no model given" "no arguments"
run "$ONNXRUN" --frobnicate model.onnx
expect_rc 2 "unknown option"
expect_in err "--frobnicate" "unknown option"
run "$ONNXRUN" --threads many model.onnx
expect_rc 2 "--threads many"
run "$ONNXRUN" --bench 0 model.onnx
expect_rc 2 "--bench 0"
run "$ONNXRUN" --atol -1 --test dir
expect_rc 2 "--atol -1"
run "$ONNXRUN" --shape x=2xq model.onnx
expect_rc 2 "--shape x=2xq"
run "$ONNXRUN" --test
expect_rc 2 "--test without folders"
run "$ONNXRUN" --test dir -i x.npy
expect_rc 2 "--test with -i"
run "$ONNXRUN" --info a.onnx b.onnx
expect_rc 2 "--info with two models"
run "$ONNXRUN" a.onnx b.onnx
expect_rc 2 "two models"
run "$ONNXRUN" a.onnx -o
expect_rc 2 "-o without a value"
# -i NAME=FILE with a NAME the model lacks names the inputs it has
NOTEBOOK="$(dirname "$0")/../../models/dwsep_32x64_64x64"
run "$ONNXRUN" "$NOTEBOOK" -i nosuch="$NOTEBOOK/test_data_set_0/input_0.pb"
expect_rc 2 "-i with an unknown input name"
expect_in err "no input named 'nosuch'; its inputs: 'input'" "-i with an unknown input name"
finish
