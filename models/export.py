#!/usr/bin/python3
"""Export the model test cases in models/ from PyTorch.

Each case is a folder in ONNX's backend-test layout:
    <name>/model.onnx
    <name>/test_data_set_0/input_0.pb    (the graph input, a TensorProto)
    <name>/test_data_set_0/output_0.pb   (PyTorch's forward pass on it)

Every model is exported twice: by default PyTorch folds BatchNorm into the
Conv before export; with training=TrainingMode.PRESERVE on a model in eval()
mode the BatchNormalization node is kept (inference form, one output).
The script checks both, and that the references are of order one.

Usage: /usr/bin/python3 models/export.py [--out DIR] [--seed N] [--opset N]
Default --out is the folder this script lives in; --seed 0 gives the files
stored in the repository. Run with --help for the options.
"""
import argparse
import os
import shutil
import sys

import numpy as np
import onnx
import onnx.checker
import onnx.numpy_helper
import torch
import torch.nn as nn


class DepthWiseSeparableConv(nn.Module):
    def __init__(self, n_in, n_out, kernel_size=3, stride=1, padding=1):
        super().__init__()
        self.depthwise = nn.Conv2d(n_in, n_in, kernel_size, stride=stride,
                                   padding=padding, groups=n_in, bias=False)
        self.pointwise = nn.Conv2d(n_in, n_out, 1, bias=False)
        self.bn = nn.BatchNorm2d(n_out)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.pointwise(self.depthwise(x))))


class ClassicCNN(nn.Module):
    def __init__(self, n_in, n_out, kernel_size=3):
        super().__init__()
        self.conv = nn.Conv2d(n_in, n_out, kernel_size)
        self.bn = nn.BatchNorm2d(n_out)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.bn(self.conv(x)))


# name, class, constructor kwargs, input shape (N, C, H, W)
CASES = [
    ("dwsep_32x64_64x64", DepthWiseSeparableConv,
     dict(n_in=32, n_out=64), (1, 32, 64, 64)),
    ("classic_32x64_64x64", ClassicCNN,
     dict(n_in=32, n_out=64), (1, 32, 64, 64)),
    ("dwsep_odd_7x5_13x11", DepthWiseSeparableConv,
     dict(n_in=7, n_out=5), (1, 7, 13, 11)),
    ("classic_odd_7x5_13x11", ClassicCNN,
     dict(n_in=7, n_out=5), (1, 7, 13, 11)),
    ("dwsep_stride2_16x24_33x31", DepthWiseSeparableConv,
     dict(n_in=16, n_out=24, stride=2), (1, 16, 33, 31)),
    ("dwsep_k5_12x20_17x19", DepthWiseSeparableConv,
     dict(n_in=12, n_out=20, kernel_size=5, padding=2), (1, 12, 17, 19)),
    ("classic_k5_9x17_20x18", ClassicCNN,
     dict(n_in=9, n_out=17, kernel_size=5), (1, 9, 20, 18)),
    ("dwsep_cin1_1x8_16x16", DepthWiseSeparableConv,
     dict(n_in=1, n_out=8), (1, 1, 16, 16)),
    ("classic_cin1_1x8_16x16", ClassicCNN,
     dict(n_in=1, n_out=8), (1, 1, 16, 16)),
    ("dwsep_batch2_8x16_15x14", DepthWiseSeparableConv,
     dict(n_in=8, n_out=16), (2, 8, 15, 14)),
    ("classic_batch2_8x16_15x14", ClassicCNN,
     dict(n_in=8, n_out=16), (2, 8, 15, 14)),
]


