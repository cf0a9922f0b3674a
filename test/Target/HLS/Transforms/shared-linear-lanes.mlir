// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize | FileCheck %s --check-prefix=UNIT
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-annotate-loops --m3sat-hls-partition-arrays | FileCheck %s --check-prefix=PART
// RUN: m3sat-opt %s --m3sat-hls-shared-linear=lanes=4 --canonicalize --m3sat-hls-annotate-loops --m3sat-hls-partition-arrays | m3sat-translate --emit-hls-cpp /dev/stdin -o %t.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp

// A unit of four constant lanes over N. C[m, n] += X[m, k] * B[k, n] with N
// = 32 contiguous in B and C: N / 4 = 8 groups, B's k stride and C's m
// stride (32) counted in groups (8), the calls' trips n = 8.
// CHECK-LABEL: func.func @lanes
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: call @m3sat_linear(%{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %[[C12]], %[[C8]], %[[C16]], %[[C0]], %[[C16]], %[[C1]], %[[C0]], %[[C8]], %[[C0]], %[[C8]]) {m3sat.hls.linear_trips = #m3sat.hls_linear_trips<m = 12, n = 8, k = 16>}
// The unit: the pipelined loop over groups of four, lane j at 4 g + j.
// UNIT-LABEL: func.func private @m3sat_linear
// UNIT-DAG: %[[C4:.*]] = arith.constant 4 : index
// UNIT-DAG: %[[L1:.*]] = arith.constant 1 : index
// UNIT-DAG: %[[L2:.*]] = arith.constant 2 : index
// UNIT-DAG: %[[L3:.*]] = arith.constant 3 : index
// UNIT: scf.for
// UNIT: scf.for
// UNIT: %[[A:.*]] = memref.load %arg0
// UNIT: scf.for %[[G:.*]] = %{{.*}} to %arg4
// UNIT: %[[CG:.*]] = arith.addi %{{.*}}, %[[G]] : index
// UNIT: %[[CI:.*]] = arith.muli %[[CG]], %[[C4]] : index
// UNIT: %[[BG:.*]] = arith.addi %{{.*}}, %[[G]] : index
// UNIT: %[[BI:.*]] = arith.muli %[[BG]], %[[C4]] : index
// UNIT: %[[B0:.*]] = memref.load %arg1[%[[BI]]]
// UNIT: arith.mulf %[[A]], %[[B0]]
// UNIT: memref.store %{{.*}}, %arg2[%[[CI]]]
// UNIT: %[[CI1:.*]] = arith.addi %[[CI]], %[[L1]] : index
// UNIT: %[[BI1:.*]] = arith.addi %[[BI]], %[[L1]] : index
// UNIT: memref.store %{{.*}}, %arg2[%[[CI1]]]
// UNIT: arith.addi %[[CI]], %[[L2]] : index
// UNIT: arith.addi %[[CI]], %[[L3]] : index
// UNIT: arith.mulf
// UNIT-NOT: arith.mulf
// UNIT: } {m3sat.hls.independent, m3sat.hls.max_trip_count = 8 : i64}
// B and C are partitioned cyclically by the lanes along N.
// PART-LABEL: func.func @lanes
// PART: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<16x32xf32>
// PART: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<12x32xf32>
// PART-NOT: m3sat.hls.partition
// CPP: static void f_m3sat_linear(
// CPP: #pragma HLS PIPELINE II=1
// CPP: void lanes(
// CPP: #pragma HLS ARRAY_PARTITION variable={{.*}} cyclic factor=4 dim=2
// CPP: #pragma HLS ARRAY_PARTITION variable={{.*}} cyclic factor=4 dim=2
func.func @lanes(%x: memref<12x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %b = memref.alloc() : memref<16x32xf32>
  %o = memref.alloc() : memref<12x32xf32>
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %k = %c0 to %c16 step %c1 {
      scf.for %n = %c0 to %c32 step %c1 {
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %bv = memref.load %b[%k, %n] : memref<16x32xf32>
        %c = memref.load %o[%m, %n] : memref<12x32xf32>
        %p = arith.mulf %a, %bv : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %o[%m, %n] : memref<12x32xf32>
      }
    }
  }
  return
}

// A weight port stored (out, in): N strided in B. It is copied into an
// on-chip [K][N] buffer (B[n, k] to buf[k * 32 + n]) before the call, which
// reads that as a lane-aligned B.
// CHECK-LABEL: func.func @transposed
// CHECK-SAME: %[[W:[^:]*]]: memref<32x16xf32>
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<512xf32>
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %{{.*}}
// CHECK: scf.for %[[N:.*]] = %{{.*}} to %{{.*}}
// CHECK: %[[V:.*]] = memref.load %[[W]][%[[N]], %[[K]]] : memref<32x16xf32>
// CHECK: %[[ROW:.*]] = arith.muli %[[K]], %{{.*}} : index
// CHECK: %[[I:.*]] = arith.addi %[[ROW]], %[[N]] : index
// CHECK: memref.store %[[V]], %[[BUF]][%[[I]]] : memref<512xf32>
// CHECK: call @m3sat_linear(%{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %[[C8:[^,]*]], %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %[[C8]], %{{[^,]*}}, %[[C8]])
// CHECK-SAME: #m3sat.hls_linear_trips<m = 12, n = 8, k = 16>
// PART-LABEL: func.func @transposed
// PART: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 1, factor = 4>} : memref<512xf32>
// PART: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<12x32xf32>
func.func @transposed(%x: memref<12x16xf32>, %w: memref<32x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  %y = memref.alloc() : memref<12x32xf32>
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %n = %c0 to %c32 step %c1 {
      scf.for %k = %c0 to %c16 step %c1 {
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %b = memref.load %w[%n, %k] : memref<32x16xf32>
        %c = memref.load %y[%m, %n] : memref<12x32xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %y[%m, %n] : memref<12x32xf32>
      }
    }
  }
  return
}

