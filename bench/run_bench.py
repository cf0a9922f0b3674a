#!/usr/bin/python3
"""m3sat against the runtimes users would otherwise pick, side by side in one
run on this machine: every task of the example models (Edge-MoE, the M3SAT
multimodal model, M3ViT multi-gate) at batch 1 and 8.

Runs with Debian's /usr/bin/python3 (torch 1.13: the examples' exports and
the PyTorch reference). The peers run in subprocesses of the `python3`
first on PATH (ONNX Runtime 1.31.1, OpenVINO 2026.4.1, installed by
scripts/setup-peers.sh; M3SAT_PEER_PYTHON overrides it), see
bench/peer_worker.py. Every runtime runs in a process of its own, whose
peak RSS (getrusage of the child) is reported.

Per row (model, task, batch), median and p90 of each, same thread count:
* m3sat: the task binary (m3sat-compile --tasks=TASK, m3sat-run);
* PyTorch: the task's own forward with sparse top-k MoE layers (only the
  selected experts, each over its own tokens; bench/models.py);
* ORT full: ONNX Runtime (CPU EP, default optimizations) on the whole
  multi-task model with com.microsoft::MoE, fetching the task's output;
  and the same with all graph optimizations off;
* ORT task: ONNX Runtime on a graph that holds only the task's output;
* OpenVINO: the whole model in standard ops (it has no com.microsoft::MoE);
* the max abs error of every output against PyTorch's (ref_<task>.npy from
  the example's generator), the ratios, m3sat's GFLOP/s (m3sat-compile
  --report) and % of the measured peak (bench/peak.cpp), peak RSS.
Then the targets of issue 18, each printed as met / not met.

Writes BUILD/bench/results.json and, for a full run, bench/RESULTS.md (the
measured run: machine, ISA, date, threads, load). --quick runs the small
Edge-MoE at batch 1, one task, few repeats (seconds; what the ctest runs)
and writes its RESULTS.md under BUILD/bench/quick only.

Usage: run_bench.py BUILD_DIR [--quick] [--micro] [--results=PATH]
                              [--models=edgemoe,multimodal,m3vit]
                              [--batches=1,8] [--passive-wait]
                              [--target=gpu]
  --micro: also the MoE layer, GEMM and SGEMM-kernel sections (micro.py)
  --results=PATH: where RESULTS.md goes (default: bench/RESULTS.md for a
    full run, BUILD/bench/quick/RESULTS.md with --quick)
  --models=...: only these examples (default: all)
  --batches=...: only these batch sizes (default: 1,8; batch 1 rows first)
  --passive-wait: waiting threads block rather than spin, in every runtime
    that has the setting (for a machine that other processes load)
  --target=gpu: the MoE layers on the GPU against the CPU (micro.py)

Repeats: m3sat-run --warmup 3 --repeat 20 (3 with --quick); each peer up
to 3 untimed runs, then up to 20 timed ones (at least 5, fewer when they
would take over 4 s; bench/peer_worker.py).
"""
import datetime
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
THREADS = os.cpu_count()
# Environment of every runtime's process (--passive-wait adds to it).
RUN_ENV = {"OMP_NUM_THREADS": str(THREADS)}
PEER_PYTHON = os.environ.get("M3SAT_PEER_PYTHON") or shutil.which("python3")


TIME = "/usr/bin/time"


