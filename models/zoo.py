#!/usr/bin/python3
"""Export the depthwise-separable model families (and ResNet-18 for contrast)
from torchvision as ONNX test-case folders with PyTorch references.

Nothing is downloaded: every network is built with weights=None from a fixed
seed. Freshly initialised torchvision networks give outputs around 1e-8, which
any runtime "matches" under an absolute tolerance, so every BatchNorm first
gets real statistics: the network runs in training mode on random batches
(cumulative running averages), then its running mean/var and affine
parameters are perturbed at random. The script checks that each reference
output is of order one.

Each case is written as
    OUT/<case>/model.onnx
    OUT/<case>/test_data_set_0/input_0.pb, output_0.pb
with <case> = <model>_op<opset>_b<batch>[_dyn].

Usage: /usr/bin/python3 models/zoo.py --out DIR [--models a,b] [--opsets 11,13]
           [--batches 1,8] [--size 224] [--dynamic] [--seed N] [--list]
"""
import argparse
import os
import sys
import warnings

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import DepthWiseSeparableConv  # noqa: E402  the notebook's block


class MobileNetV1(nn.Module):
    """A MobileNetV1-style body made of the notebook's block: a dense 3x3
    stem, then depthwise-separable blocks, stride 2 between widths 32..512."""

    def __init__(self, num_classes=1000, width=(32, 64, 128, 128, 256, 256, 512, 512, 512, 512)):
        super().__init__()
        layers = [nn.Conv2d(3, width[0], 3, stride=2, padding=1, bias=False),
                  nn.BatchNorm2d(width[0]), nn.ReLU()]
        for n_in, n_out in zip(width[:-1], width[1:]):
            stride = 2 if n_out > n_in else 1
            layers.append(DepthWiseSeparableConv(n_in, n_out, stride=stride))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width[-1], num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


BUILDERS = {
    "mobilenet_v1": lambda: MobileNetV1(),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None),
    "mobilenet_v3_small": lambda: torchvision.models.mobilenet_v3_small(weights=None),
    "mobilenet_v3_large": lambda: torchvision.models.mobilenet_v3_large(weights=None),
    "mnasnet1_0": lambda: torchvision.models.mnasnet1_0(weights=None),
    "shufflenet_v2_x1_0": lambda: torchvision.models.shufflenet_v2_x1_0(weights=None),
    "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(weights=None),
    "squeezenet1_1": lambda: torchvision.models.squeezenet1_1(weights=None),
    "resnet18": lambda: torchvision.models.resnet18(weights=None),
}

# The newest opset torch.onnx in Debian's PyTorch 1.13 exports.
NEWEST_OPSET = 17


def calibrate(model, size, seed):
    """Gives every BatchNorm statistics of its real input, then perturbs them
    and the affine parameters so no BatchNorm is close to an identity."""
    gen = torch.Generator().manual_seed(seed + 1)
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(4, 3, size, size, generator=gen))
    for bn in bns:
        c = bn.num_features
        with torch.no_grad():
            bn.running_mean += 0.1 * torch.randn(c, generator=gen) * bn.running_var.sqrt()
            bn.running_var *= torch.empty(c).uniform_(0.7, 1.4, generator=gen)
            bn.weight.copy_(torch.empty(c).uniform_(0.6, 1.4, generator=gen))
            bn.bias.copy_(0.2 * torch.randn(c, generator=gen))
    model.eval()


def build(name, size, seed):
    torch.manual_seed(seed)
    model = BUILDERS[name]()
    calibrate(model, size, seed)
    return model


def save_case(folder, model, x, opset, dynamic):
    os.makedirs(os.path.join(folder, "test_data_set_0"), exist_ok=True)
    path = os.path.join(folder, "model.onnx")
    axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"],
                          output_names=["output"], dynamic_axes=axes,
                          do_constant_folding=True)
    with torch.no_grad():
        y = model(x).numpy()
    onnx.checker.check_model(onnx.load(path))
    for kind, arr, nm in (("input", x.numpy(), "input"), ("output", y, "output")):
        t = onnx.numpy_helper.from_array(arr.astype(np.float32), nm)
        with open(os.path.join(folder, "test_data_set_0", kind + "_0.pb"), "wb") as f:
            f.write(t.SerializeToString())
    return y


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=False, default=None)
    ap.add_argument("--models", default=",".join(BUILDERS))
    ap.add_argument("--opsets", default="13")
    ap.add_argument("--batches", default="1")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--dynamic", action="store_true",
                    help="export with a symbolic batch dimension")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--list", action="store_true", help="list the model names")
    args = ap.parse_args()
    if args.list:
        print("\n".join(BUILDERS))
        return 0
    if args.out is None:
        ap.error("--out is required")
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    opsets = [NEWEST_OPSET if o == "newest" else int(o) for o in args.opsets.split(",")]
    for name in args.models.split(","):
        if name not in BUILDERS:
            print(f"unknown model {name}; known: {', '.join(BUILDERS)}", file=sys.stderr)
            return 2
        model = build(name, args.size, args.seed)
        for batch in (int(b) for b in args.batches.split(",")):
            gen = torch.Generator().manual_seed(args.seed + 100 + batch)
            x = torch.randn(batch, 3, args.size, args.size, generator=gen)
            for opset in opsets:
                case = f"{name}_op{opset}_b{batch}" + ("_dyn" if args.dynamic else "")
                y = save_case(os.path.join(args.out, case), model, x, opset, args.dynamic)
                scale = float(np.abs(y).max())
                print(f"{case}: output {'x'.join(map(str, y.shape))}, max|ref| {scale:.3g}, "
                      f"std {float(y.std()):.3g}")
                if not (scale > 0.1 and np.isfinite(y).all()):
                    print(f"{case}: reference output is not of order one", file=sys.stderr)
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
