// RUN: m3sat-opt %s -m3sat-gpu-tile-parallel-loops=block-size=256 | FileCheck %s
// RUN: m3sat-opt %s -m3sat-gpu-tile-parallel-loops=block-size=256 -gpu-map-parallel-loops=mapping-policy=innermost-first -convert-parallel-loops-to-gpu -canonicalize | FileCheck %s --check-prefix=LAUNCH

// The innermost dimension (64) takes 64 threads, the next one the remaining
// 4: blocks of 64x4 threads with an in-bounds check, a grid of 1x8 blocks
// (30 rows in tiles of 4).
// CHECK-LABEL: func @rows
// CHECK: scf.parallel ({{.*}}) = ({{.*}}) to ({{.*}}) step (%[[S0:.*]], %[[S1:.*]]) {
// CHECK-NEXT: scf.parallel ({{.*}}) = ({{.*}}) to (%[[S0]], %[[S1]])
// CHECK: scf.if
// CHECK: memref.store
// LAUNCH-LABEL: func @rows
// LAUNCH-DAG: %[[C1:.*]] = arith.constant 1 : index
// LAUNCH-DAG: %[[C4:.*]] = arith.constant 4 : index
// LAUNCH-DAG: %[[C8:.*]] = arith.constant 8 : index
// LAUNCH-DAG: %[[C64:.*]] = arith.constant 64 : index
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C1]], {{.*}} = %[[C8]], {{.*}} = %[[C1]]) threads({{.*}}) in ({{.*}} = %[[C64]], {{.*}} = %[[C4]], {{.*}} = %[[C1]])
func.func @rows(%m: memref<30x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c30 = arith.constant 30 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c30, %c64) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<30x64xf32>
    scf.reduce
  }
  return
}

// A long innermost dimension fills the whole block by itself: blocks of
// 256 threads, a grid of 4x3.
// LAUNCH-LABEL: func @long
// LAUNCH-DAG: %[[C1:.*]] = arith.constant 1 : index
// LAUNCH-DAG: %[[C3:.*]] = arith.constant 3 : index
// LAUNCH-DAG: %[[C4:.*]] = arith.constant 4 : index
// LAUNCH-DAG: %[[C256:.*]] = arith.constant 256 : index
// LAUNCH: gpu.launch blocks({{.*}}) in ({{.*}} = %[[C4]], {{.*}} = %[[C3]], {{.*}} = %[[C1]]) threads({{.*}}) in ({{.*}} = %[[C256]], {{.*}} = %[[C1]], {{.*}} = %[[C1]])
func.func @long(%m: memref<3x1000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c1000 = arith.constant 1000 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c1000) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<3x1000xf32>
    scf.reduce
  }
  return
}

// Dynamic bounds: left alone.
// CHECK-LABEL: func @dynamic
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @dynamic(%m: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %f, %m[%i] : memref<?xf32>
    scf.reduce
  }
  return
}
