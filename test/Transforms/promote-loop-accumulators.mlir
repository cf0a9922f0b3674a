// RUN: m3sat-opt %s -m3sat-promote-loop-accumulators -split-input-file -allow-unregistered-dialect | FileCheck %s
// RUN: m3sat-opt %s -m3sat-promote-loop-accumulators="distinct-arguments=true" -split-input-file -allow-unregistered-dialect | FileCheck %s --check-prefix=DISTINCT

// A matmul's reduction loop: the output (a buffer of the function) is
// loaded once before the k loop and stored once after it; the loop carries
// the sum.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<8x2xf32>
// CHECK: %[[C:.*]] = memref.alloc
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK: %[[INIT:.*]] = memref.load %[[C]][%[[I]], %[[J]]]
// CHECK: %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NOT: memref.store
// CHECK-NOT: memref.load %[[C]]
// CHECK: %[[NEXT:.*]] = arith.addf %[[ACC]], %{{.*}} : f32
// CHECK: scf.yield %[[NEXT]] : f32
// CHECK: }
// CHECK: memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x2xf32>) -> memref<4x2xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c = memref.alloc() : memref<4x2xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c2) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x8xf32>
      %y = memref.load %b[%k, %j] : memref<8x2xf32>
      %acc = memref.load %c[%i, %j] : memref<4x2xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %c[%i, %j] : memref<4x2xf32>
    }
    scf.reduce
  }
  return %c : memref<4x2xf32>
}

// -----

// A nest of two reduction loops, the outer one with a loop-carried value
// already, the update selected by a flag (as the grouped GEMM of a padded
// row does): the accumulator leaves the inner loop, then the outer one.
// Reads through a view of another allocation do not alias it.
// CHECK-LABEL: func @nest
// CHECK: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK: %[[INIT:.*]] = memref.load %[[C]][%{{.*}}]
// CHECK: %[[OUTER:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}, %[[ACC:.*]] = %[[INIT]]) -> (index, f32) {
// CHECK: %[[INNER:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ACC]]) -> (f32) {
// CHECK-NOT: memref.store
// CHECK: scf.yield
// CHECK: }
// CHECK: scf.yield %{{.*}}, %[[INNER]] : index, f32
// CHECK: }
// CHECK-NOT: memref.load %[[C]]
// CHECK: memref.store %[[OUTER]]#1, %[[C]][%{{.*}}]
func.func @nest(%i: index, %flag: i1) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c = memref.alloc() : memref<4xf32>
  %in = memref.alloc() : memref<3x3xf32>
  %flat = memref.collapse_shape %in [[0, 1]] : memref<3x3xf32> into memref<9xf32>
  %n = scf.for %p = %c0 to %c3 step %c1 iter_args(%count = %c0) -> (index) {
    scf.for %q = %c0 to %c3 step %c1 {
      %x = memref.load %in[%p, %q] : memref<3x3xf32>
      %y = memref.load %flat[%q] : memref<9xf32>
      %acc = memref.load %c[%i] : memref<4xf32>
      %s = arith.addf %acc, %x : f32
      %t = arith.addf %s, %y : f32
      %v = arith.select %flag, %t, %acc : f32
      memref.store %v, %c[%i] : memref<4xf32>
    }
    %next = arith.addi %count, %c1 : index
    scf.yield %next : index
  }
  "test.use"(%c) : (memref<4xf32>) -> ()
  return %n : index
}

// -----

// Another access to the same buffer in the loop (another element): no
// promotion.
// CHECK-LABEL: func @same_buffer
// CHECK: scf.for
// CHECK-NEXT: memref.load
// CHECK-NEXT: memref.load
// CHECK: memref.store
// CHECK-NEXT: }
func.func @same_buffer(%i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c = memref.alloc() : memref<4xf32>
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %c[%k] : memref<4xf32>
    %acc = memref.load %c[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %c[%i] : memref<4xf32>
  }
  "test.use"(%c) : (memref<4xf32>) -> ()
  return
}

