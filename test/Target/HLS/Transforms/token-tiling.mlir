// RUN: m3sat-opt %s --m3sat-hls-token-tiling --canonicalize | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-token-tiling=tile=2 --canonicalize | FileCheck %s --check-prefix=TILE2
// RUN: m3sat-opt %s --m3sat-hls-token-tiling=tile=3 | FileCheck %s --check-prefix=TILE3
// RUN: not m3sat-opt %s --m3sat-hls-token-tiling=tile=0 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: m3sat-hls-token-tiling: tile must be >= 1

// A token-wise chain: h[t, :] = 2 x[t, :] (after a fill), then y[t, :] =
// h[t, :] + 1. Fused into one loop over the 4 tokens; h lives inside it,
// row by row, and shrinks to one row (tile 1) or two (tile 2). With tile 3
// (which does not divide 4) nothing changes.
// CHECK-LABEL: func.func @mlp
// CHECK: %[[H:.*]] = memref.alloc() : memref<1x8xf32>
// CHECK: scf.for %[[T:.*]] = %c0 to %c4 step %c1 {
// CHECK-NEXT: scf.for %[[J:.*]] = %c0 to %c8 step %c1 {
// CHECK-NEXT: memref.store %{{.*}}, %[[H]][%c0, %[[J]]]
// CHECK: scf.for %[[J2:.*]] = %c0 to %c8 step %c1 {
// CHECK-NEXT: memref.load %arg0[%[[T]], %[[J2]]]
// CHECK: memref.store %{{.*}}, %[[H]][%c0, %[[J2]]]
// CHECK: scf.for %[[J3:.*]] = %c0 to %c8 step %c1 {
// CHECK-NEXT: memref.load %[[H]][%c0, %[[J3]]]
// CHECK: memref.store %{{.*}}, %arg1[%[[T]], %[[J3]]]
// CHECK: } {m3sat.hls.token_tiles = 1 : i64}
// CHECK-NOT: scf.for
// CHECK: return
// TILE2-LABEL: func.func @mlp
// TILE2: %[[H:.*]] = memref.alloc() : memref<2x8xf32>
// TILE2: scf.for %[[TT:.*]] = %c0 to %c2 step %c1 {
// TILE2: scf.for %[[T:.*]] = %c0 to %c2 step %c1 {
// TILE2: memref.store %{{.*}}, %[[H]][%[[T]], %{{.*}}]
// TILE2: scf.for %[[T2:.*]] = %c0 to %c2 step %c1 {
// TILE2: %[[G:.*]] = arith.addi
// TILE2: memref.load %arg0[%[[G]], %{{.*}}]
// TILE2: memref.store %{{.*}}, %[[H]][%[[T2]], %{{.*}}]
// TILE2: } {m3sat.hls.token_tiles = 2 : i64}
// TILE3-LABEL: func.func @mlp
// TILE3: memref.alloc() : memref<4x8xf32>
// TILE3-NOT: token_tiles
// TILE3-LABEL: func.func @attention
func.func @mlp(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %one = arith.constant 1.0 : f32
  %h = memref.alloc() : memref<4x8xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      memref.store %zero, %h[%t, %j] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %j] : memref<4x8xf32>
      %a = memref.load %h[%t, %j] : memref<4x8xf32>
      %m = arith.mulf %v, %two : f32
      %s = arith.addf %a, %m : f32
      memref.store %s, %h[%t, %j] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %h[%t, %j] : memref<4x8xf32>
      %s = arith.addf %v, %one : f32
      memref.store %s, %y[%t, %j] : memref<4x8xf32>
    }
  }
  return
}

