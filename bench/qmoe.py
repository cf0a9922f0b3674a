#!/usr/bin/env python3
"""One token-routed com.microsoft::QMoE layer, m3sat against ONNX Runtime
side by side: the same ONNX file compiled by m3sat-compile and run by
m3sat-run, and run by ONNX Runtime (CPU EP) with the same thread count;
also the float32 com.microsoft::MoE of the same (dequantized) weights in
m3sat, for what the dequantization costs. Prints min / median of each and
the max abs difference of the outputs (m3sat vs ORT).

Default case: E=16 experts, D=384, H=1536, T=197 tokens, top-2, relu,
4-bit codes with one scale per block of 32 columns (implied zero points).
Uses the python3 that has onnxruntime and onnx (scripts/setup-peers.sh).

Usage: qmoe.py BUILD_DIR [--threads=N] [--repeat=N] [--bits=4|8]
               [--block=32 (0: per row)] [--zero-points] [--keep=DIR]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

E, D, H, T, K = 16, 384, 1536, 197, 2


def quantize(rng, shape, bits, block, zero_points):
    """Codes packed as ORT stores them (lower nibble first), scales, packed
    zero points (or None) and the float32 weights they stand for."""
    e, r, c = shape
    codes = rng.integers(0, 1 << bits, shape)
    groups = c // block if block else 1
    scales = (rng.uniform(0.5, 1.5, (e, r, groups)) * c ** -0.5 /
              (1 << (bits - 1))).astype(np.float32)
    zeros = (rng.integers(0, 1 << bits, (e, r, groups)) if zero_points else
             np.full((e, r, groups), 1 << (bits - 1)))
    width = block if block else c
    weights = ((codes - np.repeat(zeros, width, axis=2)) *
               np.repeat(scales, width, axis=2)).astype(np.float32)

    def pack(values):
        if bits == 8:
            return values.astype(np.uint8)
        return (values[..., 0::2] | (values[..., 1::2] << 4)).astype(np.uint8)

    packed_zeros = None
    if zero_points:
        packed_zeros = pack(zeros if block else zeros[..., 0].reshape(e, r))
    return pack(codes), scales if block else scales[..., 0], packed_zeros, \
        weights


def make_models(out, bits, block, zero_points):
    rng = np.random.default_rng(7)
    q1, s1, z1, w1 = quantize(rng, (E, H, D), bits, block, zero_points)
    q2, s2, z2, w2 = quantize(rng, (E, D, H), bits, block, zero_points)
    x = rng.standard_normal((T, D)).astype(np.float32)
    logits = (rng.standard_normal((T, E)) * 1.5).astype(np.float32)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "logits.npy"), logits)
    attrs = {"k": K, "activation_type": "relu",
             "normalize_routing_weights": 1}

    def save(name, op, inputs, inits, extra):
        node = helper.make_node(op, inputs, ["y"], name=f"/{name}/{op}",
                                domain="com.microsoft", **attrs, **extra)
        graph = helper.make_graph(
            [node], name,
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [T, D]),
             helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                           [T, E])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [T, D])],
            [numpy_helper.from_array(v, n) for n, v in inits.items()])
        model = helper.make_model(graph, ir_version=10, opset_imports=[
            helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft",
                                                             1)])
        onnx.save(model, os.path.join(out, name + ".onnx"))

    inits = {"w1": q1, "s1": s1, "w2": q2, "s2": s2}
    names = ["x", "logits", "w1", "s1", "", "w2", "s2"]
    if zero_points:
        inits.update(z1=z1, z2=z2)
        names += ["", "", "", "", "z1", "z2"]
    extra = {"expert_weight_bits": bits}
    if block:
        extra["block_size"] = block
    save("qmoe", "QMoE", names, inits, extra)
    # The float layer: weights [E, out, in] as the QMoE codes are.
    save("moe", "MoE", ["x", "logits", "w1", "", "w2"],
         {"w1": w1, "w2": w2}, {})


def m3sat(build, out, name, threads, repeat):
    bundle = os.path.join(out, name)
    subprocess.run([os.path.join(build, "bin", "m3sat-compile"),
                    os.path.join(out, name + ".onnx"), "--parallel",
                    "-o", bundle], check=True, capture_output=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    res = subprocess.run(
        [os.path.join(build, "bin", "m3sat-run"), bundle,
         "--input", "x=" + os.path.join(out, "x.npy"),
         "--input", "logits=" + os.path.join(out, "logits.npy"),
         "--output-dir", os.path.join(bundle, "res"),
         "--warmup=3", f"--repeat={repeat}"],
        check=True, capture_output=True, text=True, env=env).stdout
    stats = re.search(r"min ([\d.]+) median ([\d.]+)", res)
    y = np.load(os.path.join(bundle, "res", "y.npy"))
    return float(stats.group(1)), float(stats.group(2)), y


def ort(out, threads, repeat):
    import onnxruntime as rt
    options = rt.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = rt.InferenceSession(os.path.join(out, "qmoe.onnx"), options,
                                  providers=["CPUExecutionProvider"])
    feeds = {"x": np.load(os.path.join(out, "x.npy")),
             "logits": np.load(os.path.join(out, "logits.npy"))}
    for _ in range(3):
        y = session.run(["y"], feeds)[0]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        session.run(["y"], feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return min(times), float(np.median(times)), y, rt.__version__


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--bits", type=int, default=4, choices=[4, 8])
    parser.add_argument("--block", type=int, default=32)
    parser.add_argument("--zero-points", action="store_true")
    parser.add_argument("--keep", help="keep models and bundles here")
    args = parser.parse_args()
    out = args.keep or tempfile.mkdtemp(prefix="m3sat-qmoe-")
    os.makedirs(out, exist_ok=True)
    make_models(out, args.bits, args.block, args.zero_points)
    print(f"QMoE E={E} D={D} H={H} T={T} top-{K}, {args.bits}-bit, "
          f"{'block ' + str(args.block) if args.block else 'per-row'} "
          f"scales{', zero points' if args.zero_points else ''}; "
          f"{args.threads} thread(s), {args.repeat} runs; load "
          f"{os.getloadavg()[0]:.2f}")
    q_min, q_med, q_y = m3sat(os.path.abspath(args.build), out, "qmoe",
                              args.threads, args.repeat)
    f_min, f_med, f_y = m3sat(os.path.abspath(args.build), out, "moe",
                              args.threads, args.repeat)
    o_min, o_med, o_y, version = ort(out, args.threads, args.repeat)
    print(f"m3sat QMoE    min {q_min:8.3f} median {q_med:8.3f} ms")
    print(f"m3sat f32 MoE min {f_min:8.3f} median {f_med:8.3f} ms")
    print(f"ORT {version} QMoE min {o_min:8.3f} median {o_med:8.3f} ms")
    print(f"m3sat QMoE / ORT (min): {q_min / o_min:.2f}; max abs diff "
          f"m3sat-ORT {np.abs(q_y - o_y).max():.3g}, QMoE-f32 "
          f"{np.abs(q_y - f_y).max():.3g}")


if __name__ == "__main__":
    sys.exit(main())
