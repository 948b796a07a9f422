"""Writes the hostile models that hostile.sh feeds to onnxrun; each must be
refused with a message (exit 1), or run, never crash or hang.

huge_init:      an initializer declaring 2^20 x 2^20 floats behind 16 bytes
huge_init_typed: the same with 4 float_data values
huge_input:     a fixed input of 2^17 x 3 x 1024 x 1024 floats (Relu): the
                memory cap must refuse it before anything is allocated
huge_cos:       ConstantOfShape to 2^20 x 2^20 from a constant shape
huge_expand:    Expand of one float to 2^16 x 2^16 x 2^16
huge_reshape:   Reshape of 4 floats to 2^40 elements
ext_abs, ext_dotdot, ext_link: an initializer stored in an external file at
                /etc/passwd, ../../../../etc/passwd, and link.bin (a symlink
                to /etc/passwd made next to the model)
nest_if:        If nested 100 deep through then_branch
nest_loop:      Loop nested 100 deep through body
nest_if_8:      If nested 8 deep (within the loader's bound: If is refused as
                an unsupported operator)
chain_relu:     20,000 Relu nodes in one chain (no recursion may follow it)
topk_values:    TopK with its Values output only (Indices left out: TopK's
                shape inference wrote the second output past the node's one)
Usage: make_hostile.py WORKDIR
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper
import onnx


def model(nodes, inputs, outputs, inits=(), opset=13):
    g = helper.make_graph(nodes, "hostile", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def vi(name, dims, dtype=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, dtype, dims)


def save(m, work, name):
    # no onnx.checker: these models are meant to be wrong
    with open(os.path.join(work, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


def relu_with_init(t):
    return model([helper.make_node("Add", ["x", "w"], ["y"])], [vi("x", [1])], [vi("y", None)],
                 [t])


def nest_if(work, depth, name):
    """If nested depth deep through then_branch; every branch yields one float."""
    # (else_branch a leaf: nesting both would double the file per level)
    leaf = helper.make_graph([helper.make_node("Identity", ["x"], ["r0"])], "leaf", [],
                             [vi("r0", [1])])
    inner = leaf
    for d in range(depth):
        n = helper.make_node("If", ["c"], ["r%d" % (d + 1)], then_branch=inner,
                             else_branch=leaf)
        inner = helper.make_graph([n], "level%d" % d, [], [vi("r%d" % (d + 1), [1])])
    top = helper.make_node("If", ["c"], ["y"], then_branch=inner, else_branch=leaf)
    save(model([top], [vi("c", [], TensorProto.BOOL), vi("x", [1])], [vi("y", None)]), work,
         name)


def main(work):
    os.makedirs(work, exist_ok=True)
    big = [1 << 20, 1 << 20]

    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=big)
    t.raw_data = np.zeros(4, np.float32).tobytes()
    save(relu_with_init(t), work, "huge_init")
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=big)
    t.float_data.extend([1, 2, 3, 4])
    save(relu_with_init(t), work, "huge_init_typed")

    save(model([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1 << 17, 3, 1024, 1024])],
               [vi("y", None)]), work, "huge_input")

    shape = numpy_helper.from_array(np.array(big, np.int64), "shape")
    save(model([helper.make_node("ConstantOfShape", ["shape"], ["c"]),
                helper.make_node("Add", ["x", "c"], ["y"])],
               [vi("x", [1])], [vi("y", None)], [shape]), work, "huge_cos")
    shape = numpy_helper.from_array(np.array([1 << 16] * 3, np.int64), "shape")
    save(model([helper.make_node("Expand", ["x", "shape"], ["y"])], [vi("x", [1])],
               [vi("y", None)], [shape]), work, "huge_expand")
    shape = numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shape")
    save(model([helper.make_node("Reshape", ["x", "shape"], ["y"])], [vi("x", [4])],
               [vi("y", None)], [shape]), work, "huge_reshape")

    for name, loc in (("ext_abs", "/etc/passwd"), ("ext_dotdot", "../../../../etc/passwd"),
                      ("ext_link", "link.bin")):
        t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1])
        t.data_location = TensorProto.EXTERNAL
        e = t.external_data.add()
        e.key, e.value = "location", loc
        e = t.external_data.add()
        e.key, e.value = "length", "4"
        save(relu_with_init(t), work, name)
    link = os.path.join(work, "link.bin")
    if os.path.lexists(link):
        os.remove(link)
    os.symlink("/etc/passwd", link)

    for depth, name in ((100, "nest_if"), (8, "nest_if_8")):
        nest_if(work, depth, name)
    depth = 100
    body = helper.make_graph([helper.make_node("Identity", ["cond"], ["cond_out"])], "leaf",
                             [vi("i", [], TensorProto.INT64), vi("cond", [], TensorProto.BOOL)],
                             [vi("cond_out", [], TensorProto.BOOL)])
    for d in range(depth):
        n = helper.make_node("Loop", ["", "cond"], [], body=body)
        body = helper.make_graph([n, helper.make_node("Identity", ["cond"], ["cond_out"])],
                                 "level%d" % d,
                                 [vi("i", [], TensorProto.INT64), vi("cond", [], TensorProto.BOOL)],
                                 [vi("cond_out", [], TensorProto.BOOL)])
    loop = helper.make_node("Loop", ["", "c"], [], body=body)
    save(model([loop, helper.make_node("Identity", ["x"], ["y"])],
               [vi("c", [], TensorProto.BOOL), vi("x", [1])], [vi("y", None)]), work,
         "nest_loop")

    n = 20000
    nodes = [helper.make_node("Relu", ["x" if i == 0 else "t%d" % (i - 1)],
                              ["y" if i == n - 1 else "t%d" % i]) for i in range(n)]
    save(model(nodes, [vi("x", [1, 4])], [vi("y", None)]), work, "chain_relu")

    k = numpy_helper.from_array(np.array([2], np.int64), "k")
    save(model([helper.make_node("TopK", ["x", "k"], ["y"])], [vi("x", [3, 4])],
               [vi("y", None)], [k]), work, "topk_values")


if __name__ == "__main__":
    main(sys.argv[1])
