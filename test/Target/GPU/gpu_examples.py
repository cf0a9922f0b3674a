#!/usr/bin/python3
"""The example models on the GPU target (ctest).

  gpu_examples.py compile BIN_DIR WORK_DIR SRC_ROOT
      Exports every example model at its small size, compiles all its tasks
      with --target=gpu and checks OUT_DIR/kernels: every kernel module has
      its PTX for sm_90, and, when ptxas is found, the cubin that
      m3sat-compile assembled from it with `ptxas -arch=sm_90` (a ptxas
      error fails the compilation). Exits 77 (skipped) after compiling
      when no ptxas is found.
  gpu_examples.py run BIN_DIR WORK_DIR SRC_ROOT
      Runs every task of those OUT_DIRs with m3sat-run on the GPU and on the
      CPU (compiled here) and compares the outputs (|gpu - cpu| <= 1e-4 +
      1e-4 |cpu|). Exits 77 (skipped) when m3sat-run reports that no CUDA
      GPU is available.
"""

import glob
import os
import shutil
import subprocess
import sys

import numpy as np

SKIP = 77
ARCH = "sm_90"

# name: (generator, generator arguments, model file, {task: [inputs]});
# naming two tasks with --tasks also compiles their group "a+b".
COMPILE_ARGS = {"edgemoe": ["--tasks=semseg,depth"]}
M3VIT_TASKS = ["semseg", "depth", "normals", "edges", "saliency"]
EXAMPLES = {
    "edgemoe": ("edgemoe/make_model.py", ["--small"], "edgemoe.onnx",
                {t: ["image"] for t in ["semseg", "depth", "semseg+depth"]}),
    "m3vit_multigate": ("m3vit/make_model.py",
                        ["--small", "--variant", "multigate"],
                        "m3vit_multigate.onnx",
                        {t: ["image"] for t in M3VIT_TASKS}),
    "m3vit_taskcond": ("m3vit/make_model.py",
                       ["--small", "--variant", "taskcond"],
                       "m3vit_taskcond.onnx",
                       {t: ["image"] for t in M3VIT_TASKS}),
    "m3sat_multimodal": ("m3sat_multimodal/make_model.py", ["--small"],
                         "m3sat_multimodal.onnx",
                         {"scene": ["image", "sensor"],
                          "activity": ["sensor", "tokens"],
                          "caption": ["image", "tokens"]}),
    "ort_moe": ("ort_moe/make_model.py", [], "ort_moe.onnx", {"": ["x"]}),
}


