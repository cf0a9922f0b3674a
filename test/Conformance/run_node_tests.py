#!/usr/bin/env python3
"""ONNX backend node tests through m3sat: import -> CPU task library -> run
-> compare with the expected outputs (rtol 1e-4, atol 1e-5), for every node
test whose op type m3sat claims. Two sources:

  --source=debian  Debian's libonnx-testdata (onnx 1.12, opsets <= 17), run
                   by Debian's /usr/bin/python3;
  --source=wheel   the node tests of the onnx wheel of the Python running
                   this script (scripts/setup-peers.sh installs onnx 1.23.2
                   into the python3 first on PATH: opsets up to 23+), made
                   with onnx.backend.test.case.node (seeded) into
                   WORK_DIR/data once per onnx version and claimed-op set.
                   A test whose model equals Debian's (same graph, same
                   opsets) is skipped as a duplicate. Exits 77 (skipped)
                   when this Python has no onnx >= 1.16.

Claimed op types come from `m3sat-translate --supported-ops`. A node test of
a claimed op that cannot pass is listed in expectations.txt with its reason
(wheel tests as `wheel:<name>`); it then counts as an expected failure, and
an expected failure that passes is reported so the list stays honest.
Prints `N passed, M failed` (failures counted against the claimed set,
expected ones included) and exits non-zero on any unexpected result.

m3sat compiles static programs: operands that give shapes, axes or counts
must be known at compile time. Node tests that feed them as graph inputs
are compiled with those inputs bound (`m3sat-compile --bind`), and the
summary says how many.

Usage: run_node_tests.py BIN_DIR WORK_DIR [--source=debian|wheel]
                         [--jobs=N] [NAME_FILTER]
"""
import concurrent.futures
import hashlib
import os
import re
import subprocess
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper

DEBIAN_DATA = "/usr/include/onnx/backend/test/data/node"
RTOL, ATOL = 1e-4, 1e-5
BOUND = set()  # node tests run with compile-time operands bound
TIMEOUT = 120  # seconds per tool run


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
# and values, Range's bounds, sequence positions, NonZero's input (its
# values give the output's shape). A node test that feeds one of them as a
# graph input gets it bound with `m3sat-compile --bind NAME=FILE.npy`, the
# way a user compiles such a model; the runner counts those tests.
COMPILE_TIME_OPERANDS = {
    "ConstantOfShape": {0}, "Expand": {1}, "Reshape": {1}, "Tile": {1},
    "Slice": {1, 2, 3, 4}, "Split": {1}, "Squeeze": {1}, "Unsqueeze": {1},
    "TopK": {1}, "OneHot": {1, 2}, "Range": {0, 1, 2}, "ReduceSum": {1},
    "ReduceMean": {1}, "ReduceMax": {1}, "ReduceMin": {1}, "ReduceProd": {1},
    "ReduceL1": {1}, "ReduceL2": {1}, "ReduceLogSum": {1},
    "ReduceLogSumExp": {1}, "ReduceSumSquare": {1},
    "Resize": {1, 2, 3}, "Pad": {1, 3}, "Trilu": {1}, "CumSum": {1},
    "Dropout": {1, 2}, "SplitToSequence": {1}, "SequenceAt": {1},
    "SequenceInsert": {2}, "SequenceErase": {1}, "NonZero": {0},
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


def is_ml_dtype(dtype):
    """Whether `dtype` is one of ml_dtypes' (numpy has no such type)."""
    return dtype.type.__module__.split(".")[0] == "ml_dtypes"


def to_task_array(array):
    """Test data as m3sat-run reads it: the types numpy lacks (bfloat16,
    the 8-, 4- and 2-bit types of ml_dtypes) as their bytes in uint8 or
    uint16, one element per byte (see docs/bundle.md)."""
    if is_ml_dtype(array.dtype):
        return array.view(np.uint16 if array.dtype.itemsize == 2
                          else np.uint8)
    return array


def from_task_array(got, want):
    """`got` (as m3sat-run writes it) and `want` in comparable numpy
    types: ml_dtypes floats as float32 (NaN equal to NaN), 4- and 2-bit
    integers by their low bits (m3sat's integers are signless)."""
    if not is_ml_dtype(want.dtype):
        return got, want
    name = want.dtype.name
    if name in ("int4", "uint4", "int2", "uint2"):
        mask = 15 if "4" in name else 3
        return (got.astype(np.int64) & mask,
                want.astype(np.int64) & mask)
    if got.dtype.itemsize != want.dtype.itemsize:
        return got, want
    return (got.view(want.dtype).astype(np.float32),
            want.astype(np.float32))


def run_case(bin_dir, work, data_dir, case):
    """Returns None on success, else a one-line reason."""
    src = os.path.join(data_dir, case)
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
        np.save(path, to_task_array(numpy_helper.to_array(tensor)))
        if name in bound:
            binds.append(f"--bind={name}={path}")
        else:
            args += ["--input", f"{name}={path}"]
    if binds:
        BOUND.add(case)
    compiled = subprocess.run(
        [os.path.join(bin_dir, "m3sat-compile"),
         os.path.join(src, "model.onnx"), "-o", os.path.join(out, "bin")]
        + binds, capture_output=True, text=True, timeout=TIMEOUT)
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
                + task_args, capture_output=True, text=True, timeout=TIMEOUT)
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
        got, want = from_task_array(got, want)
        if want.dtype.kind == "f":
            ok = np.allclose(got.astype(np.float64), want.astype(np.float64),
                             rtol=RTOL, atol=ATOL, equal_nan=True)
        else:
            ok = np.array_equal(got.astype(want.dtype), want)
        if not ok:
            err = np.abs(got.astype(np.float64) - want.astype(np.float64))
            return f"output {name}: max abs error {np.nanmax(err):.3g}"
    return None


