// RUN: m3sat-opt %s -m3sat-select-parallel-loops=min-iterations=100 | FileCheck %s

// A large outermost loop stays parallel, the loop inside it does not; a
// small loop and a loop nested in a sequential loop run sequentially unless
// they are large themselves.
// CHECK-LABEL: func @nests
// CHECK: scf.parallel (%{{.*}}, %{{.*}}) = {{.*}} to (%[[C16:.*]], %[[C16]])
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: memref.store
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step
// CHECK-NOT: scf.parallel
// CHECK: memref.store
// CHECK: scf.for
// CHECK: scf.parallel
// CHECK: return
func.func @nests(%m: memref<16x16xf32>, %v: memref<8xf32>, %big: memref<4x512xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c512 = arith.constant 512 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c16) step (%c1, %c1) {
    scf.parallel (%k) = (%c0) to (%c8) step (%c1) {
      memref.store %f, %v[%k] : memref<8xf32>
      scf.reduce
    }
    scf.reduce
  }
  scf.parallel (%a, %b) = (%c0, %c0) to (%c8, %c8) step (%c1, %c1) {
    memref.store %f, %m[%a, %b] : memref<16x16xf32>
    scf.reduce
  }
  scf.for %r = %c0 to %c4 step %c1 {
    scf.parallel (%s) = (%c0) to (%c512) step (%c1) {
      memref.store %f, %big[%r, %s] : memref<4x512xf32>
      scf.reduce
    }
  }
  return
}

// A kept loop shares only as many outer dimensions as give
// min-outer-iterations (default 64) iterations: here the first (128); the
// two inner ones run as scf.for inside it, the innermost contiguous.
// CHECK-LABEL: func @outer_dims
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%{{.*}}) step (%{{.*}}) {
// CHECK-NEXT: scf.for %[[J:.*]] =
// CHECK-NEXT: scf.for %[[K:.*]] =
// CHECK-NEXT: memref.store %{{.*}}, %{{.*}}[%[[I]], %[[J]], %[[K]]]
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @outer_dims(%m: memref<128x4x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %c128 = arith.constant 128 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c128, %c4, %c32) step (%c1, %c1, %c1) {
    memref.store %f, %m[%i, %j, %k] : memref<128x4x32xf32>
    scf.reduce
  }
  return
}
