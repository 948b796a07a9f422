#!/usr/bin/python3
"""What the Python package adds to a run: InferenceSession.run against the
C library running the same model, in the same sitting.

For each model and thread count, R rounds, each of them in turn:
  - python: K calls of sess.run(None, feed), each timed with
    time.perf_counter_ns (a new output array each call, as a user gets);
  - raw:    K calls of onr_session_run on the same session from Python,
    through ctypes with the inputs bound once (what is left of a run
    without the package's Python code: the process is the same);
  - c:      K calls of onr_session_run in a small C program (compiled here
    against the library the package loads, include/onnxrun.h), on a session
    made with the same options, each timed with CLOCK_MONOTONIC, as
    `onnxrun --bench` times its runs;
  - cli:    with --cli, `onnxrun --threads T --bench K MODEL` (its median
    and min, one pair per round).
The C program waits on a pipe while Python runs and the reverse, so the
two see the same machine. Reported: the median and the min of all K x R
times of each; "run - C" is python minus c (medians, and mins): what
a user sees; "run - raw" is python minus raw, the package's own Python
code. raw minus c is one ctypes call plus whatever the process changes:
on a large model the same C code can run slower or faster in the Python
process than in its own, by more than the binding costs; for
the CLI, the median of its per-round medians and the min of its mins.
The load average before and after is printed: on a shared machine, rerun
when it is low.

Models: --tiny (default) builds a one-node Relu on a 1x8x4x4 float tensor
(onnx.helper), where the run itself is a few microseconds and the binding's
cost shows; --mobilenet exports torchvision's MobileNetV2 (weights=None,
BatchNorm statistics calibrated as models/zoo.py does, batch 1, 224x224,
opset 13); --model PATH times any .onnx with one float input.

Usage (after cmake --install build --prefix P):
  PYTHONPATH=P/lib/python3/dist-packages /usr/bin/python3 tools/bench/python_overhead.py \\
      [--tiny] [--mobilenet] [--model PATH] [--threads 1,2] [--runs K] [--rounds R] \\
      [--cli P/bin/onnxrun] [--work DIR]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxrun as ort
from onnxrun import _capi
from onnxrun import _run as raw_run  # onr_session_run, as InferenceSession.run calls it without outputs bound

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

C_TIMER = r"""
/* python_overhead.py's C side: MODEL INPUT.bin DIMS THREADS. Reads a count
 * N on stdin, does N timed onr_session_run calls, prints their times (ns)
 * on one line; again until stdin ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "onnxrun.h"

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 5) return 2;
    struct onr_error err;
    struct onr_model *model;
    struct onr_session *session;
    struct onr_tensor_ref in = {.name = NULL, .dtype = ONR_DTYPE_FLOAT};
    for (char *d = strtok(argv[3], "x"); d != NULL; d = strtok(NULL, "x"))
        in.dims[in.rank++] = atoll(d);
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL) return 3;
    fseek(f, 0, SEEK_END);
    in.nbytes = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    void *x = malloc(in.nbytes + 1);
    if (x == NULL || fread(x, 1, in.nbytes, f) != in.nbytes) return 3;
    fclose(f);
    in.data = x;
    struct onr_session_options opt;
    onr_session_options_init(&opt);
    opt.threads = atoi(argv[4]);
    opt.passes = onr_optimization_passes(ONR_OPTIMIZATION_ALL);
    if (onr_model_load_file(argv[1], &model, &err) != ONR_STATUS_OK ||
        onr_session_create(model, &opt, &session, &err) != ONR_STATUS_OK ||
        onr_session_run(session, &in, 1, &err) != ONR_STATUS_OK) {
        fprintf(stderr, "c timer: %s\n", err.message);
        return 1;
    }
    long long n;
    while (scanf("%lld", &n) == 1) {
        for (long long i = 0; i < n; i++) {
            long long t0 = now_ns();
            if (onr_session_run(session, &in, 1, &err) != ONR_STATUS_OK) {
                fprintf(stderr, "c timer: %s\n", err.message);
                return 1;
            }
            printf("%lld%c", now_ns() - t0, i + 1 < n ? ' ' : '\n');
        }
        fflush(stdout);
    }
    onr_session_free(session);
    onr_model_free(model);
    free(x);
    return 0;
}
"""


def build_c_timer(work):
    src = os.path.join(work, "c_timer.c")
    exe = os.path.join(work, "c_timer")
    with open(src, "w") as f:
        f.write(C_TIMER)
    lib = os.path.realpath(_capi.library_path)
    subprocess.run([os.environ.get("CC", "cc"), "-O2", "-I", os.path.join(ROOT, "include"), src, lib,
                    "-Wl,-rpath," + os.path.dirname(lib), "-o", exe], check=True)
    return exe


def tiny_model(work):
    from onnx import TensorProto, helper, save
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 4, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 4, 4])
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "relu", [x], [y])
    path = os.path.join(work, "relu_1x8x4x4.onnx")
    save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def mobilenet_v2(work):
    import importlib.util
    import warnings

    import torch
    spec = importlib.util.spec_from_file_location("onr_zoo", os.path.join(ROOT, "models", "zoo.py"))
    zoo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(zoo)
    model = zoo.build("mobilenet_v2", 224, seed=0)
    path = os.path.join(work, "mobilenet_v2.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 3, 224, 224),), path, input_names=["input"],
                          output_names=["output"], opset_version=13)
    return path


def cli_bench(cli, path, threads, runs):
    out = subprocess.run([cli, "--threads", str(threads), "--bench", str(runs), path],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"min ([0-9.]+) ms\s+median ([0-9.]+) ms", out)
    return float(m.group(2)) * 1e6, float(m.group(1)) * 1e6


def measure(path, threads, runs, rounds, timer, cli, work):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(path, opts)
    arg = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in arg.shape]
    x = (np.random.default_rng(0).random(shape, dtype=np.float32) * 2 - 1)
    feed = {arg.name: x}
    bin_path = os.path.join(work, "input.bin")
    x.tofile(bin_path)
    c = subprocess.Popen([timer, path, bin_path, "x".join(map(str, shape)), str(threads)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    run, clock = sess.run, time.perf_counter_ns
    t_py, t_raw, t_c, cli_med, cli_min = [], [], [], [], []
    for _ in range(3):  # warm-up: first runs, caches, the C program's start
        run(None, feed)
    c.stdin.write("3\n")
    c.stdin.flush()
    c.stdout.readline()
    for _ in range(rounds):
        for _ in range(runs):
            t0 = clock()
            run(None, feed)
            t_py.append(clock() - t0)
        keep = sess._bind_inputs(feed)  # noqa: F841 (the arrays stay alive while raw runs)
        args = (sess._session, sess._refs, sess._n_inputs, sess._err_ref)
        for _ in range(runs):
            t0 = clock()
            st = raw_run(*args)
            t_raw.append(clock() - t0)
            if st != 0:
                raise RuntimeError("onr_session_run failed: %d" % st)
        del keep
        c.stdin.write("%d\n" % runs)
        c.stdin.flush()
        t_c.extend(int(v) for v in c.stdout.readline().split())
        if cli:
            med, mn = cli_bench(cli, path, threads, runs)
            cli_med.append(med)
            cli_min.append(mn)
    c.stdin.close()
    if c.wait() != 0:
        raise RuntimeError("the C timer failed")
    row = {"python": (statistics.median(t_py), min(t_py)),
           "raw": (statistics.median(t_raw), min(t_raw)), "c": (statistics.median(t_c), min(t_c))}
    if cli:
        row["cli"] = (statistics.median(cli_med), min(cli_min))
    return row


def fmt(ns):
    return "%.2f us" % (ns / 1e3) if abs(ns) < 1e5 else "%.3f ms" % (ns / 1e6)


def pair(median, least):
    return "%s / %s" % (fmt(median), fmt(least))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tiny", action="store_true", help="the one-node Relu (default without models)")
    ap.add_argument("--mobilenet", action="store_true", help="MobileNetV2, exported afresh")
    ap.add_argument("--model", action="append", default=[], help="any .onnx with one float input")
    ap.add_argument("--threads", default="1", help="comma-separated thread counts")
    ap.add_argument("--runs", type=int, default=None,
                    help="runs per round and side (default 2000 tiny, 20 others)")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--cli", default=None, help="the onnxrun command, to time --bench too")
    ap.add_argument("--work", default=None, help="scratch folder (default: a temporary one)")
    a = ap.parse_args()
    work = a.work or tempfile.mkdtemp(prefix="onr_python_overhead_")
    os.makedirs(work, exist_ok=True)
    models = []
    if a.tiny or not (a.mobilenet or a.model):
        models.append(("relu 1x8x4x4", tiny_model(work), a.runs or 2000))
    if a.mobilenet:
        models.append(("mobilenet_v2", mobilenet_v2(work), a.runs or 20))
    models += [(os.path.basename(p), p, a.runs or 20) for p in a.model]
    timer = build_c_timer(work)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), "?")
    print("onnxrun %s (%s), numpy %s, Python %s" % (ort.__version__, _capi.library_path,
                                                   np.__version__, sys.version.split()[0]))
    print("CPU: %s, %d cores; load average before: %.2f %.2f %.2f"
          % ((cpu, os.cpu_count()) + os.getloadavg()))
    print("%d rounds, python / raw / c%s interleaved; median and min of each\n"
          % (a.rounds, " / cli" if a.cli else ""))
    head = "%-14s %3s %5s  %-22s %-22s %-22s %-22s %-22s" % (
        "model", "thr", "runs", "InferenceSession.run", "raw call from Python", "C process",
        "run - C", "run - raw")
    print(head + ("  onnxrun --bench" if a.cli else ""))
    for name, path, runs in models:
        for threads in [int(t) for t in a.threads.split(",")]:
            r = measure(path, threads, runs, a.rounds, timer, a.cli, work)
            (pm, pn), (rm, rn), (cm, cn) = r["python"], r["raw"], r["c"]
        
            line = "%-14s %3d %5d  %-22s %-22s %-22s %-22s %-22s" % (
                name, threads, runs * a.rounds, pair(pm, pn), pair(rm, rn), pair(cm, cn),
                pair(pm - cm, pn - cn), pair(pm - rm, pn - rn))
            if "cli" in r:
                line += "  %s / %s" % (fmt(r["cli"][0]), fmt(r["cli"][1]))
            print(line, flush=True)
    print("\nload average after: %.2f %.2f %.2f" % os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
