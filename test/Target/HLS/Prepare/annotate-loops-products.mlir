// RUN: m3sat-opt %s --m3sat-hls-annotate-loops=unroll=4 | FileCheck %s --check-prefix=ALL
// RUN: m3sat-opt %s --m3sat-hls-annotate-loops="unroll=4 products-only=true" | FileCheck %s

// With products-only, --hls-unroll's factor goes to the loops that
// multiply-accumulate (the product of two loaded values added to a sum, or
// an fma of them) and not to a transpose's copy or a scaling by a
// constant; without it every pipelined loop whose trip count 4 divides is
// unrolled.
// CHECK-LABEL: func.func @kinds
// CHECK: memref.store %{{.*}}, %arg1[%{{.*}}, %{{.*}}] : memref<8x4xf32>
// CHECK-NEXT: } {m3sat.hls.pipeline_ii = 1 : i64}
// CHECK: arith.mulf %{{.*}}, %cst
// CHECK: } {m3sat.hls.pipeline_ii = 1 : i64}
// CHECK: arith.mulf
// CHECK-NEXT: arith.addf
// CHECK: } {m3sat.hls.pipeline_ii = 1 : i64, m3sat.hls.unroll = 4 : i64}
// CHECK: math.fma
// CHECK: } {m3sat.hls.pipeline_ii = 1 : i64, m3sat.hls.unroll = 4 : i64}
// ALL-LABEL: func.func @kinds
// ALL-COUNT-4: m3sat.hls.unroll = 4
func.func @kinds(%x: memref<4x8xf32>, %t: memref<8x4xf32>, %w: memref<8xf32>,
                 %s: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 0.5 : f32
  // A transpose: a copy.
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      memref.store %v, %t[%j, %i] : memref<8x4xf32>
    }
  }
  // A scaling by a constant, in place.
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %m = arith.mulf %v, %cst : f32
      memref.store %m, %x[%i, %j] : memref<4x8xf32>
    }
  }
  // A product with a weight vector: multiply-accumulate.
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %u = memref.load %w[%j] : memref<8xf32>
      %a = memref.load %s[%i] : memref<4xf32>
      %m = arith.mulf %v, %u : f32
      %b = arith.addf %a, %m : f32
      memref.store %b, %s[%i] : memref<4xf32>
    }
  }
  // The same as an fma.
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %u = memref.load %w[%j] : memref<8xf32>
      %a = memref.load %s[%i] : memref<4xf32>
      %b = math.fma %v, %u, %a : f32
      memref.store %b, %s[%i] : memref<4xf32>
    }
  }
  return
}
