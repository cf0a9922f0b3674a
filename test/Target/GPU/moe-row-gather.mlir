// REQUIRES: libdevice
// RUN: m3sat-opt %s --m3sat-gpu-pipeline=gemm-library=none -mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not="threads in (%c1, %c1, %c1)"
// RUN: m3sat-opt %s --m3sat-gpu-pipeline="moe-lowering=loops gemm-library=none" -mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=LOOPS

// A token-routed MoE FFN (6 tokens, top-2 of 4 experts: 12 expert rows,
// D 16, H 32) on the GPU. In the row-gather form (the GPU pipeline's
// default) every kernel has more than one thread (the implicit check):
// routing, the counting sort, the row gather, both grouped GEMMs, the
// permutation's inversion and the combine.
// CHECK-LABEL: func.func @task
// Routing: threads over (slot, token).
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c2, %c6, %c1) args({{.*}}memref<6x4xf32>
// Counting sort: each slot's expert by (chunk, slot) on 32 threads (one
// chunk of 32 slots), counts and prefixes per (chunk, expert) and the
// offsets, then a thread per sorted position finds its slot.
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c32, %c1, %c1) args({{.*}}memref<12xi64>{{.*}}memref<1x32xi64>
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args({{.*}}memref<1x4xi64>{{.*}}memref<1x32xi64>
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c5, %c1, %c1) args({{.*}}memref<5xi64>, %{{.*}} : memref<1x4xi64>
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c12, %c1, %c1) args({{.*}}memref<5xi64>{{.*}}memref<1x4xi64>
// Dispatch's row gather: a thread per (row, column).
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c16, %c12, %c1) args({{.*}}memref<6x16xf32>, %{{.*}} : memref<12x16xf32>)
// fc1: the weights of each row's expert, a thread per (row, hidden unit).
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c2, %c1) threads in (%c32, %c8, %c1) args({{.*}}memref<4x32x16xf32>
// fc2.
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c16, %c12, %c1) args({{.*}}memref<4x16x32xf32>
// The permutation inverted, a thread per slot.
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c12, %c1, %c1) args(%{{.*}} : memref<12xi64>, %{{.*}} : memref<12xi64>
// Combine: a thread per (token, column).
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c16, %c6, %c1) args({{.*}}memref<6x2xf32>
// CHECK: return

// The loop form runs each grouped GEMM (the weights of all experts) on one
// thread.
// LOOPS-LABEL: func.func @task
// LOOPS: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args({{.*}}memref<4x32x16xf32>
// LOOPS: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args({{.*}}memref<4x16x32xf32>
func.func @task(%x: tensor<6x16xf32>, %l: tensor<6x4xf32>,
                %w1: tensor<4x32x16xf32>, %b1: tensor<4x32xf32>,
                %w2: tensor<4x16x32xf32>, %b2: tensor<4x16xf32>)
    -> tensor<6x16xf32> {
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1, %b1) fc2(%w2, %b2) k = 2
       : (tensor<6x16xf32>, tensor<6x4xf32>, tensor<4x32x16xf32>,
          tensor<4x32xf32>, tensor<4x16x32xf32>, tensor<4x16xf32>)
       -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}
