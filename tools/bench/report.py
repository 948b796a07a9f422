"""The Markdown report of tools/bench/compare: machine, commands, the table."""


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def cpu_isa():
    """The widest FMA vectors the CPU has, from /proc/cpuinfo's flags."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((l.split(":", 1)[1].split() for l in f if l.startswith("flags")), [])
    except OSError:
        flags = []
    if "avx512f" in flags:
        return "AVX-512"
    return "AVX2+FMA, no AVX-512" if "avx2" in flags and "fma" in flags else "no AVX2"


def _ms(v):
    return "failed" if v is None else f"{v:.3f}" if v < 10 else f"{v:.2f}" if v < 100 else f"{v:.1f}"


def _err(v):
    return "-" if v == float("inf") else f"{v:.1e}"


def row(r):
    ms, err = r["ms"], r["err"]
    ratio = (f"{ms['onnxrun'] / ms['ort']:.2f}"
             if ms["onnxrun"] is not None and ms["ort"] is not None else "-")
    gflops = share = "-"
    if ms["onnxrun"] is not None and r["macs"]:
        g = 2 * r["macs"] / (ms["onnxrun"] * 1e-3) * 1e-9
        gflops, share = f"{g:.1f}", f"{100 * g / r['peak']:.0f}%"
    worst = max(err.values())
    check = "ok" if worst <= 1e-4 else "**DISAGREE**"
    spec = r["spec"]
    pr = sorted(r.get("paired") or [])
    paired = (f"{pr[(len(pr) - 1) // 2]:.2f} ({pr[0]:.2f}-{pr[-1]:.2f})" if len(pr) % 2
              else f"{(pr[len(pr) // 2 - 1] + pr[len(pr) // 2]) / 2:.2f} ({pr[0]:.2f}-{pr[-1]:.2f})"
              if pr else "-")
    return (f"| {spec.label} | {spec.batch} | {r['threads']} | {_ms(ms['onnxrun'])} | "
            f"{_ms(ms['ort'])} | {_ms(ms['torch'])} | {ratio} | {paired} | {gflops} | {share} | "
            f"{_err(err['onnxrun'])} / {_err(err['ort'])} / {_err(err['torch'])} {check} | "
            f"{r['load']:.1f} |")


def best_row(r):
    b, n, a, c = r["best"], r["counts"], r["mean"], r["cpu"]
    cratio = (f"{c['onnxrun'] / c['ort']:.2f}"
              if c["onnxrun"] is not None and c["ort"] is not None else "-")
    ratio = (f"{b['onnxrun'] / b['ort']:.2f}"
             if b["onnxrun"] is not None and b["ort"] is not None else "-")
    return (f"| {r['spec'].label} | {r['spec'].batch} | {r['threads']} | {_ms(b['onnxrun'])} | "
            f"{_ms(b['ort'])} | {_ms(b['torch'])} | {ratio} | "
            f"{_ms(a['onnxrun'])} / {_ms(a['ort'])} / {_ms(a['torch'])} | "
            f"{_ms(c['onnxrun'])} / {_ms(c['ort'])} / {_ms(c['torch'])} | {cratio} | "
            f"{n['onnxrun']} / {n['ort']} / {n['torch']} |")


def markdown(results, info):
    peaks = ", ".join(f"{t} thread{'s' if t > 1 else ''} {g:.1f}"
                      for t, g in sorted(info["peaks"].items()))
    pr = info["proto"]
    lines = [
        f"# onnxrun vs ONNX Runtime vs PyTorch ({info['date']})",
        "",
        f"- CPU: {info['cpu']} ({info['isa']}), {info['cores']} cores; load average "
        f"{info['load_start'][0]:.2f} at the start, {info['load_end'][0]:.2f} at the end",
        f"- measured FMA peak (fma_peak.c, GFLOP/s): {peaks}",
        f"- {info['onnxrun']}, through its C library (onr_capi_bench.c)",
        f"- {info['ort']}",
        f"- PyTorch {info['torch']} (Python {info['python']})",
        f"- protocol, the same for all three: warm-up of at least {pr.warmup_s:g} s and "
        f"{pr.warmup_runs} runs, then at least {pr.seconds:g} s and {pr.min_runs} runs timed "
        f"one by one; onnxrun and ORT each in a process of their own per round",
        f"- times: median over {info['rounds']} interleaved round(s) of each round's median, ms",
        "- onnxrun / ORT < 1 means onnxrun is faster: the ratio of the two medians, then "
        "the median (and range) of each round's ratio (the two run back to back in a round, "
        "first in turn, so a slow spell of the machine mostly hits both)",
        "- GFLOP/s = 2 x MACs (onnxrun --info) / onnxrun's median "
        "(a share above 100% means the peak was measured while the machine was busy)",
        "- load: the 1-minute load average when the row finished (the machine is shared; "
        "above the core count, times mostly measure waiting for a core)",
        f"- agreement: max abs error / max|ref| against PyTorch eager for onnxrun / ORT / "
        f"torch (tolerance {info['tolerance']:g}); onnxrun vs ORT is checked too",
        "",
        "| model | batch | threads | onnxrun ms | ORT ms | PyTorch ms | onnxrun/ORT "
        "| per round (range) | onnxrun GFLOP/s | % of FMA peak "
        "| rel. error onnxrun / ORT / torch | load |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    lines += [row(r) for r in results]
    lines += [
        "",
        "Fastest single run of each runtime over all rounds (less sensitive to a busy "
        "machine than the median, which is the figure above); the mean run (median over "
        "the rounds of each round's mean: far above the median where a loaded machine "
        "stalls some runs, e.g. a thread descheduled inside a parallel region); the "
        "process's CPU time per run (median over the rounds; it leaves out waiting for a "
        "core: on 1 thread the cost of the inference itself, the figure least disturbed "
        "by a loaded machine; on 2 threads it includes threads spinning while they wait); "
        "and the timed runs behind each runtime's figures:",
        "",
        "| model | batch | threads | onnxrun min ms | ORT min ms | PyTorch min ms "
        "| onnxrun/ORT (min) | mean ms onnxrun / ORT / torch "
        "| CPU ms/run onnxrun / ORT / torch | onnxrun/ORT (CPU) "
        "| timed runs onnxrun / ORT / torch |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [best_row(r) for r in results]
    failures = [f"- {r['spec'].key}, {r['threads']} thread(s): {k} failed: {v}"
                for r in results for k, v in r["errors"].items()]
    if info["notes"]:
        lines += ["", "Notes:"] + [f"- {n}" for n in info["notes"]]
    if failures:
        lines += ["", "Failures:"] + failures
    lines += ["", "Commands (T = threads):", "", "```"] + info["commands"] + ["```", ""]
    return "\n".join(lines)