// Not on a unit of four lanes: N strided in an on-chip B, N = 6 not a
// multiple of 4, and C at an offset (2) that is not one.
// CHECK-LABEL: func.func @no_lanes
// CHECK-NOT: call
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: call
// CHECK: return
func.func @no_lanes(%x: memref<12x16xf32>, %y: memref<12x32xf32>, %v: memref<16x6xf32>, %z: memref<12x6xf32>, %u: memref<16x32xf32>, %r: memref<12x34xf32>) {
  %w = memref.alloc() : memref<32x16xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c6 = arith.constant 6 : index
  %c12 = arith.constant 12 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %n = %c0 to %c32 step %c1 {
      scf.for %k = %c0 to %c16 step %c1 {
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %b = memref.load %w[%n, %k] : memref<32x16xf32>
        %c = memref.load %y[%m, %n] : memref<12x32xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %y[%m, %n] : memref<12x32xf32>
      }
    }
  }
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %k = %c0 to %c16 step %c1 {
      scf.for %n = %c0 to %c6 step %c1 {
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %b = memref.load %v[%k, %n] : memref<16x6xf32>
        %c = memref.load %z[%m, %n] : memref<12x6xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %z[%m, %n] : memref<12x6xf32>
      }
    }
  }
  scf.for %m = %c0 to %c12 step %c1 {
    scf.for %k = %c0 to %c16 step %c1 {
      scf.for %n = %c0 to %c32 step %c1 {
        %ro = arith.addi %n, %c2 : index
        %a = memref.load %x[%m, %k] : memref<12x16xf32>
        %b = memref.load %u[%k, %n] : memref<16x32xf32>
        %c = memref.load %r[%m, %ro] : memref<12x34xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %r[%m, %ro] : memref<12x34xf32>
      }
    }
  }
  return
}
