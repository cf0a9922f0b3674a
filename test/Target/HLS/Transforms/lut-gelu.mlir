// RUN: m3sat-opt %s --m3sat-hls-lut-gelu --canonicalize | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-lut-gelu=intervals=4 | FileCheck %s --check-prefix=SMALL
// RUN: m3sat-opt %s --m3sat-hls-lut-gelu --canonicalize | m3sat-translate --emit-hls-cpp /dev/stdin -o %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp
// RUN: g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -DM3SAT_HLS_FIXED -I %m3sat_src_root/lib/Target/HLS/Emit/Headers %t.cpp

// The table: GELU at 1025 points over [-8, 8].
// CHECK: memref.global "private" constant @m3sat_gelu_table : memref<1025xf32> = dense<
// SMALL: memref.global "private" constant @m3sat_gelu_table : memref<5xf32> = dense<[-4.88498131E-15, -1.26684972E-4, 0.000000e+00, 3.9998734, 8.000000e+00]>

// Both forms of the exact GELU become table lookups with interpolation,
// and their erf chains go.
// CHECK-LABEL: func.func @divide_form
// CHECK-NOT: math.erf
// CHECK: arith.fptosi
// CHECK: memref.get_global @m3sat_gelu_table
// CHECK: memref.load
// CHECK: memref.load
// CHECK: arith.select
// CHECK-NOT: math.erf
// CHECK: return
func.func @divide_form(%x: memref<8xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %sqrt2 = arith.constant 1.41421354 : f32
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %s = arith.divf %v, %sqrt2 : f32
    %e = math.erf %s : f32
    %t = arith.addf %e, %one : f32
    %p = arith.mulf %v, %t : f32
    %g = arith.mulf %p, %half : f32
    memref.store %g, %y[%i] : memref<8xf32>
  }
  return
}

// CHECK-LABEL: func.func @multiply_form
// CHECK-NOT: math.erf
// CHECK: memref.get_global @m3sat_gelu_table
// CHECK-NOT: math.erf
// CHECK: return
func.func @multiply_form(%x: memref<8xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %rsqrt2 = arith.constant 0.707106769 : f32
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %s = arith.mulf %v, %rsqrt2 : f32
    %e = math.erf %s : f32
    %t = arith.addf %e, %one : f32
    %h = arith.mulf %v, %half : f32
    %g = arith.mulf %h, %t : f32
    memref.store %g, %y[%i] : memref<8xf32>
  }
  return
}

// Not a GELU (another scale): erf stays.
// CHECK-LABEL: func.func @not_gelu
// CHECK: math.erf
func.func @not_gelu(%x: memref<8xf32>, %y: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %scale = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %half = arith.constant 0.5 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %s = arith.mulf %v, %scale : f32
    %e = math.erf %s : f32
    %t = arith.addf %e, %one : f32
    %h = arith.mulf %v, %half : f32
    %g = arith.mulf %h, %t : f32
    memref.store %g, %y[%i] : memref<8xf32>
  }
  return
}