def run_measured(cmd, env=None, check=True):
    """Runs `cmd` as a child process; returns (stdout, stderr, peak RSS of
    that child alone in kB). The child is started by GNU time, whose own
    image is small: a child forked straight from this process would start
    its RSS high-water mark at this process's size (torch loaded)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss:
        proc = subprocess.run([TIME, "-f", "%M", "-o", rss.name] + cmd,
                              stdout=out, stderr=err,
                              env=dict(os.environ, **(env or {})))
        out.seek(0), err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        lines = [l for l in rss.read().splitlines() if l.strip().isdigit()]
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n"
                           f"{stderr.strip()[-2000:]}")
    return stdout, stderr, int(lines[-1]) if lines else 0


def stats(latencies):
    s = np.sort(np.asarray(latencies, dtype=np.float64))
    pick = lambda q: float(s[min(len(s) - 1, int(round(q * (len(s) - 1))))])
    return {"median_ms": pick(0.5), "p90_ms": pick(0.9), "runs": len(s)}


def max_abs_err(path, ref):
    got = np.load(path)
    if got.shape != ref.shape:
        return float("nan")
    return float(np.abs(got.astype(np.float64) - ref).max())


# --- The machine -----------------------------------------------------------

def machine_info():
    model, flags = platform.processor() or "?", ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name") and model in ("?", "x86_64", ""):
                model = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                break
    isa = [x for x, f in (("AVX2+FMA", "fma"), ("AVX-512F", "avx512f"),
                          ("AVX-512 BF16", "avx512_bf16"),
                          ("AMX", "amx_tile")) if f in flags]
    return {"cpu": model, "isa": isa, "threads": THREADS,
            "kernel": platform.release(),
            "date_utc": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC")}


def measure_peak(work, quick):
    binary = os.path.join(work, "peak")
    subprocess.run(["g++", "-O2", "-fopenmp", "-o", binary,
                    os.path.join(BENCH, "peak.cpp"), "-ldl"], check=True)
    out, _, _ = run_measured([binary] + (["--quick"] if quick else []))
    peak = json.loads(out)
    for name, isa in peak["isas"].items():
        print(f"peak {name:<7} {isa['accumulators']:>2} accumulators: "
              f"1 thread {isa['single_thread']['gflops']:.1f} GFLOP/s, "
              f"{peak['threads']} threads {isa['all_threads']['gflops']:.1f} "
              f"GFLOP/s (wall {isa['all_threads']['wall_gflops']:.1f}); "
              f"triad {isa['triad_gbs']:.1f} GB/s, read "
              f"{isa['read_gbs']:.1f} GB/s")
    check = peak["check"]
    if check.get("kernel"):
        print(f"check: {check['kernel']} M={check['M']} N={check['N']} "
              f"K={check['K']} ({peak['isa']}): 1 thread "
              f"{check['single_thread']['gflops']:.1f} GFLOP/s = "
              f"{100 * check['single_thread_fraction']:.0f}% of peak, "
              f"{peak['threads']} threads {check['all_threads']['gflops']:.1f}"
              f" = {100 * check['all_threads_fraction']:.0f}%: "
              f"{'ok, below the peak' if check['ok'] else 'FAILED: a kernel beats the peak'}")
    else:
        print(f"check: no known kernel ({check.get('why')})")
    return peak


GEMM_TEMPLATE = """func.func @main(%x: tensor<64x64xf32> {m3sat.name = "x"},
                %w: tensor<64x64xf32> {m3sat.name = "w"})
    -> (tensor<64x64xf32> {m3sat.name = "y"}) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %y = linalg.matmul ins(%x, %w : tensor<64x64xf32>, tensor<64x64xf32>)
                     outs(%acc : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}
