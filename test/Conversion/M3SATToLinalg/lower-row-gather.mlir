// RUN: m3sat-opt %s -m3sat-convert-to-linalg=moe-lowering=row-gather -split-input-file | FileCheck %s

// Routing: one generic parallel over (token, slot); each iteration runs the
// token's softmax and k selection loops and keeps its slot's pick.
// CHECK-LABEL: func @route
// CHECK-NOT: m3sat.
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME: outs(%{{.*}}, %{{.*}} : tensor<6x2xi64>, tensor<6x2xf32>)
// CHECK:   %[[T:.*]] = linalg.index 0
// CHECK:   %[[J:.*]] = linalg.index 1
// CHECK:   scf.for {{.*}} -> (f32)
// CHECK:     tensor.extract %{{.*}}[%[[T]], %{{.*}}] : tensor<6x4xf32>
// CHECK:     arith.maximumf
// CHECK:   math.exp
// CHECK-COUNT-2: scf.for {{.*}} -> (f32, index)
// CHECK:   arith.cmpi eq, %[[J]], %c1
// CHECK:   linalg.yield
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @route(%l: tensor<6x4xf32>) -> (tensor<6x2xi64>, tensor<6x2xf32>) {
  %i, %w = m3sat.route %l k = 2 : tensor<6x4xf32> -> tensor<6x2xi64>, tensor<6x2xf32>
  return %i, %w : tensor<6x2xi64>, tensor<6x2xf32>
}

// -----

// Dispatch: a counting sort of the 12 slot ids in chunks of 32 slots,
// every step a parallel loop nest (no loop over all slots in one
// iteration): each slot's expert by (chunk, slot), the counts per (chunk,
// expert), their prefix over chunks and over experts (the offsets), then
// each sorted position's slot found by searching (its expert among the
// offsets, its chunk, its rank in the chunk); the rows gathered in
// parallel.
// CHECK-LABEL: func @dispatch
// CHECK-NOT: m3sat.
// CHECK: %[[BYCHUNK:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<1x32xi64>)
// CHECK: %[[COUNTS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[BYCHUNK]] : tensor<1x32xi64>) outs(%{{.*}} : tensor<1x4xi64>)
// CHECK: %[[STARTS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<1x4xi64>)
// CHECK:   scf.for {{.*}} to %c1 {{.*}} -> (i64)
// CHECK:     tensor.extract %[[COUNTS]]
// CHECK: %[[OFFSETS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%[[COUNTS]] : tensor<1x4xi64>) outs(%{{.*}} : tensor<5xi64>)
// CHECK: %[[PERM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]} outs(%{{.*}} : tensor<12xi64>)
// CHECK:   scf.for {{.*}} to %c5 {{.*}} -> (i64)
// CHECK:     tensor.extract %[[OFFSETS]]
// CHECK:   scf.for {{.*}} to %c1 {{.*}} -> (i64)
// CHECK:     tensor.extract %[[COUNTS]]
// CHECK:     tensor.extract %[[STARTS]]
// CHECK:   scf.for {{.*}} to %c32 {{.*}} -> (i64, i64)
// CHECK:     tensor.extract %[[BYCHUNK]]
// CHECK: %[[SORTED:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[PERM]] : tensor<12xi64>) outs(%{{.*}} : tensor<12x8xf32>)
// CHECK:   arith.divui
// CHECK:   tensor.extract %{{.*}} : tensor<6x8xf32>
// CHECK: return %[[SORTED]], %[[PERM]], %[[OFFSETS]]
func.func @dispatch(%x: tensor<6x8xf32>, %i: tensor<6x2xi64>)
    -> (tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>) {
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4
      : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
  return %s, %p, %o : tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
}

// -----

