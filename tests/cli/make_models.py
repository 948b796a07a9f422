"""Writes the small models and .npy files that tests/cli/python.sh uses.

sym/model.onnx: y = Relu(x), x float32 of shape (N, 3) with N symbolic.
sep/model.onnx: a depthwise-separable block, x 1x32x16x16 -> depthwise
    3x3 Conv (group 32, pads 1) -> Relu -> pointwise 1x1 Conv 32->64 with a
    bias (as when BatchNorm is folded by the exporter) -> y 1x64x16x16.
x64.npy: float64 data of shape (2, 3) for sym's input.
Test-case folders (model.onnx + test_data_set_0/{input,output}_K.pb):
tol/: sym with x of shape (2, 3); the reference is Relu(x) + 1e-3.
int/: y = Add(a, b) on int64 2x2 with the exact reference; int_bad/: the
    same with one reference element off by 1.
Usage: make_models.py WORKDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    onnx.checker.check_model(model)
    onnx.save(model, path)


def make(nodes, inputs, outputs, inits, name):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def write_case(folder, model, inputs, outputs):
    save(model, os.path.join(folder, "model.onnx"))
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    for kind, arrays in (("input", inputs), ("output", outputs)):
        for k, (name, a) in enumerate(arrays):
            t = numpy_helper.from_array(a, name)
            with open(os.path.join(data, "%s_%d.pb" % (kind, k)), "wb") as f:
                f.write(t.SerializeToString())


def main(work):
    rng = np.random.default_rng(7)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    save(make([helper.make_node("Relu", ["x"], ["y"], name="relu")], [x], [y], [], "sym"),
         os.path.join(work, "sym", "model.onnx"))
    np.save(os.path.join(work, "x64.npy"), rng.uniform(-1, 1, (2, 3)))
    sym = make([helper.make_node("Relu", ["x"], ["y"], name="relu")], [x], [y], [], "sym")
    xs = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
    write_case(os.path.join(work, "tol"), sym, [("x", xs)],
               [("y", np.maximum(xs, 0) + np.float32(1e-3))])

    a = helper.make_tensor_value_info("a", TensorProto.INT64, [2, 2])
    b = helper.make_tensor_value_info("b", TensorProto.INT64, [2, 2])
    c = helper.make_tensor_value_info("c", TensorProto.INT64, [2, 2])
    add = make([helper.make_node("Add", ["a", "b"], ["c"], name="add")], [a, b], [c], [], "int")
    av = np.array([[1, -2], [3, 1 << 40]], dtype=np.int64)
    bv = np.array([[5, 6], [-7, 8]], dtype=np.int64)
    write_case(os.path.join(work, "int"), add, [("a", av), ("b", bv)], [("c", av + bv)])
    off = av + bv
    off[1, 1] += 1
    write_case(os.path.join(work, "int_bad"), add, [("a", av), ("b", bv)], [("c", off)])

    w_dw = numpy_helper.from_array(rng.standard_normal((32, 1, 3, 3)).astype(np.float32), "w_dw")
    w_pw = numpy_helper.from_array(rng.standard_normal((64, 32, 1, 1)).astype(np.float32), "w_pw")
    b_pw = numpy_helper.from_array(rng.standard_normal(64).astype(np.float32), "b_pw")
    nodes = [
        helper.make_node("Conv", ["x", "w_dw"], ["dw"], name="dw_conv", group=32,
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["dw"], ["dw_relu"], name="dw_relu"),
        helper.make_node("Conv", ["dw_relu", "w_pw", "b_pw"], ["y"], name="pw_conv",
                         kernel_shape=[1, 1]),
    ]
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 32, 16, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64, 16, 16])
    save(make(nodes, [x], [y], [w_dw, w_pw, b_pw], "sep"), os.path.join(work, "sep", "model.onnx"))


if __name__ == "__main__":
    main(sys.argv[1])