"""


def runtime_rss(build, work):
    """m3sat's own size: the peak RSS of m3sat-run on a 64x64 matrix product
    (the runtime, with oneDNN's SGEMM loaded: the product is above
    m3sat-contractions-to-blas's min-flops; no model to speak of), once as
    it compiles by default (too little work for threads: m3sat-serial-
    small-tasks runs it on the calling thread, without the OpenMP runtime)
    and once with its loop on the task's threads (--serial-work=0: the
    OpenMP runtime and its pool started, as in every task that has
    parallel loops). {"serial": KB, "threads": KB}."""
    case = os.path.join(work, "runtime-size")
    os.makedirs(case, exist_ok=True)
    with open(os.path.join(case, "gemm.mlir"), "w") as f:
        f.write(GEMM_TEMPLATE)
    for name in ("x", "w"):
        np.save(os.path.join(case, name + ".npy"),
                np.ones((64, 64), np.float32))
    sizes = {}
    for kind, flags in (("serial", []), ("threads", ["--serial-work=0"])):
        out = os.path.join(case, kind)
        subprocess.run([os.path.join(build, "bin", "m3sat-compile"),
                        os.path.join(case, "gemm.mlir"), "-o", out] + flags,
                       check=True, capture_output=True)
        if uses_threads(out) != (kind == "threads"):
            raise RuntimeError(f"the {kind} runtime-size task "
                               f"{'lacks' if kind == 'threads' else 'has'} "
                               "the OpenMP runtime")
        _, _, sizes[kind] = run_measured(
            [os.path.join(build, "bin", "m3sat-run"), out, "--input",
             f"x={case}/x.npy", "--input", f"w={case}/w.npy",
             "--output-dir", os.path.join(out, "res"), "--repeat", "3"],
            env=RUN_ENV)
    return sizes


def uses_threads(out):
    """Whether the task library in `out` runs parallel loops: it needs the
    OpenMP runtime (libomp), which a serial task does not load."""
    library = os.path.join(out, "libm3sat_task.so")
    try:
        dynamic = subprocess.run(["readelf", "-d", library], check=True,
                                 capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        with open(library, "rb") as f:
            return b"libomp.so" in f.read()
    return "libomp" in dynamic


def runtime_of(r, runtime):
    """The runtime's own size for row `r`'s task: with the thread pool or
    without, as the task runs."""
    return runtime["threads" if r["m3sat"].get("threads", True)
                   else "serial"]


# --- One row ---------------------------------------------------------------

def live_set_bytes(task_report):
    """The largest live activation set, if the report has it (arena
    planning); None otherwise."""
    for key in ("largest_live_bytes", "max_live_bytes", "peak_live_bytes",
                "arena_bytes"):
        if key in task_report:
            return int(task_report[key])
    arena = task_report.get("arena")
    if isinstance(arena, dict):
        for key in ("largest_live_bytes", "bytes", "size"):
            if key in arena:
                return int(arena[key])
    return None


def bench_m3sat(build, example, model, case, task, repeat):
    import models
    out = os.path.join(case, f"m3sat-{task}")
    subprocess.run([os.path.join(build, "bin", "m3sat-compile"),
                    os.path.join(case, example.onnx), f"--tasks={task}", "-o",
                    out, "--report"], check=True, capture_output=True)
    with open(os.path.join(out, "report.json")) as f:
        report = json.load(f)["tasks"][task]
    cmd = [os.path.join(build, "bin", "m3sat-run"), out, "--output-dir",
           os.path.join(out, "res"), "--warmup", "3", "--repeat",
           str(repeat)]
    for name, path in models.task_inputs(example, model, case, task).items():
        cmd += ["--input", f"{name}={path}"]
    # M3SAT_WAIT_TRACE: how each run's threads waited (the adaptive policy
    # may block in some runs, which costs a task of many short loops ~10x).
    stdout, stderr, rss = run_measured(cmd, env=dict(RUN_ENV,
                                                     M3SAT_WAIT_TRACE="1"))
    trace = [l for l in stderr.splitlines() if l.startswith("m3sat-wait:")]
    timed = trace[-repeat:] if len(trace) >= repeat else []
    # The task's inputs and outputs are activations too, held by the caller
    # for the whole run (outside the arena; Edge-MoE b1: the 0.4 MB image,
    # a 9.7 KB output).
    io = list(models.task_inputs(example, model, case, task).values())
    io += glob.glob(os.path.join(out, "res", "*.npy"))
    io_bytes = sum(np.load(path, mmap_mode="r").nbytes for path in io)
    line = [l for l in stdout.splitlines() if l.startswith("latency over")][0]
    fields = line.split(":", 1)[1].split()
    values = dict(zip(fields[0::2], map(float, fields[1::2])))
    return {"median_ms": values["median"], "p90_ms": values["p90"],
            "runs": repeat, "rss_kb": rss, "wait_trace": trace,
            "blocked_runs": sum(" ms blocking," in l for l in timed)
            if timed else None,
            "serial_runs": sum(" ms serial," in l for l in timed)
            if timed else None,
            "output": os.path.join(out, "res", f"{task}.npy"),
            "threads": uses_threads(out),
            "flops": report.get("flops"),
            "bundle_bytes": os.path.getsize(os.path.join(out, "bundle.m3b")),
            "activation_bytes": report.get("activation_bytes"),
            "live_bytes": live_set_bytes(report), "io_bytes": io_bytes}


def bench_peer(runtime, model_path, output, feed, result_dir, repeat):
    cmd = [PEER_PYTHON, os.path.join(BENCH, "peer_worker.py"), runtime,
           model_path, output, result_dir, str(THREADS), str(repeat)]
    cmd += [f"{n}={p}" for n, p in feed.items()]
    stdout, _, rss = run_measured(cmd, env=RUN_ENV)
    result = json.loads(stdout.strip().splitlines()[-1])
    row = stats(result["latencies_ms"])
    row.update(rss_kb=rss, net_rss_kb=rss - result["baseline_rss_kb"],
               version=result["version"],
               output=os.path.join(result_dir, output + ".npy"))
    return row


def bench_torch(example, case, task, small, result_dir, repeat):
    cmd = [sys.executable, os.path.abspath(__file__), "--worker=torch",
           example.name, case, task, "small" if small else "full",
           result_dir, str(repeat)]
    stdout, _, rss = run_measured(cmd, env=RUN_ENV)
    result = json.loads(stdout.strip().splitlines()[-1])
    row = stats(result["latencies_ms"])
    row.update(rss_kb=rss, net_rss_kb=rss - result["baseline_rss_kb"],
               output=os.path.join(result_dir, task + ".npy"))
    return row


def torch_worker(argv):
    """--worker=torch NAME CASE TASK small|full RESULT_DIR REPEAT: times the
    task's forward with sparse MoE layers (PyTorch 1.13, THREADS threads)."""
    sys.path.insert(0, BENCH)
    import torch
    import models
    name, case, task, size, result_dir, repeat = argv
    with open("/proc/self/status") as f:
        baseline = [int(l.split()[1]) for l in f if l.startswith("VmRSS")][0]
    torch.set_num_threads(THREADS)
    example = {e.name: e for e in models.EXAMPLES}[name]
    model = models.build_model(example, size == "small")
    forward = models.TaskForward(example, model, task)
    args = [torch.from_numpy(np.load(p)) for p in
            models.task_inputs(example, model, case, task).values()]
    from peer_worker import timed_runs
    with torch.no_grad(), models.sparse_layers():
        result, latencies = timed_runs(lambda: forward(*args), int(repeat))
    os.makedirs(result_dir, exist_ok=True)
    np.save(os.path.join(result_dir, task + ".npy"), result.numpy())
    print(json.dumps({"latencies_ms": latencies,
                      "baseline_rss_kb": baseline}))


