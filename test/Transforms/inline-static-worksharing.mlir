// RUN: m3sat-opt %s -m3sat-inline-static-worksharing -split-input-file | FileCheck %s

// A static worksharing loop becomes this thread's share of the iterations
// (trips / n each, the first trips % n threads one more) and keeps its
// implicit barrier; a nowait loop gets none. A single becomes its body on
// thread 0, then a barrier.
// CHECK-LABEL: func.func @loops
// CHECK: omp.parallel {
// CHECK-NOT: omp.wsloop
// CHECK: %[[SPAN:.*]] = arith.subi %[[UB:.*]], %[[LB:.*]] : index
// CHECK: %[[TRIPS:.*]] = arith.ceildivsi %[[SPAN]], %[[STEP:.*]] : index
// CHECK: %[[T:.*]] = arith.maxsi %[[TRIPS]], %{{.*}} : index
// CHECK: %[[TID32:.*]] = func.call @omp_get_thread_num() : () -> i32
// CHECK: %[[TID:.*]] = arith.index_cast %[[TID32]] : i32 to index
// CHECK: %[[N32:.*]] = func.call @omp_get_num_threads() : () -> i32
// CHECK: %[[N:.*]] = arith.index_cast %[[N32]] : i32 to index
// CHECK: %[[SHARE:.*]] = arith.divui %[[T]], %[[N]]
// CHECK: %[[EXTRA:.*]] = arith.remui %[[T]], %[[N]]
// CHECK: %[[MIN:.*]] = arith.minui %[[TID]], %[[EXTRA]]
// CHECK: %[[M:.*]] = arith.muli %[[TID]], %[[SHARE]]
// CHECK: %[[BEGIN:.*]] = arith.addi %[[M]], %[[MIN]]
// CHECK: %[[LT:.*]] = arith.cmpi ult, %[[TID]], %[[EXTRA]]
// CHECK: %[[MORE:.*]] = arith.select %[[LT]]
// CHECK: %[[COUNT:.*]] = arith.addi %[[SHARE]], %[[MORE]]
// CHECK: %[[END:.*]] = arith.addi %[[BEGIN]], %[[COUNT]]
// CHECK: scf.for %[[K:.*]] = %[[BEGIN]] to %[[END]]
// CHECK: %[[KS:.*]] = arith.muli %[[K]], %[[STEP]]
// CHECK: %[[I:.*]] = arith.addi %[[LB]], %[[KS]]
// CHECK: memref.store %{{.*}}, %arg0[%[[I]]]
// CHECK: omp.barrier
// CHECK: %[[TID0:.*]] = func.call @omp_get_thread_num()
// CHECK: %[[TIDX:.*]] = arith.index_cast %[[TID0]]
// CHECK: %[[FIRST:.*]] = arith.cmpi eq, %[[TIDX]]
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: func.call @side(%arg0)
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK: scf.for
// CHECK: memref.load
// CHECK-NOT: omp.barrier
// CHECK: omp.terminator
// CHECK: func.func private @omp_get_thread_num() -> i32
// CHECK: func.func private @omp_get_num_threads() -> i32
func.func private @side(memref<64xf32>)
func.func @loops(%a: memref<64xf32>, %b: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c2) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.single {
      func.call @side(%a) : (memref<64xf32>) -> ()
      omp.terminator
    }
    omp.wsloop nowait {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c2) {
        %v = memref.load %a[%i] : memref<64xf32>
        memref.store %v, %b[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Left to libomp: a dynamic schedule and an orphaned loop (no parallel
// region in its function). An inclusive upper bound counts one more
// iteration.
// CHECK-LABEL: func.func @dynamic
// CHECK: omp.wsloop schedule(dynamic)
func.func @dynamic(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop schedule(dynamic) {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// CHECK-LABEL: func.func @inclusive
// CHECK: %[[SPAN:.*]] = arith.subi
// CHECK-NEXT: %[[PLUS:.*]] = arith.addi %[[SPAN]], %{{.*}}
// CHECK-NEXT: arith.ceildivsi %[[PLUS]]
func.func @inclusive(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c63 = arith.constant 63 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c63) inclusive step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// CHECK-LABEL: func.func @orphaned
// CHECK: omp.wsloop {
func.func @orphaned(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  omp.wsloop {
    omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
      memref.store %f, %a[%i] : memref<64xf32>
      omp.yield
    }
  }
  return
}
