#!/usr/bin/python3
"""The Python package against PyTorch, through onnxruntime's API only.

Exports afresh the notebook's depthwise-separable block (models/export.py's
class, BatchNorm kept, a symbolic batch dim) and torchvision's MobileNetV2
(weights=None, fixed seed, BatchNorm statistics calibrated as
models/zoo.py does, eval), runs them with `import MODULE as ort`
and compares with PyTorch; then checks that bad input raises (wrong shape,
dtype, rank, missing or unknown input, unknown output, garbage file) and
that the session still works afterwards. Uses nothing but onnxruntime's
names, so `--module onnxruntime` runs it unchanged against ONNX Runtime.

Tolerances (float32 rounding, not a loosened check):
  block:       |y - ref| <= 1e-5 + 1e-4 * |ref| per element, as the suite's
               stored model tests: a few hundred float32 products per
               output, summed in another order than PyTorch's.
  MobileNetV2: max |y - ref| <= 1e-3 * max |ref| per output (the zoo tests'
               bound): 53 layers of float32 rounding, BatchNorm folded into
               the Convs in another order than PyTorch; PyTorch's own
               float32 output is of that order from its float64 result.

Usage: test_vs_pytorch.py --export models/export.py --work DIR [--module onnxrun]
"""
import argparse
import importlib
import importlib.util
import os
import shutil
import sys

import numpy as np
import torch


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


FAILURES = []


def check(cond, what):
    print(("ok    " if cond else "FAIL  ") + what)
    if not cond:
        FAILURES.append(what)


def close_elementwise(y, ref, rtol=1e-4, atol=1e-5):
    excess = np.abs(y.astype(np.float64) - ref) - (atol + rtol * np.abs(ref))
    return y.shape == ref.shape and bool(np.all(excess <= 0)), float(np.abs(y - ref).max())


def close_to_scale(y, ref, rel=1e-3):
    err = float(np.abs(y.astype(np.float64) - ref).max())
    return y.shape == ref.shape and err <= rel * float(np.abs(ref).max()), err


def raises(fn):
    try:
        fn()
    except Exception as e:  # onnxruntime raises several classes; any is right
        return str(e) or type(e).__name__
    return None


def test_block(ort, export, work):
    torch.manual_seed(0)
    model, x = export.build(export.DepthWiseSeparableConv, dict(n_in=32, n_out=64),
                            (1, 32, 64, 64), seed=0)
    path = os.path.join(work, "dwsep.onnx")
    torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["output"],
                      opset_version=13, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False,
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    inp, out = sess.get_inputs(), sess.get_outputs()
    check(len(inp) == 1 and inp[0].name == "input" and inp[0].type == "tensor(float)",
          "block: get_inputs() name and type: %r" % (inp,))
    check(inp[0].shape == ["batch", 32, 64, 64], "block: input shape %r" % (inp[0].shape,))
    check(len(out) == 1 and out[0].name == "output" and out[0].type == "tensor(float)" and
          out[0].shape[0] == "batch" and out[0].shape[1:] == [64, 64, 64],
          "block: get_outputs() %r" % (out,))

    for batch in (1, 3, 1):  # a new batch size re-plans, and back
        torch.manual_seed(batch)
        xb = torch.rand(batch, 32, 64, 64) * 2 - 1
        with torch.no_grad():
            ref = model(xb).numpy().astype(np.float64)
        ys = sess.run(None, {"input": xb.numpy()})
        check(isinstance(ys, list) and len(ys) == 1 and isinstance(ys[0], np.ndarray) and
              ys[0].dtype == np.float32, "block batch %d: run() returns [float32 array]" % batch)
        ok, err = close_elementwise(ys[0], ref)
        check(ok, "block batch %d: matches PyTorch (max |diff| %.2e)" % (batch, err))
    named = sess.run(["output"], {"input": x.numpy()})[0]
    check(np.array_equal(named, sess.run(None, {"input": x.numpy()})[0]),
          "block: run(['output']) equals run(None)")

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    plain = ort.InferenceSession(path, sess_options=opts)
    with torch.no_grad():
        ref = model(x).numpy().astype(np.float64)
    ok, err = close_elementwise(plain.run(None, {"input": x.numpy()})[0], ref)
    check(ok, "block, 1 thread, ORT_DISABLE_ALL: matches PyTorch (max |diff| %.2e)" % err)
    for level in ("ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL"):
        opts = ort.SessionOptions()
        opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
        ok, err = close_elementwise(ort.InferenceSession(path, opts).run(
            None, {"input": x.numpy()})[0], ref)
        check(ok, "block, %s: matches PyTorch (max |diff| %.2e)" % (level, err))

    # Profiling writes a file and names it.
    opts = ort.SessionOptions()
    opts.enable_profiling = True
    opts.profile_file_prefix = os.path.join(work, "profile_")
    prof = ort.InferenceSession(path, opts)
    prof.run(None, {"input": x.numpy()})
    name = prof.end_profiling()
    check(bool(name) and os.path.exists(name), "block: end_profiling() wrote %r" % name)

    # Bad input raises, and the session still runs after it.
    xn = x.numpy()
    bad = {
        "wrong channel count": lambda: sess.run(None, {"input": np.zeros((1, 31, 64, 64), np.float32)}),
        "wrong rank": lambda: sess.run(None, {"input": np.zeros((32, 64, 64), np.float32)}),
        "wrong dtype (float64)": lambda: sess.run(None, {"input": xn.astype(np.float64)}),
        "missing input": lambda: sess.run(None, {}),
        "unknown input name": lambda: sess.run(None, {"input": xn, "nope": xn}),
        "unknown output name": lambda: sess.run(["nope"], {"input": xn}),
    }
    for what, fn in bad.items():
        msg = raises(fn)
        check(msg is not None, "block: %s raises: %s" % (what, msg))
    ok, err = close_elementwise(sess.run(None, {"input": xn})[0], ref)
    check(ok, "block: still matches PyTorch after the errors (max |diff| %.2e)" % err)
    # Threads may share a session (onnxruntime allows it).
    import threading
    results = []

    def worker():
        for _ in range(3):
            results.append(close_elementwise(sess.run(None, {"input": xn})[0], ref)[0])
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(len(results) == 12 and all(results), "block: 4 threads sharing the session, 3 runs each, match")
    # A non-contiguous input is accepted (copied).
    xt = np.asfortranarray(xn)
    ok, err = close_elementwise(sess.run(None, {"input": xt})[0], ref)
    check(ok, "block: a Fortran-ordered input gives the same result")
    # From bytes as from a path.
    with open(path, "rb") as f:
        from_bytes = ort.InferenceSession(f.read())
    check(np.array_equal(from_bytes.run(None, {"input": xn})[0], sess.run(None, {"input": xn})[0]),
          "block: InferenceSession(bytes) equals InferenceSession(path)")


