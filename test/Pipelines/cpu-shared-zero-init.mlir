// RUN: m3sat-opt %s --m3sat-cpu-pipeline=blas=true --mlir-print-ir-after=m3sat-contractions-to-blas -o /dev/null 2>&1 | FileCheck %s

// One zero fill shared by two products (one-shot bufferization's copies of
// it): each product overwrites its C (accumulate argument 0, BLAS beta 0),
// with no copy and no fill left, also with the activation arena planned
// (which holds the first product alone, not the zero buffer).
// CHECK-LABEL: func.func @task_t
// CHECK-SAME: m3sat.arena_bytes = 16384
// CHECK-NOT: memref.copy
// CHECK-NOT: linalg.generic
// CHECK: func.call @m3sat_sgemm({{(%[^,]+, ){11}%c0(_[0-9]+)?}}, %
// CHECK-NOT: memref.copy
// CHECK: func.call @m3sat_sgemm({{(%[^,]+, ){11}%c0(_[0-9]+)?}}, %
// CHECK-NOT: memref.copy
func.func @task_t(%x: memref<64x64xf32> {m3sat.name = "x"}, %w: memref<64x64xf32> {m3sat.name = "w"}, %y: memref<64x64xf32> {m3sat.name = "y"}) attributes {m3sat.task = "t"} {
  %zero = arith.constant 0.0 : f32
  %z = memref.alloc() {alignment = 64 : i64} : memref<64x64xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<64x64xf32>)
  %a = memref.alloc() {alignment = 64 : i64} : memref<64x64xf32>
  memref.copy %z, %a : memref<64x64xf32> to memref<64x64xf32>
  linalg.matmul ins(%x, %w : memref<64x64xf32>, memref<64x64xf32>) outs(%a : memref<64x64xf32>)
  memref.copy %z, %y : memref<64x64xf32> to memref<64x64xf32>
  linalg.matmul ins(%a, %w : memref<64x64xf32>, memref<64x64xf32>) outs(%y : memref<64x64xf32>)
  return
}
