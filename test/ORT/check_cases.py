#!/usr/bin/env python3
"""Compares m3sat's outputs of the cases of make_moe_cases.py with ONNX
Runtime's (with NumPy's float64 reference where ORT has no form for a case)
and checks that ORT itself agrees with that reference. Prints one line per
failing case and a summary line: 'all N cases match' or 'MISMATCH'.
Elementwise tolerance: |a - b| <= TOL * (1 + |b|), TOL = 1e-5 by default.

Usage: check_cases.py CASES_DIR M3SAT_DIR ORT_DIR [TOL]
"""
import json
import os
import sys

import numpy as np


def error(actual, expected):
    """The largest |a - b| / (1 + |b|)."""
    a, b = actual.astype(np.float64), expected.astype(np.float64)
    return float(np.max(np.abs(a - b) / (1.0 + np.abs(b)))) if a.size else 0.0


def main():
    cases_dir, m3sat_dir, ort_dir = sys.argv[1:4]
    tol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-5
    with open(os.path.join(cases_dir, "cases.json")) as f:
        cases = json.load(f)
    failed = 0
    worst = {"ort": 0.0, "numpy": 0.0, "ort_vs_numpy": 0.0}
    for c in cases:
        name = f"y{c['index']}.npy"
        ref = np.load(os.path.join(cases_dir, "ref_" + name))
        got = np.load(os.path.join(m3sat_dir, name))
        if got.shape != ref.shape:
            print(f"{c['name']}: m3sat shape {list(got.shape)}, expected "
                  f"{list(ref.shape)}")
            failed += 1
            continue
        checks = [("numpy", error(got, ref))]
        if c["ort"]:
            ort = np.load(os.path.join(ort_dir, name))
            checks += [("ort", error(got, ort)),
                       ("ort_vs_numpy", error(ort, ref))]
        for what, err in checks:
            worst[what] = max(worst[what], err)
            if err > tol:
                failed += 1
                print(f"{c['name']}: {what} error {err:.3e} > {tol:g} ({c})")
    summary = ", ".join(f"max error vs {k} {v:.2e}" for k, v in worst.items())
    if failed:
        print(f"MISMATCH: {failed} checks failed ({summary})")
        sys.exit(1)
    print(f"all {len(cases)} cases match ({sum(c['ort'] for c in cases)} "
          f"against ORT; {summary})")


if __name__ == "__main__":
    main()
