#!/usr/bin/env python3
"""Writes an MLIR program that runs one attention block in the importer's
form (tosa.matmul Q K^T, the scale, the softmax along the keys as
reduce_max/sub/exp/reduce_sum and a division generic, tosa.matmul with V)
on seeded random data and compares every element with NumPy's float64
result: it prints `violations = N` (elements off by more than
atol + rtol * |ref|) and `max_abs_error = E`.
Usage: make_attention_case.py OUT.mlir [HEADS TOKENS DEPTH]"""
import sys

import numpy as np

RTOL, ATOL = 1e-5, 1e-6


def dense(a):
    return np.array2string(a.astype(np.float32), separator=", ",
                           threshold=1 << 30,
                           floatmode="unique").replace("\n", "")


def main():
    out = sys.argv[1]
    heads, tokens, depth = (int(v) for v in sys.argv[2:5]) \
        if len(sys.argv) > 2 else (2, 197, 64)
    rng = np.random.default_rng(21)
    q = rng.standard_normal((heads, tokens, depth)).astype(np.float32)
    k = rng.standard_normal((heads, tokens, depth)).astype(np.float32)
    v = rng.standard_normal((heads, tokens, depth)).astype(np.float32)
    scale = np.float32(depth ** -0.5)
    kt = np.ascontiguousarray(k.transpose(0, 2, 1))
    s = (q.astype(np.float64) @ kt.astype(np.float64)) * float(scale)
    p = np.exp(s - s.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    ref = p @ v.astype(np.float64)

    h, t, d = heads, tokens, depth
    qt = f"tensor<{h}x{t}x{d}xf32>"
    ktt = f"tensor<{h}x{d}x{t}xf32>"
    st = f"tensor<{h}x{t}x{t}xf32>"
    s4 = f"tensor<1x{h}x{t}x{t}xf32>"
    r4 = f"tensor<1x{h}x{t}x1xf32>"
    text = f"""
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
#all = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#none = affine_map<(d0, d1, d2) -> ()>
func.func @attention(%q: {qt}, %kt: {ktt}, %v: {qt}) -> {qt} {{
  %zp = "tosa.const"() <{{values = dense<0.0> : tensor<1xf32>}}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{{values = dense<0> : tensor<1xi8>}}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{{values = dense<{float(scale)!r}> : tensor<1x1x1x1xf32>}}> : () -> tensor<1x1x1x1xf32>
  %shape4 = tosa.const_shape {{values = dense<[1, {h}, {t}, {t}]> : tensor<4xindex>}} : () -> !tosa.shape<4>
  %shape3 = tosa.const_shape {{values = dense<[{h}, {t}, {t}]> : tensor<3xindex>}} : () -> !tosa.shape<3>
  %0 = tosa.matmul %q, %kt, %zp, %zp : ({qt}, {ktt}, tensor<1xf32>, tensor<1xf32>) -> {st}
  %1 = tosa.reshape %0, %shape4 : ({st}, !tosa.shape<4>) -> {s4}
  %2 = tosa.mul %1, %scale, %shift : ({s4}, tensor<1x1x1x1xf32>, tensor<1xi8>) -> {s4}
  %3 = tosa.reduce_max %2 {{axis = 3 : i32}} : ({s4}) -> {r4}
  %4 = tosa.sub %2, %3 : ({s4}, {r4}) -> {s4}
  %5 = tosa.exp %4 : ({s4}) -> {s4}
  %6 = tosa.reduce_sum %5 {{axis = 3 : i32}} : ({s4}) -> {r4}
  %7 = tensor.empty() : {s4}
  %8 = linalg.generic {{indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}} ins(%5, %6 : {s4}, {r4}) outs(%7 : {s4}) {{
  ^bb0(%in: f32, %sum: f32, %out: f32):
    %d = arith.divf %in, %sum : f32
    linalg.yield %d : f32
  }} -> {s4}
  %9 = tosa.reshape %8, %shape3 : ({s4}, !tosa.shape<3>) -> {st}
  %10 = tosa.matmul %9, %v, %zp, %zp : ({st}, {qt}, tensor<1xf32>, tensor<1xf32>) -> {qt}
  return %10 : {qt}
}}

func.func @main() {{
  %q = arith.constant dense<{dense(q)}> : {qt}
  %kt = arith.constant dense<{dense(kt)}> : {ktt}
  %v = arith.constant dense<{dense(v)}> : {qt}
  %ref = arith.constant dense<{dense(ref)}> : {qt}
  %y = call @attention(%q, %kt, %v) : ({qt}, {ktt}, {qt}) -> {qt}
  %izero = arith.constant 0 : i64
  %fzero = arith.constant 0.0 : f32
  %ce = tensor.empty() : tensor<i64>
  %c0 = linalg.fill ins(%izero : i64) outs(%ce : tensor<i64>) -> tensor<i64>
  %me = tensor.empty() : tensor<f32>
  %m0 = linalg.fill ins(%fzero : f32) outs(%me : tensor<f32>) -> tensor<f32>
  %count, %max = linalg.generic {{indexing_maps = [#all, #all, #none, #none], iterator_types = ["reduction", "reduction", "reduction"]}} ins(%y, %ref : {qt}, {qt}) outs(%c0, %m0 : tensor<i64>, tensor<f32>) {{
  ^bb0(%got: f32, %want: f32, %n: i64, %m: f32):
    %diff = arith.subf %got, %want : f32
    %err = math.absf %diff : f32
    %mag = math.absf %want : f32
    %rtol = arith.constant {RTOL:e} : f32
    %atol = arith.constant {ATOL:e} : f32
    %rel = arith.mulf %mag, %rtol : f32
    %tol = arith.addf %rel, %atol : f32
    %bad = arith.cmpf ogt, %err, %tol : f32
    %badi = arith.extui %bad : i1 to i64
    %n1 = arith.addi %n, %badi : i64
    %m1 = arith.maximumf %m, %err : f32
    linalg.yield %n1, %m1 : i64, f32
  }} -> (tensor<i64>, tensor<f32>)
  %violations = tensor.extract %count[] : tensor<i64>
  %error = tensor.extract %max[] : tensor<f32>
  vector.print str "violations = "
  vector.print %violations : i64
  vector.print str "max_abs_error = "
  vector.print %error : f32
  return
}}
"""
    with open(out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()
