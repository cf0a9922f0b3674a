// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-unit-weight-tiles=tile-bytes=512 --m3sat-hls-stage-unit-operands --canonicalize | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-unit-weight-tiles=tile-bytes=512 --m3sat-hls-stage-unit-operands --canonicalize --m3sat-hls-annotate-loops --m3sat-hls-partition-arrays | m3sat-translate --emit-hls-cpp /dev/stdin -o %t.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize | FileCheck %s --check-prefix=COPY
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-unit-weight-tiles=tile-bytes=512 | FileCheck %s --check-prefix=LOCAL

// C = X W^T on a unit of four lanes, W a weight port stored (out, in):
// W[n][k], N = 32 outputs, K = 16 inputs. m3sat-hls-shared-linear copies
// it into an on-chip [K][N] buffer before the call; here the copy goes and
// W streams through the tiles as a [K][N] port would: R = 4 rows of 32
// floats per 512-byte tile, row k of a tile column k of W.

// Without the tiles: the [K][N] copy, then the unit on it.
// COPY-LABEL: func.func @transposed
// COPY: memref.alloc() : memref<512xf32>
// COPY: memref.load %arg0[%c0, %{{.*}}, %{{.*}}] : memref<1x32x16xf32>
// COPY: call @m3sat_linear(

// CHECK-LABEL: func.func @transposed
// CHECK-SAME: %[[W:[^:]*]]: memref<1x32x16xf32> {m3sat.hls.weight}
// CHECK-DAG: %[[PING:.*]] = memref.alloc() : memref<128xf32>
// CHECK-DAG: %[[PONG:.*]] = memref.alloc() : memref<128xf32>
// CHECK-NOT: memref.alloc() : memref<512xf32>
// CHECK-NOT: memref.load %[[W]]
// CHECK: call @transposed_utile_load(%{{.*}}, %true, %[[W]], %[[PING]])
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: scf.if
// CHECK-NEXT: func.call @transposed_utile_step(%[[J]], %{{.*}}, %{{.*}}, %[[W]], %[[PONG]], %[[PING]], %{{.*}}, %{{.*}})
// CHECK-NEXT: } else {
// CHECK-NEXT: func.call @transposed_utile_step(%[[J]], %{{.*}}, %{{.*}}, %[[W]], %[[PING]], %[[PONG]], %{{.*}}, %{{.*}})
// CHECK-NEXT: } {m3sat.hls.shared_branches}
// CHECK-NOT: call @m3sat_linear
// CHECK-NOT: memref.load %[[W]]
// CHECK: return
// The load: row i of tile t is column 4t + i of W, dst[i * 32 + n] =
// W[0][n][4t + i].
// CHECK-LABEL: func.func private @transposed_utile_load(%arg0: index, %arg1: i1, %arg2: memref<1x32x16xf32>, %arg3: memref<128xf32>)
// CHECK: scf.if %arg1 {
// CHECK: %[[FIRST:.*]] = arith.muli %arg0, %c4
// CHECK: scf.for %[[I:.*]] = %c0 to %c4 step %c1 {
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %[[I]]
// CHECK: %[[BASE:.*]] = arith.muli %[[I]], %c32
// CHECK: scf.for %[[N:.*]] = %c0 to %c32 step %c1 {
// CHECK: %[[V:.*]] = memref.load %arg2[%c0, %[[N]], %[[ROW]]] : memref<1x32x16xf32>
// CHECK: %[[AT:.*]] = arith.addi %[[BASE]], %[[N]]
// CHECK: memref.store %[[V]], %arg3[%[[AT]]] : memref<128xf32>
// The compute: the unit on the tile's 4 rows, A's offset 4t.
// CHECK-LABEL: func.func private @transposed_utile_compute(%arg0: index, %arg1: memref<128xf32>, %arg2: memref<192xf32>, %arg3: memref<384xf32>)
// CHECK: %[[TILE:.*]] = memref.reinterpret_cast %arg1 to offset: [0], sizes: [512], strides: [1] : memref<128xf32> to memref<512xf32>
// CHECK: %[[AOFF:.*]] = arith.muli %arg0, %c4 : index
// CHECK: call @m3sat_linear(%arg2, %[[TILE]], %arg3, %c12, %c8, %c4, %[[AOFF]], %c16, %c1, %c0, %c8, %c0, %c8) {m3sat.hls.linear_trips = #m3sat.hls_linear_trips<m = 12, n = 8, k = 4>}
// CHECK-LABEL: func.func private @transposed_utile_step
// CHECK-SAME: attributes {m3sat.hls.dataflow}
// CPP: static void f_transposed_utile_load(int arg0, bool arg1, const m3sat_weight_t arg2[1][32][16], m3sat_act_t arg3[128]) {
// CPP: = arg2[0][i{{[0-9]+}}][v{{[0-9]+}}];
// CPP: static void f_transposed_utile_step(
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS DATAFLOW
func.func @transposed(%w: memref<1x32x16xf32> {m3sat.hls.weight}, %y: memref<12x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %x = memref.alloc() : memref<12x16xf32>
  %o = memref.alloc() : memref<12x32xf32>
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %k = %c0 to %c16 step %c1 {
      scf.for %n = %c0 to %c32 step %c1 {
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %bv = memref.load %w[%c0, %n, %k] : memref<1x32x16xf32>
        %c = memref.load %o[%m, %n] : memref<12x32xf32>
        %p = arith.mulf %a, %bv : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %o[%m, %n] : memref<12x32xf32>
      }
    }
  }
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %n = %c0 to %c32 step %c1 {
      %v = memref.load %o[%m, %n] : memref<12x32xf32>
      memref.store %v, %y[%m, %n] : memref<12x32xf32>
    }
  }
  return
}

// A product whose B is a local array, neither a port nor a copy of one,
// stays as it is.
// LOCAL-LABEL: func.func @local_b
// LOCAL-NOT: utile
// LOCAL: call @m3sat_linear(
// LOCAL: return
func.func @local_b(%y: memref<12x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %x = memref.alloc() : memref<12x16xf32>
  %w = memref.alloc() : memref<16x32xf32>
  %o = memref.alloc() : memref<12x32xf32>
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %k = %c0 to %c16 step %c1 {
      scf.for %n = %c0 to %c32 step %c1 {
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %bv = memref.load %w[%k, %n] : memref<16x32xf32>
        %c = memref.load %o[%m, %n] : memref<12x32xf32>
        %p = arith.mulf %a, %bv : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %o[%m, %n] : memref<12x32xf32>
      }
    }
  }
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %n = %c0 to %c32 step %c1 {
      %v = memref.load %o[%m, %n] : memref<12x32xf32>
      memref.store %v, %y[%m, %n] : memref<12x32xf32>
    }
  }
  return
}
