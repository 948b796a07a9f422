"""One timed round of each runtime for tools/bench/compare, and the FMA peak.

Each runner does its warm-up and timed runs under one Protocol and returns
(Timing, output array). onnxrun and ONNX Runtime run as
child processes through their C APIs (ort_capi_bench.c, onr_capi_bench.c),
one process per round, so no thread pool of one is left spinning while the
other is timed; PyTorch runs in this process.
"""
import glob
import os
import platform
import re
import statistics
import subprocess
import time
import warnings
from dataclasses import dataclass

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TORCH_WARMUP = 3    # the JIT's profiling executor optimises on the first runs


class RunError(RuntimeError):
    pass


@dataclass
class Protocol:
    """The timing protocol of bench_loop.h, used for every runtime: warm-up
    until at least warmup_s seconds and warmup_runs runs, then at least
    seconds and min_runs timed runs; the round's median and min."""
    warmup_s: float = 1.0
    warmup_runs: int = 50
    seconds: float = 2.0
    min_runs: int = 10

    def args(self):
        return ["--warmup", f"{self.warmup_s:g}", "--warmup-runs", str(self.warmup_runs),
                "--seconds", f"{self.seconds:g}", "--min-runs", str(self.min_runs)]


@dataclass
class Timing:
    """One round of one runtime, ms."""
    median: float
    min: float
    mean: float
    runs: int
    cpu: float    # the process's CPU time per run, all threads


def _run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RunError(f"exit {proc.returncode}: " + " | ".join(tail))
    return proc.stdout


def ort_library():
    """The libonnxruntime.so.1 inside the onnxruntime-node package."""
    arch = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    libs = glob.glob(os.path.join(HERE, "node_modules", "onnxruntime-node", "bin", "napi-v*",
                                  "linux", arch, "libonnxruntime.so.1"))
    if not libs:
        raise RunError(f"no libonnxruntime.so.1 for linux/{arch} in node_modules/onnxruntime-node")
    return sorted(libs)[-1]


def build_capi(work):
    """Compiles ort_capi_bench.c and onr_capi_bench.c (the latter against
    WORK's libonnxrun.a) into WORK when missing or older than their
    sources; returns ({"ort": exe, "onnxrun": exe}, [commands], [commands run])."""
    loop = os.path.join(HERE, "bench_loop.h")
    ort_src, onr_src = os.path.join(HERE, "ort_capi_bench.c"), os.path.join(HERE, "onr_capi_bench.c")
    libs = [os.path.join(work, "libonnxrun.a")]
    exes = {"ort": os.path.join(work, "ort_capi_bench"), "onnxrun": os.path.join(work, "onr_capi_bench")}
    cmds = {
        "ort": ["gcc", "-O2", "-Wall", ort_src, "-ldl", "-o", exes["ort"]],
        "onnxrun": ["gcc", "-O2", "-Wall", "-I", os.path.join(ROOT, "include"), onr_src, *libs,
                    "-lprotobuf-c", "-fopenmp", "-lm", "-o", exes["onnxrun"]],
    }
    deps = {"ort": [ort_src, loop], "onnxrun": [onr_src, loop, *libs]}
    ran = []
    for k, cmd in cmds.items():
        exe = exes[k]
        if not os.path.isfile(exe) or any(os.path.getmtime(exe) < os.path.getmtime(d)
                                          for d in deps[k]):
            _run(cmd)
            ran.append(cmd)
    return exes, list(cmds.values()), ran


def _dims(p):
    return "x".join(str(d) for d in p.x.shape)


def capi_cmd(kind, exe, p, threads, input_bin, output_bin, proto):
    """The command line of ort_capi_bench (kind "ort") or onr_capi_bench."""
    lib = [ort_library()] if kind == "ort" else []
    return [exe, *lib, p.model_path, input_bin, _dims(p), str(threads), output_bin, *proto.args()]


