// RUN: m3sat-opt %s -m3sat-forward-fills -split-input-file -allow-unregistered-dialect | FileCheck %s

// A zero fill shared by two products: the copy for the first becomes a
// fill of its own buffer; the filled buffer, still written in place by the
// second, stays.
// CHECK-LABEL: func @shared_zero
// CHECK: %[[Z:.*]] = memref.alloc
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[Z]]
// CHECK: %[[C:.*]] = memref.alloc
// CHECK-NOT: memref.copy
// CHECK: linalg.fill ins(%{{.*}} : f32) outs(%[[C]]
// CHECK: "test.write"(%[[C]])
// CHECK: "test.write"(%[[Z]])
func.func @shared_zero() {
  %f = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<4x8xf32>
  linalg.fill ins(%f : f32) outs(%z : memref<4x8xf32>)
  %c = memref.alloc() : memref<4x8xf32>
  memref.copy %z, %c : memref<4x8xf32> to memref<4x8xf32>
  "test.write"(%c) : (memref<4x8xf32>) -> ()
  "test.write"(%z) : (memref<4x8xf32>) -> ()
  return
}

// -----

// A fill that only feeds copies disappears, with its buffer; the fill as a
// linalg.generic that yields an outer value counts too.
// CHECK-LABEL: func @only_copied
// CHECK-NOT: memref.copy
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK: linalg.generic {{.*}} outs(%[[A]] : memref<8xf32>)
// CHECK: %[[B:.*]] = memref.alloc() : memref<8xf32>
// CHECK: linalg.generic {{.*}} outs(%[[B]] : memref<8xf32>)
// CHECK-NOT: memref.alloc
// CHECK: return
#id = affine_map<(i) -> (i)>
func.func @only_copied(%v: f32) -> (memref<8xf32>, memref<8xf32>) {
  %z = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]} outs(%z : memref<8xf32>) {
  ^bb0(%o: f32):
    linalg.yield %v : f32
  }
  %a = memref.alloc() : memref<8xf32>
  memref.copy %z, %a : memref<8xf32> to memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  memref.copy %z, %b : memref<8xf32> to memref<8xf32>
  memref.dealloc %z : memref<8xf32>
  return %a, %b : memref<8xf32>, memref<8xf32>
}

// -----

// Written between the fill and the copy: the copy must stay.
// CHECK-LABEL: func @written_between
// CHECK: memref.copy
func.func @written_between() {
  %f = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<4xf32>
  linalg.fill ins(%f : f32) outs(%z : memref<4xf32>)
  "test.write"(%z) : (memref<4xf32>) -> ()
  %c = memref.alloc() : memref<4xf32>
  memref.copy %z, %c : memref<4xf32> to memref<4xf32>
  "test.write"(%c) : (memref<4xf32>) -> ()
  return
}

// -----

// linalg.fill generalized (linalg-generalize-named-ops): its scalar arrives
// as the one input, mapped to no dimension, and is yielded as is.
// CHECK-LABEL: func @generalized_fill
// CHECK-NOT: memref.copy
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0 : f32) outs(%[[A]] : memref<8xf32>)
// CHECK-NOT: memref.alloc
// CHECK: return %[[A]]
#scalar = affine_map<(i) -> ()>
#vec = affine_map<(i) -> (i)>
func.func @generalized_fill(%v: f32) -> memref<8xf32> {
  %z = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#scalar, #vec], iterator_types = ["parallel"]} ins(%v : f32) outs(%z : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %a = memref.alloc() : memref<8xf32>
  memref.copy %z, %a : memref<8xf32> to memref<8xf32>
  return %a : memref<8xf32>
}

// -----

// A generic with one input that computes (here: yields its output) is no
// fill: the copy stays.
// CHECK-LABEL: func @not_a_fill
// CHECK: memref.copy
#scalar2 = affine_map<(i) -> ()>
#vec2 = affine_map<(i) -> (i)>
func.func @not_a_fill(%v: f32) -> memref<8xf32> {
  %z = memref.alloc() : memref<8xf32>
  linalg.generic {indexing_maps = [#scalar2, #vec2], iterator_types = ["parallel"]} ins(%v : f32) outs(%z : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %out : f32
  }
  %a = memref.alloc() : memref<8xf32>
  memref.copy %z, %a : memref<8xf32> to memref<8xf32>
  return %a : memref<8xf32>
}