def same_model(a, b):
    return (a.graph.SerializeToString() == b.graph.SerializeToString()
            and sorted((o.domain, o.version) for o in a.opset_import)
            == sorted((o.domain, o.version) for o in b.opset_import))


def write_case(case, out_dir):
    """Writes a node test case as the ONNX repository stores it."""
    from onnx import numpy_helper as nh
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "model.onnx"), "wb") as f:
        f.write(case.model.SerializeToString())
    for i, (inputs, outputs) in enumerate(case.data_sets):
        data = os.path.join(out_dir, f"test_data_set_{i}")
        os.makedirs(data, exist_ok=True)
        for kind, values, infos in (("input", inputs, case.model.graph.input),
                                    ("output", outputs,
                                     case.model.graph.output)):
            for j, value in enumerate(values):
                info = infos[j]
                if info.type.HasField("sequence_type"):
                    proto = nh.from_list(value, info.name)
                elif info.type.HasField("optional_type"):
                    proto = nh.from_optional(value, info.name)
                elif isinstance(value, onnx.TensorProto):
                    proto = value
                else:
                    proto = nh.from_array(np.asarray(value), info.name)
                with open(os.path.join(data, f"{kind}_{j}.pb"), "wb") as f:
                    f.write(proto.SerializeToString())


def generate_wheel_cases(data_dir, claimed):
    """The onnx wheel's node tests of claimed op types, minus those equal to
    Debian's, written to `data_dir` (reused while onnx and the claimed set
    stay the same). Returns how many duplicates were skipped."""
    key = hashlib.sha256((onnx.__version__ + " " + " ".join(
        sorted(claimed))).encode()).hexdigest()
    stamp = os.path.join(data_dir, "STAMP")
    if os.path.exists(stamp):
        with open(stamp) as f:
            line = f.read().split()
        if line and line[0] == key:
            return int(line[1])
    import shutil
    shutil.rmtree(data_dir, ignore_errors=True)
    os.makedirs(data_dir)
    np.random.seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case import node
        cases = node.collect_testcases(None)
    duplicates = 0
    for case in cases:
        types = {n.op_type for n in case.model.graph.node}
        if len(types) != 1 or types.pop() not in claimed:
            continue
        debian = os.path.join(DEBIAN_DATA, case.name, "model.onnx")
        if os.path.exists(debian) and same_model(
                onnx.load(debian, load_external_data=False), case.model):
            duplicates += 1
            continue
        write_case(case, os.path.join(data_dir, case.name))
    with open(stamp, "w") as f:
        f.write(f"{key} {duplicates}\n")
    return duplicates


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    options = dict(a[2:].split("=", 1) for a in sys.argv[1:]
                   if a.startswith("--"))
    bin_dir, work = args[0], args[1]
    pattern = re.compile(args[2]) if len(args) > 2 else None
    source = options.get("source", "debian")
    jobs = int(options.get("jobs", "2"))
    claimed = set(subprocess.run(
        [os.path.join(bin_dir, "m3sat-translate"), "--supported-ops"],
        capture_output=True, text=True, check=True).stdout.split())
    expected = load_expectations(
        os.path.join(os.path.dirname(__file__), "expectations.txt"))
    prefix = ""
    duplicates = 0
    if source == "wheel":
        version = tuple(int(v) for v in
                        re.findall(r"\d+", onnx.__version__)[:2])
        if version < (1, 16):
            print(f"skipped: {sys.executable} has onnx {onnx.__version__}, "
                  "not the wheel with the newer node tests (run "
                  "scripts/setup-peers.sh)")
            sys.exit(77)
        data_dir = os.path.join(work, "data")
        duplicates = generate_wheel_cases(data_dir, claimed)
        work = os.path.join(work, "run")
        prefix = "wheel:"
    else:
        data_dir = DEBIAN_DATA
    cases = []
    for case in sorted(os.listdir(data_dir)):
        if pattern and not pattern.search(case):
            continue
        model = os.path.join(data_dir, case, "model.onnx")
        if not os.path.exists(model) or op_type(model) not in claimed:
            continue
        cases.append(case)

    def attempt(case):
        try:
            return run_case(bin_dir, work, data_dir, case)
        except subprocess.TimeoutExpired:
            return f"timeout: a tool ran over {TIMEOUT} s"
        except Exception as error:  # unreadable test data, e.g. optional types
            return f"harness: {type(error).__name__}: {error}".splitlines()[0]

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        reasons = list(pool.map(attempt, cases))
    passed = failed = 0
    unexpected = []
    failures = {}
    for case, reason in zip(cases, reasons):
        name = prefix + case
        if reason is None:
            passed += 1
            if name in expected:
                unexpected.append(f"XPASS {name}: listed as failing "
                                  f"({expected[name]}) but passes")
        else:
            failed += 1
            failures[name] = reason
            if name not in expected:
                unexpected.append(f"FAIL {name}: {reason}")
    for line in unexpected:
        print(line)
    if os.environ.get("M3SAT_CONFORMANCE_LIST"):
        with open(os.environ["M3SAT_CONFORMANCE_LIST"], "w") as f:
            for case, reason in sorted(failures.items()):
                f.write(f"{case} {reason}\n")
    total = passed + failed
    what = (f"onnx {onnx.__version__} wheel" if source == "wheel"
            else "Debian libonnx-testdata")
    print(f"conformance ({what}): {passed}/{total} node tests of claimed "
          f"ops pass ({100.0 * passed / max(total, 1):.1f}%)")
    if source == "wheel":
        print(f"{duplicates} tests equal to Debian's were not run again")
    print(f"{len(BOUND)} of them ran with shape/axes/count inputs bound at "
          f"compile time (--bind)")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if unexpected else 0)


if __name__ == "__main__":
    main()
