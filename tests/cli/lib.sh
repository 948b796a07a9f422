# Shared by the cli tests: run a command, keep its status and output, and
# check them. Sourced with ONNXRUN, DATA and WORK set; counts failures.
failures=0

# run CMD...: sets rc, leaves stdout in $WORK/stdout.txt, stderr in $WORK/stderr.txt.
run() {
    "$@" > "$WORK/stdout.txt" 2> "$WORK/stderr.txt"
    rc=$?
}

fail() {
    echo "FAIL: $*"
    echo "--- stdout"; cat "$WORK/stdout.txt"
    echo "--- stderr"; cat "$WORK/stderr.txt"
    failures=$((failures + 1))
}

# expect_rc WANT DESCRIPTION
expect_rc() {
    [ "$rc" = "$1" ] || fail "$2: exit status $rc, expected $1"
}

# expect_in out|err TEXT DESCRIPTION (fixed string)
expect_in() {
    grep -qF -- "$2" "$WORK/std$1.txt" || fail "$3: '$2' not in std$1"
}

finish() {
    if [ "$failures" -ne 0 ]; then
        echo "$failures check(s) failed"
        exit 1
    fi
    echo "all checks passed"
    exit 0
}

setup() {
    ONNXRUN=$1 DATA=$2 WORK=$3
    rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
    CONV="$DATA/node/test_conv_with_strides_padding"
}
