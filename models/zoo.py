#!/usr/bin/python3
"""Export the depthwise-separable model families (and ResNet-18 for contrast)
from torchvision as ONNX test-case folders with PyTorch references.

Besides the classifiers: segmentation heads (LR-ASPP and DeepLabV3 on
MobileNetV3-Large: Resize to sizes computed from Shape at run time),
ConvNeXt-Tiny (depthwise 7x7, LayerNorm), and small networks built here:
a U-Net of the notebook's blocks with dense, grouped and depthwise
ConvTranspose2d upsampling, a net of the padding, PReLU, Mish and GroupNorm
layers, an ESPCN super-resolution net (PixelShuffle: DepthToSpace) and an
X3D-style video classifier of depthwise-separable Conv3d blocks (and
torchvision's R(2+1)D-18 on 8-frame 64x64 clips), and the
1-D keyword spotter that tests/models/kws1d_export.py also writes.

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


class SepUNet(nn.Module):
    """A U-Net of the notebook's block: stride-2 depthwise-separable blocks
    down; up, per level from the bottom, a dense ConvTranspose2d (k2 s2),
    a grouped one (4 groups, k4 s2 p1) and a depthwise-separable one
    (depthwise k3 s2 p1 output_padding 1, then 1x1), each followed by
    BatchNorm + ReLU; skips concatenated and fused by another block; a 1x1
    head of `classes` maps."""

    def __init__(self, width=(16, 32, 64, 128), classes=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width[0], 3, padding=1, bias=False),
                                  nn.BatchNorm2d(width[0]), nn.ReLU())
        pairs = list(zip(width[:-1], width[1:]))
        self.down = nn.ModuleList([DepthWiseSeparableConv(a, b, stride=2) for a, b in pairs])
        ups = []
        for level, (a, b) in enumerate(reversed(pairs)):
            if level == 0:
                up = [nn.ConvTranspose2d(b, a, 2, stride=2, bias=False)]
            elif level == 1:
                up = [nn.ConvTranspose2d(b, a, 4, stride=2, padding=1, groups=4, bias=False)]
            else:
                up = [nn.ConvTranspose2d(b, b, 3, stride=2, padding=1, output_padding=1,
                                         groups=b), nn.Conv2d(b, a, 1, bias=False)]
            ups.append(nn.Sequential(*up, nn.BatchNorm2d(a), nn.ReLU()))
        self.up = nn.ModuleList(ups)
        self.fuse = nn.ModuleList([DepthWiseSeparableConv(2 * a, a) for a, _ in reversed(pairs)])
        self.head = nn.Conv2d(width[0], classes, 1)

    def forward(self, x):
        x = self.stem(x)
        skips = []
        for down in self.down:
            skips.append(x)
            x = down(x)
        for up, fuse, skip in zip(self.up, self.fuse, reversed(skips)):
            x = fuse(torch.cat([up(x), skip], 1))
        return self.head(x)


class PadNormNet(nn.Module):
    """The layers PyTorch users reach for around separable blocks: ZeroPad2d
    and F.pad (Pad constant), ReflectionPad2d, ReplicationPad2d, PReLU (one
    slope per channel and a shared one), Mish, GroupNorm, each around a
    depthwise or pointwise Conv."""

    def __init__(self, classes=10):
        super().__init__()
        self.body = nn.Sequential(
            nn.ZeroPad2d((1, 2, 0, 1)), nn.Conv2d(3, 16, 3, stride=2), nn.PReLU(16),
            nn.ReflectionPad2d(1), nn.Conv2d(16, 16, 3, groups=16), nn.GroupNorm(4, 16), nn.Mish(),
            nn.Conv2d(16, 32, 1), nn.PReLU(),
            nn.ReplicationPad2d((2, 1, 1, 2)), nn.Conv2d(32, 32, 3, stride=2, groups=32),
            nn.GroupNorm(8, 32), nn.ReLU())
        self.fc = nn.Linear(32, classes)

    def forward(self, x):
        x = nn.functional.pad(self.body(x), (0, 1, 1, 0), value=0.5)
        return self.fc(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class ESPCN(nn.Module):
    """Shi et al.'s ESPCN: convolutions at low resolution, then PixelShuffle
    (exported as DepthToSpace) by `r`."""

    def __init__(self, r=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 64, 5, padding=2), nn.Tanh(),
                                  nn.Conv2d(64, 32, 3, padding=1), nn.Tanh(),
                                  nn.Conv2d(32, 3 * r * r, 3, padding=1), nn.PixelShuffle(r))

    def forward(self, x):
        return self.body(x)


class Sep3d(nn.Module):
    """An X3D-style video classifier: a (1,3,3) stem, then depthwise 3x3x3
    (stride 1x2x2) + pointwise Conv3d blocks, each with BatchNorm and ReLU."""

    def __init__(self, width=(24, 48, 96), classes=10):
        super().__init__()
        layers = [nn.Conv3d(3, width[0], (1, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1),
                            bias=False), nn.BatchNorm3d(width[0]), nn.ReLU()]
        for a, b in zip(width[:-1], width[1:]):
            layers += [nn.Conv3d(a, a, 3, stride=(1, 2, 2), padding=1, groups=a, bias=False),
                       nn.BatchNorm3d(a), nn.ReLU(),
                       nn.Conv3d(a, b, 1, bias=False), nn.BatchNorm3d(b), nn.ReLU()]
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool3d(1)
        self.fc = nn.Linear(width[-1], classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


class KWSSubBlock(nn.Module):
    """Depthwise-separable Conv1d + BN + ReLU (the residual added before the ReLU)."""

    def __init__(self, c_in, c_out, k):
        super().__init__()
        self.dw = nn.Conv1d(c_in, c_in, k, padding=k // 2, groups=c_in, bias=False)
        self.pw = nn.Conv1d(c_in, c_out, 1, bias=False)
        self.bn = nn.BatchNorm1d(c_out)

    def forward(self, x, res=None):
        y = self.bn(self.pw(self.dw(x)))
        if res is not None:
            y = y + res
        return torch.relu(y)


class KWSBlock(nn.Module):
    def __init__(self, c_in, c_out, k):
        super().__init__()
        self.a = KWSSubBlock(c_in, c_out, k)
        self.b = KWSSubBlock(c_out, c_out, k)
        self.res = nn.Sequential(nn.Conv1d(c_in, c_out, 1, bias=False), nn.BatchNorm1d(c_out))

    def forward(self, x):
        return self.b(self.a(x), self.res(x))


class KWS1d(nn.Module):
    """A MatchboxNet/QuartzNet-style keyword spotter on (N, 40 MFCC, T frames):
    a strided Conv1d stem, two blocks of depthwise + pointwise Conv1d with a
    residual 1x1 branch, a dilated depthwise Conv1d, MaxPool1d, a pointwise
    classifier and a mean over time."""

    def __init__(self, n_mfcc=40, n_classes=12):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(n_mfcc, 32, 11, stride=2, padding=5, bias=False),
                                  nn.BatchNorm1d(32), nn.ReLU())
        self.b1 = KWSBlock(32, 32, 13)
        self.b2 = KWSBlock(32, 48, 15)
        self.tail = nn.Sequential(nn.Conv1d(48, 48, 29, dilation=2, padding=28, groups=48),
                                  nn.Conv1d(48, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.MaxPool1d(3, stride=2, padding=1))
        self.cls = nn.Conv1d(64, n_classes, 1)

    def forward(self, x):
        y = self.cls(self.tail(self.b2(self.b1(self.stem(x)))))
        return y.mean(dim=2, keepdim=True)


class SegmentationOut(nn.Module):
    """torchvision's segmentation models return a dict; export its "out"."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


