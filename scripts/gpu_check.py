#!/usr/bin/env python3
"""The GPU check: a package built here, run on a machine with a GPU.

The GPU machine has CUDA, PyTorch and numpy but no LLVM/MLIR, and only a
small upload reaches it, so everything m3sat must do there is compiled here
into one folder (the package):

  gpu_check.py pack BIN_DIR PKG_DIR SRC_ROOT       (Debian's /usr/bin/python3)
      Exports every example model at its small size (the examples' own
      make_model.py, torch 1.13), keeps the PyTorch module (torch.save) and
      its example inputs, compiles all tasks with --target=gpu (PTX + cubin
      for sm_90) in each variant of VARIANTS (products through cuBLAS, as
      generated kernels, through cuBLAS with TF32) and --target=cpu, runs every task on the CPU with m3sat-run
      and keeps those outputs as the reference, and writes manifest.json.
      The CPU OUT_DIRs stay beside the package (PKG_DIR.cpu), not in it.
  gpu_check.py check PKG_DIR SRC_ROOT               (dry mode, no GPU needed)
      Checks what would be sent: size within the upload limit, every file
      the manifest names, PTX for sm_90 with a kernel and its cubin in every
      kernel module, task libraries that need nothing beyond the C/C++
      runtime and zlib; then runs the device flow on the CPU OUT_DIRs
      (through python/m3sat, as on the device) and the packed PyTorch
      modules on the CPU, so the device script itself is exercised.
  gpu_check.py dry BIN_DIR PKG_DIR SRC_ROOT         (ctest: pack, then check;
      exits 77, skipped, without ptxas, which the cubins need)
  gpu_check.py device PKG_DIR SRC_ROOT [--budget-s S] [--json FILE]
      On the GPU machine (its python3 with torch): every task's outputs on
      the GPU, in every variant, against the CPU reference (|gpu - cpu| <=
      1e-4 + 1e-4 |cpu|; TF32: max |gpu - cpu| <= 1e-2 max(1, max |cpu|)),
      then median / p90 latency of m3sat (each variant), PyTorch eager CUDA and
      torch.compile on the same task, the MoE layers computing only the
      experts the tokens selected (a sparse top-k forward, as the specialized
      program does). Stops timing (not checking) when the budget is spent.

Exit status: 0 all checked, 1 a check failed (one line says which).
"""

import argparse
import glob
import importlib.util
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

# The upload limit of the GPU machine (the `run` tool's carry).
UPLOAD_LIMIT = 64 << 20
ARCH = "sm_90"
# The GPU builds of each example: OUT_DIR name, m3sat-compile flags, the
# examples built so (None: all), the tolerance ("fp32" elementwise, "tf32"
# normwise; docs/gpu.md).
VARIANTS = [
    ("gpu", [], None, "fp32"),
    ("gpu-kernels", ["--gpu-gemm-library=none"], None, "fp32"),
    ("gpu-tf32", ["--gpu-tf32"], ("edgemoe", "ort_moe"), "tf32"),
]
# Shared libraries a task library may need on the GPU machine (libcuda is
# opened at run time by the GPU runtime).
ALLOWED_NEEDED = {"libz.so.1", "libstdc++.so.6", "libm.so.6", "libgcc_s.so.1",
                  "libc.so.6", "libdl.so.2", "libpthread.so.0",
                  "ld-linux-x86-64.so.2"}


def fail(message):
    print("gpu-check: FAIL: " + message, flush=True)
    sys.exit(1)


def run(argv, **kwargs):
    result = subprocess.run(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, **kwargs)
    if result.returncode != 0:
        fail("%s exited with %d: %s" % (os.path.basename(argv[0]),
                                       result.returncode,
                                       result.stdout.strip()[-2000:]))
    return result.stdout