def _parse_round(out, output_bin, what):
    m = re.search(r"^round 1: median ([0-9.]+) ms +min ([0-9.]+) ms +mean ([0-9.]+) ms +"
                  r"runs ([0-9]+) .*cpu ([0-9.]+) ms/run", out, re.M)
    d = re.search(r"^output: \S+ ([0-9x]+)$", out, re.M)
    if not m or not d:
        raise RunError(f"no 'round 1: median' or 'output:' line in {what}'s output")
    dims = [int(v) for v in d.group(1).split("x")]
    y = np.fromfile(output_bin, dtype="<f4").reshape(dims)
    return Timing(float(m.group(1)), float(m.group(2)), float(m.group(3)), int(m.group(4)),
                  float(m.group(5))), y


def time_capi(kind, exe, p, threads, input_bin, output_bin, proto):
    """One process, one round: (Timing, output)."""
    out = _run(capi_cmd(kind, exe, p, threads, input_bin, output_bin, proto))
    return _parse_round(out, output_bin, os.path.basename(exe))


def ort_node_cmd(p, threads, input_bin, output_bin, proto):
    return ["node", os.path.join(HERE, "ort_bench.js"), p.model_path, input_bin, _dims(p),
            str(threads), output_bin, *proto.args()]


def time_ort_node(p, threads, input_bin, output_bin, proto):
    """The fallback: onnxruntime-node's binding, awaited session.run calls
    under the same protocol."""
    out = _run(ort_node_cmd(p, threads, input_bin, output_bin, proto))
    return _parse_round(out, output_bin, "ort_bench.js")


def torch_optimized(module, x, ref, tolerance):
    """torch.jit.optimize_for_inference of the scripted (else traced) module,
    after its warm-up runs; returns (callable, form, note). Where its output
    disagrees with the eager module's (torch 1.13's MKLDNN rewrite does on
    MobileNetV3-Small), the frozen module without that rewrite is used
    instead, and the note says so."""
    xt = torch.from_numpy(x)
    # torch 1.13's MKLDNN rewrite warns about resized outputs on some models
    warnings.filterwarnings("ignore", message="An output with one or more elements was resized")
    with torch.no_grad():
        try:
            scripted, how = torch.jit.script(module.eval()), "script"
        except Exception:  # noqa: BLE001  some modules only trace
            scripted, how = torch.jit.trace(module.eval(), xt), "trace"
        opt = torch.jit.optimize_for_inference(scripted.eval())
        form = f"torch.jit.optimize_for_inference(torch.jit.{how}(model))"
        for _ in range(TORCH_WARMUP):
            y = opt(xt).numpy()
        err = float(np.abs(y.astype("f8") - ref).max() / max(np.abs(ref).max(), 1e-30))
        if err <= tolerance:
            return opt, form, None
        frozen = torch.jit.freeze(scripted.eval())
        for _ in range(TORCH_WARMUP):
            frozen(xt)
    note = (f"{form} gives outputs off by {err:.2g} x max|ref| here, so PyTorch is timed "
            f"as torch.jit.freeze(torch.jit.{how}(model))")
    return frozen, f"torch.jit.freeze(torch.jit.{how}(model))", note


def time_torch(opt, x, threads, proto):
    """PyTorch in this process, under the same protocol (its warm-up in
    every round, since the other runtimes ran in between)."""
    torch.set_num_threads(threads)
    xt = torch.from_numpy(x)
    times = []
    with torch.no_grad():
        n, t0 = 0, time.perf_counter()
        while n < proto.warmup_runs or time.perf_counter() - t0 < proto.warmup_s:
            y = opt(xt)
            n += 1
        cpu0, start = time.process_time(), time.perf_counter()
        while len(times) < proto.min_runs or time.perf_counter() - start < proto.seconds:
            a = time.perf_counter()
            y = opt(xt)
            times.append((time.perf_counter() - a) * 1e3)
    cpu = (time.process_time() - cpu0) * 1e3 / len(times)
    return Timing(statistics.median(times), min(times), statistics.fmean(times), len(times),
                  cpu), y.numpy()


def fma_peak(src, exe, threads):
    """Builds fma_peak.c once and returns {threads: GFLOP/s}."""
    cmd = ["gcc", "-O2", "-mavx2", "-mfma", "-fopenmp", src, "-o", exe]
    if not os.path.isfile(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        _run(cmd)
    peaks = {}
    for t in threads:
        m = re.search(r"([0-9.]+) GFLOP/s", _run([exe, str(t)]))
        peaks[t] = float(m.group(1))
    return peaks, cmd
