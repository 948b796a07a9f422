#!/bin/sh
# The 1-D keyword-spotting net (kws1d_export.py), exported afresh with a
# random seed (printed) and its BatchNormalization nodes kept: onnxrun
# --test passes with the graph passes, without them and with the reference
# kernels, against PyTorch's float64 output within ATOL_PER_SCALE * max|y|
# (kws1d_export.py says why); --threads 1, 2, 3 give byte-identical
# outputs; and --info shows that fold_batchnorm and fuse_activation took
# every rank-3 Conv's BatchNormalization and Relu.
# Usage: kws1d.sh ONNXRUN EXPORT_PY WORKDIR     (exit 77: no torch)
set -u
onnxrun=$1 export_py=$2 work=$3
seed=${ONR_LIVE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "kws1d export with seed $seed (reproduce: ONR_LIVE_SEED=$seed)"
rm -rf "$work" && mkdir -p "$work" || exit 1
sh "$(dirname "$0")/with_torch_python.sh" "$export_py" --out "$work" --seed "$seed" --keep-bn \
    --atol-file "$work/atol"
rc=$?
[ $rc = 77 ] && exit 77
[ $rc = 0 ] || { echo "FAIL: export failed (seed $seed)"; exit 1; }
dir=$work/kws1d
atol=$(cat "$work/atol") || exit 1
fail=0
for opt in "" --no-opt --reference; do
    "$onnxrun" $opt --test "$dir" --rtol 0 --atol "$atol" || { echo "FAIL: --test $opt"; fail=1; }
done
for t in 1 2 3; do
    mkdir -p "$work/t$t"
    "$onnxrun" --threads $t "$dir/model.onnx" -i "$dir/test_data_set_0/input_0.pb" \
        -o "$work/t$t" >/dev/null || { echo "FAIL: --threads $t"; fail=1; }
done
for t in 2 3; do
    cmp "$work/t1/logits.npy" "$work/t$t/logits.npy" ||
        { echo "FAIL: --threads $t differs from --threads 1"; fail=1; }
done
info=$("$onnxrun" --info "$dir") || { echo "FAIL: --info"; fail=1; }
before=$(echo "$info" | grep '^before optimisation')
after=$(echo "$info" | grep '^after optimisation')
echo "$before"
echo "$after"
echo "$before" | grep -q 'BatchNormalization' || { echo "FAIL: the export has no BatchNormalization"; fail=1; }
if echo "$after" | grep -q 'BatchNormalization\|Relu\|Add'; then
    echo "FAIL: BatchNormalization, Relu or Add left after the graph passes"; fail=1
fi
[ $fail = 0 ] && rm -rf "$work"
exit $fail
