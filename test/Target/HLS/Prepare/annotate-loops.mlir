// RUN: m3sat-opt %s --m3sat-hls-annotate-loops | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-annotate-loops=ii=3 | FileCheck %s --check-prefix=II3

// Only the innermost loop of each nest is pipelined; a loop that asks for
// an II keeps it.
// CHECK-LABEL: func.func @nest
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.store
// CHECK-NEXT: } {m3sat.hls.pipeline_ii = 1 : i64}
// CHECK-NEXT: }
// CHECK-NOT: m3sat.hls.pipeline_ii
// CHECK: scf.for
// CHECK: } {m3sat.hls.pipeline_ii = 4 : i64}
// II3: } {m3sat.hls.pipeline_ii = 3 : i64}
// II3: } {m3sat.hls.pipeline_ii = 4 : i64}
func.func @nest(%m: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %zero, %m[%i, %j] : memref<4x8xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %zero, %m[%i, %c0] : memref<4x8xf32>
  } {m3sat.hls.pipeline_ii = 4 : i64}
  return
}
