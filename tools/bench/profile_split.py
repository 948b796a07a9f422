#!/usr/bin/python3
"""Splits an `onnxrun --profile FILE.json` trace by kind of node: Conv into
depthwise (alone, or with the Convs it computes as well) /
pointwise 1x1 / dense kxk (the others by operator type), with
time per run, share, MACs and GFLOP/s per kind.

Usage: /usr/bin/python3 tools/bench/profile_split.py MODEL.onnx PROFILE.json
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


def main():
    if len(sys.argv) != 3:
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
    total = sum(us.values())
    print(f"{'kind':36s} {'nodes':>5s} {'ms/run':>9s} {'share':>6s} {'MMACs':>8s} {'GFLOP/s':>8s}")
    for k, t in us.most_common():
        if t <= 0:
            continue
        gf = f"{2 * macs[k] / (t * 1e3):8.1f}" if macs[k] else f"{'-':>8s}"
        print(f"{k:36s} {count[k]:5d} {t / 1e3:9.3f} {100 * t / total:5.1f}% "
              f"{macs[k] / 1e6:8.1f} {gf}")
    print(f"{'total':36s} {sum(count.values()):5d} {total / 1e3:9.3f}")


if __name__ == "__main__":
    main()
