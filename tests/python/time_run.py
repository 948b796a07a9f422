#!/usr/bin/python3
"""What the Python binding adds to a run: InferenceSession.run against the
C call it wraps (onr_session_run through ctypes on the same session, no
numpy), in alternating rounds, and the median of each.
Compare with the CLI on the same model: onnxrun --threads T --bench N MODEL.

Usage: PYTHONPATH=<prefix>/lib/python3/dist-packages time_run.py MODEL.onnx [THREADS] [RUNS]
"""
import ctypes
import statistics
import sys
import time

import numpy as np
import onnxrun as ort
from onnxrun import _capi

path = sys.argv[1]
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 100
opts = ort.SessionOptions()
opts.intra_op_num_threads = threads
sess = ort.InferenceSession(path, opts)
arg = sess.get_inputs()[0]
x = np.random.default_rng(0).random([d if isinstance(d, int) else 1 for d in arg.shape],
                                    dtype=np.float32)
feed = {arg.name: x}
sess.run(None, feed)  # warm-up; binds the input structs
err = _capi.Error()

def py():
    t = time.perf_counter()
    sess.run(None, feed)
    return time.perf_counter() - t

def raw():
    t = time.perf_counter()
    st = _capi.lib.onr_session_run(sess._session, sess._refs, 1, ctypes.byref(err))
    dt = time.perf_counter() - t
    assert st == 0, err.message
    return dt

t_py, t_raw = [], []
for _ in range(runs):
    t_py.append(py())
    t_raw.append(raw())
mp, mr = statistics.median(t_py), statistics.median(t_raw)
print("%s, %d thread(s), %d runs each, alternating" % (path, threads, runs))
print("InferenceSession.run   median %.3f ms  min %.3f ms" % (mp * 1e3, min(t_py) * 1e3))
print("onr_session_run (raw)  median %.3f ms  min %.3f ms" % (mr * 1e3, min(t_raw) * 1e3))
print("binding adds           median %.1f us  (min-to-min %.1f us)" % ((mp - mr) * 1e6,
                                                                        (min(t_py) - min(t_raw)) * 1e6))
