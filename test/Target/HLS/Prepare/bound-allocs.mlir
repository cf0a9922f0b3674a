// RUN: m3sat-opt %s --split-input-file --m3sat-hls-bound-allocs --verify-diagnostics | FileCheck %s

// A buffer sized by a routing count clamped to [0, 12] gets 12 rows; its
// dim is the count it was allocated with.
// CHECK-LABEL: func.func @group
// CHECK-SAME: (%[[COUNTS:.*]]: memref<4xi64>, %[[OUT:.*]]: memref<12x32xf32>)
// CHECK: %[[N:.*]] = arith.minsi
// CHECK: %[[BUF:.*]] = memref.alloc() {alignment = 64 : i64} : memref<12x32xf32>
// CHECK-NOT: memref.dim
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[N]]
// CHECK: memref.store %{{.*}}, %[[BUF]][%{{.*}}, %{{.*}}] : memref<12x32xf32>
// CHECK: memref.load %[[BUF]][%{{.*}}, %{{.*}}] : memref<12x32xf32>
func.func @group(%counts: memref<4xi64>, %out: memref<12x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c32 = arith.constant 32 : index
  %one = arith.constant 1.0 : f32
  %count = memref.load %counts[%c0] : memref<4xi64>
  %raw = arith.index_cast %count : i64 to index
  %low = arith.maxsi %raw, %c0 : index
  %n = arith.minsi %low, %c12 : index
  %buf = memref.alloc(%n) {alignment = 64 : i64} : memref<?x32xf32>
  %rows = memref.dim %buf, %c0 : memref<?x32xf32>
  scf.for %i = %c0 to %rows step %c1 {
    scf.for %j = %c0 to %c32 step %c1 {
      memref.store %one, %buf[%i, %j] : memref<?x32xf32>
      %v = memref.load %buf[%i, %j] : memref<?x32xf32>
      memref.store %v, %out[%i, %j] : memref<12x32xf32>
    }
  }
  return
}

// -----

func.func @unbounded(%counts: memref<4xindex>) {
  %c0 = arith.constant 0 : index
  %n = memref.load %counts[%c0] : memref<4xindex>
  // expected-error @+1 {{'memref.alloc' op has a dynamic size without a known upper bound}}
  %buf = memref.alloc(%n) : memref<?xf32>
  return
}

// -----

func.func @escapes(%n: index) -> memref<?xf32> {
  %c8 = arith.constant 8 : index
  %m = arith.minui %n, %c8 : index
  %buf = memref.alloc(%m) : memref<?xf32>
  // expected-error @+1 {{'func.return' op uses a dynamically sized buffer in a way HLS C++ cannot size statically}}
  return %buf : memref<?xf32>
}
