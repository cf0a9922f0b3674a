// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-unit-weight-tiles=tile-bytes=512 --m3sat-hls-stage-unit-operands --canonicalize | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-unit-weight-tiles=tile-bytes=512 --m3sat-hls-stage-unit-operands --canonicalize --m3sat-hls-annotate-loops --m3sat-hls-partition-arrays | FileCheck %s --check-prefix=PART
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-unit-weight-tiles=tile-bytes=512 --m3sat-hls-stage-unit-operands --canonicalize --m3sat-hls-annotate-loops --m3sat-hls-partition-arrays | m3sat-translate --emit-hls-cpp /dev/stdin -o %t.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-unit-weight-tiles=tile-bytes=512 --m3sat-hls-stage-unit-operands --canonicalize | FileCheck %s --check-prefix=INPUT
// RUN: not m3sat-opt %s --m3sat-hls-unit-weight-tiles=tile-bytes=0 2>&1 | FileCheck %s --check-prefix=BAD

// C = X W on a unit of four lanes, W a whole weight port (K = 16, N = 32).
// With 512-byte tiles each tile holds R = 4 rows of 32 floats: ping gets
// rows 0-3, then step j (DATAFLOW) loads rows 4j + 4 ... 4j + 7 into one
// buffer while the unit computes rows 4j ... 4j + 3 from the other: K = 4,
// A's offset 4j (aK = 1), B's offset 0 and its row stride 8 groups of 4.
// Nothing copies W whole (m3sat-hls-stage-unit-operands has nothing left).
// CHECK-LABEL: func.func @linear
// CHECK-SAME: %[[W:[^:]*]]: memref<1x16x32xf32> {m3sat.hls.weight}
// CHECK-DAG: %[[PING:.*]] = memref.alloc() : memref<128xf32>
// CHECK-DAG: %[[PONG:.*]] = memref.alloc() : memref<128xf32>
// CHECK-NOT: memref.alloc() : memref<512xf32>
// CHECK: call @linear_utile_load(%{{.*}}, %true, %[[W]], %[[PING]])
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %{{.*}} step %{{.*}} {
// CHECK: scf.if
// CHECK-NEXT: func.call @linear_utile_step(%[[J]], %{{.*}}, %{{.*}}, %[[W]], %[[PONG]], %[[PING]], %{{.*}}, %{{.*}})
// CHECK-NEXT: } else {
// CHECK-NEXT: func.call @linear_utile_step(%[[J]], %{{.*}}, %{{.*}}, %[[W]], %[[PING]], %[[PONG]], %{{.*}}, %{{.*}})
// CHECK-NEXT: } {m3sat.hls.shared_branches}
// CHECK-NOT: call @m3sat_linear
// CHECK: return
// The load: rows tile * 4 + i of W into dst[i * 32 + n].
// CHECK-LABEL: func.func private @linear_utile_load(%arg0: index, %arg1: i1, %arg2: memref<1x16x32xf32>, %arg3: memref<128xf32>)
// CHECK: scf.if %arg1 {
// CHECK: %[[FIRST:.*]] = arith.muli %arg0, %c4
// CHECK: scf.for %[[I:.*]] = %c0 to %c4 step %c1 {
// CHECK: %[[ROW:.*]] = arith.addi %[[FIRST]], %[[I]]
// CHECK: scf.for %[[N:.*]] = %c0 to %c32 step %c1 {
// CHECK: memref.load %arg2[%c0, %[[ROW]], %[[N]]] : memref<1x16x32xf32>
// CHECK: memref.store %{{.*}}, %arg3[%{{.*}}] : memref<128xf32>
// The compute: the unit on the tile's rows.
// CHECK-LABEL: func.func private @linear_utile_compute(%arg0: index, %arg1: memref<128xf32>, %arg2: memref<192xf32>, %arg3: memref<384xf32>)
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[TILE:.*]] = memref.reinterpret_cast %arg1 to offset: [0], sizes: [512], strides: [1] : memref<128xf32> to memref<512xf32>
// CHECK: %[[AOFF:.*]] = arith.muli %arg0, %[[C4]] : index
// CHECK: call @m3sat_linear(%arg2, %[[TILE]], %arg3, %[[C12]], %[[C8]], %[[C4]], %[[AOFF]], %[[C16]], %[[C1]], %[[C0]], %[[C8]], %[[C0]], %[[C8]]) {m3sat.hls.linear_trips = #m3sat.hls_linear_trips<m = 12, n = 8, k = 4>}
// The step: the load and the compute as a DATAFLOW region.
// CHECK-LABEL: func.func private @linear_utile_step
// CHECK-SAME: attributes {m3sat.hls.dataflow}
// CHECK-NEXT: call @linear_utile_load(%arg1, %arg2, %arg3, %arg4)
// CHECK-NEXT: call @linear_utile_compute(%arg0, %arg5, %arg6, %arg7)
// The tiles are partitioned for the lanes, as B's arrays are.
// PART-LABEL: func.func @linear
// PART: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 4>} : memref<128xf32>
// PART: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 4>} : memref<128xf32>
// CPP: static void f_linear_utile_step(
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS DATAFLOW
// BAD: m3sat-hls-unit-weight-tiles: tile-bytes must be >= 1
func.func @linear(%w: memref<1x16x32xf32> {m3sat.hls.weight}, %y: memref<12x32xf32>) {
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
        %bv = memref.load %w[%c0, %k, %n] : memref<1x16x32xf32>
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

// A is the input port: the call stays, and m3sat-hls-stage-unit-operands
// copies A and W on chip around it.
// INPUT-LABEL: func.func @input_a
// INPUT-NOT: utile
// INPUT: call @m3sat_linear(
// INPUT: return
func.func @input_a(%x: memref<12x16xf32>, %w: memref<1x16x32xf32> {m3sat.hls.weight}, %y: memref<12x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %o = memref.alloc() : memref<12x32xf32>
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %k = %c0 to %c16 step %c1 {
      scf.for %n = %c0 to %c32 step %c1 {
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %bv = memref.load %w[%c0, %k, %n] : memref<1x16x32xf32>
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
