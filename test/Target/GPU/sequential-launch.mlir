// RUN: m3sat-opt %s -split-input-file -m3sat-gpu-sequential-launch | FileCheck %s

// A loop over tokens with a data-dependent body runs in a kernel of one
// thread; the parallel loop inside it becomes an scf.for nest. The top-level
// parallel loop and the allocation stay on the host, and the buffer the
// sequential loop needs is allocated before its kernel.
// CHECK-LABEL: func @token_loop
// CHECK: scf.parallel
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[ONE]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]]) threads({{.*}}) in ({{.*}} = %[[ONE]], {{.*}} = %[[ONE]], {{.*}} = %[[ONE]])
// CHECK: scf.for
// CHECK: memref.load
// CHECK: scf.for
// CHECK-NOT: scf.parallel
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK: return
func.func @token_loop(%idx: memref<8xi64>, %x: memref<8x4xf32>, %out: memref<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c8, %c4) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<8x4xf32>
    memref.store %v, %out[%i, %j] : memref<8x4xf32>
    scf.reduce
  }
  %tmp = memref.alloc() : memref<4xf32>
  scf.for %t = %c0 to %c8 step %c1 {
    %e = memref.load %idx[%t] : memref<8xi64>
    %row = arith.index_cast %e : i64 to index
    scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
      %v = memref.load %x[%row, %j] : memref<8x4xf32>
      memref.store %v, %tmp[%j] : memref<4xf32>
      memref.store %v, %out[%t, %j] : memref<8x4xf32>
      scf.reduce
    }
  }
  return
}

// -----

// A scalar read from a buffer and everything up to its last user run
// together on the device: the host never sees the value.
// CHECK-LABEL: func @scalar_use
// CHECK: gpu.launch
// CHECK: memref.load
// CHECK-NOT: scf.parallel
// CHECK: scf.for
// CHECK: gpu.terminator
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @scalar_use(%s: memref<f32>, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %v = memref.load %s[] : memref<f32>
  scf.parallel (%i) = (%c0) to (%c16) step (%c1) {
    memref.store %v, %out[%i] : memref<16xf32>
    scf.reduce
  }
  return
}

// -----

// A copy between whole buffers stays on the host (it becomes gpu.memcpy);
// a copy into a strided view does not.
// CHECK-LABEL: func @copies
// CHECK-NEXT: memref.copy %{{.*}}, %{{.*}} : memref<4xf32> to memref<4xf32>
// CHECK-NEXT: memref.subview
// CHECK: gpu.launch
// CHECK: memref.copy
// CHECK: gpu.terminator
func.func @copies(%a: memref<4xf32>, %b: memref<4xf32>, %c: memref<8xf32>) {
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  %view = memref.subview %c[0] [4] [2] : memref<8xf32> to memref<4xf32, strided<[2]>>
  memref.copy %a, %view : memref<4xf32> to memref<4xf32, strided<[2]>>
  return
}
