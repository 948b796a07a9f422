#!/usr/bin/python3
"""Write tests/models/onnx_backend_tests.txt from ONNX's backend test data.

Run by hand (not at test time) when the supported operators change:
    /usr/bin/python3 tests/models/scan_backend_tests.py [--data DIR] [--out FILE]

A test folder is listed when its graph uses only SUPPORTED operators, every
graph input and output is a float32 tensor, convolutions are 2-D, and
BatchNormalization is in inference mode. Folders that use only SUPPORTED
operators but break another condition, and folders whose name says they
belong to these operators (test_conv*, test_batchnorm*, ...) but use others,
are written as comments with the reason. Every listed folder is also run
through torch_eval.py (an independent float32 evaluator) at the tolerance
CTest uses, so the list holds only tests a correct implementation passes.
"""
import argparse
import os
import re
import sys

import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_eval  # noqa: E402

SUPPORTED = torch_eval.SUPPORTED
GROUPS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
# Names that belong to the supported operators even when they use others.
RELATED = re.compile(r"^test_(basic_conv|conv|batchnorm|relu|identity|constant"
                     r"|Conv|BatchNorm|ReLU|operator_conv|single_relu)", re.I)
RTOL, ATOL = "1e-4", "1e-5"
FLOAT = onnx.TensorProto.FLOAT


def graph_ops(graph):
    ops = set()
    for n in graph.node:
        ops.add(n.op_type)
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                ops |= graph_ops(a.g)
            for g in a.graphs:
                ops |= graph_ops(g)
    return ops


def value_problem(v):
    """Why a graph input/output is not a float32 tensor, or None."""
    t = v.type
    kind = t.WhichOneof("value")
    if kind != "tensor_type":
        return f"'{v.name}' is a {kind.replace('_type', '')}, not a tensor"
    if t.tensor_type.elem_type != FLOAT:
        name = onnx.TensorProto.DataType.Name(t.tensor_type.elem_type)
        return f"'{v.name}' is {name}, not float32"
    return None


def rank_of(model, name):
    """Rank of a graph input or initializer, or None if not declared."""
    for i in model.graph.initializer:
        if i.name == name:
            return len(i.dims)
    for v in model.graph.input:
        if v.name == name and v.type.tensor_type.HasField("shape"):
            return len(v.type.tensor_type.shape.dim)
    return None


def classify(model):
    """None if the model should pass, else the reason it is left out."""
    ops = graph_ops(model.graph)
    other = sorted(ops - SUPPORTED)
    if other:
        return "uses " + ", ".join(other)
    inits = {i.name for i in model.graph.initializer}
    for v in list(model.graph.input) + list(model.graph.output):
        if v.name in inits:
            continue
        why = value_problem(v)
        if why:
            return why
    for n in model.graph.node:
        if n.op_type == "Conv":
            r = rank_of(model, n.input[1])
            if r is not None and r != 4:
                return f"{r - 2}-D convolution: onnxrun does 2-D only"
        if n.op_type == "BatchNormalization":
            a = torch_eval.attrs(n)
            if a.get("training_mode", 0) != 0 or len(n.output) > 1:
                return "BatchNormalization in training mode"
            r = rank_of(model, n.input[0])
            if r is not None and r != 4:
                return (f"rank-{r} BatchNormalization input: onnxrun runs "
                        "(N, C, H, W) only for now")
    return None


def scan(data):
    listed, excluded = [], []
    for group in GROUPS:
        gdir = os.path.join(data, group)
        if not os.path.isdir(gdir):
            continue
        for name in sorted(os.listdir(gdir)):
            folder = os.path.join(gdir, name)
            path = os.path.join(folder, "model.onnx")
            if not os.path.isfile(path):
                continue
            rel = f"{group}/{name}"
            try:
                model = onnx.load(path)
            except Exception as e:
                if RELATED.match(name):
                    excluded.append((rel, f"onnx cannot load it: {e}"))
                continue
            why = classify(model)
            if why is None:
                ok, msg = torch_eval.check_dir(folder, float(RTOL), float(ATOL),
                                               torch_eval.torch.float32)
                if ok:
                    listed.append(rel)
                else:
                    excluded.append((rel, f"reference evaluator disagrees: {msg}"))
            elif not why.startswith("uses ") or RELATED.match(name):
                excluded.append((rel, why))
    return listed, excluded


HEADER = """\
# ONNX backend tests that onnxrun is expected to pass, one folder per line,
# relative to the ONNX test data (Debian's libonnx-testdata:
# /usr/share/libonnx-testdata/data). tests/models/CMakeLists.txt turns each
# line into a CTest onnx_backend.<group>.<test> running
#     onnxrun --test <folder> --rtol {rtol} --atol {atol}
#
# Generated by tests/models/scan_backend_tests.py (onnx {onnx}): a folder is
# listed when its graph uses only {ops},
# all graph inputs/outputs are float32 tensors, Conv is 2-D and
# BatchNormalization is in inference mode; each listed folder also passed an
# independent float32 torch evaluator (tests/models/torch_eval.py) at that
# tolerance. Regenerate after adding operators; do not edit by hand except
# to move a line between the two sections with a reason.
#
# What the listed tests need beyond the models/ folders:
# - pytorch-converted/* and pytorch-operator/*: IR version 3, opset 6; the
#   initializers are also listed as graph inputs (only input_0.pb is given),
#   BatchNormalization-6 carries is_test=1 and momentum.
# - node/test_basic_conv_*, test_conv_*: W is a graph input, not an
#   initializer; test_conv_with_autopad_same uses auto_pad=SAME_LOWER;
#   test_conv_with_strides_and_asymmetric_padding pads H by 1, W by 0.
# - node/test_batchnorm_*: scale, B, mean and var are graph inputs.
# - node/test_constant: no inputs; the Constant's value is the graph output.
# - opsets 6 to 16 appear (test_identity is opset 16).
#
# Excluded: folders of these operators (by name, or using only them) that
# onnxrun is not expected to pass yet, each with the reason.
"""


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    p.add_argument("--out", default=os.path.join(here, "onnx_backend_tests.txt"))
    args = p.parse_args(argv)
    torch_eval.torch.set_num_threads(1)
    listed, excluded = scan(args.data)
    with open(args.out, "w") as f:
        f.write(HEADER.format(rtol=RTOL, atol=ATOL, onnx=onnx.__version__,
                              ops=", ".join(sorted(SUPPORTED))))
        f.write(f"\n# ---- expected to pass ({len(listed)}) ----\n")
        for rel in listed:
            f.write(rel + "\n")
        f.write(f"\n# ---- excluded ({len(excluded)}) ----\n")
        for rel, why in excluded:
            f.write(f"# {rel}: {why}\n")
    print(f"{len(listed)} listed, {len(excluded)} excluded -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
