// RUN: m3sat-opt %s --m3sat-hls-token-tiling=tile=2 --canonicalize --m3sat-hls-weight-tiles=tile-bytes=64 | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-token-tiling --canonicalize --m3sat-hls-weight-tiles=tile-bytes=32 | FileCheck %s --check-prefix=TILE1
// RUN: not m3sat-opt %s --m3sat-hls-weight-tiles=tile-bytes=0 2>&1 | FileCheck %s --check-prefix=BAD

// A linear layer h[t, :] = x[t, :] W (W 4 x 8, a weight port) over tiles
// of 2 tokens, then y = h. With 64-byte tiles each tile holds R = 2 rows
// of 8 floats: ping gets rows 0-1, then step j computes rows 2j, 2j+1 for
// the tile's two tokens (k outside the tokens) from one buffer while the
// next two rows load into the other. The input port x is not streamed.
// CHECK-LABEL: func.func @linear
// CHECK-DAG: %[[PING:.*]] = memref.alloc() {m3sat.hls.stream_of = 1 : i64} : memref<16xf32>
// CHECK-DAG: %[[PONG:.*]] = memref.alloc() {m3sat.hls.stream_of = 1 : i64} : memref<16xf32>
// CHECK: scf.for %[[TILE:.*]] = %c0 to %c2 step %c1 {
// CHECK: call @linear_wtile_load(%{{.*}}, %true, %arg1, %[[PING]])
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: scf.if
// CHECK-NEXT: func.call @linear_wtile_step(%[[J]], %{{.*}}, %{{.*}}, %arg1, %[[PONG]], %[[PING]], %{{.*}}, %arg0, %{{.*}})
// CHECK-NEXT: } else {
// CHECK-NEXT: func.call @linear_wtile_step(%[[J]], %{{.*}}, %{{.*}}, %arg1, %[[PING]], %[[PONG]], %{{.*}}, %arg0, %{{.*}})
// CHECK-NEXT: } {m3sat.hls.shared_branches}
// CHECK: } {m3sat.hls.token_tiles = 2 : i64}
// The load: rows tile * 2 + i of W into dst[i * 8 + n].
// CHECK-LABEL: func.func private @linear_wtile_load(%arg0: index, %arg1: i1, %arg2: memref<4x8xf32>, %arg3: memref<16xf32>)
// CHECK: scf.if %arg1 {
// CHECK: %[[FIRST:.*]] = arith.muli %arg0, %c2
// CHECK: scf.for %[[I:.*]] = %c0 to %c2 step %c1 {
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %[[I]]
// CHECK: scf.for %[[N:.*]] = %c0 to %c8 step %c1 {
// CHECK: memref.load %arg2[%[[ROW]], %[[N]]] : memref<4x8xf32>
// CHECK: memref.store %{{.*}}, %arg3[%{{.*}}] : memref<16xf32>
// The compute: for i < 2 { k = tile * 2 + i; for t < 2 { for n < 8 } }.
// CHECK-LABEL: func.func private @linear_wtile_compute(%arg0: index, %arg1: memref<16xf32>
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: %[[K:.*]] = arith.addi %{{.*}}, %[[I]]
// CHECK: scf.for %[[T:.*]] = %c0 to %c2 step %c1 {
// CHECK: scf.for %[[N:.*]] = %c0 to %c8 step %c1 {
// CHECK: memref.load %arg{{[0-9]}}[%{{.*}}, %[[K]]] : memref<4x4xf32>
// CHECK: memref.load %arg1[%{{.*}}] : memref<16xf32>
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: memref.store
// The step: the load and the compute as a DATAFLOW region.
// CHECK-LABEL: func.func private @linear_wtile_step
// CHECK-SAME: attributes {m3sat.hls.dataflow}
// CHECK-NEXT: call @linear_wtile_load(%arg1, %arg2, %arg3, %arg4)
// CHECK-NEXT: call @linear_wtile_compute(%arg0, %arg5,

// One token per tile, 32-byte tiles (one row of 8 floats): the k loop
// becomes steps over the four rows, the token the tile loop's counter.
// TILE1-LABEL: func.func @linear
// TILE1: memref.alloc() {m3sat.hls.stream_of = 1 : i64} : memref<8xf32>
// TILE1: scf.for %[[TILE:.*]] = %c0 to %c4 step %c1 {
// TILE1: call @linear_wtile_load(%{{.*}}, %true, %arg1,
// TILE1: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} {
// TILE1: func.call @linear_wtile_step(
// TILE1-SAME: %[[TILE]]
// TILE1: } {m3sat.hls.token_tiles = 1 : i64}
// TILE1-NOT: memref.load %arg1
// TILE1-LABEL: func.func private @linear_wtile_load
// TILE1: memref.load %arg2
// TILE1-LABEL: func.func private @linear_wtile_compute(%arg0: index, %arg1: memref<8xf32>, %arg2: memref<4x4xf32>, %arg3: index,
// TILE1: memref.load %arg1[

// BAD: m3sat-hls-weight-tiles: tile-bytes must be >= 1
func.func @linear(%x: memref<4x4xf32>, %w: memref<4x8xf32> {m3sat.hls.weight}, %y: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %h = memref.alloc() : memref<4x8xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      memref.store %zero, %h[%t, %n] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %k = %c0 to %c4 step %c1 {
      scf.for %n = %c0 to %c8 step %c1 {
        %a = memref.load %x[%t, %k] : memref<4x4xf32>
        %b = memref.load %w[%k, %n] : memref<4x8xf32>
        %c = memref.load %h[%t, %n] : memref<4x8xf32>
        %m = arith.mulf %a, %b : f32
        %s = arith.addf %c, %m : f32
        memref.store %s, %h[%t, %n] : memref<4x8xf32>
      }
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %n = %c0 to %c8 step %c1 {
      %v = memref.load %h[%t, %n] : memref<4x8xf32>
      memref.store %v, %y[%t, %n] : memref<4x8xf32>
    }
  }
  return
}
