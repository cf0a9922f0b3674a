// RUN: m3sat-opt %s --m3sat-hls-shared-linear --canonicalize | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-shared-linear --canonicalize | m3sat-translate --emit-hls-cpp /dev/stdin -o %t.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp

// Every product nest becomes a call of one unit; the unit's arrays are as
// large as the largest passed (A: 512, B: 32x16 and 4x16x8, C: 12x32).
// CHECK-LABEL: func.func @dense
// CHECK-SAME: (%[[X:.*]]: memref<12x16xf32>, %[[W:.*]]: memref<32x16xf32>, %[[Y:.*]]: memref<12x32xf32>)
// CHECK-NOT: scf.for
// CHECK-DAG: %[[A:.*]] = memref.reinterpret_cast %[[X]] to offset: [0], sizes: [512], strides: [1] : memref<12x16xf32> to memref<512xf32>
// CHECK-DAG: %[[B:.*]] = memref.reinterpret_cast %[[W]] to offset: [0], sizes: [512], strides: [1] : memref<32x16xf32> to memref<512xf32>
// CHECK-DAG: %[[C:.*]] = memref.reinterpret_cast %[[Y]] to offset: [0], sizes: [384], strides: [1] : memref<12x32xf32> to memref<384xf32>
// M 12, N 32, K 16; A (m, k) strides 16, 1; B (k, n) 1, 16; C (m, n) 32, 1.
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C12:.*]] = arith.constant 12 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK: call @m3sat_linear(%[[A]], %[[B]], %[[C]], %[[C12]], %[[C32]], %[[C16]], %{{.*}}, %[[C16]], %[[C1]], %{{.*}}, %[[C1]], %[[C16]], %{{.*}}, %[[C32]], %[[C1]]) {m3sat.hls.linear_trips = #m3sat.hls_linear_trips<m = 12, n = 32, k = 16>}
// CHECK-NOT: scf.for
// CHECK: return
func.func @dense(%x: memref<12x16xf32>, %w: memref<32x16xf32>, %y: memref<12x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
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
  return
}

// Attention scores: the head loop indexes all three arrays and stays
// around the call, which gets the head's offsets; a flattened buffer's
// offsets are linear in the loops.
// CHECK-LABEL: func.func @heads
// CHECK: scf.for %[[H:.*]] =
// CHECK-NOT: scf.for
// CHECK: %[[AOFF:.*]] = arith.muli %[[H]], %{{.*}} : index
// CHECK: call @m3sat_linear
// CHECK-SAME: #m3sat.hls_linear_trips<m = 8, n = 8, k = 16>
// CHECK-NOT: scf.for
// CHECK: return
func.func @heads(%q: memref<512xf32>, %k: memref<4x16x8xf32>, %s: memref<4x8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c128 = arith.constant 128 : index
  scf.for %h = %c0 to %c4 step %c1 {
    %base = arith.muli %h, %c128 : index
    scf.for %i = %c0 to %c8 step %c1 {
      %row = arith.muli %i, %c16 : index
      %qrow = arith.addi %base, %row : index
      scf.for %d = %c0 to %c16 step %c1 {
        scf.for %j = %c0 to %c8 step %c1 {
          %qi = arith.addi %qrow, %d : index
          %a = memref.load %q[%qi] : memref<512xf32>
          %b = memref.load %k[%h, %d, %j] : memref<4x16x8xf32>
          %c = memref.load %s[%h, %i, %j] : memref<4x8x8xf32>
          %p = arith.mulf %a, %b : f32
          %t = arith.addf %p, %c : f32
          memref.store %t, %s[%h, %i, %j] : memref<4x8x8xf32>
        }
      }
    }
  }
  return
}

// An expert's token group: rows from a run-time start, a run-time count
// (its largest trip count recorded); both become call arguments.
// CHECK-LABEL: func.func @expert
// CHECK-SAME: (%[[START:[^:]*]]: index, %[[COUNT:[^:]*]]: index
// CHECK-NOT: scf.for
// CHECK: call @m3sat_linear(%{{.*}}, %{{.*}}, %{{.*}}, %[[COUNT]],
// CHECK-SAME: #m3sat.hls_linear_trips<m = 12, n = 32, k = 16>
// CHECK: return
func.func @expert(%start: index, %count: index, %x: memref<12x16xf32>, %w: memref<32x16xf32>, %y: memref<12x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %c32 = arith.constant 32 : index
  scf.for %m = %c0 to %count step %c1 {
    scf.for %n = %c0 to %c32 step %c1 {
      scf.for %k = %c0 to %c16 step %c1 {
        %r = arith.addi %start, %m : index
        %a = memref.load %x[%r, %k] : memref<12x16xf32>
        %b = memref.load %w[%n, %k] : memref<32x16xf32>
        %c = memref.load %y[%r, %n] : memref<12x32xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %y[%r, %n] : memref<12x32xf32>
      }
    }
  } {m3sat.hls.max_trip_count = 12 : i64}
  return
}

// A reshape folded into the indices: X[(i * 3 + j floordiv 16) * 16 +
// j mod 16] (floor division and remainder as arith-expand-ops writes them)
// is X[i * 48 + j]: a product with A strides 48 (m) and 1 (k).
// CHECK-LABEL: func.func @reshaped
// CHECK-NOT: scf.for
// CHECK-DAG: %[[C48:.*]] = arith.constant 48 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: call @m3sat_linear(%{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %{{[^,]*}}, %[[C48]], %{{[^,]*}}, %[[C48]], %[[C1]],
// CHECK-SAME: #m3sat.hls_linear_trips<m = 4, n = 8, k = 48>
// CHECK: return
func.func @reshaped(%x: memref<192xf32>, %w: memref<48x8xf32>, %y: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %cm1 = arith.constant -1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c48 = arith.constant 48 : index
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c48 step %c1 {
      scf.for %n = %c0 to %c8 step %c1 {
        %q0 = arith.divsi %j, %c16 : index
        %qm = arith.muli %q0, %c16 : index
        %ne = arith.cmpi ne, %j, %qm : index
        %neg = arith.cmpi slt, %j, %c0 : index
        %both = arith.andi %ne, %neg : i1
        %q1 = arith.addi %q0, %cm1 : index
        %q = arith.select %both, %q1, %q0 : index
        %r0 = arith.remsi %j, %c16 : index
        %rneg = arith.cmpi slt, %r0, %c0 : index
        %r1 = arith.addi %r0, %c16 : index
        %r = arith.select %rneg, %r1, %r0 : index
        %i3 = arith.muli %i, %c3 : index
        %row = arith.addi %i3, %q : index
        %row16 = arith.muli %row, %c16 : index
        %xi = arith.addi %row16, %r : index
        %a = memref.load %x[%xi] : memref<192xf32>
        %b = memref.load %w[%j, %n] : memref<48x8xf32>
        %c = memref.load %y[%i, %n] : memref<4x8xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %y[%i, %n] : memref<4x8xf32>
      }
    }
  }
  return
}