// The grouped matmul: no loop over experts. Each row's group from the
// offsets (a reduction over the 5 offsets, parallel over the 12 rows), -1
// outside every group; the bias of the row's expert; one contraction over
// (row, column, k) reading the weights at the row's expert.
// CHECK-LABEL: func @grouped_matmul
// CHECK-SAME: (%[[A:[^:]*]]: tensor<12x8xf32>, %[[W:[^:]*]]: tensor<4x16x8xf32>, %[[O:[^:]*]]: tensor<5xi64>, %[[B:[^:]*]]: tensor<4x16xf32>)
// CHECK-NOT: scf.for
// CHECK: %[[COUNT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[O]] : tensor<5xi64>) outs(%{{.*}} : tensor<12xi64>)
// CHECK:   arith.cmpi sle
// CHECK: %[[EXPERT:.*]] = linalg.generic {{.*}} ins(%[[COUNT]] : tensor<12xi64>)
// CHECK:   arith.select %{{.*}}, %{{.*}}, %c-1_i64
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} ins(%[[EXPERT]] : tensor<12xi64>) outs(%{{.*}} : tensor<12x16xf32>)
// CHECK:   tensor.extract %[[B]]
// CHECK: %[[OUT:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[EXPERT]] : tensor<12x8xf32>, tensor<12xi64>) outs(%[[INIT]] : tensor<12x16xf32>)
// CHECK:   %[[N:.*]] = linalg.index 1
// CHECK:   %[[K:.*]] = linalg.index 2
// CHECK:   tensor.extract %[[W]][%{{.*}}, %[[N]], %[[K]]] : tensor<4x16x8xf32>
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: return %[[OUT]]
func.func @grouped_matmul(%a: tensor<12x8xf32>, %w: tensor<4x16x8xf32>,
    %o: tensor<5xi64>, %b: tensor<4x16xf32>) -> tensor<12x16xf32> {
  %r = m3sat.grouped_matmul %a, %w, %o bias %b
      : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>, tensor<4x16xf32>) -> tensor<12x16xf32>
  return %r : tensor<12x16xf32>
}

// -----

// Weights that come as the transpose of (in, out) weights
// (m3sat-transpose-expert-weights) are read from those at [e, k, n]; the
// transpose is not computed.
// CHECK-LABEL: func @grouped_matmul_in_out
// CHECK-SAME: %[[WT:[^:]*]]: tensor<4x8x16xf32>
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:   %[[N:.*]] = linalg.index 1
// CHECK:   %[[K:.*]] = linalg.index 2
// CHECK:   tensor.extract %[[WT]][%{{.*}}, %[[K]], %[[N]]] : tensor<4x8x16xf32>
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @grouped_matmul_in_out(%a: tensor<12x8xf32>, %wt: tensor<4x8x16xf32>,
    %o: tensor<5xi64>) -> tensor<12x16xf32> {
  %init = tensor.empty() : tensor<4x16x8xf32>
  %w = linalg.transpose ins(%wt : tensor<4x8x16xf32>) outs(%init : tensor<4x16x8xf32>) permutation = [0, 2, 1]
  %r = m3sat.grouped_matmul %a, %w, %o
      : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>) -> tensor<12x16xf32>
  return %r : tensor<12x16xf32>
}

// -----

// Combine: the permutation inverted in parallel over the 12 slots (each
// searching the 12 positions), then each token's row computed once from its
// 2 slots' sorted rows.
// CHECK-LABEL: func @combine
// CHECK-SAME: (%[[ROWS:[^:]*]]: tensor<12x8xf32>, %[[P:[^:]*]]: tensor<12xi64>
// CHECK-NOT: scf.for
// CHECK: %[[POS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[P]] : tensor<12xi64>) outs(%{{.*}} : tensor<12xi64>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<6x8xf32>)
// CHECK-COUNT-2: tensor.extract %[[ROWS]]
// CHECK-NOT: tensor.insert
// CHECK: return
func.func @combine(%r: tensor<12x8xf32>, %p: tensor<12xi64>, %w: tensor<6x2xf32>) -> tensor<6x8xf32> {
  %y = m3sat.combine %r, %p, %w : tensor<12x8xf32>, tensor<12xi64>, tensor<6x2xf32> -> tensor<6x8xf32>
  return %y : tensor<6x8xf32>
}

// -----

// The default stays the loop form.
// RUN: m3sat-opt %s -m3sat-convert-to-linalg -split-input-file | FileCheck %s --check-prefix=LOOPS
// LOOPS-LABEL: func @grouped_matmul_default
// LOOPS: scf.for {{.*}} -> (tensor<12x16xf32>)
func.func @grouped_matmul_default(%a: tensor<12x8xf32>, %w: tensor<4x16x8xf32>,
    %o: tensor<5xi64>) -> tensor<12x16xf32> {
  %r = m3sat.grouped_matmul %a, %w, %o
      : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>) -> tensor<12x16xf32>
  return %r : tensor<12x16xf32>
}
