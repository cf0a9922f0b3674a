#!/usr/bin/env python3
"""Writes an MLIR test program that runs one m3sat MoE op on seeded random
data and checks it against a NumPy implementation of DESIGN.md's semantics.

The program's @main calls the op's function, then prints the number of
elements outside rtol/atol of the NumPy reference (expected: 0) and the
largest absolute error. Usage: moe_reference.py CASE OUT.mlir
"""
import math
import sys

import numpy as np

RTOL, ATOL = 1e-4, 1e-5


def route(logits, k, normalize):
    """Softmax over all experts, top-k (ties to the lower index)."""
    z = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)
    # A stable sort of -p keeps the lower index first on ties.
    idx = np.argsort(-p, axis=-1, kind="stable")[..., :k]
    w = np.take_along_axis(p, idx, axis=-1)
    if normalize:
        w = w / w.sum(axis=-1, keepdims=True)
    return idx, w


def act(x, kind):
    if kind == "relu":
        return np.maximum(x, 0)
    if kind == "gelu":
        erf = np.vectorize(math.erf)
        return 0.5 * x * (1 + erf(x / math.sqrt(2)))
    if kind == "silu":
        return x / (1 + np.exp(-x))
    return x


def moe_ffn(x, idx, w, w1, b1, w2, b2, kind):
    flat = x.reshape(-1, x.shape[-1])
    idx = idx.reshape(flat.shape[0], -1)
    w = w.reshape(flat.shape[0], -1)
    out = np.zeros_like(flat, dtype=np.float64)
    for t in range(flat.shape[0]):
        for j in range(idx.shape[1]):
            e = idx[t, j]
            h = act(w1[e] @ flat[t] + b1[e], kind)
            out[t] += w[t, j] * (w2[e] @ h + b2[e])
    return out.reshape(x.shape)


def moe_attention(x, idx, w, wq, wk, wv, wo, bo, scale):
    B, S, D = x.shape
    K = x @ wk.T
    V = x @ wv.T
    out = np.zeros_like(x, dtype=np.float64)
    for b in range(B):
        for t in range(S):
            for j in range(idx.shape[-1]):
                e = idx[b, t, j]
                q = wq[e] @ x[b, t]
                s = scale * (K[b] @ q)
                p = np.exp(s - s.max())
                p /= p.sum()
                out[b, t] += w[b, t, j] * (wo[e] @ (p @ V[b]))
    return out + bo


def dense(a):
    """MLIR dense literal of an array (float32 or int64)."""
    if a.dtype == np.int64:
        body = np.array2string(a, separator=", ", threshold=1 << 30)
    else:
        body = np.array2string(a.astype(np.float32), separator=", ",
                               threshold=1 << 30, floatmode="unique")
    return body.replace("\n", "")


def ttype(a):
    elt = "i64" if a.dtype == np.int64 else "f32"
    return "tensor<" + "x".join(str(d) for d in a.shape) + "x" + elt + ">"


CHECKER = """
  %zero = arith.constant 0 : i64
  %fzero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<i64>
  %count0 = linalg.fill ins(%zero : i64) outs(%init : tensor<i64>) -> tensor<i64>
  %finit = tensor.empty() : tensor<f32>
  %max0 = linalg.fill ins(%fzero : f32) outs(%finit : tensor<f32>) -> tensor<f32>
  %count, %max = linalg.generic {{indexing_maps = [{imap}, {imap}, {smap}, {smap}],
      iterator_types = [{iters}]}}
      ins(%y, %ref : {ty}, {ty}) outs(%count0, %max0 : tensor<i64>, tensor<f32>) {{
  ^bb0(%a: f32, %b: f32, %c: i64, %m: f32):
    %d = arith.subf %a, %b : f32
    %ad = math.absf %d : f32
    %ab = math.absf %b : f32
    %rtol = arith.constant {rtol} : f32
    %atol = arith.constant {atol} : f32
    %tol0 = arith.mulf %ab, %rtol : f32
    %tol = arith.addf %tol0, %atol : f32
    %ok = arith.cmpf ole, %ad, %tol : f32
    %one = arith.constant 1 : i64
    %c0 = arith.constant 0 : i64
    %inc = arith.select %ok, %c0, %one : i64
    %c1 = arith.addi %c, %inc : i64
    %m1 = arith.maximumf %m, %ad : f32
    linalg.yield %c1, %m1 : i64, f32
  }} -> (tensor<i64>, tensor<f32>)
  %n = tensor.extract %count[] : tensor<i64>
  %e = tensor.extract %max[] : tensor<f32>
  vector.print str "violations = "
  vector.print %n : i64
  vector.print str "max_abs_error = "
  vector.print %e : f32
  return
}}
"""


