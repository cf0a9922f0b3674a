"""The benchmark's micro sections (Debian's /usr/bin/python3, torch 1.13),
run by `run_bench.py BUILD --micro` after the models, and its GPU mode
(`--target=gpu`):

* MoE FFN layers of the example families' sizes, at batch 1 and 8, for a
  token-routed layer and a task-routed one (static expert set after
  specialization): the m3sat task library's latency (median of 20 runs)
  against PyTorch 1.13 on the unspecialized layer (m3sat_torch.MoE, every
  expert over every token) and on the same work m3sat does (only the
  selected experts, each over its own tokens), same thread count;
* GEMM micro-benchmarks of the expert shapes (x[M, D] @ W[D, H], M = tokens
  per expert from 8 to 1024): m3sat's generated code (--blas=false), the
  default SGEMM path with each kernel library (M3SAT_SGEMM=onednn,
  openblas), and torch.matmul, in GFLOP/s and % of peak;
* single-thread throughput of the SGEMM kernel libraries on the expert
  shapes, in the thread's CPU time (bench/sgemm_kernels.cpp);
* with --target=gpu: the same MoE layers compiled for the GPU, m3sat-run's
  median latency on the GPU beside the CPU task library's, and the largest
  |GPU - CPU| difference of the outputs.
"""
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
from m3sat_torch import MoE, route  # noqa: E402

THREADS = os.cpu_count()
# (name, tokens per image, dim, hidden, experts)
LAYERS = [("edgemoe-ffn", 128, 192, 384, 16), ("m3vit-ffn", 196, 384, 768, 16)]


