#!/usr/bin/env python3
"""ONNX backend node tests (Debian's libonnx-testdata) through m3sat:
import -> CPU task library -> run -> compare with the shipped outputs
(rtol 1e-4, atol 1e-5), for every node test whose op type m3sat claims.

Claimed op types come from `m3sat-translate --supported-ops`. A node test of
a claimed op that cannot pass is listed in expectations.txt with its reason;
it then counts as an expected failure, and an expected failure that passes
is reported so the list stays honest. Prints `N passed, M failed` (failures
counted against the claimed set, expected ones included) and exits non-zero
on any unexpected result.

m3sat compiles static programs: operands that give shapes, axes or counts
must be known at compile time. Node tests that feed them as graph inputs
are compiled with those inputs bound (`m3sat-compile --bind`), and the
summary says how many.

Usage: run_node_tests.py BIN_DIR WORK_DIR [NAME_FILTER]
"""
import os
import re
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

DATA = "/usr/include/onnx/backend/test/data/node"
RTOL, ATOL = 1e-4, 1e-5
BOUND = set()  # node tests run with compile-time operands bound


def load_expectations(path):
    expected = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                name, _, reason = line.partition(" ")
                expected[name] = reason.strip()
    return expected


# Operands m3sat needs at compile time (it builds static programs): shapes,
# axes, counts, repeats, slice bounds, split sizes, TopK's K, OneHot's depth
# and values, Range's bounds. A node test that feeds one of them as a graph
# input gets it bound with `m3sat-compile --bind NAME=FILE.npy`, the way a
# user compiles such a model; the runner counts those tests.
COMPILE_TIME_OPERANDS = {
    "ConstantOfShape": {0}, "Expand": {1}, "Reshape": {1}, "Tile": {1},
    "Slice": {1, 2, 3, 4}, "Split": {1}, "Squeeze": {1}, "Unsqueeze": {1},
    "TopK": {1}, "OneHot": {1, 2}, "Range": {0, 1, 2}, "ReduceSum": {1},
    "ReduceMean": {1}, "ReduceMax": {1}, "ReduceMin": {1}, "ReduceProd": {1},
}


def compile_time_inputs(model):
    """Graph inputs that feed a compile-time operand of some node."""
    names = set()
    for node in model.graph.node:
        for i in COMPILE_TIME_OPERANDS.get(node.op_type, ()):
            if i < len(node.input) and node.input[i]:
                names.add(node.input[i])
    return names


def op_type(model_path):
    model = onnx.load(model_path, load_external_data=False)
    types = {n.op_type for n in model.graph.node}
    return types.pop() if len(types) == 1 else None


def run_case(bin_dir, work, case):
    """Returns None on success, else a one-line reason."""
    src = os.path.join(DATA, case)
    out = os.path.join(work, case)
    os.makedirs(out, exist_ok=True)
    model = onnx.load(os.path.join(src, "model.onnx"))
    inputs = [i.name for i in model.graph.input
              if i.name not in {t.name for t in model.graph.initializer}]
    outputs = [o.name for o in model.graph.output]
    data = os.path.join(src, "test_data_set_0")
    args, binds = [], []
    bound = compile_time_inputs(model)
    for i, name in enumerate(inputs):
        tensor = onnx.load_tensor(os.path.join(data, f"input_{i}.pb"))
        path = os.path.join(out, f"input_{i}.npy")
        np.save(path, numpy_helper.to_array(tensor))
        if name in bound:
            binds.append(f"--bind={name}={path}")
        else:
            args += ["--input", f"{name}={path}"]
    if binds:
        BOUND.add(case)
    compiled = subprocess.run(
        [os.path.join(bin_dir, "m3sat-compile"),
         os.path.join(src, "model.onnx"), "-o", os.path.join(out, "bin")]
        + binds, capture_output=True, text=True)
    if compiled.returncode:
        return "compile: " + (compiled.stderr.strip().splitlines() or ["?"])[-1]
    for task, name in enumerate(outputs):
        # A task takes only the inputs its output still needs (an input read
        # only through its shape folds away): drop the ones m3sat-run names.
        task_args = list(args)
        while True:
            ran = subprocess.run(
                [os.path.join(bin_dir, "m3sat-run"), os.path.join(out, "bin"),
                 f"--task={name}", "--output-dir", os.path.join(out, "res")]
                + task_args, capture_output=True, text=True)
            unused = re.search(r"--input '([^']*)' is not an input of this task",
                               ran.stderr)
            if not (ran.returncode and unused):
                break
            at = task_args.index(next(a for a in task_args
                                      if a.startswith(unused.group(1) + "=")))
            del task_args[at - 1:at + 1]
        if ran.returncode:
            return "run: " + (ran.stderr.strip().splitlines() or ["?"])[-1]
        want = numpy_helper.to_array(onnx.load_tensor(
            os.path.join(data, f"output_{task}.pb")))
        got = np.load(os.path.join(out, "res", f"{name}.npy"))
        if got.shape != want.shape:
            return f"output {name}: shape {got.shape} vs {want.shape}"
        if want.dtype.kind == "f":
            ok = np.allclose(got.astype(np.float64), want.astype(np.float64),
                             rtol=RTOL, atol=ATOL, equal_nan=True)
        else:
            ok = np.array_equal(got.astype(want.dtype), want)
        if not ok:
            err = np.abs(got.astype(np.float64) - want.astype(np.float64))
            return f"output {name}: max abs error {np.nanmax(err):.3g}"
    return None


def main():
    bin_dir, work = sys.argv[1], sys.argv[2]
    pattern = re.compile(sys.argv[3]) if len(sys.argv) > 3 else None
    claimed = set(subprocess.run(
        [os.path.join(bin_dir, "m3sat-translate"), "--supported-ops"],
        capture_output=True, text=True, check=True).stdout.split())
    expected = load_expectations(
        os.path.join(os.path.dirname(__file__), "expectations.txt"))
    passed = failed = 0
    unexpected = []
    failures = {}
    for case in sorted(os.listdir(DATA)):
        if pattern and not pattern.search(case):
            continue
        model = os.path.join(DATA, case, "model.onnx")
        if not os.path.exists(model) or op_type(model) not in claimed:
            continue
        try:
            reason = run_case(bin_dir, work, case)
        except Exception as error:  # unreadable test data, e.g. optional types
            reason = f"harness: {type(error).__name__}: {error}".splitlines()[0]
        if reason is None:
            passed += 1
            if case in expected:
                unexpected.append(f"XPASS {case}: listed as failing "
                                  f"({expected[case]}) but passes")
        else:
            failed += 1
            failures[case] = reason
            if case not in expected:
                unexpected.append(f"FAIL {case}: {reason}")
    for line in unexpected:
        print(line)
    if os.environ.get("M3SAT_CONFORMANCE_LIST"):
        with open(os.environ["M3SAT_CONFORMANCE_LIST"], "w") as f:
            for case, reason in sorted(failures.items()):
                f.write(f"{case} {reason}\n")
    total = passed + failed
    print(f"conformance: {passed}/{total} node tests of claimed ops pass "
          f"({100.0 * passed / max(total, 1):.1f}%)")
    print(f"{len(BOUND)} of them ran with shape/axes/count inputs bound at "
          f"compile time (--bind)")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
