#!/bin/sh
# Runs every model folder with --threads 1, 2 and 3 and checks that the
# output files are byte-for-byte identical (STYLE.md: each output element is
# computed by one thread in a fixed order, whatever the thread count).
# Usage: threads_bitwise.sh ONNXRUN WORKDIR MODEL_DIR...
# Inputs are test_data_set_0/input_N.pb (N < 10), passed by position (-i FILE).
set -u
onnxrun=$1 work=$2
shift 2
[ $# -gt 0 ] || { echo "threads_bitwise: no model folders"; exit 1; }
rm -rf "$work" && mkdir -p "$work" || exit 1
failed=0 passed=0
for dir in "$@"; do
    name=$(basename "$dir")
    ok=1
    set --   # (the for list above was expanded already; reuse $@ for -i args)
    for f in "$dir"/test_data_set_0/input_*.pb; do
        set -- "$@" -i "$f"
    done
    for t in 1 2 3; do
        out="$work/$name/t$t"
        mkdir -p "$out"
        "$onnxrun" --threads $t "$dir/model.onnx" "$@" -o "$out"
        rc=$?
        if [ $rc != 0 ]; then
            echo "FAIL $name: onnxrun --threads $t exited with status $rc"
            ok=0
        fi
    done
    if [ $ok = 1 ]; then
        n=0
        for f in "$work/$name/t1"/*; do
            [ -f "$f" ] || continue
            n=$((n + 1))
            for t in 2 3; do
                g="$work/$name/t$t/$(basename "$f")"
                if ! cmp "$f" "$g"; then
                    echo "FAIL $name: $(basename "$f") differs between --threads 1 and --threads $t"
                    ok=0
                fi
            done
        done
        if [ $n = 0 ]; then
            echo "FAIL $name: onnxrun -o wrote no output file"
            ok=0
        fi
    fi
    if [ $ok = 1 ]; then
        echo "PASS $name (threads 1, 2, 3 identical)"
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ $failed = 0 ] && rm -rf "$work"
[ $failed = 0 ]