SEGMENTATION = torchvision.models.segmentation

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
    "lraspp_mobilenet_v3_large": lambda: SegmentationOut(SEGMENTATION.lraspp_mobilenet_v3_large(
        weights=None, weights_backbone=None)),
    "deeplabv3_mobilenet_v3_large": lambda: SegmentationOut(
        SEGMENTATION.deeplabv3_mobilenet_v3_large(weights=None, weights_backbone=None)),
    "convnext_tiny": lambda: torchvision.models.convnext_tiny(weights=None),
    "regnet_y_400mf": lambda: torchvision.models.regnet_y_400mf(weights=None),
    "efficientnet_b1": lambda: torchvision.models.efficientnet_b1(weights=None),
    "sep_unet": lambda: SepUNet(),
    "pad_norm_net": lambda: PadNormNet(),
    "espcn": lambda: ESPCN(),
    "sep3d": lambda: Sep3d(),
    "kws1d": lambda: KWS1d(),
    "r2plus1d_18": lambda: torchvision.models.video.r2plus1d_18(weights=None),
}

# Input shape for a batch and --size, where it is not (batch, 3, size, size):
# ESPCN upscales a quarter-size image, the video net takes 8 frames.
INPUT_SHAPES = {
    "espcn": lambda batch, size: (batch, 3, size // 4, size // 4),
    "sep3d": lambda batch, size: (batch, 3, 8, size // 4, size // 4),
    "kws1d": lambda batch, size: (batch, 40, 101),  # one second of 10 ms frames
    "r2plus1d_18": lambda batch, size: (batch, 3, 8, 64, 64),  # 8 frames, kept small for CI
}


def input_shape(name, batch, size):
    return INPUT_SHAPES.get(name, lambda b, s: (b, 3, s, s))(batch, size)

# The newest opset torch.onnx in Debian's PyTorch 1.13 exports.
NEWEST_OPSET = 17


def calibrate(model, shape, seed):
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
            model(torch.randn(4, *shape[1:], generator=gen))
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
    calibrate(model, input_shape(name, 4, size), seed)
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
            x = torch.randn(*input_shape(name, batch, args.size), generator=gen)
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
