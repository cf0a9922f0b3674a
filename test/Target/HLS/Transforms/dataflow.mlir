// m3sat-hls-dataflow: the stages of a top function as a DATAFLOW region of
// outlined stage functions, with FIFO channels where producer and consumer
// walk a buffer in the same order and ping-pong channels otherwise.
// RUN: rm -rf %t && split-file %s %t
// RUN: m3sat-opt %t/chain.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=CHAIN
// RUN: m3sat-opt %t/two.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=TWO
// RUN: m3sat-opt %t/order.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=ORDER
// RUN: m3sat-opt %t/nofifo.mlir --m3sat-hls-dataflow=fifo=false | FileCheck %s --check-prefix=NOFIFO
// RUN: m3sat-opt %t/feedback.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=FEEDBACK
// RUN: m3sat-opt %t/scalar.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=SCALAR
// RUN: m3sat-opt %t/inplace.mlir --m3sat-hls-dataflow | FileCheck %s --check-prefix=INPLACE

// The emitted C++: one DATAFLOW pragma (the region), streams with their
// depth, read and written one value at a time; g++ -Wall -Wextra clean.
// RUN: m3sat-opt %t/chain.mlir --m3sat-hls-dataflow | m3sat-translate --emit-hls-cpp /dev/stdin -o %t/chain.cpp
// RUN: FileCheck %s --check-prefix=CPP < %t/chain.cpp
// RUN: grep -c "pragma HLS DATAFLOW" %t/chain.cpp | FileCheck %s --check-prefix=ONE
// RUN: grep -c "pragma HLS STREAM" %t/chain.cpp | FileCheck %s --check-prefix=TWOSTREAMS
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t/chain.cpp
// RUN: m3sat-opt %t/order.mlir --m3sat-hls-dataflow | m3sat-translate --emit-hls-cpp /dev/stdin -o %t/order.cpp
// RUN: FileCheck %s --check-prefix=PIPO-CPP < %t/order.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t/order.cpp
// ONE: {{^1$}}
// TWOSTREAMS: {{^2$}}

// A chain of three elementwise stages: two FIFOs of depth 2 (each stage
// has one channel in and one out).
// CHAIN-LABEL: func.func private @chain_df0_s0(
// CHAIN-SAME: {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}
// CHAIN: memref.store %{{.*}}, %arg{{[0-9]}}[%c0, %c0]
// CHAIN-LABEL: func.func private @chain_df0_s1(
// CHAIN-SAME: {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}
// CHAIN-SAME: {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}
// CHAIN-LABEL: func.func private @chain_df0_s2(
// CHAIN-SAME: {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}
// CHAIN-LABEL: func.func private @chain_df0(
// CHAIN-SAME: attributes {m3sat.hls.dataflow, m3sat.hls.dataflow_region}
// CHAIN: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 2 : i64} : memref<4x8xf32>
// CHAIN: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 2 : i64} : memref<32xf32>
// CHAIN: call @chain_df0_s0(
// CHAIN: call @chain_df0_s1(
// CHAIN: call @chain_df0_s2(
// CHAIN-LABEL: func.func @chain(
// CHAIN-NOT: scf.for
// CHAIN: call @chain_df0(%arg0, %arg1)
// CHAIN-NOT: scf.for
// CHAIN: return

// CPP: static void f_chain_df0_s0(const m3sat_act_t arg0[4][8], m3sat_stream<m3sat_act_t> &arg1)
// CPP: arg1.write(
// CPP: static void f_chain_df0_s1(m3sat_stream<m3sat_act_t> &arg0, m3sat_stream<m3sat_act_t> &arg1)
// CPP: arg0.read()
// CPP: static void f_chain_df0(
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS DATAFLOW
// CPP-NEXT: #endif
// CPP-NEXT: m3sat_stream<m3sat_act_t> [[F:fifo[0-9]+]];
// CPP-NEXT: #ifdef __SYNTHESIS__
// CPP-NEXT: #pragma HLS STREAM variable=[[F]] depth=2
// CPP: f_chain_df0_s0(arg0, [[F]]);