def randomize_batchnorm(model, x, gen):
    """Give every BatchNorm non-identity statistics and affine parameters.

    The running statistics are the batch statistics of the BatchNorm's input
    on x, perturbed, so the normalised values (and the references) stay of
    order one whatever the Conv weights' scale."""
    seen = {}
    hooks = [m.register_forward_pre_hook(
        lambda mod, inp: seen.__setitem__(mod, inp[0].detach()))
        for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    model.eval()
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    for m, t in seen.items():
        c = m.num_features
        mean = t.mean(dim=(0, 2, 3))
        std = t.std(dim=(0, 2, 3), unbiased=False) + 1e-3
        with torch.no_grad():
            m.running_mean.copy_(mean + 0.3 * std * torch.randn(c, generator=gen))
            m.running_var.copy_(std * std * (torch.rand(c, generator=gen) * 1.5 + 0.5))
            m.weight.copy_(torch.rand(c, generator=gen) * 1.5 + 0.5)
            m.bias.copy_(torch.randn(c, generator=gen) * 0.5)


def build(cls, kwargs, shape, seed):
    """A model with seeded weights, in eval mode, and its seeded input."""
    torch.manual_seed(seed)
    model = cls(**kwargs)
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.rand(shape, generator=gen) * 2.0 - 1.0
    randomize_batchnorm(model, x, gen)
    model.eval()
    return model, x


def export_one(model, x, path, keep_bn, opset):
    kw = dict(input_names=["input"], output_names=["output"],
              opset_version=opset)
    if keep_bn:
        # PRESERVE on an eval() model keeps an inference BatchNormalization
        # (one output; training_mode=0 from opset 14). Constant folding has
        # nothing to fold here; turning it off silences torch 1.13's warning,
        # which is meant for models in train() mode.
        kw["training"] = torch.onnx.TrainingMode.PRESERVE
        kw["do_constant_folding"] = False
    torch.onnx.export(model, (x,), path, **kw)
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    ops = [n.op_type for n in m.graph.node]
    bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
    if keep_bn:
        if len(bns) != 1:
            raise RuntimeError(f"{path}: PRESERVE export lost BatchNorm: {ops}")
        bn = bns[0]
        training = [a for a in bn.attribute
                    if a.name == "training_mode" and a.i != 0]
        if len(bn.output) != 1 or training:
            raise RuntimeError(f"{path}: BatchNorm exported in training mode")
        # The stored BatchNorm parameters are exactly the module's.
        state = model.state_dict()
        for init in m.graph.initializer:
            if init.name.startswith("bn."):
                got = onnx.numpy_helper.to_array(init)
                if not np.array_equal(got, state[init.name].numpy()):
                    raise RuntimeError(f"{path}: {init.name} changed on export")
    elif bns:
        raise RuntimeError(f"{path}: default export kept BatchNorm: {ops}")
    allowed = {"Conv", "BatchNormalization", "Relu", "Identity", "Constant"}
    if not set(ops) <= allowed:
        raise RuntimeError(f"{path}: unexpected operators {ops}")
    return m, ops


def write_case(out_dir, name, model, x, keep_bn, opset):
    folder = os.path.join(out_dir, name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    data_dir = os.path.join(folder, "test_data_set_0")
    os.makedirs(data_dir)
    onnx_path = os.path.join(folder, "model.onnx")
    m, ops = export_one(model, x, onnx_path, keep_bn, opset)
    with torch.no_grad():
        y = model(x)
    # Exporting must not have changed the model (e.g. left it in train mode).
    if model.training:
        raise RuntimeError(f"{name}: model left in training mode by export")
    in_name = m.graph.input[0].name
    out_name = m.graph.output[0].name
    xa = x.numpy().astype(np.float32)
    ya = y.numpy().astype(np.float32)
    for fname, arr, tname in (("input_0.pb", xa, in_name),
                              ("output_0.pb", ya, out_name)):
        t = onnx.numpy_helper.from_array(arr, tname)
        with open(os.path.join(data_dir, fname), "wb") as f:
            f.write(t.SerializeToString())
    mean_abs = float(np.abs(ya).mean())
    pos = float((ya > 0).mean())
    if not (0.05 < mean_abs < 20.0) or pos < 0.05:
        raise RuntimeError(f"{name}: reference output degenerate: "
                           f"mean|y|={mean_abs:.4f}, positive={pos:.2f}")
    weights = sum(mod.weight.numel() for mod in model.modules()
                  if isinstance(mod, nn.Conv2d))
    size = sum(os.path.getsize(os.path.join(d, f))
               for d, _, fs in os.walk(folder) for f in fs)
    return dict(name=name, ops=ops, xshape=tuple(xa.shape),
                yshape=tuple(ya.shape), weights=weights, mean_abs=mean_abs, pos=pos,
                size=size)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=here, help="output folder (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="base seed; case i uses seed + 100*i (default 0)")
    p.add_argument("--opset", type=int, default=13)
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)

    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)  # references independent of the machine's cores
    rows = []
    for i, (name, cls, kwargs, shape) in enumerate(CASES):
        for keep_bn in (False, True):
            model, x = build(cls, kwargs, shape, args.seed + 100 * i)
            folder = name + ("_bn" if keep_bn else "")
            rows.append(write_case(args.out, folder, model, x, keep_bn,
                                   args.opset))
    total = sum(r["size"] for r in rows)
    if not args.quiet:
        print(f"torch {torch.__version__}, onnx {onnx.__version__}, "
              f"opset {args.opset}, seed {args.seed}, out {args.out}")
        for r in rows:
            print(f"{r['name']:30s} {str(r['xshape']):18s} -> "
                  f"{str(r['yshape']):18s} w {r['weights']:6d} mean|y| {r['mean_abs']:.3f} "
                  f"y>0 {r['pos']:.2f} {r['size'] / 1024:7.1f} KiB  "
                  f"{' '.join(r['ops'])}")
        print(f"{len(rows)} cases, {total / 1024:.1f} KiB total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
