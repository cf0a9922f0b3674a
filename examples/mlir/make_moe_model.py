#!/usr/bin/env python3
"""Writes a two-task MoE model as MLIR (the form the ONNX importer produces:
@main with m3sat.name attributes, m3sat metadata, weights as constants),
a seeded input and NumPy reference outputs, for the m3sat-compile +
m3sat-run end-to-end tests.

Task 'routed': token-routed MoE FFN (logits = x . Wg), top-2, GELU.
Task 'static': task-level routing (one constant logit row for every token),
top-2, renormalized, SiLU. Both layers share their expert weights.
Also writes the weights as weights.npz (for the benchmarks).
Usage: make_moe_model.py OUT_DIR [TOKENS DIM HIDDEN EXPERTS]
(default 6 16 32 4; weights are stored inline, so keep benchmark sizes
moderate)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
from moe_reference import dense, moe_ffn, route, ttype  # noqa: E402


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    S, D, H, E = (int(v) for v in sys.argv[2:6]) if len(sys.argv) > 2 else (
        6, 16, 32, 4)
    rng = np.random.default_rng(7)

    def f32(*shape, std=0.5):
        return (rng.standard_normal(shape) * std).astype(np.float32)

    B, k = 1, 2
    x = f32(B, S, D, std=1.0)
    wg = f32(D, E, std=2 * D ** -0.5)
    task_logits = f32(E, std=2.0)
    # Weights scaled by fan-in, as trained layers are: outputs stay O(1).
    w1, b1 = f32(E, H, D, std=D ** -0.5), f32(E, H, std=0.1)
    w2, b2 = f32(E, D, H, std=H ** -0.5), f32(E, D, std=0.1)

    logits = x @ wg
    idx, w = route(logits.astype(np.float64), k, False)
    routed = moe_ffn(x.astype(np.float64), idx, w, w1, b1, w2, b2, "gelu")
    static_logits = np.broadcast_to(task_logits, (B, S, E))
    idx, w = route(static_logits.astype(np.float64), k, True)
    static = moe_ffn(x.astype(np.float64), idx, w, w1, b1, w2, b2, "silu")

    meta = {"version": 1,
            "tasks": {"routed": {"index": 0, "outputs": ["y_routed"]},
                      "static": {"index": 1, "outputs": ["y_static"]}}}
    meta_text = json.dumps(meta).replace('"', '\\"')
    tx, tl = ttype(x), f"tensor<{B}x{S}x{E}xf32>"
    ffn_types = f"{ttype(w1)}, {ttype(b1)}, {ttype(w2)}, {ttype(b2)}"
    program = f"""module attributes {{m3sat.metadata = "{meta_text}"}} {{
  func.func @main(%x: {tx} {{m3sat.name = "x"}})
      -> ({tx} {{m3sat.name = "y_routed"}}, {tx} {{m3sat.name = "y_static"}}) {{
    %wg = arith.constant dense<{dense(wg)}> : {ttype(wg)}
    %w1 = arith.constant dense<{dense(w1)}> : {ttype(w1)}
    %b1 = arith.constant dense<{dense(b1)}> : {ttype(b1)}
    %w2 = arith.constant dense<{dense(w2)}> : {ttype(w2)}
    %b2 = arith.constant dense<{dense(b2)}> : {ttype(b2)}
    %task = arith.constant dense<{dense(task_logits)}> : {ttype(task_logits)}
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : {tl}
    %acc = linalg.fill ins(%zero : f32) outs(%e : {tl}) -> {tl}
    %logits = linalg.generic {{indexing_maps = [
        affine_map<(b, s, e, d) -> (b, s, d)>, affine_map<(b, s, e, d) -> (d, e)>,
        affine_map<(b, s, e, d) -> (b, s, e)>],
        iterator_types = ["parallel", "parallel", "parallel", "reduction"]}}
        ins(%x, %wg : {tx}, {ttype(wg)}) outs(%acc : {tl}) {{
      ^bb0(%a: f32, %b: f32, %c: f32):
        %m = arith.mulf %a, %b : f32
        %s = arith.addf %c, %m : f32
        linalg.yield %s : f32
    }} -> {tl}
    %routed = m3sat.moe_ffn %x routed by %logits fc1(%w1, %b1) fc2(%w2, %b2)
        k = {k} activation = gelu : ({tx}, {tl}, {ffn_types}) -> {tx}
    %e2 = tensor.empty() : {tl}
    %tl = linalg.broadcast ins(%task : {ttype(task_logits)}) outs(%e2 : {tl}) dimensions = [0, 1]
    %static = m3sat.moe_ffn %x routed by %tl fc1(%w1, %b1) fc2(%w2, %b2)
        k = {k} activation = silu normalize : ({tx}, {tl}, {ffn_types}) -> {tx}
    return %routed, %static : {tx}, {tx}
  }}
}}
"""
    with open(os.path.join(out, "model.mlir"), "w") as f:
        f.write(program)
    np.save(os.path.join(out, "x.npy"), x)
    np.savez(os.path.join(out, "weights.npz"), wg=wg, task_logits=task_logits,
             w1=w1, b1=b1, w2=w2, b2=b2)
    np.save(os.path.join(out, "ref_routed.npy"), routed.astype(np.float32))
    np.save(os.path.join(out, "ref_static.npy"), static.astype(np.float32))
    # Bad inputs for the error tests.
    np.save(os.path.join(out, "x_f64.npy"), x.astype(np.float64))
    np.save(os.path.join(out, "x_short.npy"), x[:, :5])


if __name__ == "__main__":
    main()
