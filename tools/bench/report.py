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
    b = r["best"]
    ratio = (f"{b['onnxrun'] / b['ort']:.2f}"
             if b["onnxrun"] is not None and b["ort"] is not None else "-")
    return (f"| {r['spec'].label} | {r['spec'].batch} | {r['threads']} | {_ms(b['onnxrun'])} | "
            f"{_ms(b['ort'])} | {_ms(b['torch'])} | {ratio} |")


def markdown(results, info):
    peaks = ", ".join(f"{t} thread{'s' if t > 1 else ''} {g:.1f}"
                      for t, g in sorted(info["peaks"].items()))
    lines = [
        f"# onnxrun vs ONNX Runtime vs PyTorch ({info['date']})",
        "",
        f"- machine: {info['cpu']}, {info['cores']} cores; load average "
        f"{info['load_start'][0]:.2f} at the start, {info['load_end'][0]:.2f} at the end",
        f"- {info['onnxrun']}; onnxruntime-node {info['ort']} (bundled CPU library); "
        f"PyTorch {info['torch']} (Python {info['python']})",
        f"- measured FMA peak (fma_peak.c, GFLOP/s): {peaks}",
        f"- times: median over {info['rounds']} interleaved round(s) of each round's median, ms",
        "- onnxrun / ORT < 1 means onnxrun is faster: the ratio of the two medians, then "
        "the median (and range) of each round's ratio (the two run back to back in a round, "
        "so a slow spell of the machine mostly hits both)",
        "- GFLOP/s = 2 x MACs / onnxrun's median "
        "(a share above 100% means the peak was measured while the machine was busy)",
        "- load: the 1-minute load average when the row finished (the machine is shared; "
        "above the core count, 2-thread times mostly measure waiting for a core)",
        f"- agreement: max abs error / max|ref| against PyTorch eager for onnxrun / ORT / "
        f"torch (tolerance {info['tolerance']:g})",
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
        "machine than the median, which is the figure above):",
        "",
        "| model | batch | threads | onnxrun min ms | ORT min ms | PyTorch min ms | onnxrun/ORT |",
        "|---|---:|---:|---:|---:|---:|---:|",
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