def test_garbage(ort, work):
    garbage = os.path.join(work, "garbage.onnx")
    with open(garbage, "wb") as f:
        f.write(os.urandom(64) + b"\x0a\xff\xff\xff\xff\x0f" + b"not a model" * 20)
    msg = raises(lambda: ort.InferenceSession(garbage))
    check(msg is not None, "garbage file raises: %s" % msg)
    msg = raises(lambda: ort.InferenceSession(os.path.join(work, "does_not_exist.onnx")))
    check(msg is not None, "missing file raises: %s" % msg)
    msg = raises(lambda: ort.InferenceSession(b""))
    check(msg is not None, "empty bytes raise: %s" % msg)


def test_mobilenet_v2(ort, zoo, work):
    # Untrained BatchNorm statistics shrink the logits to ~1e-8, which would
    # make any comparison vacuous: models/zoo.py calibrates them on random
    # batches so the logits are of order one.
    model = zoo.build("mobilenet_v2", 224, seed=0)
    x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(1)) * 2 - 1
    path = os.path.join(work, "mobilenet_v2.onnx")
    torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["logits"],
                      opset_version=13)
    with torch.no_grad():
        ref = model(x).numpy().astype(np.float64)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    check(sess.get_inputs()[0].shape == [1, 3, 224, 224] and
          sess.get_outputs()[0].shape == [1, 1000],
          "mobilenet_v2: shapes %r -> %r" % (sess.get_inputs()[0].shape, sess.get_outputs()[0].shape))
    y = sess.run(["logits"], {"input": x.numpy()})[0]
    ok, err = close_to_scale(y, ref)
    check(ok, "mobilenet_v2: matches PyTorch (max |diff| %.2e, max |ref| %.2e)"
          % (err, float(np.abs(ref).max())))
    check(int(np.argmax(y)) == int(np.argmax(ref)), "mobilenet_v2: same top-1 class")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--module", default="onnxrun")
    p.add_argument("--export", required=True, help="models/export.py")
    p.add_argument("--work", required=True)
    a = p.parse_args()
    try:
        ort = importlib.import_module(a.module)
    except ImportError as e:
        print("SKIP: cannot import %s: %s" % (a.module, e))
        return 77
    print("%s %s from %s; providers %s" % (a.module, ort.__version__, os.path.dirname(ort.__file__),
                                          ort.get_available_providers()))
    check("CPUExecutionProvider" in ort.get_available_providers(), "get_available_providers()")
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    export = load_module(a.export, "onr_export")
    test_block(ort, export, a.work)
    test_garbage(ort, a.work)
    zoo = load_module(os.path.join(os.path.dirname(a.export), "zoo.py"), "onr_zoo")
    test_mobilenet_v2(ort, zoo, a.work)
    if FAILURES:
        print("%d FAILED" % len(FAILURES))
        return 1
    print("all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
