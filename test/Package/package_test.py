"""The installed m3sat, used from outside its tree (ctest `package`):
`cmake --install` into a fresh prefix; the installed Python API compiles
the two-task MoE model of examples/mlir/make_moe_model.py with the
installed m3sat-compile (found next to the package, not through the build
tree); a small CMake project (consumer/) finds the package with
find_package(m3sat), links m3sat::runtime and runs each task on the
model's input; its outputs must match the NumPy reference (rtol 1e-4,
atol 1e-5), and a bad task must fail with the runtime's one-line error.
Runs under Debian's /usr/bin/python3 (NumPy; it also writes the model).
Usage: package_test.py CMAKE GENERATOR C_COMPILER BUILD_DIR SOURCE_DIR WORK_DIR"""
import os
import shutil
import subprocess
import sys

import numpy as np

cmake, generator, c_compiler, build, source, work = sys.argv[1:7]


def run(argv, **kwargs):
    done = subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True,
                          **kwargs)
    if done.returncode != 0:
        print(done.stdout)
        print(f"FAILED ({done.returncode}): {' '.join(argv)}")
        sys.exit(1)
    return done.stdout


shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
prefix = os.path.join(work, "prefix")
run([cmake, "--install", build, "--prefix", prefix])
for path in ["bin/m3sat-compile", "bin/m3sat-run", "bin/m3sat-opt",
             "bin/m3sat-profile", "bin/m3sat-translate",
             "lib/libm3sat_task_runtime.a", "lib/libm3sat_runtime.so",
             "include/m3sat/m3sat_runtime.h",
             "lib/cmake/m3sat/m3satConfig.cmake",
             "lib/cmake/m3sat/m3satConfigVersion.cmake",
             "lib/m3sat/python/m3sat/__init__.py"]:
    if not os.path.exists(os.path.join(prefix, path)):
        print(f"FAILED: the install lacks {path}")
        sys.exit(1)
print("installed:", prefix)

# Only what was installed: no build directory, no tools on PATH.
env = {k: v for k, v in os.environ.items() if k != "M3SAT_BUILD_DIR"}
env["PATH"] = os.pathsep.join(
    p for p in env.get("PATH", "").split(os.pathsep)
    if p and not os.path.exists(os.path.join(p, "m3sat-compile")))
env["PYTHONPATH"] = os.path.join(prefix, "lib/m3sat/python")

model = os.path.join(work, "model")
run([sys.executable, os.path.join(source, "examples/mlir/make_moe_model.py"),
     model])
out = os.path.join(work, "out")
compiled = run([sys.executable, "-c", f"""
import m3sat
print("compiler:", m3sat.find_tool())
m3sat.compile({os.path.join(model, 'model.mlir')!r}, tasks=["routed", "static"],
              target="cpu", out_dir={out!r})
"""], env=env)
print(compiled.strip())
if f"compiler: {os.path.join(prefix, 'bin/m3sat-compile')}" not in compiled:
    print("FAILED: the installed Python API did not find the installed "
          "m3sat-compile")
    sys.exit(1)

consumer = os.path.join(work, "consumer")
run([cmake, "-S", os.path.join(source, "test/Package/consumer"), "-B",
     consumer, "-G", generator, f"-DCMAKE_C_COMPILER={c_compiler}",
     f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"], env=env)
run([cmake, "--build", consumer], env=env)
with open(os.path.join(consumer, "tools.txt")) as f:
    print("package tools:", f.read().split())

x = np.load(os.path.join(model, "x.npy"))
x_bin = os.path.join(work, "x.bin")
x.tofile(x_bin)
for task in ["routed", "static"]:
    prefix_out = os.path.join(work, f"{task}_")
    printed = run([os.path.join(consumer, "run_task"), out, task, prefix_out,
                   x_bin], env=env)
    print(printed.strip())
    y = np.fromfile(f"{prefix_out}y_{task}.bin", dtype=np.float32)
    ref = np.load(os.path.join(model, f"ref_{task}.npy"))
    ok = y.size == ref.size and np.allclose(y.reshape(ref.shape), ref,
                                            rtol=1e-4, atol=1e-5)
    print(f"task {task} vs NumPy:", "match" if ok else "MISMATCH")
    if not ok:
        sys.exit(1)

bad = subprocess.run([os.path.join(consumer, "run_task"), out, "depth",
                      prefix_out, x_bin], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, universal_newlines=True, env=env)
lines = bad.stderr.splitlines()
print("bad task:", bad.returncode, lines)
if bad.returncode != 1 or len(lines) != 1 or "unknown task 'depth'" not in \
        lines[0]:
    print("FAILED: a bad task must fail with one line naming it")
    sys.exit(1)
print("package: PASS")
