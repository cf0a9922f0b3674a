#!/usr/bin/env python3
"""Runs the tasks named in TASKS_FILE (whitespace-separated) of an
m3sat-compile output directory on the inputs in DATA_DIR (NAME.npy per
graph input; each task gets the ones it takes) and
compares its outputs with DATA_DIR/ref_<output>.npy (rtol 1e-4, atol 1e-5
unless given). Prints one line per task: '<task>: match' or
'<task>: MISMATCH ...'.

Usage: run_tasks.py OUT_DIR DATA_DIR TASKS_FILE [RTOL ATOL]
"""
import os
import re
import subprocess
import sys

import numpy as np


def main():
    out, data = sys.argv[1], sys.argv[2]
    with open(sys.argv[3]) as f:
        tasks = f.read().split()
    rtol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-4
    atol = float(sys.argv[5]) if len(sys.argv) > 5 else 1e-5
    inputs = {f[:-4]: os.path.join(data, f) for f in os.listdir(data)
              if f.endswith(".npy") and not f.startswith("ref_")}
    for task in tasks:
        args = []
        for name, path in sorted(inputs.items()):
            args += ["--input", f"{name}={path}"]
        res = os.path.join(out, "res-" + task)
        while True:
            ran = subprocess.run(["m3sat-run", out, f"--task={task}",
                                  "--output-dir", res] + args,
                                 capture_output=True, text=True)
            unused = re.search(r"--input '([^']*)' is not an input of this "
                               r"task", ran.stderr)
            if not (ran.returncode and unused):
                break
            at = args.index(next(a for a in args
                                 if a.startswith(unused.group(1) + "=")))
            del args[at - 1:at + 1]
        if ran.returncode:
            print(f"{task}: MISMATCH run failed: {ran.stderr.strip()}")
            continue
        for f in sorted(os.listdir(res)):
            got = np.load(os.path.join(res, f))
            want = np.load(os.path.join(data, "ref_" + f))
            if got.shape != want.shape:
                print(f"{task}: MISMATCH shape {got.shape} vs {want.shape}")
                break
            err = np.abs(got.astype(np.float64) - want.astype(np.float64))
            if not np.all(err <= atol + rtol * np.abs(want)):
                print(f"{task}: MISMATCH max_abs_err={err.max():.3e}")
                break
        else:
            print(f"{task}: match")


if __name__ == "__main__":
    main()