// -----

// A view of the accumulator's buffer read in the loop may alias it.
// CHECK-LABEL: func @view_of_same_buffer
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: }
func.func @view_of_same_buffer(%i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c = memref.alloc() : memref<2x2xf32>
  %flat = memref.collapse_shape %c [[0, 1]] : memref<2x2xf32> into memref<4xf32>
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %flat[%k] : memref<4xf32>
    %acc = memref.load %c[%i, %i] : memref<2x2xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %c[%i, %i] : memref<2x2xf32>
  }
  "test.use"(%c) : (memref<2x2xf32>) -> ()
  return
}

// -----

// Two arguments of the function may alias each other: no promotion,
// unless written arguments are known to be buffers of their own.
// CHECK-LABEL: func @two_arguments
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: }
// DISTINCT-LABEL: func @two_arguments
// DISTINCT-SAME: %{{[^:]*}}: memref<4xf32>, %[[C:[^:]*]]: memref<4xf32>, %[[I:[^:]*]]: index)
// DISTINCT: %[[INIT:.*]] = memref.load %[[C]][%[[I]]]
// DISTINCT: %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (f32)
// DISTINCT-NOT: memref.store
// DISTINCT: }
// DISTINCT-NEXT: memref.store %[[SUM]], %[[C]][%[[I]]]
func.func @two_arguments(%a: memref<4xf32>, %c: memref<4xf32>, %i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %a[%k] : memref<4xf32>
    %acc = memref.load %c[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %c[%i] : memref<4xf32>
  }
  return
}

// -----

// The address changes with the loop (the index is the induction variable):
// no promotion.
// CHECK-LABEL: func @not_invariant
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: }
func.func @not_invariant(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c = memref.alloc() : memref<4xf32>
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %a[%k] : memref<4xf32>
    %acc = memref.load %c[%k] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %c[%k] : memref<4xf32>
  }
  "test.use"(%c) : (memref<4xf32>) -> ()
  return
}

// -----

// An op of unknown effects in the loop, a store before the load, and a
// loop that may run zero times: no promotion in any of them.
// CHECK-LABEL: func @unknown_effects
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: }
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: memref.load
// CHECK: }
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: }
func.func @unknown_effects(%a: memref<4xf32>, %i: index, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  %c = memref.alloc() : memref<4xf32>
  scf.for %k = %c0 to %c4 step %c1 {
    %acc = memref.load %c[%i] : memref<4xf32>
    "test.opaque"() : () -> ()
    %s = arith.addf %acc, %f : f32
    memref.store %s, %c[%i] : memref<4xf32>
  }
  scf.for %k = %c0 to %c4 step %c1 {
    memref.store %f, %c[%i] : memref<4xf32>
    %acc = memref.load %c[%i] : memref<4xf32>
    "test.use"(%acc) : (f32) -> ()
  }
  scf.for %k = %c0 to %n step %c1 {
    %x = memref.load %a[%k] : memref<4xf32>
    %acc = memref.load %c[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %c[%i] : memref<4xf32>
  }
  "test.use"(%c) : (memref<4xf32>) -> ()
  return
}

// -----

// A constant global is never written, so it is not the accumulator's
// buffer: reading it in the loop does not prevent the promotion.
// CHECK-LABEL: func @constant_global
// CHECK: %[[INIT:.*]] = memref.load
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (f32)
// CHECK-NOT: memref.store
// CHECK: }
// CHECK-NEXT: memref.store
memref.global "private" constant @weights : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>
func.func @constant_global(%i: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %w = memref.get_global @weights : memref<4xf32>
  %c = memref.alloc() : memref<4xf32>
  scf.for %k = %c0 to %c4 step %c1 {
    %x = memref.load %w[%k] : memref<4xf32>
    %acc = memref.load %c[%i] : memref<4xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %c[%i] : memref<4xf32>
  }
  "test.use"(%c) : (memref<4xf32>) -> ()
  return
}
