#!/usr/bin/python3
"""Segmentation networks exported with a dynamic batch, height and width,
run at several input sizes in ONE onnxrun session (the Python module: each
new shape re-plans the session) and compared with PyTorch at each size by
the zoo's rule: max|got - ref| <= RTOL * max|ref| (compare.py).

Usage: dynamic_hw.py RTOL WORKDIR   (PYTHONPATH holds python/, and
ONNXRUN_LIBRARY names libonnxrun.so)
"""
import os
import sys
import warnings

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "models"))
import zoo  # noqa: E402

import onnxrun  # noqa: E402

MODELS = ["lraspp_mobilenet_v3_large", "deeplabv3_mobilenet_v3_large"]
# Back to the first size last: a re-plan to a shape seen before must still
# be right.
SIZES = [(1, 224, 224), (2, 160, 192), (1, 97, 131), (1, 224, 224)]


def main():
    rtol, work = float(sys.argv[1]), sys.argv[2]
    os.makedirs(work, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    ok = True
    for name in MODELS:
        model = zoo.build(name, 224, 0)
        path = os.path.join(work, name + "_dyn_hw.onnx")
        axes = {"input": {0: "batch", 2: "height", 3: "width"},
                "output": {0: "batch", 2: "height", 3: "width"}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, torch.zeros(1, 3, 224, 224), path, opset_version=13,
                              input_names=["input"], output_names=["output"],
                              dynamic_axes=axes, do_constant_folding=True)
        sess = onnxrun.InferenceSession(path)
        for i, (n, h, w) in enumerate(SIZES):
            gen = torch.Generator().manual_seed(200 + i)
            x = torch.randn(n, 3, h, w, generator=gen)
            with torch.no_grad():
                ref = model(x).numpy()
            got = sess.run(None, {"input": x.numpy()})[0]
            scale = float(np.abs(ref).max())
            if got.shape != ref.shape:
                print(f"{name} {n}x3x{h}x{w}: shape {got.shape}, expected {ref.shape} FAIL")
                ok = False
                continue
            err = float(np.abs(got.astype(np.float64) - ref).max())
            good = scale > 0.1 and err <= rtol * scale
            print(f"{name} {n}x3x{h}x{w}: max|ref| {scale:.3g} max abs err {err:.3g} "
                  f"err/max|ref| {err / scale:.3g} (limit {rtol:g}) {'PASS' if good else 'FAIL'}")
            ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
