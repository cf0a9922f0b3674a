// RUN: m3sat-opt %s --m3sat-hls-expert-schedule | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-expert-schedule --m3sat-hls-annotate-loops | FileCheck %s --check-prefix=ANNOTATE
// The emitted C++ compiles without warnings, in float and fixed point.
// RUN: m3sat-opt %s --m3sat-hls-expert-schedule --m3sat-hls-annotate-loops | m3sat-translate --emit-hls-cpp /dev/stdin -o %t.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -DM3SAT_HLS_FIXED -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp

// An expert loop as the grouped matmul of a token-routed MoE layer lowers:
// expert e multiplies its rows offsets[e] .. offsets[e+1] by w[e] (+ b[e]).
// The queue: experts with a positive row count, in order.
// CHECK-LABEL: func.func @experts
// CHECK-SAME: (%[[X:.*]]: memref<6x4xf32>, %[[OFF:.*]]: memref<4xi64>, %[[W:.*]]: memref<3x2x4xf32> {{.*}}, %[[B:.*]]: memref<3x2xf32> {{.*}}, %[[Y:.*]]: memref<6x2xf32>)
// CHECK: %[[QUEUE:.*]] = memref.alloc() : memref<3xindex>
// CHECK: %[[QUEUED:.*]] = scf.for %[[E:.*]] = %{{.*}} iter_args(%[[N:.*]] = %{{.*}}) -> (index) {
// CHECK: %[[COUNT:.*]] = arith.subi
// CHECK: %[[BUSY:.*]] = arith.cmpi sgt, %[[COUNT]]
// CHECK: scf.if %[[BUSY]] {
// CHECK-NEXT: memref.store %[[E]], %[[QUEUE]][%[[N]]]
// CHECK: arith.select %[[BUSY]]
// Ping and pong: one expert's slice of each weight, twice.
// CHECK: %[[PINGW:.*]] = memref.alloc() {m3sat.hls.stream_of = 2 : i64} : memref<2x4xf32>
// CHECK-NEXT: %[[PINGB:.*]] = memref.alloc() {m3sat.hls.stream_of = 3 : i64} : memref<2xf32>
// CHECK-NEXT: %[[PONGW:.*]] = memref.alloc() {m3sat.hls.stream_of = 2 : i64} : memref<2x4xf32>
// CHECK-NEXT: %[[PONGB:.*]] = memref.alloc() {m3sat.hls.stream_of = 3 : i64} : memref<2xf32>
// The first expert's weights go to ping; then step i loads queue[i+1]
// into one buffer while queue[i] computes from the other.
// CHECK: %[[ANY:.*]] = arith.cmpi sgt, %[[QUEUED]]
// CHECK: %[[FIRST:.*]] = memref.load %[[QUEUE]]
// CHECK: call @experts_0_expert_load(%[[FIRST]], %[[ANY]], %[[W]], %[[B]], %[[PINGW]], %[[PINGB]])
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[QUEUED]]
// CHECK: %[[CUR:.*]] = memref.load %[[QUEUE]][%[[I]]]
// CHECK: %[[MORE:.*]] = arith.cmpi slt
// CHECK: %[[NEXT:.*]] = memref.load %[[QUEUE]]
// CHECK: scf.if
// CHECK-NEXT: func.call @experts_0_expert_step(%[[CUR]], %[[NEXT]], %[[MORE]], %[[W]], %[[B]], %[[PONGW]], %[[PONGB]], %[[PINGW]], %[[PINGB]], %[[OFF]], %[[X]], %[[Y]])
// CHECK-NEXT: } else {
// CHECK-NEXT: func.call @experts_0_expert_step(%[[CUR]], %[[NEXT]], %[[MORE]], %[[W]], %[[B]], %[[PINGW]], %[[PINGB]], %[[PONGW]], %[[PONGB]], %[[OFF]], %[[X]], %[[Y]])
// CHECK-NEXT: } {m3sat.hls.shared_branches}
// CHECK-NEXT: } {m3sat.hls.expert_schedule, m3sat.hls.max_trip_count = 3 : i64}
// The top function no longer reads the weights itself.
// CHECK-NOT: memref.load %[[W]]
// CHECK: return
func.func @experts(%x: memref<6x4xf32>, %offsets: memref<4xi64>,
                   %w: memref<3x2x4xf32> {m3sat.hls.port = "w", m3sat.hls.weight},
                   %b: memref<3x2xf32> {m3sat.hls.port = "b", m3sat.hls.weight},
                   %y: memref<6x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  scf.for %e = %c0 to %c3 step %c1 {
    %lo64 = memref.load %offsets[%e] : memref<4xi64>
    %lo = arith.index_cast %lo64 : i64 to index
    %e1 = arith.addi %e, %c1 : index
    %hi64 = memref.load %offsets[%e1] : memref<4xi64>
    %hi = arith.index_cast %hi64 : i64 to index
    %n = arith.subi %hi, %lo : index
    scf.for %r = %c0 to %n step %c1 {
      %row = arith.addi %lo, %r : index
      scf.for %j = %c0 to %c2 step %c1 {
        %bias = memref.load %b[%e, %j] : memref<3x2xf32>
        %acc = scf.for %d = %c0 to %c4 step %c1 iter_args(%s = %bias) -> f32 {
          %xv = memref.load %x[%row, %d] : memref<6x4xf32>
          %wv = memref.load %w[%e, %j, %d] : memref<3x2x4xf32>
          %m = arith.mulf %xv, %wv : f32
          %a = arith.addf %s, %m : f32
          scf.yield %a : f32
        }
        memref.store %acc, %y[%row, %j] : memref<6x2xf32>
      }
    }
  }
  return
}

