// RUN: m3sat-opt %s -m3sat-vectorize-elementwise -split-input-file | FileCheck %s
// RUN: m3sat-opt %s -m3sat-vectorize-elementwise="width=8 max-reduction=32" -split-input-file | FileCheck %s --check-prefix=SMALL

// GELU with a bias broadcast along the rows: tiles of 16 along the
// contiguous dim, one scf.parallel over (rows, tiles), 1-D vector loads and
// stores, the bias loaded once per tile, erf on vectors.
// CHECK-LABEL: func @gelu_bias
// CHECK-NOT: linalg.generic
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) = (%c0, %c0) to (%c4, %c64) step (%c1, %c16)
// CHECK-DAG: vector.load {{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// CHECK-DAG: vector.load {{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK: math.erf {{.*}} : vector<16xf32>
// CHECK: vector.store {{.*}} : memref<16xf32, {{.*}}>, vector<16xf32>
// SMALL-LABEL: func @gelu_bias
// SMALL: scf.parallel {{.*}} step (%c1, %c8)
// SMALL: math.erf {{.*}} : vector<8xf32>
#id = affine_map<(m, n) -> (m, n)>
#col = affine_map<(m, n) -> (n)>
func.func @gelu_bias(%x: memref<4x64xf32>, %b: memref<64xf32>, %y: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<4x64xf32>, memref<64xf32>) outs(%y : memref<4x64xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    %e = math.erf %s : f32
    linalg.yield %e : f32
  }
  return
}

// -----

// A row reduction (a layer norm's sum) keeps the row whole: one vector per
// row, reduced as a tree (reassoc).
// CHECK-LABEL: func @row_sum
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4) step (%c1)
// CHECK: %[[ROW:.*]] = vector.load {{.*}} : memref<48xf32, {{.*}}>, vector<48xf32>
// CHECK: vector.reduction <add>, %[[ROW]], %{{.*}} fastmath<reassoc,contract> : vector<48xf32> into f32
// A row longer than max-reduction stays a linalg op.
// SMALL-LABEL: func @row_sum
// SMALL: linalg.generic
// SMALL-NOT: vector.reduction
#id = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (m)>
func.func @row_sum(%x: memref<4x48xf32>, %s: memref<4xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x48xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o fastmath<reassoc, contract> : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// The fill of a row reduction's output, just before it and observed by
// nothing else, moves into the row loop: one store of the fill value per
// row, read back as the row's accumulator. A fill that another op reads
// before the reduction stays (and is vectorized on its own).
// CHECK-LABEL: func @row_sum_fill
// CHECK-NOT: linalg.generic
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4) step (%c1)
// CHECK: memref.store %[[ZERO]], %{{.*}}[%c0] : memref<1xf32, {{.*}}>
// CHECK: vector.reduction <add>
// CHECK-NOT: scf.parallel
// CHECK: return
// CHECK-LABEL: func @row_sum_fill_observed
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4) step (%c4)
// CHECK: vector.store
// CHECK: memref.copy
// CHECK: scf.parallel (%{{.*}}) = (%c0) to (%c4) step (%c1)
// CHECK-NOT: memref.store
// CHECK: vector.reduction <add>
#id = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (m)>
#vec = affine_map<(m) -> (m)>
func.func @row_sum_fill(%x: memref<4x48xf32>, %s: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#vec], iterator_types = ["parallel"]}
      outs(%s : memref<4xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  }
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x48xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o fastmath<reassoc, contract> : f32
    linalg.yield %r : f32
  }
  return
}
func.func @row_sum_fill_observed(%x: memref<4x48xf32>, %s: memref<4xf32>,
                                 %t: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.generic {indexing_maps = [#vec], iterator_types = ["parallel"]}
      outs(%s : memref<4xf32>) {
  ^bb0(%o: f32):
    linalg.yield %zero : f32
  }
  memref.copy %s, %t : memref<4xf32> to memref<4xf32>
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x48xf32>) outs(%s : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o fastmath<reassoc, contract> : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Left for the loop lowering: a transposing read, booleans (a memref of i1
// holds bytes, a vector of i1 bits), an innermost dim no width divides, and
// a dynamic shape.
// CHECK-LABEL: func @not_vectorized
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: vector.
#id = affine_map<(m, n) -> (m, n)>
#t = affine_map<(m, n) -> (n, m)>
func.func @not_vectorized(%x: memref<16x16xf32>, %y: memref<16x16xf32>,
                          %p: memref<4x32xi1>, %q: memref<4x32xi1>,
                          %u: memref<4x6xf32>, %d: memref<?x32xf32>) {
  linalg.generic {indexing_maps = [#t, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<16x16xf32>) outs(%y : memref<16x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%p : memref<4x32xi1>) outs(%q : memref<4x32xi1>) {
  ^bb0(%a: i1, %o: i1):
    %true = arith.constant true
    %n = arith.xori %a, %true : i1
    linalg.yield %n : i1
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%u : memref<4x6xf32>) {
  ^bb0(%o: f32):
    %e = math.exp %o : f32
    linalg.yield %e : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%d : memref<?x32xf32>) {
  ^bb0(%o: f32):
    %e = math.exp %o : f32
    linalg.yield %e : f32
  }
  return
}
