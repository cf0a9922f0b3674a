// RUN: m3sat-opt %s -m3sat-gpu-reductions-innermost -split-input-file | FileCheck %s

// A matmul in the CPU's order (i, k, j) gets its reduction innermost
// again: (i, j, k). The indexing maps follow.
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @matmul
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[C]]], iterator_types = ["parallel", "parallel", "reduction"]}
#x = affine_map<(i, k, j) -> (i, k)>
#w = affine_map<(i, k, j) -> (k, j)>
#c = affine_map<(i, k, j) -> (i, j)>
func.func @matmul(%x: memref<4x8xf32>, %w: memref<8x2xf32>, %c: memref<4x2xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #c],
                  iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %w : memref<4x8xf32>, memref<8x2xf32>) outs(%c : memref<4x2xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Parallel loops keep their order, and so do reductions: (k, j, l, i)
// becomes (j, i, k, l); linalg.index follows the loop it names (j is now
// loop 0, k loop 2). A generic whose reductions are already innermost is
// left as it is.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d2, d0, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d0)>
// CHECK-DAG: #[[D0:.*]] = affine_map<(d0, d1, d2, d3) -> (d0)>
// CHECK-DAG: #[[D2:.*]] = affine_map<(d0, d1, d2, d3) -> (d2)>
// CHECK-LABEL: func @index
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK: %[[J:.*]] = affine.apply #[[D0]](
// CHECK: %[[K:.*]] = affine.apply #[[D2]](
// CHECK: arith.addi %[[J]], %[[K]]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
#in = affine_map<(k, j, l, i) -> (i, k, j, l)>
#out = affine_map<(k, j, l, i) -> (i, j)>
#in2 = affine_map<(i, k) -> (i, k)>
#out2 = affine_map<(i, k) -> (i)>
func.func @index(%x: memref<2x3x4x5xi64>, %y: memref<2x4xi64>, %z: memref<2x3xi64>, %s: memref<2xi64>) {
  linalg.generic {indexing_maps = [#in, #out],
                  iterator_types = ["reduction", "parallel", "reduction", "parallel"]}
      ins(%x : memref<2x3x4x5xi64>) outs(%y : memref<2x4xi64>) {
  ^bb0(%a: i64, %acc: i64):
    %j = linalg.index 1 : index
    %k = linalg.index 0 : index
    %jk = arith.addi %j, %k : index
    %v = arith.index_cast %jk : index to i64
    %t = arith.addi %a, %v : i64
    %r = arith.addi %acc, %t : i64
    linalg.yield %r : i64
  }
  linalg.generic {indexing_maps = [#in2, #out2],
                  iterator_types = ["parallel", "reduction"]}
      ins(%z : memref<2x3xi64>) outs(%s : memref<2xi64>) {
  ^bb0(%a: i64, %acc: i64):
    %r = arith.addi %acc, %a : i64
    linalg.yield %r : i64
  }
  return
}
