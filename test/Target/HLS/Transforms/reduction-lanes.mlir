// RUN: m3sat-opt %s --m3sat-hls-reduction-lanes=lanes=4 | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-reduction-lanes=lanes=4 --m3sat-hls-annotate-loops="products-only=true other-unroll=4" --m3sat-hls-partition-arrays=check-unrolls=true | FileCheck %s --check-prefix=BANKS
// RUN: not m3sat-opt %s --m3sat-hls-reduction-lanes=lanes=1 2>&1 | FileCheck %s --check-prefix=BAD

// A reduction into one element runs in 4 lanes of partial results (the
// loop's iteration arguments), combined in lane order after the loop.
// BAD: m3sat-hls-reduction-lanes: lanes must be at least 2

// A sum: the lanes start from zero; lane j adds element 4 g + j; then the
// element plus the four partials, stored.
// CHECK-LABEL: func.func @sum(
// CHECK: scf.for %[[T:arg[0-9]+]] =
// CHECK: %[[ZERO:cst[_0-9]*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[P:[0-9]+]]:4 = scf.for %[[G:arg[0-9]+]] = %{{.*}} to %c2{{.*}} step %{{.*}} iter_args(%[[A0:arg[0-9]+]] = %[[ZERO]], %{{arg[0-9]+}} = %[[ZERO]], %{{arg[0-9]+}} = %[[ZERO]], %{{arg[0-9]+}} = %[[ZERO]]) -> (f32, f32, f32, f32) {
// CHECK: %[[BASE:[0-9]+]] = arith.muli %[[G]], %c4
// CHECK: %[[I0:[0-9]+]] = arith.addi %[[BASE]], %c0
// CHECK: %[[X0:[0-9]+]] = memref.load %alloc[%[[T]], %[[I0]]]
// CHECK: %[[S0:[0-9]+]] = arith.addf %[[X0]], %[[A0]]
// CHECK-COUNT-3: arith.addf
// CHECK: scf.yield %[[S0]],
// CHECK: %[[E:[0-9]+]] = memref.load %alloc_0[%[[T]]]
// CHECK: %[[R0:[0-9]+]] = arith.addf %[[P]]#0, %[[E]]
// CHECK: %[[R1:[0-9]+]] = arith.addf %[[P]]#1, %[[R0]]
// CHECK: %[[R2:[0-9]+]] = arith.addf %[[P]]#2, %[[R1]]
// CHECK: %[[R3:[0-9]+]] = arith.addf %[[P]]#3, %[[R2]]
// CHECK: memref.store %[[R3]], %alloc_0[%[[T]]]
// CHECK-NOT: scf.for
// CHECK: return
//
// The group loop is pipelined and keeps its one lane per partial (no
// unroll: it carries them); the array read is split cyclically by 4 along
// the dimension the lanes walk.
// BANKS-LABEL: func.func @sum(
// BANKS: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<2x8xf32>
// BANKS: iter_args
// BANKS: } {m3sat.hls.pipeline_ii = 1 : i64}
func.func @sum(%out: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %x = memref.alloc() : memref<2x8xf32>
  %s = memref.alloc() : memref<2xf32>
  scf.for %t = %c0 to %c2 step %c1 {
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %a = memref.load %s[%t] : memref<2xf32>
      %r = arith.addf %v, %a : f32
      memref.store %r, %s[%t] : memref<2xf32>
    }
  }
  return
}

