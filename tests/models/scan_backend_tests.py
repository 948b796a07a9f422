#!/usr/bin/python3
"""Write tests/models/onnx_backend_tests.txt from ONNX's backend test data.

Re-run after adding or changing operators (needs python3-onnx):
    cmake --build build --target onnxrun_cli
    /usr/bin/python3 tests/models/scan_backend_tests.py --onnxrun build/onnxrun
Check that the committed list is current (CTest onnx_backend.list_current):
    /usr/bin/python3 tests/models/scan_backend_tests.py --onnxrun build/onnxrun --check

A folder under node/, pytorch-converted/, pytorch-operator/ or simple/ is a
candidate when every node of its graph (subgraphs included) is an operator
that `onnxrun --list-ops` names. Each candidate is run once with
`onnxrun --test FOLDER` at the default tolerance. Passing folders are listed;
failing ones are written as comments, grouped by a reason read from
onnxrun's FAIL line. A failure that is not a clean refusal (wrong values,
wrong shape or dtype, a crash, a hang) is grouped under "BUG:". The output
depends only on the test data and onnxrun's messages: no times, sorted.
"""
import argparse
import collections
import os
import re
import subprocess
import sys

import onnx

GROUPS = ["node", "pytorch-converted", "pytorch-operator", "simple"]
TIMEOUT_S = 120
# onnx's TensorProto names as onnxrun spells dtypes.
DTYPE = {"FLOAT": "float32", "DOUBLE": "float64", "FLOAT16": "float16"}


def dtype_name(code):
    try:
        name = onnx.TensorProto.DataType.Name(int(code))
    except ValueError:
        return f"#{code}"
    return DTYPE.get(name, name.lower())


def registered_ops(exe):
    """{(domain, op_type)} from `onnxrun --list-ops`."""
    out = subprocess.run([exe, "--list-ops"], capture_output=True, text=True,
                         check=True).stdout
    ops = set()
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) == 3 and re.fullmatch(r"\d+-\d+", f[2]):
            ops.add(("" if f[1] == "ai.onnx" else f[1], f[0]))
    if not ops:
        raise SystemExit(f"{exe} --list-ops named no operators")
    return ops


def graph_ops(graph):
    ops = set()
    for n in graph.node:
        ops.add(("" if n.domain == "ai.onnx" else n.domain, n.op_type))
        for a in n.attribute:
            if a.type == onnx.AttributeProto.GRAPH:
                ops |= graph_ops(a.g)
            for g in a.graphs:
                ops |= graph_ops(g)
    return ops


def op_label(key):
    domain, op = key
    return f"{domain}.{op}" if domain else op


# Failures where onnxrun ran and got something wrong: (pattern, reason).
BUGS = [
    (r"^output \d+ '.*': \d+ of \d+ elements differ", "BUG: wrong values"),
    (r"^output \d+ '.*': shape .*, reference", "BUG: wrong output shape"),
    (r"^output \d+ '.*': dtype .*, reference", "BUG: wrong output dtype"),
    (r"reference outputs for a model with|^output \d+ is missing",
     "BUG: wrong number of outputs"),
]
# Clean refusals: (pattern, reason template over the match groups).
REFUSALS = [
    (r"^(\w+) '[^']*': (?:inputs? (?:\d+ )?(?:are|is)|\w+ is) (\w+), only",
     "dtype {2} not supported"),
    (r"has element type (\d+), which onnxrun does not support",
     lambda m: f"dtype {dtype_name(m[1])} not supported"),
    (r"target type (\d+) .*is not supported",
     lambda m: f"dtype {dtype_name(m[1])} not supported"),
    (r"data type (\w+) \(\d+\) is not supported", "dtype {1} not supported"),
    (r"kernel_shape has (\d+) values, expected 2: only 2-D (\w+)",
     "{1}-D {2}"),
    (r"^(\w+) '[^']*': training_mode", "training-mode {1}"),
    (r"is not a tensor \(sequences, maps and optionals",
     "sequence or optional graph inputs"),
    (r"^(\w+) '[^']*': the (\w+) output is not supported",
     "{1} output {2} not supported"),
    (r"^(\w+) '[^']*': (\w+) must be constant", "{1} {2} as a non-constant input"),
    (r"^(\w+) '[^']*': input (\w+) is not a constant",
     "{1} {2} as a non-constant input"),
]


def normalize(msg):
    """The message without the data-set prefix and node names."""
    msg = re.sub(r"^(test_data_set_\d+|model\.onnx): ", "", msg)
    msg = re.sub(r"^running \w+ '[^']*': ", "", msg)
    return msg


def reason_of(rc, out):
    """(reason, message) for a failed run, from onnxrun's FAIL line."""
    m = re.search(r"^\S+\s+FAIL\s+(.*)$", out, re.M)
    if rc < 0:
        return f"BUG: crash (signal {-rc})", (m[1] if m else "no FAIL line")
    if m is None:
        return f"BUG: exit status {rc}, no FAIL line", out.strip()[-200:]
    msg = normalize(m[1])
    for pattern, reason in BUGS:
        if re.search(pattern, msg):
            return reason, msg
    for pattern, reason in REFUSALS:
        g = re.search(pattern, msg)
        if g:
            text = reason(g) if callable(reason) else reason.format(*[g[0], *g.groups()])
            return text, msg
    return re.sub(r"'[^']*'", "'...'", msg), msg


