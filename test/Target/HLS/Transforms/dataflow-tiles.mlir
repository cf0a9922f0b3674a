// m3sat-hls-dataflow in loops over token tiles (m3sat-hls-token-tiling):
// the regions form in each tile loop's body, their channels hold one tile
// (the sequence buffers' rows of the tile), and the regions of tile loops
// that compute alike (a network's blocks) are one function, built once.
// RUN: rm -rf %t && split-file %s %t
// RUN: m3sat-opt %t/tiles.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=TILES
// RUN: m3sat-opt %t/tile2.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=TILE2
// RUN: m3sat-opt %t/tiles.mlir --m3sat-hls-dataflow=max-tile-channel-bytes=16 | FileCheck %s --check-prefix=LIMIT
// RUN: m3sat-opt %t/tiles.mlir --m3sat-hls-dataflow | m3sat-translate --emit-hls-cpp /dev/stdin -o %t/tiles.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t/tiles.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t/tiles.cpp

// One token per tile: the 4x8 buffers between the stages become FIFOs of
// one row (1x8, indexed by 0), the sequence buffers from outside stay
// arguments indexed by the tile's counter; the second tile loop calls the
// first one's region, which is built once (shared_layer).
// TILES-LABEL: func.func private @tiles_df0_s0(
// TILES-SAME: %[[X:arg[0-9]+]]: memref<4x8xf32>, %[[T:arg[0-9]+]]: index, %[[OUT:arg[0-9]+]]: memref<1x8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>})
// TILES: memref.load %[[X]][%[[T]], %{{.*}}] : memref<4x8xf32>
// TILES: memref.store %{{.*}}, %[[OUT]][%c0, %c0] : memref<1x8xf32>
// TILES-LABEL: func.func private @tiles_df0_s1(
// TILES-SAME: memref<1x8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}
// TILES-SAME: memref<1x8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}
// TILES-LABEL: func.func private @tiles_df0_s2(
// TILES-LABEL: func.func private @tiles_df0(
// TILES-SAME: attributes {m3sat.hls.dataflow, m3sat.hls.dataflow_region, m3sat.hls.shared_layer}
// TILES-COUNT-2: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 2 : i64} : memref<1x8xf32>
// TILES: call @tiles_df0_s0(
// TILES-NEXT: call @tiles_df0_s1(
// TILES-NEXT: call @tiles_df0_s2(
// TILES-NOT: @tiles_df1
// TILES-LABEL: func.func @tiles(
// TILES-NOT: memref.alloc
// TILES: scf.for %[[I:.*]] = %c0 to %c4 step %c1 {
// TILES-NEXT: func.call @tiles_df0(%arg0, %[[I]], %arg1)
// TILES-NEXT: } {m3sat.hls.token_tiles = 1 : i64}
// TILES-NEXT: scf.for %[[J:.*]] = %c0 to %c4 step %c1 {
// TILES-NEXT: func.call @tiles_df0(%arg1, %[[J]], %arg2)
// TILES-NEXT: } {m3sat.hls.token_tiles = 1 : i64}

// With a limit below a row's 32 bytes no region forms.
// LIMIT-NOT: @tiles_df
// LIMIT: scf.for
// LIMIT-NOT: @tiles_df

// The C++: one DATAFLOW region, built once, called from both loops.
// CPP: static void f_tiles_df0(
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS DATAFLOW
// CPP-NEXT: #endif
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS INLINE off
// CPP: void tiles(
// CPP: #pragma HLS ALLOCATION function instances=f_tiles_df0 limit=1
// CPP: f_tiles_df0(
// CPP: f_tiles_df0(

// Two tokens per tile: the channel holds the tile's two rows (2x8); the
// accesses at tile * 2 + t, in either order of the addition, take the
// token t.
// TILE2-LABEL: func.func private @tile2_df0_s0(
// TILE2-SAME: memref<2x8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}
// TILE2-LABEL: func.func private @tile2_df0(
// TILE2-NOT: shared_layer
// TILE2: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 2 : i64} : memref<2x8xf32>
// TILE2-LABEL: func.func @tile2(
// TILE2-NOT: memref.alloc
// TILE2: func.call @tile2_df0(
// TILE2: } {m3sat.hls.token_tiles = 2 : i64}

//--- tiles.mlir
func.func @tiles(%x: memref<4x8xf32>, %y: memref<4x8xf32>, %z: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<4x8xf32>
  %b = memref.alloc() : memref<4x8xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %j] : memref<4x8xf32>
      %w = arith.mulf %v, %cst : f32
      memref.store %w, %a[%t, %j] : memref<4x8xf32>
    }
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %a[%t, %j] : memref<4x8xf32>
      %e = math.exp %v : f32
      memref.store %e, %b[%t, %j] : memref<4x8xf32>
    }
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %b[%t, %j] : memref<4x8xf32>
      %w = arith.addf %v, %cst : f32
      memref.store %w, %y[%t, %j] : memref<4x8xf32>
    }
  } {m3sat.hls.token_tiles = 1 : i64}
  %c = memref.alloc() : memref<4x8xf32>
  %d = memref.alloc() : memref<4x8xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %y[%t, %j] : memref<4x8xf32>
      %w = arith.mulf %v, %cst : f32
      memref.store %w, %c[%t, %j] : memref<4x8xf32>
    }
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %c[%t, %j] : memref<4x8xf32>
      %e = math.exp %v : f32
      memref.store %e, %d[%t, %j] : memref<4x8xf32>
    }
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %d[%t, %j] : memref<4x8xf32>
      %w = arith.addf %v, %cst : f32
      memref.store %w, %z[%t, %j] : memref<4x8xf32>
    }
  } {m3sat.hls.token_tiles = 1 : i64}
  return
}

//--- tile2.mlir
func.func @tile2(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<4x8xf32>
  scf.for %tt = %c0 to %c2 step %c1 {
    scf.for %t = %c0 to %c2 step %c1 {
      %r = arith.muli %tt, %c2 : index
      %g = arith.addi %r, %t : index
      scf.for %j = %c0 to %c8 step %c1 {
        %v = memref.load %x[%g, %j] : memref<4x8xf32>
        %w = arith.mulf %v, %cst : f32
        memref.store %w, %a[%g, %j] : memref<4x8xf32>
      }
    }
    scf.for %t = %c0 to %c2 step %c1 {
      %r = arith.muli %tt, %c2 : index
      %g = arith.addi %t, %r : index
      scf.for %j = %c0 to %c8 step %c1 {
        %v = memref.load %a[%g, %j] : memref<4x8xf32>
        %e = math.exp %v : f32
        memref.store %e, %y[%g, %j] : memref<4x8xf32>
      }
    }
  } {m3sat.hls.token_tiles = 2 : i64}
  return
}
