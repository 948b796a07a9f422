#!/usr/bin/python3
"""What the onnxruntime API cannot show about the onnxrun package: a
C-contiguous input of the model's dtype reaches the library without a copy
(the struct handed to onr_session_run points at the array's own data), a
non-contiguous one is copied, the installed package loads the installed
library (through _config.py), and __version__ is the library's.

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
sys.exit(1 if failures else 0)
