#!/usr/bin/env python3
"""m3sat CPU benchmarks, measured side by side in one run on this machine.

Prints (and writes as JSON to BUILD/bench/results.json):
* the machine's fp32 FMA peak and memory bandwidth (bench/peak.cpp, all
  cores);
* for MoE FFN layers of the example families' sizes, at batch 1 and 8, for
  a token-routed layer and a task-routed one (static expert set after
  specialization): the m3sat task library's latency (median of 20 runs),
  PyTorch 1.13 eager on the unspecialized layer (m3sat_torch.MoE, what the
  multi-task model runs), PyTorch on the same work m3sat does (only the
  selected experts, each over its own tokens), both with the same thread
  count, the ratios, achieved GFLOP/s and % of peak, and bundle bytes
  against the full layer's weights;
* for each example model (Edge-MoE, M3ViT multi-gate, the M3SAT multimodal
  model, at their bench sizes) and task, at batch 1 and 8: the task
  binary's latency (median of 20 runs), PyTorch eager on the full
  multi-task model computing that task's output (every expert over every
  token, masked, as m3sat_torch's reference layers do), PyTorch on the same
  specialized work (only the task's modalities and outputs; each MoE layer
  only its selected experts over their own tokens), same thread count, the
  ratios, GFLOP/s (FLOPs from m3sat-compile --report) and % of peak, and
  the bundle's bytes against the ONNX model's;
* GEMM micro-benchmarks of the expert shapes (x[M, D] @ W[D, H], M = tokens
  per expert from 8 to 1024): m3sat's generated code (--blas=false), the
  default SGEMM path with each kernel library (M3SAT_SGEMM=onednn,
  openblas), and torch.matmul with the same thread count, in GFLOP/s and %
  of peak;
* single-thread throughput of the SGEMM kernel libraries on the expert
  shapes, in the thread's CPU time (bench/sgemm_kernels.cpp): oneDNN,
  OpenBLAS with this environment's OPENBLAS_CORETYPE and with SkylakeX
  kernels, BLIS, whichever are installed;
* a plot of the model rows (BUILD/bench/models.svg).

With --target=gpu: the same MoE layers compiled for the GPU
(m3sat-compile --target=gpu), m3sat-run's median latency on the GPU (inputs
and outputs copied to and from the device inside each run) beside the CPU
task library's, and the largest |GPU - CPU| difference of the outputs;
written to BUILD/bench/results_gpu.json. Exits 0 with a message when no
CUDA GPU is available.

Usage: run_bench.py BUILD_DIR [--quick] [--target=gpu]
(--quick: fewer sizes; no M3ViT)
"""
import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))
import m3sat_torch.layers as mlayers  # noqa: E402
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
# --quick?).
MODELS = [
    ("edgemoe", "examples/edgemoe/make_model.py", [], "edgemoe.onnx",
     ("semseg", "depth"), True),
    ("multimodal", "examples/m3sat_multimodal/make_model.py", [],
     "m3sat_multimodal.onnx", ("scene", "activity", "caption"), True),
    ("m3vit", "examples/m3vit/make_model.py", ["--variant", "multigate"],
     "m3vit_multigate.onnx", ("semseg", "depth", "normals"), False),
]


