#!/bin/sh
# The hostile models of make_hostile.py through onnxrun: each is refused
# with exit status 1 and a message saying what is wrong (or, for the long
# chain, runs), never a signal or a hang.
# Usage: hostile.sh ONNXRUN DATA WORKDIR
set -u
here=$(dirname "$0")
. "$here/../../cli/lib.sh"
setup "$@"
/usr/bin/python3 -c "import onnx, numpy" 2>/dev/null || { echo "SKIP: no python3-onnx"; exit 77; }
/usr/bin/python3 "$here/make_hostile.py" "$WORK/m" || { echo "FAIL: make_hostile.py"; exit 1; }
M=$WORK/m

# refused NAME TEXT [ONNXRUN ARGS...]: exit 1, TEXT on stderr
refused() {
    name=$1 text=$2
    shift 2
    run timeout 120 "$ONNXRUN" "$@" "$M/$name.onnx"
    expect_rc 1 "$name"
    expect_in err "$text" "$name"
}

refused huge_init "raw_data has 16 bytes, expected 4398046511104"
refused huge_init_typed "float_data has 4 values, expected 1099511627776"
refused huge_input "more than the memory cap" --max-memory 1G
refused huge_input "more than the memory cap"           # the default cap
refused huge_cos "memory cap" --max-memory 1G
refused huge_expand "more than its memory cap" --max-memory 1G
refused huge_reshape "cannot reshape 4"
refused ext_abs "external file '/etc/passwd' is not supported"
refused ext_dotdot "external file '../../../../etc/passwd' is not supported"
refused ext_link "external file 'link.bin' is not supported"
refused nest_if "nests messages more than"
refused nest_loop "nests messages more than"
refused nest_if_8 "If"
run timeout 300 "$ONNXRUN" "$M/chain_relu.onnx"
expect_rc 0 "chain_relu (20,000 nodes)"
expect_in out "1x4" "chain_relu (20,000 nodes)"
run "$ONNXRUN" "$M/topk_values.onnx"
expect_rc 0 "TopK without its Indices output"
expect_in out "3x2" "TopK without its Indices output"
finish
