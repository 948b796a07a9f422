#!/bin/sh
# Bad input files give exit status 1 and a message naming the file; never
# a crash. Usage: bad_files.sh ONNXRUN DATA WORKDIR
set -u
. "$(dirname "$0")/lib.sh"
setup "$@"
[ -f "$CONV/model.onnx" ] || { echo "SKIP: no $CONV"; exit 77; }

# expect_file_error FILE DESCRIPTION: status 1, FILE named on stderr
expect_file_error() {
    expect_rc 1 "$2"
    expect_in err "onnxrun: $1" "$2"
}

run "$ONNXRUN" "$WORK/missing.onnx"
expect_file_error "$WORK/missing.onnx" "missing model"
run "$ONNXRUN" --info "$WORK/missing.onnx"
expect_file_error "$WORK/missing.onnx" "--info on a missing model"

size=$(wc -c < "$CONV/model.onnx")
for cut in 1 7 $((size / 2)) $((size - 1)); do
    head -c "$cut" "$CONV/model.onnx" > "$WORK/truncated.onnx"
    run "$ONNXRUN" "$WORK/truncated.onnx"
    expect_file_error "$WORK/truncated.onnx" "model truncated to $cut bytes"
done

echo "this is not an ONNX model" > "$WORK/text.onnx"
run "$ONNXRUN" "$WORK/text.onnx"
expect_file_error "$WORK/text.onnx" "a text file as model"
: > "$WORK/empty.onnx"
run "$ONNXRUN" "$WORK/empty.onnx"
expect_file_error "$WORK/empty.onnx" "an empty model"

# bad .npy inputs for a good model
printf 'not numpy at all' > "$WORK/junk.npy"
run "$ONNXRUN" "$CONV" -i "x=$WORK/junk.npy"
expect_file_error "$WORK/junk.npy" "-i with a junk .npy"
printf '\223NUMPY\001\000\106\000{'"'"'descr'"'"': '"'"'<f4'"'"', ' > "$WORK/cut.npy"
run "$ONNXRUN" "$CONV" -i "x=$WORK/cut.npy"
expect_file_error "$WORK/cut.npy" "-i with a truncated .npy header"
run "$ONNXRUN" "$CONV" -i "x=$WORK/nothere.npy"
expect_file_error "$WORK/nothere.npy" "-i with a missing .npy"
head -c 10 "$CONV/test_data_set_0/input_0.pb" > "$WORK/cut.pb"
run "$ONNXRUN" "$CONV" -i "x=$WORK/cut.pb"
expect_file_error "$WORK/cut.pb" "-i with a truncated .pb"
printf '\223NUMPY\001\000\075\000{'"'"'descr'"'"': '"'"'<f4'"'"', '"'"'fortran_order'"'"': True, '"'"'shape'"'"': (1,), }    \n\0\0\0\0' > "$WORK/fortran.npy"
run "$ONNXRUN" "$CONV" -i "x=$WORK/fortran.npy"
expect_file_error "$WORK/fortran.npy" "-i with a fortran-order .npy"
expect_in err "fortran" "-i with a fortran-order .npy"

# --test on folders that are not test cases
mkdir -p "$WORK/empty_case"
run "$ONNXRUN" --test "$WORK/empty_case" "$WORK/no_such_case"
expect_rc 1 "--test on non-cases"
expect_in out "0 passed, 2 failed" "--test on non-cases"
expect_in err "$WORK/empty_case/model.onnx" "--test on a folder without model.onnx"
finish
