#!/usr/bin/python3
"""What the onnxruntime API cannot show about the onnxrun package: a
C-contiguous input of the model's dtype reaches the library without a copy
(the struct handed to onr_session_run points at the array's own data), a
non-contiguous one is copied, the installed package loads the installed
library (through _config.py), and __version__ is the library's. Outputs:
the library writes each run's results into new arrays (a big one 64-byte
aligned, so its node writes it in place), which no later run touches,
whatever outputs it asks for; a name asked twice gives two arrays; a model
with an input whose values decide shapes (a Reshape's int64 shape, a
Resize's float scales) takes the copying path and follows its shapes. Built with onnx.helper where onnx is there.

Usage: test_binding.py CASE_DIR PREFIX
"""
import ctypes
import os
import sys

import numpy as np
import onnxrun
from onnxrun import _capi

case, prefix = sys.argv[1], os.path.realpath(sys.argv[2])
failures = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        failures.append(what)


check(os.path.realpath(onnxrun.__file__).startswith(prefix + os.sep),
      "the package is the installed one: %s" % onnxrun.__file__)
check(os.path.realpath(_capi.library_path).startswith(prefix + os.sep) and
      os.path.basename(_capi.library_path) == "libonnxrun.so.0",
      "it loads the installed library: %s" % _capi.library_path)
check(onnxrun.__version__ == _capi.lib.onr_version().decode(), "__version__ is onr_version()")

sess = onnxrun.InferenceSession(os.path.join(case, "model.onnx"))
arg = sess.get_inputs()[0]
x = np.random.default_rng(0).random(arg.shape, dtype=np.float32)
y = sess.run(None, {arg.name: x})[0]
check(sess._refs[0].data == x.__array_interface__["data"][0],
      "a C-contiguous float32 input is passed in place (no copy)")
xf = np.asfortranarray(x)
yf = sess.run(None, {arg.name: xf})[0]
check(sess._refs[0].data != xf.__array_interface__["data"][0] and np.array_equal(y, yf),
      "a Fortran-ordered input is copied, with the same result")
# The outputs are the caller's: a second run does not change the first's.
y2 = sess.run(None, {arg.name: x * 2})[0]
check(not np.array_equal(y, y2) and np.array_equal(y, yf), "outputs are not overwritten by the next run")
check(y.__array_interface__["data"][0] % 64 == 0, "a 1 MiB output is 64-byte aligned (written in place)")
y3, y4 = sess.run([sess.get_outputs()[0].name] * 2, {arg.name: x})
check(np.array_equal(y3, y) and np.array_equal(y4, y) and not np.shares_memory(y3, y4),
      "an output asked twice: two equal arrays")


def three_outputs():
    """x (batch, 8) -> relu(x), -x, and x itself through Identity (an
    output that is not a node's own result once Identity is dropped)."""
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 8])
    outs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["batch", 8]) for n in "abc"]
    nodes = [helper.make_node("Relu", ["x"], ["a"]), helper.make_node("Neg", ["x"], ["b"]),
             helper.make_node("Identity", ["x"], ["c"])]
    g = helper.make_graph(nodes, "three", [x], outs)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def reshape_by_input():
    """relu(x) reshaped to the int64 input s: output shapes follow s's values."""
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [6])
    shape = helper.make_tensor_value_info("s", TensorProto.INT64, [2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Reshape", ["r", "s"], ["y"])]
    g = helper.make_graph(nodes, "reshape", [x, shape], [y])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


def resize_by_input():
    """x (batch, 1, 2, 2) resized (nearest) by the float input scales."""
    from onnx import TensorProto, helper
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 1, 2, 2])
    scales = helper.make_tensor_value_info("scales", TensorProto.FLOAT, [4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    nodes = [helper.make_node("Resize", ["x", "", "scales"], ["y"])]
    g = helper.make_graph(nodes, "resize", [x, scales], [y])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]).SerializeToString()


try:
    import onnx  # noqa: F401
except ImportError:
    onnx = None
    print("skip  the outputs of built models (no onnx module)")
if onnx is not None:
    rng = np.random.default_rng(1)

    def expect(x):
        return {"a": np.maximum(x, 0), "b": -x, "c": x}

    three = onnxrun.InferenceSession(three_outputs())
    x1 = rng.random((2, 8), dtype=np.float32) - 0.5
    r1 = three.run(None, {"x": x1})
    kept = [r.copy() for r in r1]
    check(all(np.array_equal(r, expect(x1)[n]) for r, n in zip(r1, "abc")), "three outputs: all")
    x2 = rng.random((2, 8), dtype=np.float32) - 0.5
    r2 = three.run(["b"], {"x": x2})
    check(len(r2) == 1 and np.array_equal(r2[0], -x2), "three outputs: 'b' alone")
    check(all(np.array_equal(r, k) for r, k in zip(r1, kept)),
          "a run asking for 'b' alone leaves the arrays of the run before untouched")
    r3 = three.run(["c", "a", "c"], {"x": x1})
    check(np.array_equal(r3[0], x1) and np.array_equal(r3[1], expect(x1)["a"]) and
          np.array_equal(r3[2], x1) and not np.shares_memory(r3[0], r3[2]) and
          not np.shares_memory(r3[0], x1), "three outputs: ['c', 'a', 'c']")
    check(all(np.array_equal(r, k) for r, k in zip(r1, kept)) and np.array_equal(r2[0], -x2),
          "... and the arrays of both runs before are untouched")
    for batch in (5, 0, 2):  # a new shape re-plans; an empty batch gives empty outputs
        xb = rng.random((batch, 8), dtype=np.float32) - 0.5
        rb = three.run(None, {"x": xb})
        check(all(r.shape == (batch, 8) and np.array_equal(r, expect(xb)[n])
                  for r, n in zip(rb, "abc")), "three outputs: batch %d" % batch)
    check(all(np.array_equal(r, k) for r, k in zip(r1, kept)), "... first run's arrays untouched")

    shaped = onnxrun.InferenceSession(reshape_by_input())
    x = np.arange(-3, 3, dtype=np.float32)
    ya = shaped.run(None, {"x": x, "s": np.array([2, 3], np.int64)})[0]
    yb = shaped.run(None, {"x": x, "s": np.array([3, 2], np.int64)})[0]
    check(np.array_equal(ya, np.maximum(x, 0).reshape(2, 3)) and
          np.array_equal(yb, np.maximum(x, 0).reshape(3, 2)),
          "an int64 input deciding the output's shape: (2, 3) then (3, 2)")

    resized = onnxrun.InferenceSession(resize_by_input())
    # A new batch re-plans for the scales known; new scales re-plan again.
    for batch, scale in ((1, 2.0), (3, 2.0), (3, 1.0), (2, 3.0)):
        xr = rng.random((batch, 1, 2, 2), dtype=np.float32)
        sc = np.array([1, 1, scale, scale], np.float32)
        yr = resized.run(None, {"x": xr, "scales": sc})[0]
        k = int(scale)
        check(np.array_equal(yr, xr.repeat(k, axis=2).repeat(k, axis=3)),
              "a float scales input deciding the output's shape: batch %d, x%d" % (batch, k))
sys.exit(1 if failures else 0)
