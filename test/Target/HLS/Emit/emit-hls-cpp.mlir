// RUN: m3sat-translate --emit-hls-cpp %s | FileCheck %s
// RUN: m3sat-translate --emit-hls-cpp %s | FileCheck %s --check-prefix=BLOB
// The emitted C++ compiles without warnings against the project header.
// RUN: m3sat-translate --emit-hls-cpp %s -o %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp
// And in fixed point (m3sat_hls.h defaults: ap_fixed<32,10> activations,
// ap_fixed<16,2> weights, from m3sat_ap_fixed.h).
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -DM3SAT_HLS_FIXED -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp

// A constant table becomes a static const array at file scope.
// CHECK: #include "m3sat_hls.h"
// CHECK: static const m3sat_act_t g_table[2] = {1.5f, (-2.0f)};
memref.global "private" constant @__table : memref<2xf32> = dense<[1.5, -2.0]>

// Ports: read-only arrays are const; weights have the weight type; every
// memref argument is an m_axi port on its bundle, control on s_axilite.
// Pragmas are for synthesis only (g++ -Wall warns about unknown pragmas).
// CHECK-LABEL: void dense_exp(const m3sat_act_t x[4][8], const m3sat_weight_t w[8], m3sat_act_t y[4]) {
// CHECK-NEXT: #ifdef __SYNTHESIS__
// CHECK-NEXT: #pragma HLS INTERFACE m_axi port=x offset=slave bundle=gmem_io depth=32
// CHECK-NEXT: #pragma HLS INTERFACE m_axi port=w offset=slave bundle=gmem_w depth=8
// CHECK-NEXT: #pragma HLS INTERFACE m_axi port=y offset=slave bundle=gmem_io depth=4
// CHECK-NEXT: #pragma HLS INTERFACE s_axilite port=return
// CHECK-NEXT: #endif
func.func @dense_exp(%x: memref<4x8xf32> {m3sat.hls.port = "x", m3sat.hls.bundle = "gmem_io"},
                     %w: memref<8xf32> {m3sat.hls.port = "w", m3sat.hls.bundle = "gmem_w", m3sat.hls.weight},
                     %y: memref<4xf32> {m3sat.hls.port = "y", m3sat.hls.bundle = "gmem_io"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %table = memref.get_global @__table : memref<2xf32>
  // A local buffer: an on-chip array with static storage.
  // CHECK: static m3sat_act_t [[BUF:buf[0-9]+]][4];
  %buf = memref.alloc() : memref<4xf32>
  // CHECK: for (int [[I:i[0-9]+]] = 0; [[I]] < 4; [[I]] += 1) {
  // CHECK-NOT: PIPELINE
  // A loop-carried value lives in a variable declared before its loop.
  // CHECK: m3sat_act_t [[ACC:a[0-9]+]] = m3sat_act_t(0.0f);
  // CHECK-NEXT: for (int [[J:i[0-9]+]] = 0; [[J]] < 8; [[J]] += 1) {
  // CHECK-NEXT: #ifdef __SYNTHESIS__
  // CHECK-NEXT: #pragma HLS PIPELINE II=1
  // CHECK-NEXT: #endif
  // CHECK-NEXT: const m3sat_act_t [[A:v[0-9]+]] = x[[[I]]][[[J]]];
  // CHECK-NEXT: const m3sat_weight_t [[B:v[0-9]+]] = w[[[J]]];
  // CHECK-NEXT: const m3sat_act_t [[P:v[0-9]+]] = [[A]] * [[B]];
  // CHECK-NEXT: const m3sat_act_t [[S:v[0-9]+]] = [[ACC]] + [[P]];
  // CHECK-NEXT: [[ACC]] = [[S]];
  // CHECK-NEXT: }
  scf.for %i = %c0 to %c4 step %c1 {
    %sum = scf.for %j = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> (f32) {
      %a = memref.load %x[%i, %j] : memref<4x8xf32>
      %b = memref.load %w[%j] : memref<8xf32>
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %acc, %p : f32
      scf.yield %s : f32
    } {m3sat.hls.pipeline_ii = 1 : i64}
    // Math through m3sat_hls.h; comparisons and selects as C++.
    // CHECK-NEXT: const m3sat_act_t [[E:v[0-9]+]] = m3sat_hls::exp([[ACC]]);
    // CHECK-NEXT: const bool [[POS:v[0-9]+]] = ([[ACC]] > m3sat_act_t(0.0f));
    // CHECK-NEXT: const int [[K:v[0-9]+]] = ([[POS]] ? 1 : 0);
    // CHECK-NEXT: const m3sat_act_t [[T:v[0-9]+]] = g_table[[[K]]];
    // CHECK-NEXT: const m3sat_act_t [[R:v[0-9]+]] = [[E]] * [[T]];
    // CHECK-NEXT: [[BUF]][[[I]]] = [[R]];
    %e = math.exp %sum : f32
    %pos = arith.cmpf ogt, %sum, %zero : f32
    %k = arith.select %pos, %c1, %c0 : index
    %t = memref.load %table[%k] : memref<2xf32>
    %r = arith.mulf %e, %t : f32
    memref.store %r, %buf[%i] : memref<4xf32>
  }
  // CHECK: for (int [[I2:i[0-9]+]] = 0; [[I2]] < 4; [[I2]] += 1) {
  // CHECK-NEXT: #ifdef __SYNTHESIS__
  // CHECK-NEXT: #pragma HLS PIPELINE II=2
  // CHECK-NEXT: #endif
  // CHECK-NEXT: const m3sat_act_t [[V:v[0-9]+]] = [[BUF]][[[I2]]];
  // CHECK-NEXT: y[[[I2]]] = [[V]];
  scf.for %i = %c0 to %c4 step %c1 {
    %v = memref.load %buf[%i] : memref<4xf32>
    memref.store %v, %y[%i] : memref<4xf32>
  } {m3sat.hls.pipeline_ii = 2 : i64}
  return
}

// Integer ops keep MLIR's signless semantics; names that are not C++
// identifiers are made into ones; a port without attributes is argN on the
// default bundle.
// CHECK-LABEL: void index_ops(const int64_t ids[3], int32_t arg1[3], const int p_2d_map[1]) {
// CHECK: #pragma HLS INTERFACE m_axi port=arg1 offset=slave bundle=gmem depth=3
func.func @index_ops(%ids: memref<3xi64> {m3sat.hls.port = "ids"},
                     %out: memref<3xi32>,
                     %map: memref<index> {m3sat.hls.port = "2d.map"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c7 = arith.constant 7 : i64
  %m = memref.load %map[] : memref<index>
  // CHECK: const int [[M:v[0-9]+]] = p_2d_map[0];
  scf.for %i = %c0 to %c3 step %c1 {
    // CHECK: const int64_t [[ID:v[0-9]+]] = ids[[[IV:i[0-9]+]]];
    // CHECK-NEXT: const int64_t [[Q:v[0-9]+]] = static_cast<int64_t>(static_cast<uint64_t>([[ID]]) / static_cast<uint64_t>(INT64_C(7)));
    // CHECK-NEXT: const bool [[LT:v[0-9]+]] = (static_cast<unsigned>([[IV]]) < static_cast<unsigned>([[M]]));
    %id = memref.load %ids[%i] : memref<3xi64>
    %q = arith.divui %id, %c7 : i64
    %lt = arith.cmpi ult, %i, %m : index
    %r = scf.if %lt -> (i64) {
      scf.yield %q : i64
    } else {
      %n = arith.subi %q, %c7 : i64
      scf.yield %n : i64
    }
    // CHECK: int64_t [[RES:r[0-9]+]]{};
    // CHECK-NEXT: if ([[LT]]) {
    // CHECK-NEXT: [[RES]] = [[Q]];
    // CHECK-NEXT: } else {
    // CHECK: [[RES]] = v{{[0-9]+}};
    // CHECK-NEXT: }
    // CHECK-NEXT: const int32_t [[T:v[0-9]+]] = static_cast<int32_t>([[RES]]);
    // CHECK-NEXT: arg1[[[IV]]] = [[T]];
    %t = arith.trunci %r : i64 to i32
    memref.store %t, %out[%i] : memref<3xi32>
  }
  return
}

// Powers with integer exponents, conversions out of f32 (which may be fixed
// point) and a sentinel no fixed-point type holds (the start of a max
// reduction): the same C++ in float and fixed point.
// CHECK-LABEL: void powers_and_sentinels(const int32_t n[2], const m3sat_act_t x[2], int32_t p[2], m3sat_act_t y[2], double z[2]) {
func.func @powers_and_sentinels(%n: memref<2xi32> {m3sat.hls.port = "n"},
                                %x: memref<2xf32> {m3sat.hls.port = "x"},
                                %p: memref<2xi32> {m3sat.hls.port = "p"},
                                %y: memref<2xf32> {m3sat.hls.port = "y"},
                                %z: memref<2xf64> {m3sat.hls.port = "z"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : i32
  %lowest = arith.constant -3.40282347E+38 : f32
  scf.for %i = %c0 to %c2 step %c1 {
    %e = memref.load %n[%i] : memref<2xi32>
    %v = memref.load %x[%i] : memref<2xf32>
    // CHECK: const int32_t [[IP:v[0-9]+]] = m3sat_hls::ipowi(v{{[0-9]+}}, 3);
    %ip = math.ipowi %e, %c3 : i32
    // CHECK: const m3sat_act_t [[FP:v[0-9]+]] = m3sat_hls::fpowi([[V:v[0-9]+]], v{{[0-9]+}});
    %fp = math.fpowi %v, %e : f32, i32
    // CHECK: const m3sat_act_t [[M:v[0-9]+]] = m3sat_hls::maximum([[FP]], m3sat_hls::huge<m3sat_act_t>((-3.40282347e+38f)));
    %m = arith.maximumf %fp, %lowest : f32
    // CHECK: const int32_t [[I:v[0-9]+]] = m3sat_hls::from_act<int32_t>([[M]]);
    // CHECK: const double [[D:v[0-9]+]] = m3sat_hls::from_act<double>([[M]]);
    %i32 = arith.fptosi %m : f32 to i32
    %d = arith.extf %m : f32 to f64
    %s = arith.addi %ip, %i32 : i32
    memref.store %s, %p[%i] : memref<2xi32>
    memref.store %m, %y[%i] : memref<2xf32>
    memref.store %d, %z[%i] : memref<2xf64>
  }
  return
}

// A constant kept out of line as a resource blob prints as its values.
// BLOB: static const m3sat_act_t g_blob[2] = {1.0f, (-2.0f)};
memref.global "private" constant @blob : memref<2xf32> = dense_resource<blob_data>
func.func @uses_blob(%y: memref<2xf32> {m3sat.hls.port = "y"}) {
  %c0 = arith.constant 0 : index
  %g = memref.get_global @blob : memref<2xf32>
  %v = memref.load %g[%c0] : memref<2xf32>
  memref.store %v, %y[%c0] : memref<2xf32>
  return
}

{-#
  dialect_resources: {
    builtin: {
      blob_data: "0x040000000000803F000000C0"
    }
  }
#-}
