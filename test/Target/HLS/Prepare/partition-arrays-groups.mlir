// RUN: m3sat-opt %s --m3sat-hls-annotate-loops --m3sat-hls-partition-arrays | FileCheck %s

// A pipelined loop that writes a group of four elements per iteration,
// 4 i + j (the explicit lanes of the shared linear unit), through a flat
// view of its array: four ports a cycle, the array is split cyclically by
// 4 along its last dimension (16 a multiple of 4), also when a call passes
// the view to the function whose loop it is.
// CHECK-LABEL: func.func @groups
// CHECK: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<2x16xf32>
// A last dimension (6) that is not a multiple of 4: its banks would not be
// the lanes', so it is not split.
// CHECK: memref.alloc() : memref<8x6xf32>
// CHECK-LABEL: func.func private @lanes
func.func @groups() {
  %a = memref.alloc() : memref<2x16xf32>
  %b = memref.alloc() : memref<8x6xf32>
  %fa = memref.reinterpret_cast %a to offset: [0], sizes: [32], strides: [1] : memref<2x16xf32> to memref<32xf32>
  %fb = memref.reinterpret_cast %b to offset: [0], sizes: [32], strides: [1] : memref<8x6xf32> to memref<32xf32>
  call @lanes(%fa) : (memref<32xf32>) -> ()
  call @lanes(%fb) : (memref<32xf32>) -> ()
  return
}
func.func private @lanes(%x: memref<32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %one = arith.constant 1.0 : f32
  scf.for %g = %c0 to %c6 step %c1 {
    %base = arith.muli %g, %c4 : index
    %i1 = arith.addi %base, %c1 : index
    %i2 = arith.addi %base, %c2 : index
    %i3 = arith.addi %base, %c3 : index
    memref.store %one, %x[%base] : memref<32xf32>
    memref.store %one, %x[%i1] : memref<32xf32>
    memref.store %one, %x[%i2] : memref<32xf32>
    memref.store %one, %x[%i3] : memref<32xf32>
  }
  return
}