// Not products: a convolution's two reduction loops, and an index that is
// not linear (a gathered row). They stay loops.
// CHECK-LABEL: func.func @not_products
// CHECK-NOT: call
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: call
// CHECK: return
func.func @not_products(%x: memref<10xf32>, %w: memref<3x2xf32>, %y: memref<8xf32>, %rows: memref<8xindex>, %m: memref<16x4xf32>, %z: memref<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %t = %c0 to %c3 step %c1 {
      scf.for %u = %c0 to %c2 step %c1 {
        %xi = arith.addi %i, %t : index
        %a = memref.load %x[%xi] : memref<10xf32>
        %b = memref.load %w[%t, %u] : memref<3x2xf32>
        %c = memref.load %y[%i] : memref<8xf32>
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        memref.store %s, %y[%i] : memref<8xf32>
      }
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %k = %c0 to %c4 step %c1 {
      %row = memref.load %rows[%i] : memref<8xindex>
      %a = memref.load %m[%row, %k] : memref<16x4xf32>
      %b = memref.load %m[%i, %k] : memref<16x4xf32>
      %c = memref.load %z[%i, %k] : memref<8x4xf32>
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      memref.store %s, %z[%i, %k] : memref<8x4xf32>
    }
  }
  return
}

// The unit, once: its N loop innermost, iterations independent.
// CHECK: func.func private @m3sat_linear(%{{.*}}: memref<512xf32>, %{{.*}}: memref<512xf32>, %{{.*}}: memref<384xf32>, %{{.*}}: index
// CHECK-SAME: m3sat.hls.shared_unit
// CHECK: scf.for
// CHECK: scf.for
// CHECK: memref.load
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: memref.store
// CHECK: m3sat.hls.independent
// CHECK-NOT: func.func

// CPP: static void f_m3sat_linear(const m3sat_act_t {{.*}}[512], const m3sat_act_t {{.*}}[512], m3sat_act_t {{.*}}[384],
// CPP: #pragma HLS INLINE off
// CPP: #pragma HLS DEPENDENCE variable={{.*}} inter false
// CPP-LABEL: void dense(
// CPP: #pragma HLS ALLOCATION function instances=f_m3sat_linear limit=1
// CPP: f_m3sat_linear((&{{.*}}[0][0]), (&{{.*}}[0][0]), (&{{.*}}[0][0]), 12, 32, 16,
