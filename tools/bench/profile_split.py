#!/usr/bin/python3
"""Splits an `onnxrun --profile FILE.json` trace by kind of node: Conv into
depthwise (alone, or with the Convs it computes as well) /
pointwise 1x1 / dense kxk (the others by operator type), with
time per run, share, MACs and GFLOP/s per kind.

Given ONNX Runtime's trace too (`ort_capi_bench ... --profile PREFIX`), it
splits that one the same way (from the shapes ORT records per node) and
prints the two side by side, kind by kind. ORT fuses differently (its
NCHWc Conv takes the activation and the residual Add; onnxrun's depthwise
node may compute the 1x1 Convs around it), so compare the totals and the
kinds both have.

Usage: /usr/bin/python3 tools/bench/profile_split.py MODEL.onnx PROFILE.json [ORT_PROFILE.json]
"""
import collections
import json
import sys

import onnx


def conv_kind(node, shapes, macs, batch):
    """The kind of a Conv node; macs (from the trace) tells a 1x1 Conv on a
    1x1 map (squeeze-excite: each weight read once per image) apart."""
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    w = shapes.get(node.input[1])
    if w is None:
        return "Conv"
    if attrs.get("group", 1) > 1 and w[1] == 1:
        # a depthwise Conv that also computes the stem or 1x1 expansion
        # before it or the 1x1 projection after it (fuse_stem, fuse_expand,
        # fuse_project) counts those Convs' MACs too
        y = shapes.get(node.output[0])
        if y and len(y) == 4 and all(y) and macs > y[0] * y[1] * y[2] * y[3] * w[2] * w[3]:
            return f"Conv depthwise {w[2]}x{w[3]} + fused Convs"
        return f"Conv depthwise {w[2]}x{w[3]}"
    if w[2] == 1 and w[3] == 1:
        return ("Conv 1x1 on a 1x1 map (SE)" if macs <= batch * w[0] * w[1]
                else "Conv pointwise 1x1")
    return f"Conv dense {w[2]}x{w[3]}"


def ort_conv_kind(args):
    """conv_kind for a Conv event of ORT's trace, from its recorded shapes."""
    ins = [next(iter(d.values())) for d in args.get("input_type_shape", [])]
    outs = [next(iter(d.values())) for d in args.get("output_type_shape", [])]
    if len(ins) < 2 or len(ins[1]) != 4 or not outs:
        return "Conv", 0
    x, w, y = ins[0], ins[1], outs[0]
    macs = 1
    for d in y:
        macs *= d
    macs *= w[1] * w[2] * w[3]
    if w[1] == 1 and x[1] > 1:
        return f"Conv depthwise {w[2]}x{w[3]}", macs
    if w[2] == 1 and w[3] == 1:
        return ("Conv 1x1 on a 1x1 map (SE)" if y[2] * y[3] == 1 else "Conv pointwise 1x1"), macs
    return f"Conv dense {w[2]}x{w[3]}", macs


def split_ort(path):
    """Time per run (us), MACs and node count per kind of an ORT trace; the
    first run (cold) is left out."""
    events = json.load(open(path))
    runs = sorted((e["ts"], e["ts"] + e["dur"]) for e in events
                  if e["cat"] == "Session" and e["name"] == "model_run")
    if len(runs) < 2:
        sys.exit(f"{path}: fewer than 2 runs in the trace")
    first_end = runs[0][1]
    us, macs, count = collections.Counter(), collections.Counter(), collections.Counter()
    second = runs[1]
    for e in events:
        if e["cat"] != "Node" or e["ts"] < first_end:
            continue
        op = e["args"].get("op_name", e["name"])
        k, m = ort_conv_kind(e["args"]) if op == "Conv" else (op, 0)
        us[k] += e["dur"] / (len(runs) - 1)
        if second[0] <= e["ts"] <= second[1]:
            macs[k] += m
            count[k] += 1
    return us, macs, count


def print_split(title, us, macs, count):
    total = sum(us.values())
    print(title)
    print(f"{'kind':36s} {'nodes':>5s} {'ms/run':>9s} {'share':>6s} {'MMACs':>8s} {'GFLOP/s':>8s}")
    for k, t in us.most_common():
        if t <= 0:
            continue
        gf = f"{2 * macs[k] / (t * 1e3):8.1f}" if macs[k] else f"{'-':>8s}"
        print(f"{k:36s} {count[k]:5d} {t / 1e3:9.3f} {100 * t / total:5.1f}% "
              f"{macs[k] / 1e6:8.1f} {gf}")
    print(f"{'total':36s} {sum(count.values()):5d} {total / 1e3:9.3f}")


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    model = onnx.shape_inference.infer_shapes(onnx.load(sys.argv[1]))
    shapes = {t.name: list(t.dims) for t in model.graph.initializer}
    for v in list(model.graph.value_info) + list(model.graph.output):
        shapes[v.name] = [d.dim_value for d in v.type.tensor_type.shape.dim]
    nodes = {n.name: n for n in model.graph.node}
    dims = model.graph.input[0].type.tensor_type.shape.dim
    batch = dims[0].dim_value or 1 if dims else 1
    events = json.load(open(sys.argv[2]))["traceEvents"]
    runs = len({e["args"]["run"] for e in events})
    us, macs, count = collections.Counter(), collections.Counter(), collections.Counter()
    for e in events:
        node, m = nodes.get(e["name"]), e["args"].get("macs", 0)
        k = (conv_kind(node, shapes, m, batch) if node is not None and node.op_type == "Conv"
             else e["cat"])
        us[k] += e["dur"] / runs
        if e["args"]["run"] == 0:
            macs[k] += m
            count[k] += 1
    print_split("onnxrun", us, macs, count)
    if len(sys.argv) == 4:
        ous, omacs, ocount = split_ort(sys.argv[3])
        print()
        print_split("ONNX Runtime", ous, omacs, ocount)
        print()
        print(f"{'kind':36s} {'onnxrun ms':>10s} {'ORT ms':>9s} {'ratio':>6s}")
        for k in sorted(set(us) | set(ous), key=lambda k: -max(us[k], ous[k])):
            r = f"{us[k] / ous[k]:6.2f}" if us[k] > 0 and ous[k] > 0 else f"{'-':>6s}"
            print(f"{k:36s} {us[k] / 1e3:10.3f} {ous[k] / 1e3:9.3f} {r}")
        print(f"{'total':36s} {sum(us.values()) / 1e3:10.3f} {sum(ous.values()) / 1e3:9.3f} "
              f"{sum(us.values()) / sum(ous.values()):6.2f}")


if __name__ == "__main__":
    main()
