#!/bin/sh
# Exports the models afresh from PyTorch with random weights and inputs (a
# new seed each run, printed) and checks them with `onnxrun --test`.
# Usage: live_pytorch.sh ONNXRUN EXPORT_PY WORKDIR
# Environment: ONR_LIVE_SEED  reproduce a run with this seed; see
# with_torch_python.sh for ONR_PYTHON and ONR_REQUIRE_TORCH.
# Exit 77 (skipped) when no python has torch and onnx.
set -u
onnxrun=$1 export_py=$2 work=$3
seed=${ONR_LIVE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "live PyTorch export with seed $seed"
echo "reproduce: ONR_LIVE_SEED=$seed ctest -R models.live_pytorch"
rm -rf "$work" && mkdir -p "$work" || exit 1
sh "$(dirname "$0")/with_torch_python.sh" "$export_py" --out "$work" --seed "$seed"
rc=$?
[ $rc = 77 ] && exit 77
if [ $rc != 0 ]; then
    echo "FAIL: export failed (seed $seed)"; exit 1
fi
"$onnxrun" --test "$work"/*/ --rtol 1e-4 --atol 1e-5
if [ $? != 0 ]; then
    echo "FAIL: onnxrun --test on the seed-$seed export (kept in $work)"
    exit 1
fi
rm -rf "$work"