def run_case(exe, folder):
    try:
        r = subprocess.run([exe, "--test", folder], capture_output=True, text=True,
                           timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return False, f"BUG: hang (over {TIMEOUT_S} s)", "timed out"
    if r.returncode == 0 and re.search(r"^\S+\s+PASS\s", r.stdout, re.M):
        return True, None, None
    reason, msg = reason_of(r.returncode, r.stdout)
    return False, reason, msg


def scan(data, exe):
    ops = registered_ops(exe)
    passed, failed = [], collections.defaultdict(list)
    missing, n_missing, unloadable = collections.Counter(), 0, []
    for group in GROUPS:
        gdir = os.path.join(data, group)
        for name in sorted(os.listdir(gdir)) if os.path.isdir(gdir) else []:
            folder = os.path.join(gdir, name)
            path = os.path.join(folder, "model.onnx")
            if not os.path.isfile(path):
                continue
            rel = f"{group}/{name}"
            try:
                model = onnx.load(path)
            except Exception as e:  # noqa: BLE001 - any parse error
                unloadable.append(f"{rel}: {e}")
                continue
            other = graph_ops(model.graph) - ops
            if other:
                n_missing += 1
                missing.update(op_label(k) for k in other)
                continue
            ok, reason, msg = run_case(exe, folder)
            if ok:
                passed.append(rel)
            else:
                failed[reason].append((rel, msg))
    return dict(ops=ops, passed=passed, failed=failed, missing=missing,
                n_missing=n_missing, unloadable=unloadable)


HEADER = """\
# ONNX backend tests that onnxrun passes, one folder per line, relative to
# the ONNX test data (Debian's libonnx-testdata:
# /usr/share/libonnx-testdata/data). tests/models/CMakeLists.txt turns each
# line into a CTest onnx_backend.<group>.<test> running
#     onnxrun --test <folder> --rtol 1e-4 --atol 1e-5
#
# GENERATED by tests/models/scan_backend_tests.py (onnx {onnx}); do not edit.
# Re-run it after adding or changing operators:
#     /usr/bin/python3 tests/models/scan_backend_tests.py --onnxrun build/onnxrun
# CTest onnx_backend.list_current fails when this file is out of date.
#
# Candidates: every folder under
#     {groups}
# whose graph uses only operators that `onnxrun --list-ops` names ({n_ops}):
# {n_cand} folders. Each was run with `onnxrun --test` at the default
# tolerance: {n_pass} pass and are listed; {n_fail} fail and are commented
# below, grouped by the reason in onnxrun's FAIL line. "BUG:" marks wrong
# results, crashes and hangs, as opposed to refusals.
"""


def render(res):
    failed = res["failed"]
    n_fail = sum(len(v) for v in failed.values())
    out = [HEADER.format(onnx=onnx.__version__,
                         groups=", ".join(g + "/" for g in GROUPS),
                         n_ops=len(res["ops"]), n_cand=len(res["passed"]) + n_fail,
                         n_pass=len(res["passed"]), n_fail=n_fail)]
    out.append(f"# ---- pass ({len(res['passed'])}) ----")
    out += res["passed"]
    out.append(f"\n# ---- fail ({n_fail}) ----")
    # Bugs first, then the largest groups.
    order = sorted(failed, key=lambda r: (not r.startswith("BUG:"), -len(failed[r]), r))
    for reason in order:
        out.append(f"# -- {reason} ({len(failed[reason])}):")
        out += [f"#   {rel}: {msg}" for rel, msg in failed[reason]]
    top = sorted(res["missing"].items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    out.append("\n# ---- not candidates ----")
    out.append(f"# {res['n_missing']} folders use at least one operator onnxrun does "
               "not register.")
    out.append("# The 20 missing operators most needed (folders that use each):")
    for i in range(0, len(top), 4):
        out.append("#   " + "  ".join(f"{op} {n}" for op, n in top[i:i + 4]))
    if res["unloadable"]:
        out.append(f"# {len(res['unloadable'])} folders onnx {onnx.__version__} "
                   "cannot load:")
        out += [f"#   {u}" for u in res["unloadable"]]
    return "\n".join(out) + "\n"


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="/usr/share/libonnx-testdata/data")
    p.add_argument("--onnxrun", default=os.path.join(root, "build", "onnxrun"),
                   help="the onnxrun CLI to scan with (default: build/onnxrun)")
    p.add_argument("--out", default=os.path.join(here, "onnx_backend_tests.txt"))
    p.add_argument("--check", action="store_true",
                   help="compare with --out instead of writing it; exit 1 if stale")
    args = p.parse_args(argv)
    if not os.access(args.onnxrun, os.X_OK):
        p.error(f"{args.onnxrun} is not an executable: build it or pass --onnxrun")
    res = scan(args.data, args.onnxrun)
    text = render(res)
    n_fail = sum(len(v) for v in res["failed"].values())
    n_bug = sum(len(v) for r, v in res["failed"].items() if r.startswith("BUG:"))
    summary = f"{len(res['passed'])} pass, {n_fail} fail ({n_bug} BUG)"
    if args.check:
        with open(args.out) as f:
            old = f.read()
        if old == text:
            print(f"{args.out} is current: {summary}")
            return 0
        import difflib
        sys.stdout.writelines(difflib.unified_diff(
            old.splitlines(True), text.splitlines(True), args.out, "scan"))
        print(f"FAIL: {args.out} is out of date ({summary}): re-run "
              "tests/models/scan_backend_tests.py")
        return 1
    with open(args.out, "w") as f:
        f.write(text)
    print(f"{summary} -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
