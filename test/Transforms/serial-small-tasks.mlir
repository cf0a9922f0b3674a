// RUN: m3sat-opt %s -split-input-file -m3sat-serial-small-tasks="max-work=50000" | FileCheck %s
// RUN: m3sat-opt %s -split-input-file -m3sat-serial-small-tasks="max-work=0" | FileCheck %s --check-prefix=NONE
// RUN: m3sat-opt %s -split-input-file -m3sat-serial-small-tasks="max-work=50000" -m3sat-contractions-to-blas -m3sat-select-parallel-loops | FileCheck %s --check-prefix=LOOPS

// A task of a 32x32 fill (1024), 32x32x32 multiply-adds (32768), a
// parallel loop of 4096 stores and a 32x32 elementwise op (1024) in a loop
// of 4 trips: 41984 <= 50000, serial. Its product then calls one part in
// an scf.for (no m3sat_sgemm_parts), and its parallel loop, large enough
// for m3sat-select-parallel-loops to keep elsewhere, becomes an scf.for.
// CHECK-LABEL: func.func @small
// CHECK-SAME: m3sat.serial
// NONE-LABEL: func.func @small
// NONE-NOT: m3sat.serial
// LOOPS-LABEL: func.func @small
// LOOPS-NOT: m3sat_sgemm_parts
// LOOPS-NOT: scf.parallel
// LOOPS: scf.for
// LOOPS: call @m3sat_sgemm(
// LOOPS: scf.for
// LOOPS: memref.store
// LOOPS-NOT: scf.parallel
// LOOPS: return
func.func @small(%a: memref<32x32xf32>, %b: memref<32x32xf32>,
                 %c: memref<32x32xf32>, %flat: memref<4096xf32>) attributes {m3sat.task = "small"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<32x32xf32>)
  linalg.matmul ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>)
                outs(%c : memref<32x32xf32>)
  %c4096 = arith.constant 4096 : index
  scf.parallel (%j) = (%c0) to (%c4096) step (%c1) {
    memref.store %zero, %flat[%j] : memref<4096xf32>
    scf.reduce
  }
  scf.for %i = %c0 to %c4 step %c1 {
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                     affine_map<(d0, d1) -> (d0, d1)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%a : memref<32x32xf32>) outs(%c : memref<32x32xf32>) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      linalg.yield %s : f32
    }
  }
  return
}

// -----

// A fill, the product and 32 trips of the elementwise op: 1024 + 32768 +
// 32 x 1024 = 66560 > 50000, not serial; its product keeps its parts.
// CHECK-LABEL: func.func @large
// CHECK-NOT: m3sat.serial
// CHECK-SAME: {
// LOOPS-LABEL: func.func @large
// LOOPS: call @m3sat_sgemm_parts
// LOOPS: scf.parallel
// LOOPS: call @m3sat_sgemm
func.func @large(%a: memref<32x32xf32>, %b: memref<32x32xf32>,
                 %c: memref<32x32xf32>) attributes {m3sat.task = "large"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<32x32xf32>)
  linalg.matmul ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>)
                outs(%c : memref<32x32xf32>)
  scf.for %i = %c0 to %c32 step %c1 {
    linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                     affine_map<(d0, d1) -> (d0, d1)>],
                    iterator_types = ["parallel", "parallel"]}
        ins(%a : memref<32x32xf32>) outs(%c : memref<32x32xf32>) {
    ^bb0(%x: f32, %y: f32):
      %s = arith.addf %x, %y : f32
      linalg.yield %s : f32
    }
  }
  return
}

// -----

// Dynamic sizes count as unbounded work; so does a call of a function the
// module defines; a function that is no task is never marked.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT: m3sat.serial
// CHECK-SAME: {
// CHECK-LABEL: func.func @helper
// CHECK-NOT: m3sat.serial
// CHECK-SAME: {
// CHECK-LABEL: func.func @calls
// CHECK-NOT: m3sat.serial
// CHECK-SAME: {
func.func @dynamic(%a: memref<?x32xf32>, %c: memref<?x32xf32>)
    attributes {m3sat.task = "dynamic"} {
  linalg.copy ins(%a : memref<?x32xf32>) outs(%c : memref<?x32xf32>)
  return
}
func.func @helper(%c: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4xf32>)
  return
}
func.func @calls(%c: memref<4xf32>) attributes {m3sat.task = "calls"} {
  call @helper(%c) : (memref<4xf32>) -> ()
  return
}
