#!/usr/bin/env python3
"""Runs one ONNX model on one peer runtime and times it, in a process of its
own so that its peak RSS is that runtime's alone. Uses the `python3` first
on PATH (ONNX Runtime 1.31.1 and OpenVINO 2026.4.1, installed by
scripts/setup-peers.sh), not Debian's /usr/bin/python3.

Usage: peer_worker.py RUNTIME MODEL.onnx OUTPUT RESULT_DIR THREADS REPEAT
                      NAME=FILE.npy...
RUNTIME: ort (CPU EP, default optimizations), ort-noopt (all graph
optimizations off) or openvino (CPU, latency hint). THREADS: intra-op
threads (M3SAT_BENCH_NO_SPIN=1: ORT's pool does not spin). Runs up to 3
warm-up runs, then up to REPEAT timed ones (at least
5; fewer than REPEAT when they would take over 4 s); writes
RESULT_DIR/OUTPUT.npy and prints one JSON line: latencies (ms), the RSS after
importing the runtime and reading the inputs (kB; peak RSS minus this is the
runtime's net RSS) and the runtime's version.
"""
import json
import os
import sys
import time

import numpy as np


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def timed_runs(run, repeat, budget_s=4.0):
    """Up to 3 warm-up runs (fewer when a run takes over a second), then
    REPEAT timed runs, fewer (at least 5) when they would take longer than
    `budget_s`. Returns the last result and the latencies in ms."""
    for _ in range(3):
        start = time.perf_counter()
        result = run()
        took = time.perf_counter() - start
        if took > 1.0:
            break
    count = max(5, min(repeat, int(budget_s / max(took, 1e-6))))
    latencies = []
    for _ in range(count):
        start = time.perf_counter()
        result = run()
        latencies.append((time.perf_counter() - start) * 1e3)
    return result, latencies


def main():
    runtime, model, output, result_dir, threads, repeat = sys.argv[1:7]
    threads, repeat = int(threads), int(repeat)
    feed = {}
    for spec in sys.argv[7:]:
        name, path = spec.split("=", 1)
        feed[name] = np.load(path)
    if runtime in ("ort", "ort-noopt"):
        import onnxruntime as ort
        version = ort.__version__
        baseline = rss_kb()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        if os.environ.get("M3SAT_BENCH_NO_SPIN") == "1":
            options.add_session_config_entry(
                "session.intra_op.allow_spinning", "0")
        if runtime == "ort-noopt":
            options.graph_optimization_level = \
                ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        session = ort.InferenceSession(model, options,
                                       providers=["CPUExecutionProvider"])
        names = {i.name for i in session.get_inputs()}
        feed = {k: v for k, v in feed.items() if k in names}
        run = lambda: session.run([output], feed)[0]
    elif runtime == "openvino":
        import openvino as ov
        version = ov.__version__.split("-")[0]
        baseline = rss_kb()
        core = ov.Core()
        compiled = core.compile_model(
            core.read_model(model), "CPU",
            {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
             "INFERENCE_PRECISION_HINT": "f32"})
        request = compiled.create_infer_request()
        names = {n for i in compiled.inputs for n in i.get_names()}
        feed = {k: v for k, v in feed.items() if k in names}
        port = compiled.output(output)
        run = lambda: request.infer(feed)[port]
    else:
        print(f"peer_worker: unknown runtime '{runtime}'", file=sys.stderr)
        return 1
    result, latencies = timed_runs(run, repeat)
    os.makedirs(result_dir, exist_ok=True)
    np.save(os.path.join(result_dir, output + ".npy"), np.asarray(result))
    print(json.dumps({"latencies_ms": latencies, "baseline_rss_kb": baseline,
                      "version": version}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
