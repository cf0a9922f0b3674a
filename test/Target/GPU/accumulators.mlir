// REQUIRES: libdevice
// RUN: m3sat-opt %s -split-input-file --m3sat-gpu-pipeline=gemm-library=none | %python %S/Inputs/print_ptx.py | FileCheck %s
// RUN: m3sat-opt %s -split-input-file --m3sat-gpu-pipeline=gemm-library=none -mlir-print-ir-after=convert-parallel-loops-to-gpu -o /dev/null 2>&1 | FileCheck %s --check-prefix=MAPPED

// Every parallel loop became threads: none is left inside a kernel, to run
// in turn in each thread (as `j` of a matmul ordered (i, k, j) for the CPU
// did before m3sat-gpu-reductions-innermost).
// MAPPED-LABEL: func.func @task(%{{.*}}: memref<16x64xf32>
// MAPPED-NOT: scf.parallel
// MAPPED: gpu.launch
// MAPPED-NOT: scf.parallel
// MAPPED: return
// MAPPED-LABEL: func.func @task(%{{.*}}: memref<6x16xf32>
// MAPPED-NOT: scf.parallel
// MAPPED: gpu.launch
// MAPPED-NOT: scf.parallel
// MAPPED: return

// In the PTX of a dense matmul (16x64 @ 64x32, weights (in, out)), each
// thread computes one output element: the k loop loads an input and a
// weight and accumulates in a register; the output is stored once, after
// the loop. Threads run along the output's columns (tid.x), so neighbouring
// threads read neighbouring weights (4 bytes apart). The trip count is a
// constant in the kernel, so the k loop is unrolled: its first step reads
// the accumulator its last step wrote.
// CHECK-LABEL: .entry task_kernel_0(
// CHECK: .maxntid 32, 8, 1
// CHECK: mov.u32 %[[TX:r[0-9]+]], %tid.x;
// CHECK: [[LOOP:\$L__BB[0-9_]+]]:
// CHECK-NOT: st.global
// CHECK: ld.global.b32
// CHECK-NOT: st.global
// CHECK: ld.global.b32
// CHECK-NOT: st.global
// CHECK: fma.rn.f32 %{{r[0-9]+}}, %{{r[0-9]+}}, %{{r[0-9]+}}, %[[ACC:r[0-9]+]];
// CHECK-NOT: st.global
// CHECK: fma.rn.f32 %[[ACC]], %{{r[0-9]+}}, %{{r[0-9]+}}, %{{r[0-9]+}};
// CHECK-NOT: st.global
// CHECK: bra {{.*}}[[LOOP]];
// CHECK-NEXT: st.global.b32 [%{{rd[0-9]+}}], %[[ACC]];
// CHECK-NEXT: ret;
func.func @task(%x: tensor<16x64xf32>, %w: tensor<64x32xf32>) -> tensor<16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<16x32xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%empty : tensor<16x32xf32>) -> tensor<16x32xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<16x64xf32>, tensor<64x32xf32>)
                      outs(%fill : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %mm : tensor<16x32xf32>
}

// -----

// The grouped GEMMs of a token-routed MoE FFN in the row-gather form (6
// tokens, top-2 of 4 experts, D 16, H 32): the k loop of fc1 (a thread per
// (row, hidden unit)) loads a gathered input and a weight of the row's
// expert and accumulates in a register; no store in the loop, one after,
// of the bias it started from for a padding row, whose expert is -1. The
// 16 steps are unrolled (the trip count is a constant in the kernel).
// CHECK: .maxntid 32, 8, 1
// CHECK: .maxntid 32, 8, 1
// CHECK: ld.global.b32 %[[BIAS:r[0-9]+]], [%[[C:rd[0-9]+]]];
// CHECK-NOT: st.global
// CHECK-COUNT-16: fma.rn.f32
// CHECK-NOT: st.global
// CHECK: selp.f32 %[[OUT:r[0-9]+]], %[[BIAS]], %{{r[0-9]+}},
// CHECK-NEXT: st.global.b32 [%[[C]]], %[[OUT]];
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
