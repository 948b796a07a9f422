#!/usr/bin/python3
"""Export a small 1-D keyword-spotting net (MatchboxNet/QuartzNet style) as
an ONNX test-case folder for `onnxrun --test`:

    <out>/kws1d/model.onnx
    <out>/kws1d/test_data_set_0/{input_0,output_0}.pb

The reference output_0 is PyTorch's forward in float64, rounded to float32:
with randomised BatchNorm statistics the logits span three decades or more (max|y|
near 1e6, some elements near 1e2), and PyTorch's own float32 forward is up
to 4.0e-7 * max|y| away from float64 (101 seeds), which on the small
elements is more than 1e-4 relative. A float32 reference would make the
test fail whenever PyTorch's rounding and onnxrun's differ in sign. The
script prints max|y| and PyTorch's float32 error, and --atol-file writes
the absolute tolerance kws1d.sh uses, ATOL_PER_SCALE * max|y|.

The net, on (N, 40 MFCC features, T frames): a strided Conv1d stem, two
blocks of depthwise Conv1d (groups = C, odd kernels) + pointwise Conv1d +
BatchNorm1d + ReLU with a residual 1x1 Conv1d + BatchNorm1d branch, a
dilated Conv1d, MaxPool1d, a pointwise classifier Conv1d and a global
average over time. BatchNorm statistics are randomised so folding them
is visible in the output; the export keeps them as BatchNormalization
nodes for onnxrun's fold_batchnorm pass when --keep-bn is given.

Usage: kws1d_export.py --out DIR [--seed S] [--keep-bn] [--atol-file PATH]
"""
import argparse
import os
import shutil
import sys

try:
    import numpy as np
    import onnx
    import onnx.numpy_helper
    import torch
    import torch.nn as nn
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e}")
    sys.exit(77)


# The net is models/zoo.py's (also timed by tools/bench/compare).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "models"))
from zoo import KWS1d  # noqa: E402

# Over seeds 0-29 and 100-170, PyTorch's float32 forward is at most
# 4.0e-7 * max|y| from float64, and onnxrun's at most 4.7e-7 (with the graph
# passes, --no-opt or --reference); 2e-6 leaves a factor of four.
ATOL_PER_SCALE = 2e-6


def randomize_batchnorm(model, x, gen):
    """Running statistics near each BatchNorm's batch statistics on x, perturbed."""
    seen = {}
    hooks = [m.register_forward_pre_hook(lambda mod, inp: seen.__setitem__(mod, inp[0].detach()))
             for m in model.modules() if isinstance(m, nn.BatchNorm1d)]
    model.eval()
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    for m, t in seen.items():
        c = m.num_features
        mean = t.mean(dim=(0, 2))
        std = t.std(dim=(0, 2), unbiased=False) + 1e-3
        with torch.no_grad():
            m.running_mean.copy_(mean + 0.3 * std * torch.randn(c, generator=gen))
            m.running_var.copy_(std * std * (torch.rand(c, generator=gen) * 1.5 + 0.5))
            m.weight.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
            m.bias.copy_(torch.randn(c, generator=gen) * 0.5)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--frames", type=int, default=101)
    p.add_argument("--keep-bn", action="store_true")
    p.add_argument("--atol-file", help="write the --test absolute tolerance here")
    a = p.parse_args(argv)
    torch.manual_seed(a.seed)
    model = KWS1d()
    gen = torch.Generator().manual_seed(a.seed + 1)
    x = torch.rand((2, 40, a.frames), generator=gen) * 2.0 - 1.0
    randomize_batchnorm(model, x, gen)
    model.eval()
    folder = os.path.join(a.out, "kws1d")
    shutil.rmtree(folder, ignore_errors=True)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data)
    path = os.path.join(folder, "model.onnx")
    kw = dict(input_names=["mfcc"], output_names=["logits"], opset_version=13)
    if a.keep_bn:
        kw["training"] = torch.onnx.TrainingMode.PRESERVE
        kw["do_constant_folding"] = False
    torch.onnx.export(model, (x,), path, **kw)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ops = sorted({n.op_type for n in m.graph.node})
    if a.keep_bn and "BatchNormalization" not in ops:
        raise SystemExit(f"{path}: the export lost its BatchNormalization nodes: {ops}")
    with torch.no_grad():
        y32 = model(x).double()
        y = model.double()(x.double())
    scale = float(y.abs().max())
    pytorch_err = float((y32 - y).abs().max())
    for fname, arr, name in (("input_0.pb", x, m.graph.input[0].name),
                             ("output_0.pb", y, m.graph.output[0].name)):
        t = onnx.numpy_helper.from_array(arr.numpy().astype(np.float32), name)
        with open(os.path.join(data, fname), "wb") as f:
            f.write(t.SerializeToString())
    if not float(y.abs().mean()) > 1e-3:
        raise SystemExit(f"{path}: degenerate reference output")
    print(f"kws1d: seed {a.seed}, x {tuple(x.shape)} -> y {tuple(y.shape)}, ops {ops}")
    print(f"kws1d: max|y| {scale:.4g}; PyTorch float32 vs float64: max abs {pytorch_err:.3g} "
          f"({pytorch_err / scale:.3g} * max|y|)")
    if a.atol_file:
        with open(a.atol_file, "w") as f:
            f.write(f"{ATOL_PER_SCALE * scale:.6g}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
