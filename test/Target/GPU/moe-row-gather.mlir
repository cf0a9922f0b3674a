// REQUIRES: libdevice
// RUN: m3sat-opt %s --m3sat-gpu-pipeline -mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --implicit-check-not="blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)  args({{.*}}xf32"
// RUN: m3sat-opt %s --m3sat-gpu-pipeline=moe-lowering=loops -mlir-print-ir-after=gpu-kernel-outlining -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=LOOPS

// A token-routed MoE FFN (6 tokens, top-2 of 4 experts: 12 expert rows,
// D 16, H 32) on the GPU. In the row-gather form (the GPU pipeline's
// default) only the integer counting sort and the permutation's inversion
// run in kernels of one thread; routing, the row gather, both grouped GEMMs
// and the combine are grids of threads (no single-thread kernel touches a
// float buffer: the implicit check).
// CHECK-LABEL: func.func @task
// Routing: threads over (slot, token).
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c2, %c6, %c1) args({{.*}}memref<6x4xf32>
// Counting sort: one thread, integers only.
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args({{.*}}memref<12xi64>
// Dispatch's row gather: a thread per (row, column).
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c16, %c12, %c1) args({{.*}}memref<6x16xf32>, %{{.*}} : memref<12x16xf32>)
// fc1: the weights of each row's expert, a thread per (row, hidden unit).
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c2, %c1) threads in (%c32, %c8, %c1) args({{.*}}memref<4x32x16xf32>
// fc2.
// CHECK: gpu.launch_func @{{[^ ]*}} blocks in (%c1, %c1, %c1) threads in (%c16, %c12, %c1) args({{.*}}memref<4x16x32xf32>
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
