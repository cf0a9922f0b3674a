// RUN: m3sat-opt %s --m3sat-hls-stage-unit-operands | FileCheck %s

// The shared linear unit reads on-chip arrays only. A weight port (an
// argument of the public function) passed as B is copied into an on-chip
// buffer first, before the loop over heads that holds the call; an output
// port passed as C is copied in and out again around its call; an on-chip
// array (A) stays as it is. A private function's argument that its caller
// passes a port is a port too (copied in that function).
// CHECK-LABEL: func.func @top(
// The weight, 4 x 3 values into B's buffer, row-major; then the loop over
// heads, with the call reading B's buffer (the on-chip A as it was).
// CHECK: scf.for %{{.*}} = %{{.*}} to %c4{{.*}} step
// CHECK-NEXT: %c0{{.*}} = arith.constant 0
// CHECK-NEXT: %c3{{.*}} = arith.constant 3
// CHECK: memref.load %arg1[%{{.*}}, %{{.*}}] : memref<4x3xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[BB:alloc[_0-9]*]][%{{.*}}] : memref<16xf32>
// CHECK: scf.for
// CHECK-NEXT: func.call @unit(%reinterpret_cast, %[[BB]], %reinterpret_cast,
// The second call: the weight again, the output in before and out after.
// CHECK: memref.load %arg1[
// CHECK: memref.load %arg2[%{{.*}}, %{{.*}}] : memref<2x3xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[BC:alloc[_0-9]*]][%{{.*}}] : memref<16xf32>
// CHECK: call @unit(%reinterpret_cast, %[[BB]], %[[BC]],
// CHECK: memref.load %[[BC]][
// CHECK-NEXT: memref.store %{{.*}}, %arg2[
// CHECK: call @inner(%arg1)
// CHECK-LABEL: func.func private @inner(
// CHECK: %[[IB:alloc[_0-9]*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.load %arg0[
// CHECK-NEXT: memref.store %{{.*}}, %[[IB]][
// CHECK: call @unit(%{{.*}}, %[[IB]],
// CHECK-LABEL: func.func private @unit(
func.func @top(%x: memref<2x4xf32>, %w: memref<4x3xf32>, %y: memref<2x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<2x4xf32>
  %fa = memref.reinterpret_cast %a to offset: [0], sizes: [16], strides: [1] : memref<2x4xf32> to memref<16xf32>
  %fw = memref.reinterpret_cast %w to offset: [0], sizes: [16], strides: [1] : memref<4x3xf32> to memref<16xf32>
  %fy = memref.reinterpret_cast %y to offset: [0], sizes: [16], strides: [1] : memref<2x3xf32> to memref<16xf32>
  scf.for %h = %c0 to %c2 step %c1 {
    func.call @unit(%fa, %fw, %fa, %c1, %c3, %c4, %h, %c4, %c1, %c0, %c3, %c1, %h, %c3, %c1) : (memref<16xf32>, memref<16xf32>, memref<16xf32>, index, index, index, index, index, index, index, index, index, index, index, index) -> ()
  }
  call @unit(%fa, %fw, %fy, %c2, %c3, %c4, %c0, %c4, %c1, %c0, %c3, %c1, %c0, %c3, %c1) : (memref<16xf32>, memref<16xf32>, memref<16xf32>, index, index, index, index, index, index, index, index, index, index, index, index) -> ()
  call @inner(%w) : (memref<4x3xf32>) -> ()
  return
}
func.func private @inner(%w: memref<4x3xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %t = memref.alloc() : memref<16xf32>
  %fw = memref.reinterpret_cast %w to offset: [0], sizes: [16], strides: [1] : memref<4x3xf32> to memref<16xf32>
  call @unit(%t, %fw, %t, %c1, %c3, %c4, %c0, %c4, %c1, %c0, %c3, %c1, %c0, %c3, %c1) : (memref<16xf32>, memref<16xf32>, memref<16xf32>, index, index, index, index, index, index, index, index, index, index, index, index) -> ()
  return
}
func.func private @unit(%a: memref<16xf32>, %b: memref<16xf32>, %c: memref<16xf32>, %m: index, %n: index, %k: index, %ao: index, %am: index, %ak: index, %bo: index, %bk: index, %bn: index, %co: index, %cm: index, %cn: index) attributes {m3sat.hls.shared_unit} {
  return
}