// Not expert loops (left as they are): the loop writes the expert-indexed
// array, or a loop in the body does not run over the expert's rows (an
// expert without tokens would still do work).
// CHECK-LABEL: func.func @written
// CHECK-NOT: call
// CHECK: return
func.func @written(%offsets: memref<4xi64>, %w: memref<3x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0.0 : f32
  scf.for %e = %c0 to %c3 step %c1 {
    %n64 = memref.load %offsets[%e] : memref<4xi64>
    %n = arith.index_cast %n64 : i64 to index
    scf.for %j = %c0 to %n step %c1 {
      memref.store %zero, %w[%e, %c0] : memref<3x2xf32>
    }
  }
  return
}

// CHECK-LABEL: func.func @every_expert_works
// CHECK-NOT: call
// CHECK: return
func.func @every_expert_works(%offsets: memref<4xi64>, %w: memref<3x2xf32>,
                              %y: memref<3x2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  scf.for %e = %c0 to %c3 step %c1 {
    scf.for %j = %c0 to %c2 step %c1 {
      %v = memref.load %w[%e, %j] : memref<3x2xf32>
      memref.store %v, %y[%e, %j] : memref<3x2xf32>
    }
  }
  return
}

// The load function copies expert e's slices (when enabled); the compute
// function is the loop body reading the slices; the step runs both as a
// DATAFLOW region.
// CHECK-LABEL: func.func private @experts_0_expert_load
// CHECK-SAME: (%[[E:.*]]: index, %[[EN:.*]]: i1, %[[W:.*]]: memref<3x2x4xf32>, %[[B:.*]]: memref<3x2xf32>, %[[DW:.*]]: memref<2x4xf32>, %[[DB:.*]]: memref<2xf32>)
// CHECK: scf.if %[[EN]]
// CHECK: %[[V:.*]] = memref.load %[[W]][%[[E]], %{{.*}}, %{{.*}}]
// CHECK-NEXT: memref.store %[[V]], %[[DW]]
// CHECK: %[[V2:.*]] = memref.load %[[B]][%[[E]], %{{.*}}]
// CHECK-NEXT: memref.store %[[V2]], %[[DB]]
// CHECK-LABEL: func.func private @experts_0_expert_compute
// CHECK-SAME: (%[[E:.*]]: index, %[[SW:.*]]: memref<2x4xf32>, %[[SB:.*]]: memref<2xf32>, %[[OFF:.*]]: memref<4xi64>, %[[X:.*]]: memref<6x4xf32>, %[[Y:.*]]: memref<6x2xf32>)
// CHECK: memref.load %[[OFF]][%[[E]]]
// CHECK: memref.load %[[SB]][%{{.*}}] : memref<2xf32>
// CHECK: memref.load %[[SW]][%{{.*}}, %{{.*}}] : memref<2x4xf32>
// CHECK-LABEL: func.func private @experts_0_expert_step
// CHECK-SAME: attributes {m3sat.hls.dataflow}
// CHECK-NEXT: call @experts_0_expert_load
// CHECK-NEXT: call @experts_0_expert_compute
// CHECK-NEXT: return

// Loops around calls are not pipelined (the copy loops in the load
// function are).
// ANNOTATE-LABEL: func.func @experts
// ANNOTATE: } {m3sat.hls.expert_schedule, m3sat.hls.max_trip_count = 3 : i64}
// ANNOTATE-LABEL: func.func private @experts_0_expert_load
// ANNOTATE: {m3sat.hls.pipeline_ii = 1 : i64}

// In C++: the weights stay in their own type in the buffers (fixed point
// builds keep them narrow), DATAFLOW in the step, the ping-pong sides.
// CPP: static void f_experts_0_expert_load(int arg0, bool arg1, const m3sat_weight_t arg2[3][2][4], const m3sat_weight_t arg3[3][2], m3sat_weight_t arg4[2][4], m3sat_weight_t arg5[2]) {
// CPP: const m3sat_weight_t [[V:v[0-9]+]] = arg2[arg0][
// CPP-NEXT: arg4[{{.*}}] = [[V]];
// CPP: static void f_experts_0_expert_compute(int arg0, const m3sat_weight_t arg1[2][4], const m3sat_weight_t arg2[2],
// CPP: static void f_experts_0_expert_step(
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS DATAFLOW
// CPP-NEXT: #endif
// CPP-NEXT: f_experts_0_expert_load(
// CPP-NEXT: f_experts_0_expert_compute(
// CPP: void experts(const m3sat_act_t arg0[6][4], const int64_t arg1[4], const m3sat_weight_t w[3][2][4], const m3sat_weight_t b[3][2], m3sat_act_t arg4[6][2]) {
// CPP: static m3sat_weight_t [[PING:buf[0-9]+]][2][4];
// CPP: static m3sat_weight_t [[PONG:buf[0-9]+]][2][4];
// CPP: f_experts_0_expert_load({{.*}}, w, b, [[PING]],
// CPP: #pragma HLS LOOP_TRIPCOUNT max=3
// CPP: f_experts_0_expert_step({{.*}}, w, b, [[PONG]], {{.*}}, [[PING]],
// CPP: } else {
// CPP-NEXT: f_experts_0_expert_step({{.*}}, w, b, [[PING]], {{.*}}, [[PONG]],