// A maximum in arith-expand-ops' form: the lanes start from the element,
// and the partials are combined from the first lane's.
// CHECK-LABEL: func.func @max(
// CHECK: %[[E:[0-9]+]] = memref.load %alloc_0[%{{.*}}] : memref<2xf32>
// CHECK: %[[P:[0-9]+]]:4 = scf.for {{.*}} iter_args(%{{.*}} = %[[E]], %{{.*}} = %[[E]], %{{.*}} = %[[E]], %{{.*}} = %[[E]])
// CHECK-COUNT-4: arith.cmpf ugt
// CHECK: scf.yield
// CHECK: arith.cmpf ugt, %[[P]]#1, %[[P]]#0
// CHECK: arith.cmpf ugt, %[[P]]#2,
// CHECK: arith.cmpf ugt, %[[P]]#3,
// CHECK: memref.store
// CHECK-NOT: arith.cmpf
// CHECK: return
func.func @max(%out: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %x = memref.alloc() : memref<2x8xf32>
  %m = memref.alloc() : memref<2xf32>
  scf.for %t = %c0 to %c2 step %c1 {
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %a = memref.load %m[%t] : memref<2xf32>
      %gt = arith.cmpf ugt, %v, %a : f32
      %sel = arith.select %gt, %v, %a : f32
      %nan = arith.cmpf uno, %a, %a : f32
      %r = arith.select %nan, %a, %sel : f32
      memref.store %r, %m[%t] : memref<2xf32>
    }
  }
  return
}

// arith.minimumf: the same, one op.
// CHECK-LABEL: func.func @min(
// CHECK: iter_args
// CHECK-COUNT-4: arith.minimumf
// CHECK: scf.yield
// CHECK-COUNT-3: arith.minimumf
// CHECK: memref.store
func.func @min(%out: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c8 = arith.constant 8 : index
  %x = memref.alloc() : memref<2x8xf32>
  %m = memref.alloc() : memref<2xf32>
  scf.for %t = %c0 to %c2 step %c1 {
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %a = memref.load %m[%t] : memref<2xf32>
      %r = arith.minimumf %a, %v : f32
      memref.store %r, %m[%t] : memref<2xf32>
    }
  }
  return
}

// Unchanged: a multiply-accumulate (--hls-unroll's), a trip count that 4
// does not divide, one group of 4, a port read, an element that moves with
// the loop (elementwise), a product of the element.
// CHECK-LABEL: func.func @unchanged(
// CHECK-NOT: iter_args
// CHECK: return
func.func @unchanged(%port: memref<2x8xf32>, %out: memref<2xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %c6 = arith.constant 6 : index
  %c8 = arith.constant 8 : index
  %x = memref.alloc() : memref<2x8xf32>
  %w = memref.alloc() : memref<2x8xf32>
  %s = memref.alloc() : memref<2xf32>
  %e = memref.alloc() : memref<8xf32>
  scf.for %t = %c0 to %c2 step %c1 {
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %u = memref.load %w[%t, %c] : memref<2x8xf32>
      %p = arith.mulf %v, %u : f32
      %a = memref.load %s[%t] : memref<2xf32>
      %r = arith.addf %p, %a : f32
      memref.store %r, %s[%t] : memref<2xf32>
    }
    scf.for %c = %c0 to %c6 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %a = memref.load %s[%t] : memref<2xf32>
      %r = arith.addf %v, %a : f32
      memref.store %r, %s[%t] : memref<2xf32>
    }
    scf.for %c = %c0 to %c4 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %a = memref.load %s[%t] : memref<2xf32>
      %r = arith.addf %v, %a : f32
      memref.store %r, %s[%t] : memref<2xf32>
    }
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %port[%t, %c] : memref<2x8xf32>
      %a = memref.load %s[%t] : memref<2xf32>
      %r = arith.addf %v, %a : f32
      memref.store %r, %s[%t] : memref<2xf32>
    }
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %a = memref.load %e[%c] : memref<8xf32>
      %r = arith.addf %v, %a : f32
      memref.store %r, %e[%c] : memref<8xf32>
    }
    scf.for %c = %c0 to %c8 step %c1 {
      %v = memref.load %x[%t, %c] : memref<2x8xf32>
      %a = memref.load %s[%t] : memref<2xf32>
      %r = arith.mulf %v, %a : f32
      memref.store %r, %s[%t] : memref<2xf32>
    }
  }
  return
}