def load_example(path):
    spec = importlib.util.spec_from_file_location(
        "example_" + os.path.basename(os.path.dirname(path)), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sparse_moe(ctx, x, logits, w1, b1, w2, b2, k, activation, normalize,
                domain="m3sat", legacy_layout=False):
    """m3sat::MoE doing only the routed work: each selected expert over its
    own tokens."""
    d = x.shape[-1]
    flat = x.reshape(-1, d)
    idx, w = route(logits.reshape(-1, logits.shape[-1]), k, normalize)
    out = torch.zeros_like(flat)
    act = {"gelu": torch.nn.functional.gelu, "relu": torch.relu,
           "silu": torch.nn.functional.silu,
           "identity": lambda v: v}[activation]
    for e in idx.unique().tolist():
        tok, slot = (idx == e).nonzero(as_tuple=True)
        h = flat[tok] @ w1[e].t()
        if b1 is not None:
            h = h + b1[e]
        y = act(h) @ w2[e].t()
        if b2 is not None:
            y = y + b2[e]
        out.index_add_(0, tok, y * w[tok, slot].unsqueeze(1))
    return out.reshape(x.shape)


def _sparse_moa(ctx, x, logits, wq, wk, wv, wo, bo, k, normalize, scale):
    """m3sat::MoAttention computing only the head experts some token
    selected."""
    return mlayers.moa_forward(x, logits, wq, wk, wv, wo, bo, k, normalize,
                               scale, selected_only=True)


@contextlib.contextmanager
def same_work():
    """m3sat_torch's MoE layers compute only the selected experts."""
    saved = (mlayers._MoEFunction.forward, mlayers._MoAttentionFunction.forward)
    mlayers._MoEFunction.forward = staticmethod(_sparse_moe)
    mlayers._MoAttentionFunction.forward = staticmethod(_sparse_moa)
    try:
        yield
    finally:
        mlayers._MoEFunction.forward = staticmethod(saved[0])
        mlayers._MoAttentionFunction.forward = staticmethod(saved[1])


def torch_model(name, module, case):
    """The PyTorch model (built as its generator builds it) and, per task,
    the full multi-task forward and the task's own forward, plus the task's
    input names."""
    torch.manual_seed(0)
    load = lambda n: torch.from_numpy(np.load(os.path.join(case, n + ".npy")))
    if name in ("edgemoe", "m3vit"):
        model = module.EdgeMoE() if name == "edgemoe" else \
            module.M3ViT("multigate")
        image = load("image")
        tasks = list(module.TASKS)
        full = {t: (lambda i=i: model(image, torch.tensor(i)))
                for i, t in enumerate(tasks)}
        # Every head is one linear layer: the task's forward is the full
        # forward with one head's output kept.
        task = {t: (lambda i=i: model(image, torch.tensor(i))[i])
                for i, t in enumerate(tasks)}
        return model.eval(), full, task, {t: ["image"] for t in tasks}
    model = module.M3SAT().eval()
    inputs = {n: load(n) for n in ("image", "sensor", "tokens")}
    full_fn = lambda: model(*inputs.values())

    def parts():
        b = inputs["sensor"].shape[0]
        img = model.patch(inputs["image"])
        sen = model.sensor(inputs["sensor"].reshape(
            b, model.sensor_tokens, model.window * model.channels))
        return img, sen, model.embed(inputs["tokens"])

    def scene():
        img, sen, _ = parts()
        return model.scene(model.encode([img, sen], [0, 1]).mean(dim=1))

    def activity():
        _, sen, txt = parts()
        return model.activity(model.encode([sen, txt], [1, 2]).mean(dim=1))

    def caption():
        img, _, txt = parts()
        cap = model.encode([img, txt], [0, 2])
        return model.caption(cap[:, model.image_tokens:])

    names = {t: [n for m in module.TASKS[t] for n in module.MODALITIES[m]]
             for t in module.TASKS}
    return (model, {t: full_fn for t in module.TASKS},
            {"scene": scene, "activity": activity, "caption": caption}, names)


def model_benchmarks(build, work, machine, quick):
    peak = machine["fp32_peak_gflops"]
    print(f"\n{'model':<11}{'task':>9}{'batch':>6}{'m3sat ms':>10}"
          f"{'torch full':>11}{'torch same':>11}{'x full':>8}{'x same':>8}"
          f"{'GFLOP/s':>9}{'% peak':>8}{'bundle/model':>13}")
    rows = []
    for name, generator, args, onnx, tasks, in_quick in MODELS:
        if quick and not in_quick:
            continue
        module = load_example(os.path.join(ROOT, generator))
        for batch in (1, 8):
            case = os.path.join(work, f"{name}-b{batch}")
            if not os.path.exists(os.path.join(case, onnx)):
                subprocess.run([sys.executable, os.path.join(ROOT, generator),
                                case, "--batch", str(batch)] + args,
                               check=True, capture_output=True)
            model_bytes = os.path.getsize(os.path.join(case, onnx))
            model, full, task_fn, inputs = torch_model(name, module, case)
            for task in tasks:
                out = os.path.join(case, f"out-{task}")
                subprocess.run([os.path.join(build, "bin", "m3sat-compile"),
                                os.path.join(case, onnx), f"--tasks={task}",
                                "-o", out, "--report"], capture_output=True,
                               check=True)
                report = json.load(open(os.path.join(out, "report.json")))
                flops = report["tasks"][task]["flops"]
                run = [os.path.join(build, "bin", "m3sat-run"), out,
                       "--output-dir", os.path.join(out, "res"), "--repeat",
                       "20"]
                for n in inputs[task]:
                    run += ["--input", f"{n}={os.path.join(case, n)}.npy"]
                res = subprocess.run(run, capture_output=True, text=True,
                                     check=True).stdout
                ms = float(res.split("median ")[1].split()[0])
                got = np.load(os.path.join(out, "res", f"{task}.npy"))
                ref = np.load(os.path.join(case, f"ref_{task}.npy"))
                assert np.allclose(got, ref, rtol=1e-3, atol=1e-3), \
                    (name, task, float(np.abs(got - ref).max()))
                with torch.no_grad():
                    t_full = median_ms(full[task])
                    with same_work():
                        same = task_fn[task]().numpy()
                        assert np.allclose(same, ref, rtol=1e-3, atol=1e-3), \
                            (name, task, "same-work PyTorch")
                        t_same = median_ms(task_fn[task])
                gflops = flops / ms / 1e6
                bundle = os.path.getsize(os.path.join(out, "bundle.m3b"))
                row = dict(model=name, task=task, batch=batch, m3sat_ms=ms,
                           torch_full_ms=t_full, torch_same_work_ms=t_same,
                           speedup_vs_full=t_full / ms,
                           speedup_vs_same_work=t_same / ms, flops=flops,
                           gflops=gflops, percent_of_peak=100 * gflops / peak,
                           bundle_bytes=bundle, model_bytes=model_bytes)
                rows.append(row)
                print(f"{name:<11}{task:>9}{batch:>6}{ms:>10.3f}"
                      f"{t_full:>11.3f}{t_same:>11.3f}{t_full / ms:>8.2f}"
                      f"{t_same / ms:>8.2f}{gflops:>9.1f}"
                      f"{row['percent_of_peak']:>7.1f}%"
                      f"{bundle / model_bytes:>13.2f}")
    return rows


def write_svg(rows, path):
    """Speedups of each model row over PyTorch (full model and same work),
    as horizontal bars on a log scale."""
    bar, gap, left, width = 9, 8, 190, 520
    height = 40 + len(rows) * (2 * bar + gap) + 30
    top = max([r["speedup_vs_full"] for r in rows] + [2.0])
    lo = min([r["speedup_vs_same_work"] for r in rows] + [0.5])
    lmin, lmax = np.log10(lo / 1.5), np.log10(top * 1.5)
    xpos = lambda v: left + width * (np.log10(v) - lmin) / (lmax - lmin)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 20}"'
           f' height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="16" font-size="13">m3sat task binary speedup '
           f'over PyTorch eager (log scale)</text>',
           f'<rect x="{left}" y="24" width="10" height="8" fill="#4477aa"/>'
           f'<text x="{left + 14}" y="32">vs full multi-task model</text>',
           f'<rect x="{left + 170}" y="24" width="10" height="8" '
           f'fill="#ee6677"/><text x="{left + 184}" y="32">vs same '
           f'specialized work</text>']
    y = 40
    for r in rows:
        label = f'{r["model"]} {r["task"]} b{r["batch"]}'
        out.append(f'<text x="{left - 6}" y="{y + bar + 3}" '
                   f'text-anchor="end">{label}</text>')
        for i, (key, color) in enumerate((("speedup_vs_full", "#4477aa"),
                                          ("speedup_vs_same_work",
                                           "#ee6677"))):
            x1 = xpos(r[key])
            x0 = xpos(1.0)
            out.append(f'<rect x="{min(x0, x1):.1f}" y="{y + i * bar}" '
                       f'width="{abs(x1 - x0):.1f}" height="{bar - 1}" '
                       f'fill="{color}"/>')
            out.append(f'<text x="{max(x0, x1) + 3:.1f}" '
                       f'y="{y + i * bar + bar - 2}" font-size="9">'
                       f'{r[key]:.2f}x</text>')
        y += 2 * bar + gap
    x1 = xpos(1.0)
    out.append(f'<line x1="{x1:.1f}" y1="38" x2="{x1:.1f}" y2="{y}" '
               f'stroke="black"/><text x="{x1:.1f}" y="{y + 14}" '
               f'text-anchor="middle">1x</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


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
    per_core = machine["fp32_peak_gflops"] / machine["threads"]
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


def main():
    build = os.path.abspath(sys.argv[1])
    quick = "--quick" in sys.argv
    work = os.path.join(build, "bench")
    os.makedirs(work, exist_ok=True)
    torch.set_num_threads(THREADS)

    if "--target=gpu" in sys.argv:
        try:
            rows = gpu_benchmarks(build, os.path.join(work, "gpu"), quick)
        except NoGPU as reason:
            print(f"skipped: {reason}")
            return
        path = os.path.join(work, "results_gpu.json")
        with open(path, "w") as f:
            json.dump({"layers": rows}, f, indent=2)
        print(f"results: {path}")
        return

    peak_bin = os.path.join(work, "peak")
    subprocess.run(["g++", "-O3", "-march=native", "-fopenmp", "-o", peak_bin,
                    os.path.join(ROOT, "bench", "peak.cpp")], check=True)
    machine = json.loads(subprocess.run([peak_bin], capture_output=True,
                                        text=True, check=True).stdout)
    print(f"machine: {machine['threads']} threads, fp32 FMA peak "
          f"{machine['fp32_peak_gflops']:.1f} GFLOP/s, triad bandwidth "
          f"{machine['triad_bandwidth_gbs']:.1f} GB/s")

    rows = []
    header = (f"{'layer':<14}{'batch':>6}{'task':>8}{'m3sat ms':>10}"
              f"{'torch full':>11}{'torch same':>11}{'x full':>8}"
              f"{'x same':>8}{'GFLOP/s':>9}{'% peak':>8}{'bundle/full':>12}")
    print(header)
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
    models = model_benchmarks(build, work, machine, quick)
    gemms = gemm_benchmarks(build, work, machine, quick)
    kernels = kernel_benchmarks(work, machine, quick)
    results = {"machine": machine, "torch_threads": THREADS, "layers": rows,
               "models": models, "gemm": gemms, "sgemm_kernels": kernels}
    path = os.path.join(work, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    plot = os.path.join(work, "models.svg")
    write_svg(models, plot)
    print(f"results: {path}, plot: {plot}")


if __name__ == "__main__":
    main()
