#!/usr/bin/python3
"""Runs `run_bench.py BUILD --quick` (Debian's /usr/bin/python3; the peers
in the PATH python3) and checks what it printed and wrote: the peak per
ISA and its check against oneDNN, one row with every runtime's median, p90
and peak RSS, the errors against PyTorch, the targets, RESULTS.md. Checks
structure and correctness only, never timing.

Usage: check_quick.py BUILD_DIR
"""
import json
import math
import os
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))


def fail(message):
    print(f"check_quick: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    build = os.path.abspath(sys.argv[1])
    run = subprocess.run([sys.executable, os.path.join(BENCH, "run_bench.py"),
                          build, "--quick"], capture_output=True, text=True)
    sys.stdout.write(run.stdout)
    if run.returncode != 0:
        sys.stderr.write(run.stderr)
        fail(f"run_bench.py --quick exited with {run.returncode}")
    for section in ("latency (ms", "p90 (ms)", "max abs error", "peak RSS",
                    "targets", "check: "):
        if section not in run.stdout:
            fail(f"output has no '{section}' section")
    work = os.path.join(build, "bench", "quick")
    with open(os.path.join(work, "results.json")) as f:
        results = json.load(f)

    peak = results["peak"]
    if not peak["isas"] or peak["isa"] not in peak["isas"]:
        fail(f"peak: no ISA measured ({peak})")
    for name, isa in peak["isas"].items():
        for key in ("single_thread", "all_threads"):
            if not isa[key]["gflops"] > 0:
                fail(f"peak {name} {key}: {isa[key]}")
        if not (isa["triad_gbs"] > 0 and isa["read_gbs"] > 0):
            fail(f"peak {name}: no bandwidth")
        if str(isa["accumulators"]) not in isa["sweep"]:
            fail(f"peak {name}: best accumulator count not in the sweep")
    if "ok" not in peak["check"] and "why" not in peak["check"]:
        fail("peak: no check against a known kernel")

    rows = results["rows"]
    if len(rows) != 1:
        fail(f"--quick ran {len(rows)} rows, expected 1")
    row = rows[0]
    for key in ("m3sat", "torch", "ort_full", "ort_full_noopt", "ort_task",
                "openvino"):
        r = row[key]
        if "error" in r:
            fail(f"{key} failed: {r['error']}")
        for field in ("median_ms", "p90_ms", "rss_kb", "max_abs_err"):
            if field not in r or not math.isfinite(r[field]):
                fail(f"{key}: no {field} ({r})")
        if not 0 < r["median_ms"] <= r["p90_ms"]:
            fail(f"{key}: median {r['median_ms']} p90 {r['p90_ms']}")
        if r["rss_kb"] <= 0:
            fail(f"{key}: no peak RSS")
    # What must match PyTorch does (ORT's default optimizations are not
    # checked: their wrong Edge-MoE output is a finding the table shows).
    for key, tol in (("m3sat", 1e-4), ("torch", 1e-5),
                     ("ort_full_noopt", 1e-3), ("openvino", 1e-4)):
        if not row[key]["max_abs_err"] <= tol:
            fail(f"{key}: max abs error {row[key]['max_abs_err']} > {tol}")
    if not row["m3sat"].get("gflops", 0) > 0:
        fail("m3sat: no GFLOP/s")
    if len(results["targets"]) != 5 or not all(
            t["met"] in (True, False, None) for t in results["targets"]):
        fail(f"targets: {results['targets']}")
    with open(os.path.join(work, "RESULTS.md")) as f:
        md = f.read()
    for section in ("## Peak", "## Latency", "## Max abs error",
                    "## Peak RSS", "## Targets", "load average",
                    "bench/run_bench.py: end"):
        if section not in md:
            fail(f"RESULTS.md has no '{section}'")
    print("check_quick: ok")


if __name__ == "__main__":
    main()