def program(func, args, y, ref):
    """@main: constants for args, call @func, compare with ref."""
    lines = [func,
             "func.func @main() {"]
    names = []
    for i, a in enumerate(args):
        lines.append(f"  %a{i} = arith.constant dense<{dense(a)}> : {ttype(a)}")
        names.append(f"%a{i}")
    ty = ttype(ref.astype(np.float32))
    lines.append(f"  %ref = arith.constant dense<{dense(ref.astype(np.float32))}> : {ty}")
    lines.append(f"  %y = call @moe({', '.join(names)}) : "
                 f"({', '.join(ttype(a) for a in args)}) -> {ty}")
    rank = ref.ndim
    dims = ", ".join(f"d{i}" for i in range(rank))
    imap = f"affine_map<({dims}) -> ({dims})>"
    smap = f"affine_map<({dims}) -> ()>"
    iters = ", ".join(['"reduction"'] * rank)
    lines.append(CHECKER.format(imap=imap, smap=smap, iters=iters, ty=ty,
                                rtol=f"{RTOL:e}", atol=f"{ATOL:e}"))
    return "\n".join(lines)


STATIC = False


def logits_arg(logits):
    """Token-routed cases pass the logits in; static cases define them."""
    return "" if STATIC else f"%l: {ttype(logits)}, "


def logits_const(logits):
    if not STATIC:
        return ""
    return f"  %l = arith.constant dense<{dense(logits)}> : {ttype(logits)}\n"


def dynamic_logits(logits):
    return [] if STATIC else [logits]


def main():
    global STATIC
    case, out = sys.argv[1], sys.argv[2]
    STATIC = case.endswith("-static")
    rng = np.random.default_rng(1234)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32) * 0.5
    if case.startswith("ffn"):
        # ffn-dynamic: token routing; ffn-static: one constant logit row for
        # every token (canonicalized to a static expert set first);
        # ffn-ties: tied logits (ties go to the lower index), renormalized;
        # ffn-all: k = E, every expert for every token.
        B, S, D, E, H, k = 2, 5, 8, 4, 16, 2
        kind = {"ffn-dynamic": "gelu", "ffn-static": "silu",
                "ffn-ties": "relu", "ffn-all": "identity"}[case]
        x = f32(B, S, D)
        normalize = case in ("ffn-static", "ffn-ties")
        if case == "ffn-static":
            logits = np.broadcast_to(f32(E) * 4, (B, S, E)).copy()
        else:
            logits = f32(B, S, E) * 4
        if case == "ffn-ties":
            logits[0, 0] = [0.0, 0.0, 0.0, 0.0]
            logits[0, 1] = [1.0, 2.0, 2.0, 2.0]
            logits[1, 2] = [3.0, -1.0, 3.0, 3.0]
        if case == "ffn-all":
            k = E
        w1, b1, w2, b2 = f32(E, H, D), f32(E, H), f32(E, D, H), f32(E, D)
        idx, w = route(logits.astype(np.float64), k, normalize)
        ref = moe_ffn(x.astype(np.float64), idx, w, w1, b1, w2, b2, kind)
        norm = " normalize" if normalize else ""
        tys = [ttype(a) for a in (x, logits, w1, b1, w2, b2)]
        func = (f"func.func @moe(%x: {tys[0]}, {logits_arg(logits)}%w1: {tys[2]}, "
                f"%b1: {tys[3]}, %w2: {tys[4]}, %b2: {tys[5]}) -> {tys[0]} {{\n"
                f"{logits_const(logits)}"
                f"  %y = m3sat.moe_ffn %x routed by %l fc1(%w1, %b1) "
                f"fc2(%w2, %b2) k = {k} activation = {kind}{norm} : "
                f"({', '.join(tys)}) -> {tys[0]}\n  return %y : {tys[0]}\n}}")
        args = [x] + dynamic_logits(logits) + [w1, b1, w2, b2]
    elif case.startswith("attention"):
        B, S, D, E, Dh, k = 2, 6, 8, 3, 4, 2
        x = f32(B, S, D)
        if case == "attention-dynamic":
            logits = f32(B, S, E) * 4
            normalize = True
        else:
            logits = np.broadcast_to(f32(E) * 4, (B, S, E)).copy()
            normalize = False
        wq, wk, wv, wo, bo = f32(E, Dh, D), f32(Dh, D), f32(Dh, D), f32(E, D, Dh), f32(D)
        scale = 0.3
        idx, w = route(logits.astype(np.float64), k, normalize)
        ref = moe_attention(x.astype(np.float64), idx, w, wq, wk, wv, wo, bo,
                            scale)
        norm = " normalize" if normalize else ""
        tys = [ttype(a) for a in (x, logits, wq, wk, wv, wo, bo)]
        func = (f"func.func @moe(%x: {tys[0]}, {logits_arg(logits)}%wq: {tys[2]}, "
                f"%wk: {tys[3]}, %wv: {tys[4]}, %wo: {tys[5]}, %bo: {tys[6]}) "
                f"-> {tys[0]} {{\n"
                f"{logits_const(logits)}"
                f"  %y = m3sat.moe_attention %x routed by %l q(%wq) "
                f"kv(%wk, %wv) o(%wo, %bo) k = {k}{norm} scale = {scale} : "
                f"({', '.join(tys)}) -> {tys[0]}\n  return %y : {tys[0]}\n}}")
        args = [x] + dynamic_logits(logits) + [wq, wk, wv, wo, bo]
    else:
        sys.exit(f"unknown case {case}")
    with open(out, "w") as f:
        f.write(program(func, args, None, ref) + "\n")


if __name__ == "__main__":
    main()
