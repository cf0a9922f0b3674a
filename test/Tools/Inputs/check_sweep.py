"""Checks m3sat-profile's sweep JSON (Debian's /usr/bin/python3, numpy).

check_sweep.py SWEEP.json: per task, coverages in order; experts and
  parameter bytes kept grow with the coverage, stay within the unpruned
  task, and add up over the layers; deviations are sane.
check_sweep.py SWEEP.json --rerun OUT_DIR USAGE.json TASK C: m3sat-run of
  OUT_DIR (TASK pruned at C by m3sat-compile) on the profile's held-out
  inputs is as far from the unpruned outputs kept in USAGE.ref/ as the
  sweep says (max abs error), and not identical.
"""
import json
import os
import subprocess
import sys

import numpy as np

sweep = json.load(open(sys.argv[1]))
tasks = sweep["tasks"]
assert sweep["samples_held_out"] is True, sweep["samples_held_out"]
for name, task in tasks.items():
    points = task["points"]
    unpruned = task["unpruned"]
    assert [p["coverage"] for p in points] == sorted(p["coverage"] for p in points)
    last = None
    for p in points:
        assert 0 < p["experts_kept"] <= p["experts"] == unpruned["experts"], p
        assert sum(l["kept"] for l in p["layers"]) == p["experts_kept"], p
        assert 0 < p["param_bytes"] <= unpruned["param_bytes"], (p, unpruned)
        assert 0 < p["flops"] <= unpruned["flops"] * 1.0001, (p, unpruned)
        for layer in p["layers"]:
            assert layer["param_bytes"] > 0, layer
        d = p["deviation"]
        assert d["samples"] == sweep["reference_samples"] == 2, d
        assert 0 <= d["mean_abs"] <= d["max_abs"], d
        if last:
            assert p["experts_kept"] >= last["experts_kept"], (last, p)
            assert p["param_bytes"] >= last["param_bytes"], (last, p)
        last = p
    # Bytes per kept expert are the same at every coverage.
    per = {round(l["param_bytes"] / l["kept"]) for p in points for l in p["layers"]}
    assert len(per) == 1, per
semseg = tasks["semseg"]["points"][0]["deviation"]["argmax"]
assert semseg and semseg[0]["output"] == "semseg" and semseg[0]["axis"] == 1
# semseg is [1, 19, 32, 32] (PUP head at the input size): 1024 positions
# per held-out sample.
assert semseg[0]["positions"] == 2 * 32 * 32, semseg

if "--rerun" in sys.argv:
    at = sys.argv.index("--rerun")
    out_dir, usage_path, task, coverage = sys.argv[at + 1:at + 5]
    point = [p for p in tasks[task]["points"]
             if p["coverage"] == float(coverage)][0]
    usage = json.load(open(usage_path))
    worst = 0
    for s, sample in enumerate(usage["samples"]):
        result = os.path.join(out_dir + ".out", str(s))
        subprocess.run(["m3sat-run", out_dir, "--output-dir", result] +
                       ["--input=%s=%s" % kv for kv in sample["inputs"].items()],
                       check=True, stdout=subprocess.DEVNULL)
        for name, ref in usage["tasks"][task]["reference"][s].items():
            got = np.load(os.path.join(result, name + ".npy"))
            worst = max(worst, np.abs(got.astype(np.float64) - np.load(ref)).max())
    d = point["deviation"]["max_abs"]
    assert worst > 0, "pruning at %s changed nothing here" % coverage
    assert abs(worst - d) <= 1e-6 * max(worst, d), (worst, d)
print("check_sweep: %s: %d task(s)" % (sys.argv[1].rsplit("/", 1)[-1], len(tasks)))