//--- chain.mlir
func.func @chain(%x: memref<4x8xf32>, %y: memref<4x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<4x8xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %w = arith.mulf %v, %cst : f32
      memref.store %w, %a[%i, %j] : memref<4x8xf32>
    }
  }
  %b = memref.alloc() : memref<32xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %a[%i, %j] : memref<4x8xf32>
      %e = math.exp %v : f32
      %o = arith.muli %i, %c8 : index
      %k = arith.addi %o, %j : index
      memref.store %e, %b[%k] : memref<32xf32>
    }
  }
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %o = arith.muli %i, %c8 : index
      %k = arith.addi %o, %j : index
      %v = memref.load %b[%k] : memref<32xf32>
      %w = arith.addf %v, %cst : f32
      memref.store %w, %y[%i, %j] : memref<4x8xf32>
    }
  }
  return
}

// A buffer with two consumers: the producer also stores a copy, and each
// consumer reads its own channel. The producer has two channels out, the
// last stage two in: the FIFOs hold the whole buffer (8 values), so that
// no stage waits on a full one.
// TWO-LABEL: func.func private @two_df0_s0(
// TWO-SAME: %[[A:arg[0-9]+]]: memref<8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}
// TWO-SAME: %[[COPY:arg[0-9]+]]: memref<8xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}
// TWO-DAG: memref.store %[[V:[0-9]+]], %[[A]][%c0]
// TWO-DAG: memref.store %[[V]], %[[COPY]][%c0]
// TWO-LABEL: func.func private @two_df0_s1(
// TWO-LABEL: func.func private @two_df0_s2(
// TWO-SAME: {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}
// TWO-SAME: {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}
// TWO-LABEL: func.func private @two_df0(
// TWO-COUNT-3: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 8 : i64} : memref<8xf32>
// TWO-NOT: memref.alloc
// TWO: call @two_df0_s0(
// TWO-NEXT: call @two_df0_s1(
// TWO-NEXT: call @two_df0_s2(

//--- two.mlir
func.func @two(%x: memref<8xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %w = arith.mulf %v, %cst : f32
    memref.store %w, %a[%i] : memref<8xf32>
  }
  %b = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %w = arith.addf %v, %cst : f32
    memref.store %w, %b[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %u = memref.load %b[%i] : memref<8xf32>
    %w = arith.mulf %v, %u : f32
    memref.store %w, %y[%i] : memref<8xf32>
  }
  return
}

// A buffer read in another order than it is written (a transpose): a
// ping-pong channel.
// ORDER-LABEL: func.func private @order_df0_s0(
// ORDER-SAME: {m3sat.hls.channel = #m3sat.hls_channel<pipo_out>}
// ORDER: memref.store %{{.*}}, %arg{{[0-9]}}[%arg{{[0-9]}}, %arg{{[0-9]}}]
// ORDER-LABEL: func.func private @order_df0_s1(
// ORDER-SAME: {m3sat.hls.channel = #m3sat.hls_channel<pipo_in>}
// ORDER-LABEL: func.func private @order_df0(
// ORDER: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<4x8xf32>
// ORDER-NOT: fifo

// PIPO-CPP: static void f_order_df0_s0(const m3sat_act_t arg0[4][8], m3sat_act_t arg1[4][8])
// PIPO-CPP: static void f_order_df0(
// PIPO-CPP: #pragma HLS DATAFLOW
// PIPO-CPP: M3SAT_HLS_PIPO m3sat_act_t [[B:buf[0-9]+]][4][8];
// PIPO-CPP: f_order_df0_s0(arg0, [[B]]);

