"""Exercises the m3sat Python API (python/m3sat) on the two-task MoE model
of examples/mlir/make_moe_model.py, for test/Python/api.test: compiles it
with m3sat.compile (unless OUT_DIR exists), runs each task through
m3sat.Task and compares with m3sat-run's outputs (exactly) and the NumPy
reference (rtol 1e-4, atol 1e-5), then checks the errors.
Runs under any Python 3 with NumPy (the test runs it under Debian's
/usr/bin/python3 and the python3 first on PATH).
Usage: check_api.py compile SRC_ROOT MODEL_DIR OUT_DIR
       check_api.py run SRC_ROOT MODEL_DIR OUT_DIR M3SAT_RUN_RESULTS"""
import os
import shutil
import sys

mode, src, model_dir, out_dir = sys.argv[1:5]
sys.path.insert(0, os.path.join(src, "python"))
import numpy as np  # noqa: E402
import m3sat  # noqa: E402


def expect_error(kind, fn):
    """Prints the one-line message of the `kind` exception `fn` raises."""
    try:
        fn()
    except kind as e:
        message = str(e)
        assert "\n" not in message, message
        print(f"{kind.__name__}: {message}")
        return
    print(f"NO ERROR from {fn}")
    sys.exit(1)


print(f"python {sys.version_info[0]}.{sys.version_info[1]} numpy "
      f"{np.__version__.split('.')[0]}")
if mode == "compile":
    result = m3sat.compile(os.path.join(model_dir, "model.mlir"),
                           tasks=["routed", "static"], target="cpu",
                           out_dir=out_dir, report=True)
    print(f"compiled to {os.path.basename(result)}")
    sys.exit(0)
run_results = sys.argv[5]

x = np.load(os.path.join(model_dir, "x.npy"))
with m3sat.Task(out_dir, task="routed") as task:
    print(task)
    print("tasks:", task.tasks)
    print("inputs:", task.inputs)
    print("outputs:", task.outputs)
    y = task.run(x=x)["y_routed"]
    # Same library, same inputs: bit for bit what m3sat-run wrote.
    same = np.array_equal(y, np.load(os.path.join(run_results,
                                                  "y_routed.npy")))
    print("routed vs m3sat-run:", "identical" if same else "DIFFERENT")
    ref = np.load(os.path.join(model_dir, "ref_routed.npy"))
    ok = np.allclose(y, ref, rtol=1e-4, atol=1e-5)
    print("routed vs NumPy:", "match" if ok else "MISMATCH",
          f"{np.abs(y - ref).max():.1e}" if not ok else "")
    # Inputs: any layout, integer signedness does not matter, errors name
    # the input and what it needs.
    fortran = np.asfortranarray(x)
    print("routed, Fortran-order input:",
          "match" if np.array_equal(task.run(x=fortran)["y_routed"], y)
          else "MISMATCH")
    expect_error(m3sat.InputError, lambda: task.run(x=x, z=x))
    expect_error(m3sat.InputError, lambda: task.run())
    expect_error(m3sat.InputError, lambda: task.run(x=x.astype(np.float64)))
    expect_error(m3sat.InputError, lambda: task.run(x=x[:, :5]))
    expect_error(m3sat.InputError, lambda: task.run(x=x.tolist()))
    assert isinstance(m3sat.InputError("x"), ValueError)

# The other tasks of the OUT_DIR, opened side by side (one mapping).
static = m3sat.Task(out_dir, task="static")
group = m3sat.Task(out_dir, task="routed+static")
y_static = static.run(x=x)["y_static"]
both = group.run(x=x)
ref = np.load(os.path.join(model_dir, "ref_static.npy"))
print("static vs NumPy:",
      "match" if np.allclose(y_static, ref, rtol=1e-4, atol=1e-5)
      else "MISMATCH")
print("group outputs:", sorted(both),
      "match" if np.allclose(both["y_static"], y_static, rtol=1e-5,
                             atol=1e-6) else "MISMATCH")
static.close()
expect_error(m3sat.Error, lambda: static.run(x=x))
print("first task:", m3sat.Task(out_dir).name)

# Bad OUT_DIRs and tasks: the runtime's and the bundle check's one line.
expect_error(m3sat.Error, lambda: m3sat.Task(out_dir, task="depth"))
expect_error(m3sat.Error, lambda: m3sat.Task(os.path.join(model_dir, "no")))
corrupt = out_dir + "-corrupt"
shutil.rmtree(corrupt, ignore_errors=True)
shutil.copytree(out_dir, corrupt)
with open(os.path.join(corrupt, "bundle.m3b"), "r+b") as f:
    f.seek(-8, 2)
    byte = f.read(1)
    f.seek(-8, 2)
    f.write(bytes([byte[0] ^ 0x10]))
expect_error(m3sat.Error, lambda: m3sat.Task(corrupt))
with open(os.path.join(corrupt, "bundle.m3b"), "wb") as f:
    f.write(b"not a bundle")
expect_error(m3sat.Error, lambda: m3sat.Task(corrupt))

# A compilation that fails: the compiler's one-line diagnostic.
expect_error(m3sat.CompileError, lambda: m3sat.compile(
    os.path.join(model_dir, "model.mlir"), tasks="depth",
    out_dir=out_dir + "-bad"))
print("no partial output:", not os.path.exists(out_dir + "-bad/bundle.m3b"))
