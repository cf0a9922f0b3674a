// RUN: m3sat-opt %s --m3sat-hls-share-layers | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-share-layers -o %t.mlir
// RUN: m3sat-translate --emit-hls-cpp %t.mlir -o %t.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -DM3SAT_HLS_FIXED -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp

// Three nests scale a row by a weight: the first two over buffers of 8 and
// 16 elements with weights %w0 and %w1, the third reading its row at
// offset 4 (a constant that is not a loop bound: a parameter). They become
// calls of one function, its buffer argument at the largest size, the
// offset an argument. The nest that adds (another op) and the one over
// the input port in the weights' place (another kind of port) stay.
// CHECK-LABEL: func.func @task(
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[A:.*]] = memref.alloc() : memref<8xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<16xf32>
// CHECK: %[[AF:.*]] = memref.reinterpret_cast %[[A]] to offset: [0], sizes: [16], strides: [1] : memref<8xf32> to memref<16xf32>
// CHECK-NEXT: call @task_layer(%[[AF]], %arg1, %[[C0]]) : (memref<16xf32>, memref<4xf32>, index) -> ()
// CHECK-NEXT: call @task_layer(%[[B]], %arg2, %[[C0]])
// CHECK-NEXT: call @task_layer(%[[B]], %arg2, %[[C4]])
// CHECK-NEXT: scf.for
// CHECK: arith.addf
// CHECK: scf.for
// CHECK: memref.load %arg0
// CHECK: return
// CHECK: func.func private @task_layer(%[[BUF:.*]]: memref<16xf32>, %[[W:.*]]: memref<4xf32> {m3sat.hls.weight}, %[[OFF:.*]]: index) attributes {m3sat.hls.shared_layer}
// CHECK: scf.for %[[I:.*]] =
// CHECK-NEXT: %[[J:.*]] = arith.addi %[[I]], %[[OFF]] : index
// CHECK-NEXT: memref.load %[[BUF]][%[[J]]]
// CHECK-NEXT: memref.load %[[W]][%[[I]]]
// CHECK-NEXT: arith.mulf
// CHECK-NEXT: memref.store
// CHECK-NEXT: } {m3sat.hls.pipeline_ii = 1 : i64}
// CHECK-NEXT: return

// One instance: not inlined, and limited to one in its caller.
// CPP-LABEL: static void f_task_layer(m3sat_act_t arg0[16], const m3sat_weight_t arg1[4], int arg2) {
// CPP: #pragma HLS INLINE off
// CPP-LABEL: void task(
// CPP: #pragma HLS ALLOCATION function instances=f_task_layer limit=1
// CPP: f_task_layer((&buf{{[0-9]+}}[0]), w0, 0);
func.func @task(%x: memref<4xf32> {m3sat.hls.port = "x", m3sat.hls.bundle = "gmem_io"},
                %w0: memref<4xf32> {m3sat.hls.port = "w0", m3sat.hls.bundle = "gmem_w", m3sat.hls.weight},
                %w1: memref<4xf32> {m3sat.hls.port = "w1", m3sat.hls.bundle = "gmem_w", m3sat.hls.weight},
                %y: memref<4xf32> {m3sat.hls.port = "y", m3sat.hls.bundle = "gmem_io"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c0 : index
    %v = memref.load %a[%j] : memref<8xf32>
    %s = memref.load %w0[%i] : memref<4xf32>
    %p = arith.mulf %v, %s : f32
    memref.store %p, %a[%i] : memref<8xf32>
  } {m3sat.hls.pipeline_ii = 1 : i64}
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c0 : index
    %v = memref.load %b[%j] : memref<16xf32>
    %s = memref.load %w1[%i] : memref<4xf32>
    %p = arith.mulf %v, %s : f32
    memref.store %p, %b[%i] : memref<16xf32>
  } {m3sat.hls.pipeline_ii = 1 : i64}
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c4 : index
    %v = memref.load %b[%j] : memref<16xf32>
    %s = memref.load %w1[%i] : memref<4xf32>
    %p = arith.mulf %v, %s : f32
    memref.store %p, %b[%i] : memref<16xf32>
  } {m3sat.hls.pipeline_ii = 1 : i64}
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c0 : index
    %v = memref.load %b[%j] : memref<16xf32>
    %s = memref.load %w1[%i] : memref<4xf32>
    %p = arith.addf %v, %s : f32
    memref.store %p, %b[%i] : memref<16xf32>
  } {m3sat.hls.pipeline_ii = 1 : i64}
  scf.for %i = %c0 to %c4 step %c1 {
    %j = arith.addi %i, %c0 : index
    %v = memref.load %b[%j] : memref<16xf32>
    %s = memref.load %x[%i] : memref<4xf32>
    %p = arith.mulf %v, %s : f32
    memref.store %p, %b[%i] : memref<16xf32>
  } {m3sat.hls.pipeline_ii = 1 : i64}
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %b[%i] : memref<16xf32>
    memref.store %v, %y[%i] : memref<4xf32>
  } {m3sat.hls.pipeline_ii = 1 : i64}
  return
}
