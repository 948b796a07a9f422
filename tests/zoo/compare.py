#!/usr/bin/python3
"""Compares onnxrun's outputs (OUTDIR/<name>.npy) with a test case's
references (CASE/test_data_set_0/output_N.pb) by an error relative to the
size of the reference tensor:

    max|got - ref| <= RTOL * max|ref|

An elementwise relative error is meaningless for values near zero, and an
absolute one passes anything when outputs are tiny; the scale of the
reference tensor is what a float32 network's rounding is proportional to.
Also fails when the reference is not of order one (a degenerate export).

Usage: compare.py RTOL CASE OUTDIR
"""
import glob
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper


def main():
    rtol, case, outdir = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    model = onnx.load(os.path.join(case, "model.onnx"))
    names = [o.name for o in model.graph.output]
    refs = sorted(glob.glob(os.path.join(case, "test_data_set_0", "output_*.pb")))
    ok = len(refs) == len(names)
    for name, ref_path in zip(names, refs):
        t = onnx.TensorProto()
        with open(ref_path, "rb") as f:
            t.ParseFromString(f.read())
        ref = onnx.numpy_helper.to_array(t)
        got = np.load(os.path.join(outdir, name + ".npy"))
        scale = float(np.abs(ref).max())
        if got.shape != ref.shape:
            print(f"{os.path.basename(case)}: '{name}' shape {got.shape}, expected {ref.shape}")
            ok = False
            continue
        err = float(np.abs(got.astype(np.float64) - ref).max())
        rel = err / scale if scale > 0 else float("inf")
        good = rel <= rtol and scale > 0.1
        print(f"{os.path.basename(case)}: '{name}' max|ref| {scale:.3g} max abs err {err:.3g} "
              f"err/max|ref| {rel:.3g} (limit {rtol:g}) {'PASS' if good else 'FAIL'}")
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