def run(argv):
    result = subprocess.run(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    return result.returncode, result.stdout


def check(argv):
    code, output = run(argv)
    if code != 0:
        sys.exit("FAIL: %s exited with %d:\n%s" % (" ".join(argv), code,
                                                   output))
    return output


def find_ptxas():
    for candidate in [shutil.which("ptxas"),
                      os.path.join(os.environ.get("CUDA_HOME", "/nonexistent"),
                                   "bin", "ptxas"),
                      "/usr/local/cuda/bin/ptxas"]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def compile_all(bin_dir, work, src):
    cuda = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
    libdevice = os.path.join(cuda, "nvvm", "libdevice", "libdevice.10.bc")
    if not os.path.exists(libdevice):
        print("SKIPPED: no CUDA toolkit with libdevice (%s), which kernels "
              "calling math functions need" % libdevice)
        return SKIP
    ptxas = find_ptxas()
    for name, (generator, args, model, tasks) in EXAMPLES.items():
        directory = os.path.join(work, name)
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        check(["/usr/bin/python3", os.path.join(src, "examples", generator),
               directory] + args)
        out = os.path.join(directory, "gpu")
        check([os.path.join(bin_dir, "m3sat-compile"),
               os.path.join(directory, model), "--target=gpu",
               "--gpu-arch=" + ARCH, "-o", out] +
              COMPILE_ARGS.get(name, []))
        ptx = sorted(glob.glob(os.path.join(out, "kernels", "*.ptx")))
        if not ptx or not os.path.exists(os.path.join(out, "libm3sat_task.so")):
            sys.exit("FAIL: %s: no kernels or no task library in %s" %
                     (name, out))
        kernels = 0
        for path in ptx:
            text = open(path).read()
            kernels += text.count(".entry ")
            if ".target " + ARCH not in text or ".entry" not in text:
                sys.exit("FAIL: %s is not PTX for %s with a kernel" %
                         (path, ARCH))
        # m3sat-compile assembles every module with ptxas when it finds one
        # (the same search as here) and fails on a ptxas error.
        if ptxas:
            for path in ptx:
                cubin = path[:-len(".ptx")] + ".cubin"
                if not os.path.exists(cubin) or \
                        open(cubin, "rb").read(4) != b"\x7fELF":
                    sys.exit("FAIL: no cubin assembled from " + path)
        print("%s: %d tasks, %d kernels in %d PTX module(s)%s" %
              (name, len(tasks), kernels, len(ptx),
               ", PTX assembled by ptxas -arch=" + ARCH if ptxas else ""))
    if not ptxas:
        print("SKIPPED: no ptxas (PATH, $CUDA_HOME/bin, /usr/local/cuda/bin):"
              " the PTX was written but not assembled")
        return SKIP
    return 0


def task_argv(directory, task, inputs):
    argv = ["--task=" + task] if task else []
    for name in inputs:
        argv += ["--input", "%s=%s" % (name, os.path.join(directory,
                                                          name + ".npy"))]
    return argv


def run_all(bin_dir, work, src):
    m3sat_run = os.path.join(bin_dir, "m3sat-run")
    # Without a GPU, say so before compiling anything for the CPU.
    name, (_, _, _, tasks) = next(iter(EXAMPLES.items()))
    directory = os.path.join(work, name)
    task, inputs = next(iter(tasks.items()))
    code, output = run([m3sat_run, os.path.join(directory, "gpu")] +
                       task_argv(directory, task, inputs) +
                       ["--output-dir", os.path.join(directory, "probe")])
    if code != 0 and "no CUDA GPU is available" in output:
        print("SKIPPED: " + output.strip())
        return SKIP
    worst = 0.0
    for name, (generator, args, model, tasks) in EXAMPLES.items():
        directory = os.path.join(work, name)
        gpu = os.path.join(directory, "gpu")
        if not os.path.exists(os.path.join(gpu, "bundle.m3b")):
            sys.exit("FAIL: %s missing: run the compile test first" % gpu)
        cpu = os.path.join(directory, "cpu")
        if not os.path.exists(os.path.join(cpu, "bundle.m3b")):
            check([os.path.join(bin_dir, "m3sat-compile"),
                   os.path.join(directory, model), "-o", cpu] +
                  COMPILE_ARGS.get(name, []))
        for task, inputs in tasks.items():
            argv = task_argv(directory, task, inputs)
            label = task or "default"
            results = {}
            for target, out in (("gpu", gpu), ("cpu", cpu)):
                res = os.path.join(directory, "res_" + target, label)
                shutil.rmtree(res, ignore_errors=True)
                code, output = run([m3sat_run, out] + argv +
                                   ["--output-dir", res])
                if code != 0:
                    sys.exit("FAIL: m3sat-run %s %s:\n%s" % (out, label,
                                                            output))
                results[target] = res
            for path in sorted(glob.glob(os.path.join(results["cpu"],
                                                      "*.npy"))):
                expected = np.load(path)
                got = np.load(os.path.join(results["gpu"],
                                           os.path.basename(path)))
                if got.shape != expected.shape:
                    sys.exit("FAIL: %s %s: shape %s, CPU %s" %
                             (name, path, got.shape, expected.shape))
                diff = np.abs(got.astype(np.float64) - expected)
                bound = 1e-4 + 1e-4 * np.abs(expected)
                error = float(diff.max()) if diff.size else 0.0
                worst = max(worst, error)
                if not np.all(diff <= bound):
                    sys.exit("FAIL: %s task %s output %s: max |gpu - cpu| = "
                             "%.3g" % (name, label, os.path.basename(path),
                                       error))
                print("%s %s %s: max |gpu - cpu| = %.3g" %
                      (name, label, os.path.basename(path), error))
    print("all GPU outputs match the CPU path (worst %.3g)" % worst)
    return 0


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("compile", "run"):
        sys.exit(__doc__)
    mode, bin_dir, work, src = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    if mode == "compile":
        return compile_all(bin_dir, work, src)
    return run_all(bin_dir, work, src)


if __name__ == "__main__":
    sys.exit(main())
