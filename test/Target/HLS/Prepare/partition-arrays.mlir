// RUN: m3sat-opt %s --m3sat-hls-annotate-loops=unroll=4 --m3sat-hls-partition-arrays | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-annotate-loops --m3sat-hls-partition-arrays | FileCheck %s --check-prefix=NOUNROLL
// RUN: m3sat-opt %s --m3sat-hls-annotate-loops=unroll=4 --m3sat-hls-partition-arrays | m3sat-translate --emit-hls-cpp /dev/stdin -o %t.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp

// A matrix product whose reduction loop (over k) is unrolled 4 times reads
// 4 elements of a row of %a and of %b per cycle: both arrays are split
// cyclically by 4 along k (dimension 2). %acc is read and written at one
// element per iteration (the unrolled copies share it): not partitioned.
// The weight port %w is not an on-chip array.
// CHECK-LABEL: func.func @matmul
// CHECK: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<4x8xf32>
// CHECK: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<2x8xf32>
// CHECK: %[[ACC:.*]] = memref.alloc() : memref<4x2xf32>
// CHECK: {m3sat.hls.pipeline_ii = 1 : i64, m3sat.hls.unroll = 4 : i64}
// Without unrolling, two ports are enough.
// NOUNROLL-NOT: m3sat.hls.partition
// CPP: static m3sat_act_t [[A:buf[0-9]+]][4][8];
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS ARRAY_PARTITION variable=[[A]] cyclic factor=4 dim=2
// CPP-NEXT: #endif
// CPP: #pragma HLS PIPELINE II=1
// CPP-NEXT: #pragma HLS UNROLL factor=4
func.func @matmul(%x: memref<4x8xf32>, %w: memref<2x8xf32>, %y: memref<4x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<4x8xf32>
  %b = memref.alloc() : memref<2x8xf32>
  %acc = memref.alloc() : memref<4x2xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %k = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %k] : memref<4x8xf32>
      memref.store %v, %a[%i, %k] : memref<4x8xf32>
    }
  }
  scf.for %j = %c0 to %c2 step %c1 {
    scf.for %k = %c0 to %c8 step %c1 {
      %v = memref.load %w[%j, %k] : memref<2x8xf32>
      memref.store %v, %b[%j, %k] : memref<2x8xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c2 step %c1 {
      memref.store %zero, %acc[%i, %j] : memref<4x2xf32>
      scf.for %k = %c0 to %c8 step %c1 {
        %av = memref.load %a[%i, %k] : memref<4x8xf32>
        %bv = memref.load %b[%j, %k] : memref<2x8xf32>
        %p = arith.mulf %av, %bv : f32
        %s = memref.load %acc[%i, %j] : memref<4x2xf32>
        %t = arith.addf %s, %p : f32
        memref.store %t, %acc[%i, %j] : memref<4x2xf32>
      }
      %r = memref.load %acc[%i, %j] : memref<4x2xf32>
      memref.store %r, %y[%i, %j] : memref<4x2xf32>
    }
  }
  return
}
