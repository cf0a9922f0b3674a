// Runs m3sat.moe_attention (dynamic routing) through the CPU pipeline on
// seeded random data and compares every element with the NumPy reference of
// DESIGN.md's semantics (rtol 1e-4, atol 1e-5).
// RUN: %python %m3sat_src_root/examples/mlir/moe_reference.py attention-dynamic %t.mlir
// RUN: m3sat-opt %t.mlir -m3sat-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// The same with the parallel (row-gather) form of the expert-major ops.
// RUN: m3sat-opt %t.mlir -m3sat-cpu-pipeline=moe-lowering=row-gather \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// CHECK: violations = 0