def examples_table(src):
    """The examples and their tasks, as the GPU ctest knows them."""
    path = os.path.join(src, "test", "Target", "GPU", "gpu_examples.py")
    spec = importlib.util.spec_from_file_location("m3sat_gpu_examples", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXAMPLES, module.COMPILE_ARGS


def load_example_module(src, generator, name):
    """Imports examples/<generator> under a name of its own (the name the
    pickled PyTorch module refers to)."""
    path = os.path.join(src, "examples", generator)
    module_name = "m3sat_example_" + name
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def directory_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total


def task_inputs(directory, task, names):
    """The .npy files of a task's inputs (the examples' naming)."""
    return {n: os.path.join(directory, n + ".npy") for n in names}


def torch_inputs(directory, task, names, captured):
    """The PyTorch module's arguments for `task`: NAME_<task>.npy (a task
    selector), else NAME.npy, else the tensor the export was traced with."""
    import torch
    args = []
    for i, name in enumerate(names):
        candidates = ([f"{name}_{task}.npy"] if task else []) + [f"{name}.npy"]
        for candidate in candidates:
            path = os.path.join(directory, candidate)
            if os.path.exists(path):
                args.append(torch.from_numpy(np.load(path)))
                break
        else:
            args.append(captured[i])
    return args


# --- pack ------------------------------------------------------------------

def pack(bin_dir, pkg, src):
    import torch
    examples, compile_args = examples_table(src)
    cpu_root = pkg.rstrip("/") + ".cpu"
    for path in (pkg, cpu_root):
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(path)
    compile_tool = os.path.join(bin_dir, "m3sat-compile")
    run_tool = os.path.join(bin_dir, "m3sat-run")
    manifest = {"arch": ARCH, "examples": {}}
    for name, (generator, gen_args, model_file, tasks) in examples.items():
        directory = os.path.join(pkg, name)
        os.makedirs(directory)
        # Export through the example's own script, keeping the module and
        # the arguments it was exported with.
        module = load_example_module(src, generator, name)
        captured = {}
        real_export = module.export

        def capture(model, args, path, input_names, output_names, *rest,
                    **kwargs):
            captured.update(model=model, args=args, inputs=input_names,
                            outputs=output_names)
            return real_export(model, args, path, input_names, output_names,
                               *rest, **kwargs)

        module.export = capture
        saved_argv = sys.argv
        sys.argv = [generator, directory] + gen_args
        try:
            module.main()
        finally:
            sys.argv, module.export = saved_argv, real_export
        if "model" not in captured:
            fail("%s: the example never called export()" % generator)
        model = captured["model"].eval()
        torch.save({"module": model, "args": list(captured["args"]),
                    "inputs": captured["inputs"],
                    "outputs": captured["outputs"]},
                   os.path.join(directory, "torch_model.pt"))
        # The ONNX file and PyTorch's references are not needed there.
        model_path = os.path.join(cpu_root, name + ".onnx")
        shutil.move(os.path.join(directory, model_file), model_path)
        for ref in glob.glob(os.path.join(directory, "ref_*.npy")):
            os.remove(ref)
        extra = compile_args.get(name, [])
        cpu_out = os.path.join(cpu_root, name)
        variants = {}
        for variant, flags, only, tolerance in VARIANTS:
            if only is not None and name not in only:
                continue
            run([compile_tool, model_path, "--target=gpu",
                 "--gpu-arch=" + ARCH, "-o", os.path.join(directory, variant)]
                + flags + extra)
            variants[variant] = tolerance
        run([compile_tool, model_path, "--target=cpu", "-o", cpu_out] + extra)
        entry = {"module": "m3sat_example_" + name, "generator": generator,
                 "variants": variants, "tasks": {}}
        for task, inputs in tasks.items():
            label = task or "default"
            ref = os.path.join(directory, "cpu_ref", label)
            argv = [run_tool, cpu_out] + (["--task=" + task] if task else [])
            for n, f in task_inputs(directory, task, inputs).items():
                argv += ["--input", "%s=%s" % (n, f)]
            run(argv + ["--output-dir", ref])
            entry["tasks"][label] = {
                "task": task, "inputs": inputs,
                "outputs": sorted(os.path.basename(p)[:-4] for p in
                                  glob.glob(os.path.join(ref, "*.npy")))}
        manifest["examples"][name] = entry
        print("packed %s: %d tasks" % (name, len(tasks)), flush=True)
    with open(os.path.join(pkg, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print("package %s: %.1f MiB" % (pkg, directory_bytes(pkg) / 2**20))
    return 0


# --- check (dry mode) ------------------------------------------------------

def elf_needed(path):
    text = subprocess.run(["readelf", "-d", path], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True).stdout
    return set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", text))


def symbol_versions(path, prefix):
    """The highest `prefix` symbol version (GLIBC_, GLIBCXX_) `path` needs."""
    text = subprocess.run(["objdump", "-T", path], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout
    found = set(re.findall(r"\b%s([0-9.]+)\b" % prefix, text))
    key = lambda v: tuple(int(x) for x in v.split(".") if x)  # noqa: E731
    return max(found, key=key) if found else None


def check_build(gpu, glibc, glibcxx):
    """Checks one GPU OUT_DIR of the package; returns its kernel count."""
    for f in ("bundle.m3b", "libm3sat_task.so"):
        if not os.path.exists(os.path.join(gpu, f)):
            fail("%s: no %s" % (gpu, f))
    library = os.path.join(gpu, "libm3sat_task.so")
    needed = elf_needed(library)
    if not needed or not needed <= ALLOWED_NEEDED:
        fail("%s needs %s, which the GPU machine may lack" %
             (library, ", ".join(sorted(needed - ALLOWED_NEEDED))
              or "nothing readable"))
    glibc.add(symbol_versions(library, "GLIBC_"))
    glibcxx.add(symbol_versions(library, "GLIBCXX_"))
    kernels = 0
    ptx = sorted(glob.glob(os.path.join(gpu, "kernels", "*.ptx")))
    if not ptx:
        fail("%s: no kernel modules" % gpu)
    for path in ptx:
        text = open(path).read()
        if ".target " + ARCH not in text or ".entry" not in text:
            fail("%s is not PTX for %s with a kernel" % (path, ARCH))
        kernels += text.count(".entry ")
        cubin = path[:-4] + ".cubin"
        if not os.path.exists(cubin) or \
                open(cubin, "rb").read(4) != b"\x7fELF":
            fail("no cubin assembled from %s" % path)
    return kernels


def check(pkg, src):
    manifest_path = os.path.join(pkg, "manifest.json")
    if not os.path.exists(manifest_path):
        fail("%s: no manifest.json (run scripts/gpu-check.sh to pack)" % pkg)
    manifest = json.load(open(manifest_path))
    size = directory_bytes(pkg)
    if size > UPLOAD_LIMIT:
        fail("package %s is %.1f MiB, over the %d MiB upload limit" %
             (pkg, size / 2**20, UPLOAD_LIMIT >> 20))
    kernels, glibc, glibcxx = 0, set(), set()
    builds = 0
    for name, entry in manifest["examples"].items():
        directory = os.path.join(pkg, name)
        for variant in entry["variants"]:
            kernels += check_build(os.path.join(directory, variant), glibc,
                                   glibcxx)
            builds += 1
        if not os.path.exists(os.path.join(directory, "torch_model.pt")):
            fail("%s: no torch_model.pt" % directory)
        for label, t in entry["tasks"].items():
            for n, f in task_inputs(directory, t["task"], t["inputs"]).items():
                if not os.path.exists(f):
                    fail("%s task %s: input %s missing" % (name, label, f))
            for out in t["outputs"]:
                if not os.path.exists(os.path.join(directory, "cpu_ref",
                                                   label, out + ".npy")):
                    fail("%s task %s: reference %s missing" %
                         (name, label, out))
    print("package %s: %.1f MiB of %d MiB, %d examples, %d GPU builds (%s), "
          "%d kernels for %s, cubins present" %
          (pkg, size / 2**20, UPLOAD_LIMIT >> 20, len(manifest["examples"]),
           builds, ", ".join(v[0] for v in VARIANTS), kernels, ARCH),
          flush=True)
    newest = lambda vs: max((v for v in vs if v),  # noqa: E731
                            key=lambda v: tuple(map(int, v.split("."))),
                            default="?")
    print("task libraries need glibc >= %s and libstdc++ GLIBCXX_%s on the "
          "GPU machine, plus its libcuda.so.1 and libz.so.1" %
          (newest(glibc), newest(glibcxx)), flush=True)
    print("dry mode: the device flow on this machine's CPU (timings here "
          "only show that the timing code runs)", flush=True)
    # The device flow on the CPU: the same script, other OUT_DIRs.
    return device(pkg, src, target="cpu", budget_s=60, repeats=3,
                  json_path=None)


# --- device ----------------------------------------------------------------

def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(math.ceil(q * len(ordered))) - 1)]


def timed(fn, repeats, sync=None):
    fn()  # warm-up
    if sync:
        sync()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if sync:
            sync()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), percentile(samples, 0.9)


def sparse_moe_forward(layers):
    """MoE.forward computing each selected expert over the tokens that
    selected it only (what a specialized program computes), instead of
    every expert over every token."""
    import torch

    def forward(self, x, router_logits):
        indices, weights = layers.route(router_logits, self.k, self.normalize)
        flat = x.reshape(-1, x.shape[-1])
        idx = indices.reshape(-1, indices.shape[-1])
        wts = weights.reshape(-1, weights.shape[-1])
        out = torch.zeros_like(flat)
        for e in torch.unique(idx).tolist():
            rows, slot = torch.nonzero(idx == e, as_tuple=True)
            h = flat[rows] @ self.fc1_weight[e].t()
            if self.fc1_bias is not None:
                h = h + self.fc1_bias[e]
            y = layers._activation(h, self.activation) @ self.fc2_weight[e].t()
            if self.fc2_bias is not None:
                y = y + self.fc2_bias[e]
            out.index_add_(0, rows, wts[rows, slot].unsqueeze(-1) * y)
        return out.reshape(x.shape)

    return forward


def find_cublas(torch):
    """Points M3SAT_CUBLAS at the cuBLAS of PyTorch's CUDA wheels (unless it
    is set); the runtime otherwise finds libcublas.so.13 by its soname, once
    torch has loaded it. Returns what was chosen."""
    if os.environ.get("M3SAT_CUBLAS"):
        return os.environ["M3SAT_CUBLAS"]
    site = os.path.dirname(os.path.dirname(torch.__file__))
    found = sorted(glob.glob(os.path.join(site, "nvidia", "**",
                                          "libcublas.so.*"), recursive=True),
                   reverse=True)
    if not found:
        return "libcublas.so.13 (by soname)"
    os.environ["M3SAT_CUBLAS"] = found[0]
    return found[0]


def compare(outputs, directory, label, names, tolerance):
    """The largest |got - cpu| and a failure line (None when within the
    tolerance: fp32 elementwise, tf32 normwise)."""
    err = 0.0
    for out in names:
        expected = np.load(os.path.join(directory, "cpu_ref", label,
                                        out + ".npy"))
        if out not in outputs:
            return err, "no output %s" % out
        got = outputs[out]
        if got.shape != expected.shape:
            return err, "output %s: shape %s, CPU %s" % (out, got.shape,
                                                         expected.shape)
        diff = np.abs(got.astype(np.float64) - expected)
        e = float(diff.max()) if diff.size else 0.0
        err = max(err, e)
        if tolerance == "tf32":
            scale = max(1.0, float(np.abs(expected).max()) if diff.size
                        else 1.0)
            ok = e <= 1e-2 * scale
        else:
            ok = bool(np.all(diff <= 1e-4 + 1e-4 * np.abs(expected)))
        if not ok:
            return err, "output %s: max |d| = %.3g (%s bound)" % (out, e,
                                                                 tolerance)
    return err, None


def device(pkg, src, target, budget_s, repeats, json_path):
    import torch
    sys.path.insert(0, os.path.join(src, "python"))
    import m3sat
    from m3sat_torch import layers
    manifest = json.load(open(os.path.join(pkg, "manifest.json")))
    on_gpu = target == "gpu"
    if on_gpu and not torch.cuda.is_available():
        fail("torch sees no CUDA device")
    if on_gpu:
        # PyTorch loads its cuBLAS on its first product.
        torch.ones(2, 2, device="cuda") @ torch.ones(2, 2, device="cuda")
        print("cuBLAS for m3sat: %s" % find_cublas(torch), flush=True)
    dev = torch.device("cuda" if on_gpu else "cpu")
    sync = torch.cuda.synchronize if on_gpu else None
    compile_ok = on_gpu and hasattr(torch, "compile")
    layers.MoE.forward = sparse_moe_forward(layers)
    deadline = time.monotonic() + budget_s
    rows, worst, failures = [], {}, []
    names = [v[0] for v in VARIANTS] if on_gpu else ["cpu"]
    print("%-17s %-13s %9s " % ("example", "task", "max|d|") +
          " ".join("%11s" % (n + " ms") for n in names) +
          " %9s %10s %10s  %s" % ("p90", "eager ms", "compile ms",
                                  "eager/m3sat"), flush=True)
    for name, entry in manifest["examples"].items():
        directory = os.path.join(pkg, name)
        if on_gpu:
            builds = {v: (os.path.join(directory, v), tol)
                      for v, tol in entry["variants"].items()}
        else:
            builds = {"cpu": (os.path.join(pkg.rstrip("/") + ".cpu", name),
                              "fp32")}
        load_example_module(src, entry["generator"], name)
        saved = torch.load(os.path.join(directory, "torch_model.pt"),
                           **({"weights_only": False}
                              if "weights_only" in
                              torch.load.__code__.co_varnames else {}))
        module = saved["module"].eval().to(dev)
        compiled = None
        for label, t in entry["tasks"].items():
            arrays = {n: np.load(f) for n, f in
                      task_inputs(directory, t["task"], t["inputs"]).items()}
            row = {"example": name, "task": label}
            timing = time.monotonic() < deadline
            for variant, (out_dir, tolerance) in builds.items():
                try:
                    task = m3sat.Task(out_dir, task=t["task"] or None)
                    err, problem = compare(task.run(**arrays), directory,
                                           label, t["outputs"], tolerance)
                except Exception as error:  # noqa: BLE001
                    err, problem = float("nan"), str(error).splitlines()[0]
                row[variant + "_max_abs_diff"] = err
                if problem:
                    failures.append("%s task %s (%s): %s" %
                                    (name, label, variant, problem))
                    row[variant + "_error"] = problem
                    continue
                worst[variant] = max(worst.get(variant, 0.0), err)
                if timing:
                    row[variant + "_ms"], row[variant + "_p90_ms"] = timed(
                        lambda: task.run(**arrays), repeats)
            if timing:
                args = [a.to(dev) for a in torch_inputs(
                    directory, t["task"], saved["inputs"], saved["args"])]
                with torch.no_grad():
                    row["eager_ms"], _ = timed(lambda: module(*args), repeats,
                                               sync)
                    if compile_ok and time.monotonic() < deadline:
                        try:
                            if compiled is None:
                                compiled = torch.compile(module)
                            row["compile_ms"], _ = timed(
                                lambda: compiled(*args), repeats, sync)
                        except Exception as error:  # noqa: BLE001
                            row["compile_error"] = str(error).splitlines()[0]
                            compile_ok = False
            rows.append(row)

            def cell(key, width=10):
                return "%*.3f" % (width, row[key]) if key in row \
                    else "%*s" % (width, "-")
            first = names[0]
            ratio = "%.2fx" % (row["eager_ms"] / row[first + "_ms"]) \
                if "eager_ms" in row and first + "_ms" in row else "-"
            print("%-17s %-13s %9.3g " % (name, label,
                                          row.get(first + "_max_abs_diff",
                                                  float("nan"))) +
                  " ".join(cell(n + "_ms", 11) for n in names) +
                  " %s %s %s  %s" % (cell(first + "_p90_ms", 9),
                                     cell("eager_ms"), cell("compile_ms"),
                                     ratio), flush=True)
    if json_path:
        with open(json_path, "w") as f:
            json.dump({"target": target, "torch": torch.__version__,
                       "device": torch.cuda.get_device_name(0) if on_gpu
                       else "cpu", "variants": names, "rows": rows,
                       "failures": failures}, f, indent=1)
    for line in failures:
        print("gpu-check: FAIL: " + line, flush=True)
    if failures:
        return 1
    print("all outputs match the CPU reference (worst %s); PyTorch columns: "
          "sparse top-k MoE, inputs already on the device; eager/m3sat for "
          "%s" % (", ".join("%s %.3g" % kv for kv in worst.items()),
                  names[0]), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["pack", "check", "dry", "device"])
    parser.add_argument("args", nargs="+")
    parser.add_argument("--budget-s", type=float, default=360)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json")
    options = parser.parse_args()
    if options.mode in ("pack", "dry"):
        if len(options.args) != 3:
            parser.error("%s BIN_DIR PKG_DIR SRC_ROOT" % options.mode)
        if options.mode == "pack":
            return pack(*options.args)
        if not (shutil.which("ptxas") or
                os.access("/usr/local/cuda/bin/ptxas", os.X_OK)):
            print("SKIPPED: no ptxas: the package would hold no cubins")
            return 77
        pack(*options.args)
        return check(*options.args[1:])
    if len(options.args) != 2:
        parser.error("%s PKG_DIR SRC_ROOT" % options.mode)
    if options.mode == "check":
        return check(*options.args)
    return device(options.args[0], options.args[1], "gpu", options.budget_s,
                  options.repeats, options.json)


if __name__ == "__main__":
    sys.exit(main())
