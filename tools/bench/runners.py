"""One timed round of each runtime for tools/bench/compare, and the FMA peak.

Each runner does its warm-up, times `runs` inferences, and returns
(median ms, min ms, output array). onnxrun and ONNX Runtime run as child processes
(one per round, so no thread pool of theirs is left spinning while another
runtime is timed); PyTorch runs in this process.
"""
import json
import os
import re
import statistics
import subprocess
import time
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_WARMUP = 2      # session.run calls before timing (the first allocates)
TORCH_WARMUP = 3    # the JIT's profiling executor optimises on the first runs


class RunError(RuntimeError):
    pass


def _run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RunError(f"exit {proc.returncode}: " + " | ".join(tail))
    return proc.stdout


def onnxrun_cmd(exe, p, threads, runs, outdir):
    return [exe, p.model_path, "-i", f"{p.input_name}={p.input_pb}", "-o", outdir,
            "--threads", str(threads), "--bench", str(runs)]


def time_onnxrun(exe, p, threads, runs, outdir):
    out = _run(onnxrun_cmd(exe, p, threads, runs, outdir))
    m = re.search(r"^bench:.*min ([0-9.]+) ms +median ([0-9.]+) ms", out, re.M)
    if not m:
        raise RunError("no 'bench: ... median' line in onnxrun's output")
    files = sorted(f for f in os.listdir(outdir) if f.endswith(".npy"))
    if not files:
        raise RunError(f"onnxrun wrote no .npy into {outdir}")
    return float(m.group(2)), float(m.group(1)), np.load(os.path.join(outdir, files[0]))


def ort_cmd(p, threads, runs, input_bin, output_bin):
    dims = "x".join(str(d) for d in p.x.shape)
    return ["node", os.path.join(HERE, "ort_bench.js"), p.model_path, input_bin, dims,
            str(threads), str(runs), str(ORT_WARMUP), output_bin]


def time_ort(p, threads, runs, input_bin, output_bin):
    """input_bin must hold p.x as raw float32 (compare writes it)."""
    out = _run(ort_cmd(p, threads, runs, input_bin, output_bin))
    result = json.loads(out.strip().splitlines()[-1])
    y = np.fromfile(output_bin, dtype="<f4").reshape(result["dims"])
    return statistics.median(result["times_ms"]), min(result["times_ms"]), y


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


def time_torch(opt, x, threads, runs, warmup):
    torch.set_num_threads(threads)
    xt = torch.from_numpy(x)
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            y = opt(xt)
        for _ in range(runs):
            t0 = time.perf_counter()
            y = opt(xt)
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times), y.numpy()


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