def bench_row(build, example, model, case, batch, task, small, repeat):
    import models
    ref = np.load(os.path.join(case, f"ref_{task}.npy")).astype(np.float64)
    row = {"model": example.name, "task": task, "batch": batch}
    row["m3sat"] = bench_m3sat(build, example, model, case, task, repeat)
    peers = os.path.join(case, f"peers-{task}")
    row["torch"] = bench_torch(example, case, task, small,
                               os.path.join(peers, "torch"), repeat)
    full = models.full_feed(example, case, task)
    own = models.task_inputs(example, model, case, task)
    for key, runtime, onnx, feed in (
            ("ort_full", "ort", "ort_full.onnx", full),
            ("ort_full_noopt", "ort-noopt", "ort_full.onnx", full),
            ("ort_task", "ort", f"ort_{task}.onnx", own),
            ("openvino", "openvino", "plain_full.onnx", full)):
        try:
            row[key] = bench_peer(runtime, os.path.join(case, onnx), task,
                                  feed, os.path.join(peers, key), repeat)
        except RuntimeError as error:
            # A peer that cannot run the model is a finding, not a crash.
            row[key] = {"error": str(error).strip().splitlines()[-1][:200]}
    for key in ("m3sat", "torch", "ort_full", "ort_full_noopt", "ort_task",
                "openvino"):
        if "output" in row[key]:
            row[key]["max_abs_err"] = max_abs_err(row[key].pop("output"), ref)
    m = row["m3sat"]
    if m.get("flops"):
        m["gflops"] = m["flops"] / m["median_ms"] / 1e6
    for key in ("torch", "ort_full", "ort_full_noopt", "ort_task",
                "openvino"):
        if "median_ms" in row[key]:
            row[key]["speedup"] = row[key]["median_ms"] / m["median_ms"]
    return row


# --- Tables ----------------------------------------------------------------

PEERS = (("torch", "PyTorch"), ("ort_full", "ORT full"),
         ("ort_full_noopt", "ORT noopt"), ("ort_task", "ORT task"),
         ("openvino", "OpenVINO"))


def fmt(value, spec=".2f", none="-"):
    return none if value is None else format(value, spec)


def latency_table(rows, peak):
    head = ["model", "task", "b", "m3sat med", "m3sat p90"]
    head += [f"{label} med" for _, label in PEERS]
    head += [f"x {label}" for _, label in PEERS] + ["GFLOP/s", "% peak"]
    lines = [head]
    for r in rows:
        m = r["m3sat"]
        cells = [r["model"], r["task"], str(r["batch"]),
                 fmt(m["median_ms"], ".3f"), fmt(m["p90_ms"], ".3f")]
        cells += [fmt(r[k].get("median_ms"), ".3f", "n/a") for k, _ in PEERS]
        cells += [fmt(r[k].get("speedup"), ".2f", "n/a") for k, _ in PEERS]
        g = m.get("gflops")
        cells += [fmt(g, ".1f"), fmt(g and 100 * g / peak, ".1f")]
        lines.append(cells)
    return lines


def p90_table(rows):
    head = ["model", "task", "b", "m3sat p90", "m3sat blocking+serial"] + \
        [f"{label} p90" for _, label in PEERS]
    lines = [head]
    for r in rows:
        m = r["m3sat"]
        blocked, serial = m.get("blocked_runs"), m.get("serial_runs")
        lines.append([r["model"], r["task"], str(r["batch"]),
                      fmt(m["p90_ms"], ".3f"),
                      "-" if blocked is None else
                      f"{blocked}+{serial or 0}/{m['runs']}"] +
                     [fmt(r[k].get("p90_ms"), ".3f", "n/a")
                      for k, _ in PEERS])
    return lines


def error_table(rows):
    head = ["model", "task", "b", "m3sat"] + [label for _, label in PEERS]
    lines = [head]
    for r in rows:
        cells = [r["model"], r["task"], str(r["batch"]),
                 fmt(r["m3sat"].get("max_abs_err"), ".2e")]
        for k, _ in PEERS:
            cells.append(fmt(r[k].get("max_abs_err"), ".2e",
                             "failed: " + r[k].get("error", "?")[:60]))
        lines.append(cells)
    return lines


def rss_budget(r, runtime):
    m = r["m3sat"]
    if m.get("live_bytes") is None:
        return None
    live = m["live_bytes"] + m.get("io_bytes", 0)
    return m["bundle_bytes"] / 1024 + 2 * live / 1024 + runtime_of(r, runtime)


