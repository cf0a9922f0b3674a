// RUN: m3sat-opt %s --m3sat-hls-stage-weight-vectors=lanes=4 | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-stage-weight-vectors=lanes=4 --m3sat-hls-annotate-loops="products-only=true other-unroll=4" --m3sat-hls-partition-arrays=check-unrolls=true | FileCheck %s --check-prefix=LANES
// RUN: m3sat-opt %s --m3sat-hls-annotate-loops="products-only=true other-unroll=4" --m3sat-hls-partition-arrays=check-unrolls=true | FileCheck %s --check-prefix=PORT
// RUN: not m3sat-opt %s --m3sat-hls-stage-weight-vectors=lanes=0 2>&1 | FileCheck %s --check-prefix=BAD

// A bias that a nest reads once per token from its weight port is copied
// into an on-chip buffer (one per port type, shared by the nests) just
// before the nest, which then reads the copy at the same indices.
// BAD: m3sat-hls-stage-weight-vectors: lanes and max-elements must be at least 1

// CHECK-LABEL: func.func @top(
// CHECK: %[[BUF:alloc[_0-9]*]] = memref.alloc() : memref<1x8xf32>
// The first nest's copy: one loop over the 8 elements.
// CHECK: scf.for %[[I:arg[0-9]+]] = %{{.*}} to %c8{{.*}} step
// CHECK-NEXT: %[[V:[0-9]+]] = memref.load %arg1[%{{.*}}, %[[I]]] : memref<1x8xf32>
// CHECK-NEXT: memref.store %[[V]], %[[BUF]][%{{.*}}, %[[I]]] : memref<1x8xf32>
// CHECK-NEXT: }
// The bias addition reads the copy.
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load %alloc{{.*}}[
// CHECK: memref.load %[[BUF]][%{{.*}}, %{{.*}}] : memref<1x8xf32>
// CHECK: arith.addf
// The second port of the same type: copied into the same buffer before the
// fill that broadcasts it.
// CHECK: memref.load %arg2[%{{.*}}, %{{.*}}] : memref<1x8xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[BUF]][
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load %[[BUF]][
// CHECK-NEXT: memref.store
// Not staged: a trip count (6) that the lanes do not divide, a vector read
// once (its index depends on every loop), a port that is not a weight, a
// weight that is not a vector, and a reduction (an iteration argument).
// CHECK: memref.load %arg3[
// CHECK: memref.load %arg4[
// CHECK: memref.load %arg5[
// CHECK: memref.load %arg6[
// CHECK: memref.load %arg1[
// CHECK-NOT: memref.load %[[BUF]]
// CHECK: return

// With the copy, the bias addition keeps other-unroll's 4 lanes (the copy
// partitioned for them); reading the port, check-unrolls drops them.
// LANES-LABEL: func.func @top(
// LANES: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<1x8xf32>
// LANES: memref.load %arg1[
// LANES: } {m3sat.hls.pipeline_ii = 1 : i64}
// LANES: arith.addf
// LANES: } {m3sat.hls.pipeline_ii = 1 : i64, m3sat.hls.unroll = 4 : i64}
// PORT-LABEL: func.func @top(
// PORT: memref.load %arg1[
// PORT: arith.addf
// PORT: } {m3sat.hls.pipeline_ii = 1 : i64}
func.func @top(%x: memref<4x8xf32>,
               %b: memref<1x8xf32> {m3sat.hls.weight},
               %c: memref<1x8xf32> {m3sat.hls.weight},
               %d: memref<6xf32> {m3sat.hls.weight},
               %e: memref<32xf32> {m3sat.hls.weight},
               %f: memref<8xf32>,
               %g: memref<2x8xf32> {m3sat.hls.weight},
               %y: memref<4x8xf32>, %z: memref<4x6xf32>, %s: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %xa = memref.alloc() : memref<4x8xf32>
  %ya = memref.alloc() : memref<4x8xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %v = memref.load %xa[%t, %n] : memref<4x8xf32>
      %w = memref.load %b[%c0, %n] : memref<1x8xf32>
      %a = arith.addf %v, %w : f32
      memref.store %a, %ya[%t, %n] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %w = memref.load %c[%c0, %n] : memref<1x8xf32>
      memref.store %w, %y[%t, %n] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c6 step %c1 {
      %w = memref.load %d[%n] : memref<6xf32>
      memref.store %w, %z[%t, %n] : memref<4x6xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %i0 = arith.muli %t, %c8 : index
      %i = arith.addi %i0, %n : index
      %w = memref.load %e[%i] : memref<32xf32>
      memref.store %w, %y[%t, %n] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %w = memref.load %f[%n] : memref<8xf32>
      memref.store %w, %y[%t, %n] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %w = memref.load %g[%c1, %n] : memref<2x8xf32>
      memref.store %w, %y[%t, %n] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    %r = scf.for %n = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %w = memref.load %b[%c0, %n] : memref<1x8xf32>
      %a = arith.addf %acc, %w : f32
      scf.yield %a : f32
    }
    memref.store %r, %s[%t] : memref<4xf32>
  }
  return
}