//--- order.mlir
func.func @order(%x: memref<4x8xf32>, %y: memref<8x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<4x8xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    scf.for %j = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %j] : memref<4x8xf32>
      %w = arith.mulf %v, %cst : f32
      memref.store %w, %a[%i, %j] : memref<4x8xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c4 step %c1 {
      %v = memref.load %a[%j, %i] : memref<4x8xf32>
      memref.store %v, %y[%i, %j] : memref<8x4xf32>
    }
  }
  return
}

// Without FIFOs (--hls-unroll: several values a cycle), every channel is a
// ping-pong buffer.
// NOFIFO-LABEL: func.func private @pingpong_df0(
// NOFIFO: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<8xf32>
// NOFIFO-NOT: hls_channel<fifo

//--- nofifo.mlir
func.func @pingpong(%x: memref<8xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %a = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %w = arith.mulf %v, %cst : f32
    memref.store %w, %a[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %w = arith.addf %v, %cst : f32
    memref.store %w, %y[%i] : memref<8xf32>
  }
  return
}

// Feedback: the second stage writes the array the first one read. A
// region would give the array a reader and a writer in the wrong order:
// no region, the loops stay as they are.
// FEEDBACK-NOT: dataflow
// FEEDBACK-LABEL: func.func @feedback(
// FEEDBACK: scf.for
// FEEDBACK: memref.load %arg0
// FEEDBACK: scf.for
// FEEDBACK: memref.store %{{.*}}, %arg0
// FEEDBACK-NOT: call

//--- feedback.mlir
func.func @feedback(%acc: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %b = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %acc[%i] : memref<8xf32>
    %w = arith.mulf %v, %cst : f32
    memref.store %w, %b[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %b[%i] : memref<8xf32>
    %w = arith.addf %v, %cst : f32
    memref.store %w, %acc[%i] : memref<8xf32>
  }
  return
}

// A scalar that one loop computes and the next uses splits the stages:
// no region.
// SCALAR-NOT: dataflow
// SCALAR-LABEL: func.func @scalar(
// SCALAR: scf.for
// SCALAR: %[[S:.*]] = scf.for
// SCALAR: scf.for
// SCALAR: arith.addf %{{.*}}, %[[S]]
// SCALAR-NOT: call

//--- scalar.mlir
func.func @scalar(%x: memref<8xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %w = arith.mulf %v, %cst : f32
    memref.store %w, %a[%i] : memref<8xf32>
  }
  %s = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
    %v = memref.load %a[%i] : memref<8xf32>
    %n = arith.addf %acc, %v : f32
    scf.yield %n : f32
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %w = arith.addf %v, %s : f32
    memref.store %w, %y[%i] : memref<8xf32>
  }
  return
}

// An update in place of a fill that another loop read first (bufferization
// shares one zero fill between two products, the first copying it) gets a
// fill of its own; otherwise the two writers of the fill would make all
// five loops one stage.
// INPLACE-LABEL: func.func private @inplace_df0_s0(
// INPLACE-LABEL: func.func private @inplace_df0(
// INPLACE-SAME: attributes {m3sat.hls.dataflow, m3sat.hls.dataflow_region}
// INPLACE-COUNT-5: call @inplace_df0_s

//--- inplace.mlir
func.func @inplace(%x: memref<8xf32>, %y: memref<8xf32>, %z: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %cst = arith.constant 2.0 : f32
  %zero = arith.constant 0.0 : f32
  %fill = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %zero, %fill[%i] : memref<8xf32>
  }
  %copy = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %fill[%i] : memref<8xf32>
    %u = memref.load %x[%i] : memref<8xf32>
    %w = arith.addf %v, %u : f32
    memref.store %w, %copy[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %copy[%i] : memref<8xf32>
    memref.store %v, %z[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %k = %c0 to %c8 step %c1 {
      %v = memref.load %fill[%i] : memref<8xf32>
      %u = memref.load %copy[%k] : memref<8xf32>
      %w = arith.addf %v, %u : f32
      memref.store %w, %fill[%i] : memref<8xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %fill[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
  }
  return
}