def median_ms(fn, runs=20, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def m3sat_ms(build, out, task, x_path):
    result = subprocess.run(
        [os.path.join(build, "bin", "m3sat-run"), out, f"--task={task}",
         "--input", f"x={x_path}", "--output-dir", os.path.join(out, "res"),
         "--repeat", "20"], capture_output=True, text=True, check=True)
    line = [l for l in result.stdout.splitlines() if l.startswith("latency")]
    return float(line[0].split("median ")[1].split()[0])


class NoGPU(Exception):
    pass


def gpu_benchmarks(build, work, quick):
    """m3sat on the GPU against m3sat on the CPU, same layers."""
    compile_ = os.path.join(build, "bin", "m3sat-compile")
    rows = []
    print(f"{'layer':<14}{'batch':>6}{'task':>8}{'gpu ms':>10}{'cpu ms':>10}"
          f"{'cpu/gpu':>9}{'max |gpu-cpu|':>15}")
    for name, tokens, d, h, e in LAYERS[:1] if quick else LAYERS:
        for batch in (1, 8):
            case = os.path.join(work, f"{name}-b{batch}")
            subprocess.run([sys.executable,
                            os.path.join(ROOT, "examples", "mlir",
                                         "make_moe_model.py"),
                            case, str(tokens * batch), str(d), str(h),
                            str(e)], check=True)
            outs = {}
            for target in ("gpu", "cpu"):
                outs[target] = os.path.join(case, "out_" + target)
                subprocess.run([compile_, os.path.join(case, "model.mlir"),
                                "--target=" + target, "-o", outs[target]],
                               capture_output=True, check=True)
            x_path = os.path.join(case, "x.npy")
            for task in ("routed", "static"):
                try:
                    gpu_ms = m3sat_ms(build, outs["gpu"], task, x_path)
                except subprocess.CalledProcessError as error:
                    if "no CUDA GPU is available" in error.stderr:
                        raise NoGPU(error.stderr.strip())
                    raise
                cpu_ms = m3sat_ms(build, outs["cpu"], task, x_path)
                output = f"y_{task}.npy"
                got = np.load(os.path.join(outs["gpu"], "res", output))
                ref = np.load(os.path.join(outs["cpu"], "res", output))
                diff = float(np.abs(got - ref).max())
                rows.append(dict(layer=name, batch=batch, task=task,
                                 gpu_ms=gpu_ms, cpu_ms=cpu_ms,
                                 max_abs_diff=diff))
                print(f"{name:<14}{batch:>6}{task:>8}{gpu_ms:>10.3f}"
                      f"{cpu_ms:>10.3f}{cpu_ms / gpu_ms:>9.2f}{diff:>15.3g}")
    return rows


def torch_layers(weights, k, activation, normalize):
    """The unspecialized layer (all experts, m3sat_torch eager) and a
    function doing only the routed work (per expert over its tokens)."""
    w1, b1 = torch.from_numpy(weights["w1"]), torch.from_numpy(weights["b1"])
    w2, b2 = torch.from_numpy(weights["w2"]), torch.from_numpy(weights["b2"])
    e, h, d = w1.shape
    full = MoE(d, h, e, k=k, activation=activation, normalize=normalize)
    with torch.no_grad():
        full.fc1_weight.copy_(w1), full.fc1_bias.copy_(b1)
        full.fc2_weight.copy_(w2), full.fc2_bias.copy_(b2)
    act = {"gelu": torch.nn.functional.gelu, "silu": torch.nn.functional.silu}[activation]

    def sparse(x, logits):
        flat = x.reshape(-1, d)
        idx, w = route(logits.reshape(-1, e), k, normalize)
        out = torch.zeros_like(flat)
        for expert in idx.unique().tolist():
            tok, slot = (idx == expert).nonzero(as_tuple=True)
            y = act(flat[tok] @ w1[expert].t() + b1[expert]) @ w2[expert].t() + b2[expert]
            out.index_add_(0, tok, y * w[tok, slot].unsqueeze(1))
        return out.reshape(x.shape)
    return full, sparse


GEMM_TEMPLATE = """func.func @main(%x: tensor<{m}x{k}xf32> {{m3sat.name = "x"}},
                %w: tensor<{k}x{n}xf32> {{m3sat.name = "w"}})
    -> (tensor<{m}x{n}xf32> {{m3sat.name = "y"}}) {{
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{m}x{n}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)
                     outs(%acc : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""


GEMM_VARIANTS = (("m3sat_loops", ["--blas=false"], {}),
                 ("m3sat_onednn", [], {"M3SAT_SGEMM": "onednn"}),
                 ("m3sat_openblas", [], {"M3SAT_SGEMM": "openblas"}))


def gemm_benchmarks(build, work, machine, quick):
    """Expert-shaped GEMMs: generated loops, the runtime's SGEMM with each
    kernel library, torch.matmul."""
    peak = machine["fp32_peak_gflops"]
    shapes = [(192, 384)] if quick else [(192, 384), (384, 192), (384, 768)]
    rows = []
    for k, n in shapes:
        print(f"\nGEMM x[M, {k}] @ W[{k}, {n}] (GFLOP/s, % of peak)")
        print(f"{'M':>6}{'m3sat loops':>18}{'m3sat oneDNN':>18}"
              f"{'m3sat OpenBLAS':>18}{'torch':>18}")
        for m in (8, 64, 1024) if quick else (8, 16, 32, 64, 128, 256, 512,
                                              1024):
            case = os.path.join(work, f"gemm-{m}x{k}x{n}")
            os.makedirs(case, exist_ok=True)
            with open(os.path.join(case, "gemm.mlir"), "w") as f:
                f.write(GEMM_TEMPLATE.format(m=m, k=k, n=n))
            rng = np.random.default_rng(m)
            x = rng.standard_normal((m, k)).astype(np.float32)
            w = rng.standard_normal((k, n)).astype(np.float32)
            np.save(os.path.join(case, "x.npy"), x)
            np.save(os.path.join(case, "w.npy"), w)
            flops = 2.0 * m * n * k
            row = {"M": m, "K": k, "N": n}
            compiled = set()
            for label, extra, env in GEMM_VARIANTS:
                out = os.path.join(case, "loops" if extra else "sgemm")
                # Compiled afresh once per run (cheap), so that a run never
                # measures an output left by an older compiler.
                if out not in compiled:
                    compiled.add(out)
                    subprocess.run([os.path.join(build, "bin", "m3sat-compile"),
                                    os.path.join(case, "gemm.mlir"), "-o", out]
                                   + extra, capture_output=True, check=True)
                res = subprocess.run(
                    [os.path.join(build, "bin", "m3sat-run"), out, "--input",
                     f"x={case}/x.npy", "--input", f"w={case}/w.npy",
                     "--output-dir", os.path.join(out, "res"), "--repeat",
                     "50"], capture_output=True, text=True, check=True,
                    env=dict(os.environ, **env)).stdout
                got = np.load(os.path.join(out, "res", "y.npy"))
                assert np.allclose(got, x @ w, rtol=1e-3, atol=1e-3), label
                ms = float(res.split("median ")[1].split()[0])
                row[label + "_gflops"] = flops / ms / 1e6
            tx, tw = torch.from_numpy(x), torch.from_numpy(w)
            t = median_ms(lambda: tx @ tw, runs=50)
            row["torch_gflops"] = flops / t / 1e6
            rows.append(row)
            cells = [row[v[0] + "_gflops"] for v in GEMM_VARIANTS]
            cells.append(row["torch_gflops"])
            print(f"{m:>6}" + "".join(f"{g:>11.1f} ({100 * g / peak:>4.1f}%)"
                                      for g in cells))
    return rows


# The example models at their bench sizes: (name, generator, its arguments,
# ONNX file, tasks (all in the full run; the first two with --quick), in

KERNEL_LIBRARIES = (
    ("oneDNN", "libdnnl.so.2", {}),
    ("OpenBLAS", "libopenblas.so.0", {}),
    ("OpenBLAS SkylakeX", "libopenblas.so.0",
     {"OPENBLAS_CORETYPE": "SkylakeX"}),
    ("BLIS", "/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4", {}),
)


def kernel_benchmarks(work, machine, quick):
    """Single-thread GFLOP/s of each installed SGEMM library, in CPU time."""
    binary = os.path.join(work, "sgemm_kernels")
    subprocess.run(["g++", "-O2", "-o", binary,
                    os.path.join(ROOT, "bench", "sgemm_kernels.cpp"), "-ldl"],
                   check=True)
    shapes = "192,384;384,192" if quick else "192,384;384,192;384,768;768,384"
    ms = "8,64,256,1024"
    per_core = machine["peak_single_thread_gflops"]
    print(f"\nSGEMM kernels, one thread, CPU time (GFLOP/s; per-core peak "
          f"{per_core:.1f}); C[M, N] = A[M, K] B[N, K]^T")
    results = {}
    for label, library, env in KERNEL_LIBRARIES:
        run = subprocess.run([binary, library, shapes, ms], text=True,
                             capture_output=True,
                             env=dict(os.environ, **env))
        if run.returncode != 0:
            print(f"  {label}: not available ({run.stderr.strip()})")
            continue
        results[label] = json.loads(run.stdout)
        for shape, row in results[label].items():
            cells = " ".join(f"M{m} {g:6.1f}" for m, g in row.items())
            print(f"  {label:<18} K,N={shape:<8} {cells}")
    return results


def layer_benchmarks(build, work, machine, quick):
    """MoE FFN layers: m3sat against PyTorch on the full layer and on the
    same routed work."""
    rows = []
    header = (f"{'layer':<14}{'batch':>6}{'task':>8}{'m3sat ms':>10}"
              f"{'torch full':>11}{'torch same':>11}{'x full':>8}"
              f"{'x same':>8}{'GFLOP/s':>9}{'% peak':>8}{'bundle/full':>12}")
    print("\n" + header)
    for name, tokens, d, h, e in LAYERS[:1] if quick else LAYERS:
        for batch in (1, 8):
            t = tokens * batch
            case = os.path.join(work, f"{name}-b{batch}")
            subprocess.run([sys.executable,
                            os.path.join(ROOT, "examples", "mlir",
                                         "make_moe_model.py"),
                            case, str(t), str(d), str(h), str(e)], check=True)
            out = os.path.join(case, "out")
            subprocess.run([os.path.join(build, "bin", "m3sat-compile"),
                            os.path.join(case, "model.mlir"), "-o", out,
                            "--report"], capture_output=True, check=True)
            report = json.load(open(os.path.join(out, "report.json")))
            weights = np.load(os.path.join(case, "weights.npz"))
            x = torch.from_numpy(np.load(os.path.join(case, "x.npy")))
            full_bytes = sum(weights[n].nbytes for n in ("w1", "b1", "w2", "b2"))
            for task, activation, normalize in (("routed", "gelu", False),
                                                ("static", "silu", True)):
                full, sparse = torch_layers(weights, 2, activation, normalize)
                if task == "routed":
                    logits = x @ torch.from_numpy(weights["wg"])
                else:
                    logits = torch.from_numpy(weights["task_logits"]).expand(
                        x.shape[0], x.shape[1], -1)
                with torch.no_grad():
                    ref = np.load(os.path.join(case, f"ref_{task}.npy"))
                    got = sparse(x, logits).numpy()
                    assert np.allclose(got, ref, rtol=1e-3, atol=1e-4), task
                    t_full = median_ms(lambda: full(x, logits))
                    t_same = median_ms(lambda: sparse(x, logits))
                ms = m3sat_ms(build, out, task, os.path.join(case, "x.npy"))
                flops = report["tasks"][task]["flops"]
                gflops = flops / ms / 1e6
                params = report["tasks"][task]["param_bytes"]
                row = dict(layer=name, batch=batch, task=task, m3sat_ms=ms,
                           torch_full_ms=t_full, torch_same_work_ms=t_same,
                           speedup_vs_full=t_full / ms,
                           speedup_vs_same_work=t_same / ms, gflops=gflops,
                           percent_of_peak=100 * gflops /
                           machine["fp32_peak_gflops"],
                           param_bytes=params, full_layer_bytes=full_bytes)
                rows.append(row)
                print(f"{name:<14}{batch:>6}{task:>8}{ms:>10.3f}{t_full:>11.3f}"
                      f"{t_same:>11.3f}{t_full / ms:>8.2f}{t_same / ms:>8.2f}"
                      f"{gflops:>9.1f}{row['percent_of_peak']:>7.1f}%"
                      f"{params / full_bytes:>12.2f}")
    return rows


def gpu_main(build, work, quick):
    """--target=gpu: the MoE layers on the GPU against the CPU."""
    try:
        rows = gpu_benchmarks(build, work, quick)
    except NoGPU as reason:
        print(f"skipped: {reason}")
        return 0
    path = os.path.join(work, "results_gpu.json")
    with open(path, "w") as f:
        json.dump({"layers": rows}, f, indent=2)
    print(f"results: {path}")
    return 0


def run_all(build, work, peak, quick):
    """The micro sections; `peak` is bench/peak.cpp's JSON."""
    torch.set_num_threads(THREADS)
    return {"layers": layer_benchmarks(build, work, peak, quick),
            "gemm": gemm_benchmarks(build, work, peak, quick),
            "sgemm_kernels": kernel_benchmarks(work, peak, quick)}
