// RUN: m3sat-opt %s -split-input-file -m3sat-gpu-device-memory -verify-diagnostics | FileCheck %s

memref.global "private" constant @table : memref<4xf32> = dense<[1.0, 2.0, 3.0, 4.0]>

// A temporary buffer becomes a device buffer, freed before the return; the
// constant table is read inside the kernel.
// CHECK-LABEL: func @buffers
// CHECK: %[[READY:.*]] = gpu.wait async
// CHECK: %[[BUF:.*]], %[[TOK:.*]] = gpu.alloc async [%[[READY]]] () : memref<4xf32>
// CHECK: gpu.wait [%[[TOK]]]
// CHECK-NOT: memref.alloc
// CHECK: gpu.launch
// CHECK: memref.get_global @table
// CHECK: memref.load
// CHECK: gpu.terminator
// CHECK: %[[R2:.*]] = gpu.wait async
// CHECK: %[[FREED:.*]] = gpu.dealloc async [%[[R2]]] %[[BUF]]
// CHECK: gpu.wait [%[[FREED]]]
// CHECK-NEXT: return
func.func @buffers(%out: memref<4xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %g = memref.get_global @table : memref<4xf32>
  %tmp = memref.alloc() : memref<4xf32>
  gpu.launch blocks(%b0, %b1, %b2) in (%x = %c1, %y = %c1, %z = %c1) threads(%t0, %t1, %t2) in (%tx = %c4, %ty = %c1, %tz = %c1) {
    %v = memref.load %g[%t0] : memref<4xf32>
    memref.store %v, %tmp[%t0] : memref<4xf32>
    memref.store %v, %out[%t0] : memref<4xf32>
    gpu.terminator
  }
  return
}

// -----

// Buffers of static shape are allocated on entry, in program order, before
// the first kernel (the one between the two launches too), and freed at the
// return.
// CHECK-LABEL: func @hoisted
// CHECK: gpu.alloc async {{.*}} : memref<4xf32>
// CHECK: gpu.alloc async {{.*}} : memref<8xf32>
// CHECK-NOT: gpu.alloc
// CHECK: gpu.launch
// CHECK: gpu.launch
// CHECK: gpu.dealloc
// CHECK: gpu.dealloc
// CHECK: return
func.func @hoisted(%out: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<4xf32>
  gpu.launch blocks(%b0, %b1, %b2) in (%x = %c1, %y = %c1, %z = %c1) threads(%t0, %t1, %t2) in (%tx = %c4, %ty = %c1, %tz = %c1) {
    memref.store %cst, %a[%t0] : memref<4xf32>
    gpu.terminator
  }
  %b = memref.alloc() : memref<8xf32>
  gpu.launch blocks(%b0, %b1, %b2) in (%x = %c1, %y = %c1, %z = %c1) threads(%t0, %t1, %t2) in (%tx = %c8, %ty = %c1, %tz = %c1) {
    %v = memref.load %a[%c1] : memref<4xf32>
    memref.store %v, %b[%t0] : memref<8xf32>
    memref.store %v, %out[%t0] : memref<8xf32>
    gpu.terminator
  }
  return
}

// -----

// A copy between whole buffers is a device-to-device gpu.memcpy.
// CHECK-LABEL: func @copy
// CHECK: %[[READY:.*]] = gpu.wait async
// CHECK: %[[DONE:.*]] = gpu.memcpy async [%[[READY]]] %{{.*}}, %{{.*}} : memref<2x8xf32>, memref<2x8xf32>
// CHECK: gpu.wait [%[[DONE]]]
// CHECK-NOT: memref.copy
func.func @copy(%in: memref<2x8xf32>, %out: memref<2x8xf32>) {
  memref.copy %in, %out : memref<2x8xf32> to memref<2x8xf32>
  return
}

// -----

func.func @host_load(%in: memref<4xf32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{'memref.load' op would read or write device memory on the host of a GPU task function}}
  %v = memref.load %in[%c0] : memref<4xf32>
  memref.store %v, %out[] : memref<f32>
  return
}
