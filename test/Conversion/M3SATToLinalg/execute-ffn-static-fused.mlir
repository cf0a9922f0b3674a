// Runs m3sat.moe_ffn with a static expert set after m3sat-prune-experts and
// m3sat-fuse-static-experts (one dense FFN of hidden k*H, routing weights
// folded into fc2) through the CPU pipeline on seeded random data, and
// compares every element with the NumPy reference of DESIGN.md's semantics
// (rtol 1e-4, atol 1e-5).
// RUN: %python %m3sat_src_root/examples/mlir/moe_reference.py ffn-static %t.mlir
// RUN: m3sat-opt %t.mlir -canonicalize -m3sat-prune-experts -m3sat-fuse-static-experts \
// RUN:   | FileCheck %s --check-prefix=FUSED
// FUSED: m3sat.moe_ffn %{{.*}} static <experts = [0], weights = [1.000000e+00]>
// FUSED-SAME: tensor<1x32x8xf32>, tensor<1x32xf32>, tensor<1x8x32xf32>, tensor<1x8xf32>
// RUN: m3sat-opt %t.mlir -canonicalize -m3sat-prune-experts -m3sat-fuse-static-experts -m3sat-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// CHECK: violations = 0
