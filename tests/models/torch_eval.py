#!/usr/bin/python3
"""An independent evaluator for ONNX test-case folders, written with torch.

onnx 1.12 has no onnx.reference, so this interprets the few operators the
models use (Conv, BatchNormalization in inference mode, Relu, Identity,
Constant) with torch.nn.functional, and compares each test_data_set_N with
its stored outputs. It checks the test data, not onnxrun: that a stored
model.onnx and its references agree, and that the tolerance onnxrun is held
to is one a correct float32 implementation meets.

Usage: torch_eval.py [--rtol R] [--atol A] DIR [DIR...]
Exit status: 0 all agree, 1 a mismatch or an error, 77 torch/onnx missing.
"""
import argparse
import glob
import math
import os
import sys

try:
    import numpy as np
    import onnx
    import onnx.numpy_helper
    import torch
    import torch.nn.functional as F
except ImportError as e:  # pragma: no cover
    print(f"SKIP: {e}")
    sys.exit(77)

SUPPORTED = {"Conv", "BatchNormalization", "Relu", "Identity", "Constant"}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def conv(node, x, w, b=None):
    a = attrs(node)
    nsp = w.dim() - 2
    ks = list(a.get("kernel_shape", w.shape[2:]))
    strides = list(a.get("strides", [1] * nsp))
    dil = list(a.get("dilations", [1] * nsp))
    pads = list(a.get("pads", [0] * 2 * nsp))
    auto = a.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        pads = [0] * 2 * nsp
        for i in range(nsp):
            size = x.shape[2 + i]
            out = math.ceil(size / strides[i])
            total = max((out - 1) * strides[i] + (ks[i] - 1) * dil[i] + 1 - size, 0)
            small = total // 2
            big = total - small
            pads[i], pads[nsp + i] = ((small, big) if auto == "SAME_UPPER"
                                      else (big, small))
    elif auto == "VALID":
        pads = [0] * 2 * nsp
    # F.pad takes (last-dim begin, last-dim end, previous dim ...).
    fpad = []
    for i in reversed(range(nsp)):
        fpad += [pads[i], pads[nsp + i]]
    x = F.pad(x, fpad)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nsp]
    return fn(x, w, b, stride=strides, dilation=dil, groups=a.get("group", 1))


def batchnorm(node, x, scale, bias, mean, var):
    a = attrs(node)
    if a.get("training_mode", 0) != 0 or len(node.output) > 1:
        raise NotImplementedError("BatchNormalization in training mode")
    shape = [1, -1] + [1] * (x.dim() - 2)
    eps = a.get("epsilon", 1e-5)
    return ((x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + eps)
            * scale.reshape(shape) + bias.reshape(shape))


def constant(node):
    a = attrs(node)
    if "value" in a:
        return torch.from_numpy(onnx.numpy_helper.to_array(a["value"]).copy())
    for key in ("value_float", "value_floats", "value_int", "value_ints"):
        if key in a:
            return torch.tensor(a[key])
    raise NotImplementedError(f"Constant with attributes {sorted(a)}")


def run_graph(model, feeds, dtype=torch.float32):
    """Evaluate model's graph on feeds (name -> tensor) with floating values
    in dtype; returns all values."""
    env = dict(feeds)
    for init in model.graph.initializer:
        if init.name not in env:
            t = torch.from_numpy(onnx.numpy_helper.to_array(init).copy())
            env[init.name] = t.to(dtype) if t.is_floating_point() else t
    for node in model.graph.node:
        ins = [env[n] if n else None for n in node.input]
        if node.op_type == "Conv":
            y = conv(node, *ins)
        elif node.op_type == "BatchNormalization":
            y = batchnorm(node, *ins)
        elif node.op_type == "Relu":
            y = torch.relu(ins[0])
        elif node.op_type == "Identity":
            y = ins[0]
        elif node.op_type == "Constant":
            y = constant(node)
            y = y.to(dtype) if y.is_floating_point() else y
        else:
            raise NotImplementedError(f"operator {node.op_type}")
        env[node.output[0]] = y
    return env


def load_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return t.name, onnx.numpy_helper.to_array(t)


def check_dir(folder, rtol, atol, dtype):
    """Returns (ok, message) for every test_data_set_N of one folder."""
    model = onnx.load(os.path.join(folder, "model.onnx"))
    inits = {i.name for i in model.graph.initializer}
    in_names = [i.name for i in model.graph.input if i.name not in inits]
    out_names = [o.name for o in model.graph.output]
    sets = sorted(glob.glob(os.path.join(folder, "test_data_set_*")))
    if not sets:
        return False, "no test_data_set_*"
    worst = 0.0
    for ds in sets:
        feeds = {}
        for i, name in enumerate(in_names):
            _, arr = load_pb(os.path.join(ds, f"input_{i}.pb"))
            t = torch.from_numpy(arr.copy())
            feeds[name] = t.to(dtype) if t.is_floating_point() else t
        env = run_graph(model, feeds, dtype)
        for i, name in enumerate(out_names):
            _, ref = load_pb(os.path.join(ds, f"output_{i}.pb"))
            got = env[name].to(torch.float64).numpy()
            if got.shape != ref.shape:
                return False, f"{ds} output {i}: shape {got.shape} vs {ref.shape}"
            err = np.abs(got - ref.astype(np.float64))
            excess = err - (atol + rtol * np.abs(ref))
            if excess.size and excess.max() > 0:
                k = int(excess.argmax())
                return False, (f"{ds} output {i}: element {k} got "
                               f"{got.flat[k]:.7g} ref {ref.flat[k]:.7g}")
            if err.size:
                worst = max(worst, float(err.max()))
    return True, f"{len(sets)} set(s), max abs err {worst:.2e}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--float64", action="store_true",
                   help="evaluate in float64 instead of float32")
    p.add_argument("dirs", nargs="+")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    dtype = torch.float64 if args.float64 else torch.float32
    failed = 0
    for d in args.dirs:
        try:
            ok, msg = check_dir(d, args.rtol, args.atol, dtype)
        except Exception as e:  # report and count, keep going
            ok, msg = False, f"{type(e).__name__}: {e}"
        print(f"{'PASS' if ok else 'FAIL'} {d}: {msg}")
        failed += not ok
    print(f"{len(args.dirs) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
