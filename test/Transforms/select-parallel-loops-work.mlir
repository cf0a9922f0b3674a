// RUN: m3sat-opt %s -m3sat-select-parallel-loops="min-iterations=4096 min-work=16384 min-shared-iterations=32" | FileCheck %s

// Below min-iterations, a loop is still shared among threads when its
// iterations together load and store min-work elements (vector accesses
// count their lanes, inner loops their trips): a row loop of LayerNorm
// over 128 rows of 192 channels (128 x 12 x 2 x 16 elements) is shared;
// the same loop storing one element per row is not, nor a loop of fewer
// than min-shared-iterations rows however much each row does.
// CHECK-LABEL: func @rows
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[C128:.*]]) step
// CHECK-NEXT: scf.for
// CHECK: vector.load
// CHECK: vector.store
// CHECK: scf.reduce
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @rows(%x: memref<128x192xf32>, %y: memref<128x192xf32>,
                %s: memref<128xf32>, %few: memref<16x4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c128 = arith.constant 128 : index
  %c192 = arith.constant 192 : index
  %c4096 = arith.constant 4096 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%r) = (%c0) to (%c128) step (%c1) {
    scf.for %c = %c0 to %c192 step %c16 {
      %v = vector.load %x[%r, %c] : memref<128x192xf32>, vector<16xf32>
      vector.store %v, %y[%r, %c] : memref<128x192xf32>, vector<16xf32>
    }
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c128) step (%c1) {
    memref.store %f, %s[%r] : memref<128xf32>
    scf.reduce
  }
  scf.parallel (%r) = (%c0) to (%c16) step (%c1) {
    scf.for %c = %c0 to %c4096 step %c1 {
      memref.store %f, %few[%r, %c] : memref<16x4096xf32>
    }
    scf.reduce
  }
  return
}
