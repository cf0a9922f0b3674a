// RUN: m3sat-opt %s -m3sat-approximate-vector-math | FileCheck %s

// erf and exp on vectors become polynomials (arith and math.fma on
// vectors); on scalars they stay for libm.
// CHECK-LABEL: func @gelu
// CHECK-NOT: math.erf {{.*}} : vector
// CHECK-NOT: math.exp {{.*}} : vector
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: math.erf %{{.*}} : f32
// CHECK: math.exp %{{.*}} : f32
// CHECK: return
func.func @gelu(%v: vector<16xf32>, %s: f32) -> (vector<16xf32>, vector<16xf32>, f32, f32) {
  %e = math.erf %v : vector<16xf32>
  %x = math.exp %v : vector<16xf32>
  %es = math.erf %s : f32
  %xs = math.exp %s : f32
  return %e, %x, %es, %xs : vector<16xf32>, vector<16xf32>, f32, f32
}