// Attention needs all of K: the nest that reads k whole does not join the
// nest that writes it row by row, and k (read after the fused loop, if
// any) keeps its 4 rows. The next nest reads s row by row and joins the
// scores' nest; s shrinks.
// CHECK-LABEL: func.func @attention
// CHECK: memref.alloc() : memref<4x8xf32>
// CHECK: memref.alloc() : memref<1xf32>
// CHECK: scf.for
// CHECK-NOT: token_tiles
// CHECK: scf.for %[[T:.*]] = %c0 to %c4 step %c1 {
// CHECK: } {m3sat.hls.token_tiles = 1 : i64}
// CHECK-NOT: scf.for
// CHECK: return
func.func @attention(%x: memref<4x8xf32>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %k = memref.alloc() : memref<4x8xf32>
  %s = memref.alloc() : memref<4xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %j] : memref<4x8xf32>
      memref.store %v, %k[%t, %j] : memref<4x8xf32>
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    memref.store %zero, %s[%t] : memref<4xf32>
    scf.for %u = %c0 to %c4 step %c1 {
      scf.for %j = %c0 to %c8 step %c1 {
        %q = memref.load %x[%t, %j] : memref<4x8xf32>
        %kv = memref.load %k[%u, %j] : memref<4x8xf32>
        %a = memref.load %s[%t] : memref<4xf32>
        %m = arith.mulf %q, %kv : f32
        %b = arith.addf %a, %m : f32
        memref.store %b, %s[%t] : memref<4xf32>
      }
    }
  }
  scf.for %t = %c0 to %c4 step %c1 {
    %a = memref.load %s[%t] : memref<4xf32>
    %b = arith.addf %a, %a : f32
    memref.store %b, %y[%t] : memref<4xf32>
  }
  return
}

// A buffer that passes values from one loop over tiles to another (the
// second reads it before writing it) keeps its rows, though both loops
// access it row by row; an op between nests that is not a constant or an
// allocation (a load) ends a chain.
// CHECK-LABEL: func.func @carried
// CHECK: memref.alloc() : memref<4xf32>
// CHECK-COUNT-2: token_tiles
// CHECK-NOT: token_tiles
// CHECK: return
func.func @carried(%x: memref<4xf32>, %y: memref<4xf32>, %z: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %h = memref.alloc() : memref<4xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    %v = memref.load %x[%t] : memref<4xf32>
    memref.store %v, %h[%t] : memref<4xf32>
  }
  scf.for %t = %c0 to %c4 step %c1 {
    %v = memref.load %h[%t] : memref<4xf32>
    memref.store %v, %y[%t] : memref<4xf32>
  }
  %w = memref.load %x[%c0] : memref<4xf32>
  scf.for %t = %c0 to %c4 step %c1 {
    %v = memref.load %h[%t] : memref<4xf32>
    %s = arith.addf %v, %w : f32
    memref.store %s, %z[%t] : memref<4xf32>
  }
  scf.for %t = %c0 to %c4 step %c1 {
    memref.store %w, %h[%t] : memref<4xf32>
  }
  return
}

// A linear layer, h[t, :] = x[t, :] W, then y = h: with tiles of 2 tokens
// h keeps 2 rows; W is read in the innermost loop (m3sat-hls-weight-tiles
// streams it, weight-tiles.mlir).
// CHECK-LABEL: func.func @linear
// CHECK: memref.load %arg1[%{{.*}}, %{{.*}}] : memref<3x8xf32>
// CHECK: return
// TILE2-LABEL: func.func @linear
// TILE2-DAG: %[[H:.*]] = memref.alloc() : memref<2x8xf32>
// TILE2: scf.for %[[K:.*]] = %c0 to %c3 step %c1 {
// TILE2-NEXT: scf.for %[[N:.*]] = %c0 to %c8 step %c1 {
// TILE2: memref.load %arg1[%[[K]], %[[N]]] : memref<3x8xf32>
// TILE2: memref.store %{{.*}}, %[[H]][%{{.*}}, %[[N]]]
// TILE2: } {m3sat.hls.token_tiles = 2 : i64}
func.func @linear(%x: memref<4x3xf32>, %w: memref<3x8xf32>, %y: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
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
    scf.for %k = %c0 to %c3 step %c1 {
      scf.for %n = %c0 to %c8 step %c1 {
        %a = memref.load %x[%t, %k] : memref<4x3xf32>
        %b = memref.load %w[%k, %n] : memref<3x8xf32>
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
