#!/bin/sh
# Runs a python script with the first interpreter that has torch, onnx and
# numpy: $ONR_PYTHON, /usr/bin/python3, then python3 on PATH.
# Usage: with_torch_python.sh SCRIPT.py [ARGS...]
# Without one it exits 77 (CTest's SKIP_RETURN_CODE here), or fails when
# ONR_REQUIRE_TORCH=1 (set it in CI, where torch is installed).
for cand in ${ONR_PYTHON:-} /usr/bin/python3 python3; do
    if "$cand" -c "import torch, onnx, numpy" >/dev/null 2>&1; then
        exec "$cand" -W ignore "$@"
    fi
done
if [ "${ONR_REQUIRE_TORCH:-0}" = 1 ]; then
    echo "FAIL: no python with torch, onnx and numpy (ONR_REQUIRE_TORCH=1)"
    exit 1
fi
echo "SKIP: no python with torch, onnx and numpy (set ONR_PYTHON)"
exit 77