def rss_table(rows, runtime):
    head = ["model", "task", "b", "m3sat MB (net)", "budget MB",
            "bundle MB", "arena MB", "I/O MB", "act sum MB"]
    head += [f"{label} MB (net)" for _, label in PEERS]
    head += ["net m3sat / ORT"]
    lines = [head]
    mb = lambda kb: fmt(kb and kb / 1024, ".1f")
    for r in rows:
        m = r["m3sat"]
        budget = rss_budget(r, runtime)
        runtime_kb = runtime_of(r, runtime)
        cells = [r["model"], r["task"], str(r["batch"]),
                 f"{mb(m['rss_kb'])} ({mb(m['rss_kb'] - runtime_kb)})"
                 + ("" if m.get("threads", True) else " serial"),
                 mb(budget), fmt(m["bundle_bytes"] / 2**20, ".1f"),
                 fmt(m["live_bytes"] and m["live_bytes"] / 2**20, ".1f"),
                 fmt(m.get("io_bytes") and m["io_bytes"] / 2**20, ".1f"),
                 fmt(m["activation_bytes"] and
                     m["activation_bytes"] / 2**20, ".1f")]
        for k, _ in PEERS:
            p = r[k]
            cells.append(f"{mb(p['rss_kb'])} ({mb(p['net_rss_kb'])})"
                         if "rss_kb" in p else "n/a")
        ort = r["ort_full"].get("net_rss_kb")
        cells.append(fmt(ort and (m["rss_kb"] - runtime_kb) / ort, ".2f",
                         "n/a"))
        lines.append(cells)
    return lines


def render(lines, markdown):
    if markdown:
        out = ["| " + " | ".join(lines[0]) + " |",
               "|" + "|".join("---" for _ in lines[0]) + "|"]
        out += ["| " + " | ".join(c) + " |" for c in lines[1:]]
        return "\n".join(out)
    widths = [max(len(l[i]) for l in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(c.rjust(w) if i > 1 else c.ljust(w)
                               for i, (c, w) in enumerate(zip(l, widths)))
                     for l in lines)


# --- Targets ---------------------------------------------------------------

def runtime_text(runtime):
    return (f"{runtime['threads'] / 1024:.1f} MB with its threads, "
            f"{runtime['serial'] / 1024:.1f} MB for a serial task")


def verdict(ok):
    return "not evaluated" if ok is None else "met" if ok else "NOT MET"


def targets(rows, peak, runtime):
    """Issue 18's targets: (text, met, detail) each; met is None where the
    run cannot tell."""
    out = []
    b1 = [r for r in rows if r["batch"] == 1]

    def ratio_target(key, need, text):
        got = [(r, r[key].get("speedup")) for r in b1]
        bad = [f"{r['model']} {r['task']} {fmt(s, '.2f', 'n/a')}x"
               for r, s in got if s is None or s < need]
        worst = min((s for _, s in got if s is not None), default=None)
        detail = (f"lowest {fmt(worst, '.2f')}x" +
                  (f"; below: {', '.join(bad)}" if bad else ""))
        out.append((text, not bad and bool(got), detail))

    ratio_target("ort_full", 1.5, "m3sat >= 1.5x ORT on the full model, "
                 "every task, batch 1")
    ratio_target("ort_task", 1.2, "m3sat >= 1.2x ORT on the task-only "
                 "graph, every task, batch 1")
    edge = [r for r in rows if r["model"] == "edgemoe" and
            r["m3sat"].get("gflops")]
    shares = [(r, 100 * r["m3sat"]["gflops"] / peak) for r in edge]
    out.append(("Edge-MoE end to end >= 60% of the measured peak "
                f"({peak:.1f} GFLOP/s)",
                bool(shares) and all(s >= 60 for _, s in shares),
                ", ".join(f"{r['task']} b{r['batch']} {s:.1f}%"
                          for r, s in shares) or "no Edge-MoE rows"))
    budget_bad, budget_rows, ort_bad = [], 0, []
    for r in rows:
        budget = rss_budget(r, runtime)
        if budget is not None:
            budget_rows += 1
            if r["m3sat"]["rss_kb"] > budget:
                budget_bad.append(f"{r['model']} {r['task']} b{r['batch']}")
        ort = r["ort_full"].get("net_rss_kb")
        net = r["m3sat"]["rss_kb"] - runtime_of(r, runtime)
        if not ort or net > 0.4 * ort:
            # The mapped weights alone: a floor no arena planning lowers.
            floor = r["m3sat"].get("bundle_bytes", 0) / 1024
            ort_bad.append(f"{r['model']} {r['task']} b{r['batch']} "
                           f"{fmt(ort and net / ort)}x (bundle alone "
                           f"{fmt(ort and floor / ort)}x)")
    if budget_rows == 0:
        out.append(("peak RSS <= bundle + 2 x largest live set + runtime "
                    f"({runtime_text(runtime)})", None,
                    "--report gives no arena size "
                    "(no activation arena planned yet)"))
    else:
        out.append(("peak RSS <= bundle + 2 x largest live set + runtime "
                    f"({runtime_text(runtime)})",
                    not budget_bad and budget_rows == len(rows),
                    "above: " + ", ".join(budget_bad) if budget_bad else
                    f"all {budget_rows} rows"))
    out.append(("net peak RSS <= 0.4 x ORT's net RSS (full model; net: "
                "less the runtime loaded without a model)", not ort_bad,
                "above: " + ", ".join(ort_bad) if ort_bad else
                f"all {len(rows)} rows"))
    return out


# --- RESULTS.md ------------------------------------------------------------

def write_results_md(path, info, peak, runtime_kb, rows, goals, quick,
                     elapsed):
    c = peak["check"]
    isa_lines = []
    for name, isa in peak["isas"].items():
        sweep = ", ".join(f"{n}: {g:.0f}" for n, g in isa["sweep"].items())
        isa_lines.append(
            f"| {name} | {isa['accumulators']} ({sweep}) | "
            f"{isa['single_thread']['gflops']:.1f} | "
            f"{isa['all_threads']['gflops']:.1f} "
            f"(wall {isa['all_threads']['wall_gflops']:.1f}) | "
            f"{isa['triad_gbs']:.1f} | {isa['read_gbs']:.1f} |")
    check = (f"{c['kernel']} at M={c['M']}, N={c['N']}, K={c['K']} "
             f"({peak['isa']} kernels): 1 thread "
             f"{c['single_thread']['gflops']:.1f} GFLOP/s "
             f"({100 * c['single_thread_fraction']:.0f}% of the 1-thread "
             f"peak), {peak['threads']} threads "
             f"{c['all_threads']['gflops']:.1f} GFLOP/s "
             f"({100 * c['all_threads_fraction']:.0f}%): "
             f"{'ok, below the peak' if c['ok'] else 'FAILED, above the peak'}"
             if c.get("kernel") else f"no known kernel: {c.get('why')}")
    wrong = [f"{r['model']} {r['task']} b{r['batch']} "
             f"({r['ort_full']['max_abs_err']:.2g})" for r in rows
             if r["ort_full"].get("max_abs_err", 0) > 1e-2]
    wrong_text = (
        "With its default optimizations ORT's output is wrong (max abs error "
        f"above 1e-2) in {len(wrong)} of {len(rows)} rows: "
        f"{', '.join(wrong)}. Shown as measured. Disabling only its "
        "ConstantFolding optimizer gives the unoptimized result; the graph "
        "ORT writes after its basic optimizations is wrong even when run "
        "without optimizations, with the MoE nodes' inputs, weights and "
        "attributes unchanged, and right again when a MoE output is made a "
        "graph output." if wrong else
        "ORT's default optimizations give outputs within 1e-2 in every row.")
    versions = {k: next((r[k]["version"] for r in rows
                         if "version" in r[k]), "?")
                for k in ("ort_full", "openvino")}
    text = f"""## Benchmark: m3sat against ONNX Runtime, OpenVINO and PyTorch (`bench/run_bench.py build`)

Written by `bench/run_bench.py` ({'--quick' if quick else 'full run'}) up
to the end marker below; re-run `/usr/bin/python3 bench/run_bench.py build`
rather than editing it.

- machine: {info['cpu']}, {info['threads']} cores, ISA {', '.join(info['isa'])}
  (Linux {info['kernel']})
- date: {info['date_utc']}; the run took {elapsed / 60:.1f} min
- threads: {THREADS} for every runtime (m3sat OMP_NUM_THREADS, PyTorch
  set_num_threads, ORT intra_op_num_threads, OpenVINO
  INFERENCE_NUM_THREADS); waiting threads: {info.get('wait', '?')}
- load average (1 min) at the start {info['load_start']:.2f}, at the end
  {info['load_end']:.2f}: the machine is shared, and a load above {THREADS}
  means that other processes competed for the {THREADS} cores
- peers: ONNX Runtime {versions['ort_full']} (CPU EP), OpenVINO
  {versions['openvino']} (CPU), PyTorch 1.13 (Debian)

### Peak (bench/peak.cpp)

| ISA | accumulators (sweep, 1 thread GFLOP/s) | 1 thread GFLOP/s | all threads GFLOP/s | triad GB/s | read GB/s |
|---|---|---|---|---|---|
{chr(10).join(isa_lines)}

All-thread figures are the larger of wall-clock and per-thread CPU time
(another process on a core slows the wall-clock figure, not the CPU-time
one). Check against a known kernel: {check}. "% peak" below is of
{peak['fp32_peak_gflops']:.1f} GFLOP/s ({peak['isa']}, all threads). GFLOP/s
counts the FLOPs of `--report`, which counts convolutions directly: M3ViT's
3x3 head convolutions run by Winograd's F(2x2, 3x3) with 4/9 of the
multiplies, so its figures can pass the peak.

### Latency (ms, median over each runtime's runs; ratio = peer / m3sat)

Runs: m3sat 3 untimed and {rows[0]['m3sat']['runs'] if rows else 0} timed
runs (`m3sat-run --warmup 3 --repeat N`); the others up to 3 untimed runs,
then up to the same number of timed ones, at least 5, fewer when they
would take over 4 s.

- m3sat: the task binary (`m3sat-compile --tasks=TASK`, `m3sat-run`).
- PyTorch: the task's own forward, MoE layers sparse (only the selected
  experts over their own tokens, `bench/models.py`).
- ORT full: ONNX Runtime, default optimizations, the whole multi-task model
  (com.microsoft::MoE), the task's output fetched; ORT noopt: the same with
  graph optimizations disabled; ORT task: a graph holding only the task's
  output.
- OpenVINO: the whole model in standard ops (OpenVINO has no conversion for
  com.microsoft::MoE): every expert over every token, masked by the top-k
  routing weights.

{render(latency_table(rows, peak['fp32_peak_gflops']), True)}

p90 (ms); m3sat blocking+serial: of m3sat's timed runs, those whose
waiting threads blocked and those that ran on one thread (M3SAT_WAIT=adaptive,
M3SAT_WAIT_TRACE; the rest spun); "-": nothing traced, the task library has
no parallel region (m3sat-serial-small-tasks compiled the task to run on the
calling thread):

{render(p90_table(rows), True)}

### Max abs error against PyTorch

ORT computes com.microsoft::MoE's "gelu" with the tanh approximation
(PyTorch and m3sat use erf), hence its ~1e-4 with optimizations off.
{wrong_text}

{render(error_table(rows), True)}

### Peak RSS (MB)

Each runtime's process: gross, and in parentheses net of the runtime loaded
without a model (m3sat: m3sat-run's peak RSS on a 64x64 matrix product,
oneDNN's SGEMM loaded: {runtime_kb['threads'] / 1024:.1f} MB with the
product on the task's threads (the OpenMP runtime and its pool, as in a
task with parallel loops), {runtime_kb['serial'] / 1024:.1f} MB on the
calling thread, for the tasks marked "serial", which
m3sat-serial-small-tasks left without threads; peers: the
interpreter with the runtime imported and the inputs read). budget =
bundle + 2 x the largest live activation set + the runtime
(the same one), the live set being the planned arena from
`--report` plus the task's inputs and outputs ("I/O": buffers the caller
holds for the whole run, outside the arena); "act sum" is the sum of all
activation bytes in `--report`.

{render(rss_table(rows, runtime_kb), True)}

### Targets (issue 18)

{chr(10).join(f"- {verdict(ok)}: {text} ({detail})"
              for text, ok, detail in goals)}
"""
    update_results_md(path, text)


BEGIN, END = "<!-- bench/run_bench.py: begin -->", \
    "<!-- bench/run_bench.py: end -->"
OLD_SECTION = "## Benchmark: MoE layers, models, GEMMs"


def update_results_md(path, section):
    """Puts `section` between the markers in `path`, keeping the other
    sections (measured by other commands); the first time, in place of the
    older benchmark section, or at the top."""
    block = f"{BEGIN}\n{section.rstrip()}\n{END}\n"
    old = open(path).read() if os.path.exists(path) else ""
    if BEGIN in old and END in old:
        rest = old[old.index(END) + len(END):].lstrip("\n")
        new = old[:old.index(BEGIN)] + block + ("\n" + rest if rest else "")
    elif OLD_SECTION in old:
        start = old.index(OLD_SECTION)
        rest = old.find("\n## ", start + 1)
        new = old[:start] + block + ("\n" + old[rest + 1:]
                                     if rest >= 0 else "")
    elif old:
        lines = old.split("\n", 1)
        new = (lines[0] + "\n\n" + block + "\n" + lines[1].lstrip("\n")
               if lines[0].startswith("# ") else block + "\n" + old)
    else:
        new = "# Measured results\n\n" + block
    # The file's opening line names the benchmark's run: keep it true.
    new = re.sub(r"^Measured with `/usr/bin/python3 bench/run_bench.py "
                 r"build`[^\n]*\n",
                 "The benchmark section is written by `bench/run_bench.py` "
                 "(its latest full run); the other sections were measured "
                 "with the commands each names, on the dates given.\n",
                 new, count=1)
    with open(path, "w") as f:
        f.write(new)


# --- Main ------------------------------------------------------------------

def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--worker=torch":
        return torch_worker(sys.argv[2:])
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = [a for a in sys.argv[1:] if a.startswith("--")]
    known = ("--quick", "--micro", "--target=gpu", "--passive-wait")
    bad = [f for f in flags if f not in known and
           not f.startswith(("--results=", "--models=", "--batches="))]
    if len(args) != 1 or bad:
        print("usage: run_bench.py BUILD_DIR [--quick] [--micro] "
              "[--results=PATH] [--models=NAME,...] [--target=gpu]",
              file=sys.stderr)
        return 1
    build = os.path.abspath(args[0])
    quick = "--quick" in flags
    if "--passive-wait" in flags:
        # Threads that wait block instead of spinning: on a machine other
        # processes load, a spinning thread takes the core its partner
        # needs. libomp (m3sat), GNU OpenMP (PyTorch), ONNX Runtime's pool.
        RUN_ENV.update(KMP_BLOCKTIME="0", OMP_WAIT_POLICY="PASSIVE",
                       M3SAT_BENCH_NO_SPIN="1")
    work = os.path.join(build, "bench", "quick" if quick else "")
    os.makedirs(work, exist_ok=True)
    sys.path.insert(0, BENCH)
    if "--target=gpu" in flags:
        import micro
        return micro.gpu_main(build, os.path.join(work, "gpu"), quick)

    check = subprocess.run(["bash", os.path.join(ROOT, "scripts",
                                                  "setup-peers.sh"),
                            "--check"], capture_output=True, text=True,
                           env=dict(os.environ,
                                    M3SAT_PEER_PYTHON=PEER_PYTHON or ""))
    if check.returncode != 0:
        print(check.stderr.strip() or "run_bench: peers missing",
              file=sys.stderr)
        return 1
    if not os.access(TIME, os.X_OK):
        print(f"run_bench: {TIME} (GNU time, Debian package 'time') is "
              "needed to measure each process's peak RSS", file=sys.stderr)
        return 1
    import models

    started = time.time()
    info = machine_info()
    info["wait"] = (
        "passive (--passive-wait: KMP_BLOCKTIME=0 for m3sat's libomp, "
        "OMP_WAIT_POLICY=PASSIVE for PyTorch's OpenMP, ORT's intra-op pool "
        "without spinning; OpenVINO as it is)"
        if "--passive-wait" in flags else
        "each runtime's default (threads spin a while before they block; "
        "m3sat's default M3SAT_WAIT=adaptive tries blocking when a "
        "spinning run was preempted and slow, and keeps whichever of the "
        "two ran the task faster)")
    info["load_start"] = os.getloadavg()[0]
    print(f"machine: {info['cpu']}, {info['threads']} threads, "
          f"{' '.join(info['isa'])}; {info['date_utc']}; load "
          f"{info['load_start']:.2f}; peers via {PEER_PYTHON}")
    peak = measure_peak(work, quick)
    runtime_kb = runtime_rss(build, work)
    print(f"m3sat runtime alone: {runtime_text(runtime_kb)} peak RSS")

    repeat = 3 if quick else 20
    only = next((f.split("=", 1)[1].split(",") for f in flags
                 if f.startswith("--models=")), None)
    examples = [e for e in models.EXAMPLES if not only or e.name in only]
    batches = next(([int(b) for b in f.split("=", 1)[1].split(",")]
                    for f in flags if f.startswith("--batches=")),
                   [1] if quick else [1, 8])
    md = next((f.split("=", 1)[1] for f in flags
               if f.startswith("--results=")),
              os.path.join(work, "RESULTS.md") if quick else
              os.path.join(BENCH, "RESULTS.md"))
    rows = []
    # Batch 1 first (the targets' rows), every example, then batch 8.
    for batch in batches:
        for example in examples[:1] if quick else examples:
            case = os.path.join(work, f"{example.name}-b{batch}")
            model = models.prepare(example, case, batch, small=quick)
            for task in example.tasks[:1] if quick else example.tasks:
                row = bench_row(build, example, model, case, batch, task,
                                quick, repeat)
                rows.append(row)
                m = row["m3sat"]
                print(f"{example.name} {task} b{batch}: m3sat "
                      f"{m['median_ms']:.3f} ms (p90 {m['p90_ms']:.3f}), " +
                      ", ".join(f"{label} {fmt(row[k].get('median_ms'), '.3f', 'n/a')}"
                                for k, label in PEERS), flush=True)
                # What is measured so far, in case the run is cut short.
                info["load_end"] = os.getloadavg()[0]
                finish(work, md, info, peak, runtime_kb, rows, quick,
                       time.time() - started, printed=False)
    info["load_end"] = os.getloadavg()[0]
    goals = finish(work, md, info, peak, runtime_kb, rows, quick,
                   time.time() - started, printed=True)
    if "--micro" in flags:
        import micro
        results_path = os.path.join(work, "results.json")
        with open(results_path) as f:
            results = json.load(f)
        results.update(micro.run_all(build, work, peak, quick))
        with open(results_path, "w") as f:
            json.dump(results, f, indent=2)
    print(f"results: {os.path.join(work, 'results.json')}, {md}")
    return 0 if goals is not None else 1


def finish(work, md, info, peak, runtime_kb, rows, quick, elapsed, printed):
    """Writes results.json and RESULTS.md for the rows so far; prints the
    tables when `printed`. Returns the targets."""
    goals = targets(rows, peak["fp32_peak_gflops"], runtime_kb)
    if printed:
        print("\nlatency (ms, median; x = peer / m3sat)")
        print(render(latency_table(rows, peak["fp32_peak_gflops"]), False))
        print("\np90 (ms)")
        print(render(p90_table(rows), False))
        print("\nmax abs error against PyTorch")
        print(render(error_table(rows), False))
        print("\npeak RSS (MB)")
        print(render(rss_table(rows, runtime_kb), False))
        print("\ntargets")
        for text, ok, detail in goals:
            print(f"  {verdict(ok)}: {text} ({detail})")
    results = {"machine": info, "peak": peak, "runtime_rss_kb": runtime_kb,
               "rows": rows, "targets": [
                   {"target": t, "met": ok, "detail": d}
                   for t, ok, d in goals]}
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    write_results_md(md, info, peak, runtime_kb, rows, goals, quick,
                     elapsed)
    return goals


if __name__ == "__main__":
    sys.exit(main())
