// RUN: m3sat-opt %s -m3sat-merge-parallel-regions -split-input-file | FileCheck %s

// Three neighbouring regions become one. A loop that reads what the one
// before it wrote keeps that loop's barrier (no nowait); the region's last
// loop needs none (the region's end joins the threads). What lies between
// them without memory effects, allocations and calls of m3sat.pure
// functions move above the merged region; a call with effects runs on one
// thread in an omp.single.
// CHECK-LABEL: func.func @chain
// CHECK-NEXT: %[[C0:.*]] = arith.constant 0
// CHECK-NEXT: arith.constant 1
// CHECK-NEXT: arith.constant 64
// CHECK-NEXT: arith.constant 1.0
// CHECK-NEXT: %[[PARTS:.*]] = call @parts
// CHECK-NEXT: %[[T:.*]] = memref.alloc()
// CHECK-NEXT: arith.addi
// CHECK-NEXT: omp.parallel {
// CHECK-NEXT: omp.wsloop {
// CHECK: memref.store {{.*}} %arg0
// CHECK: omp.wsloop {
// CHECK-NEXT: omp.loop_nest ({{.*}}) : index = (%[[C0]]) to (%[[PARTS]])
// CHECK: memref.store {{.*}} %[[T]]
// CHECK: omp.single {
// CHECK-NEXT: func.call @side(%[[T]])
// CHECK-NEXT: omp.terminator
// CHECK-NEXT: }
// CHECK-NEXT: omp.wsloop nowait {
// CHECK: memref.load %[[T]]
// CHECK: omp.terminator
// CHECK-NEXT: }
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK-NEXT: return
// CHECK-NOT: omp.parallel
func.func private @parts(index) -> index attributes {m3sat.pure}
func.func private @side(memref<64xf32>)
func.func @chain(%a: memref<64xf32>, %b: memref<64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  %p = func.call @parts(%n) : (index) -> index
  %t = memref.alloc() : memref<64xf32>
  %unused = arith.addi %p, %c1 : index
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%p) step (%c1) {
        %x = memref.load %a[%i] : memref<64xf32>
        memref.store %x, %t[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  func.call @side(%t) : (memref<64xf32>) -> ()
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %x = memref.load %t[%i] : memref<64xf32>
        memref.store %x, %b[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  // After the last region: stays where it is.
  memref.dealloc %t : memref<64xf32>
  return
}

// -----

// A region whose last loop has nowait ends without a barrier of its own
// once merged: an omp.barrier takes its place before an omp.single (which
// starts without one) and before the next loop.
// CHECK-LABEL: func.func @nowait
// CHECK: omp.parallel {
// CHECK-NEXT: omp.wsloop nowait {
// CHECK: omp.yield
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: omp.single {
// CHECK-NEXT: memref.store
// CHECK-NEXT: omp.terminator
// CHECK-NEXT: }
// CHECK-NEXT: omp.wsloop nowait {
// CHECK: omp.yield
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: omp.barrier
// CHECK-NEXT: omp.wsloop nowait {
// CHECK: omp.yield
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: omp.terminator
// CHECK-NEXT: }
// CHECK-NEXT: return
func.func @nowait(%a: memref<64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop nowait {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  memref.store %f, %a[%c0] : memref<64xf32>
  omp.parallel {
    omp.wsloop nowait {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %x = memref.load %a[%i] : memref<64xf32>
        memref.store %x, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  omp.parallel {
    omp.wsloop nowait {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        %x = memref.load %a[%i] : memref<64xf32>
        memref.store %x, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Regions stay apart when what lies between them cannot move: an op with
// results that reads memory (its value is needed outside), a stack
// allocation (its scope would change), a call of a function that forks
// threads itself (inside a region its loops would run on one thread), and
// a region with clauses.
// CHECK-LABEL: func.func @apart
// CHECK-COUNT-5: omp.parallel
// CHECK-NOT: omp.parallel
// CHECK-NOT: omp.single
// CHECK-NOT: omp.barrier
// CHECK-NOT: nowait
// CHECK: return
func.func @forks(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}
func.func @apart(%a: memref<64xf32>, %b: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : i32
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  %x = memref.load %a[%c0] : memref<64xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %x, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  %s = memref.alloca() : memref<1xf32>
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  func.call @forks(%a) : (memref<64xf32>) -> ()
  omp.parallel {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  omp.parallel num_threads(%c2 : i32) {
    omp.wsloop {
      omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
        memref.store %f, %a[%i] : memref<64xf32>
        omp.yield
      }
    }
    omp.terminator
  }
  return
}

// -----

// Regions in the body of a sequential loop merge there; a sequential op
// before the first region of a stretch stays before it.
// CHECK-LABEL: func.func @in_loop
// CHECK: scf.for
// CHECK-NEXT: memref.store
// CHECK-NEXT: omp.parallel {
// CHECK: omp.wsloop {
// CHECK: omp.wsloop nowait {
// CHECK: omp.terminator
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NOT: omp.parallel
// CHECK: return
func.func @in_loop(%a: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %f = arith.constant 1.0 : f32
  scf.for %k = %c0 to %c4 step %c1 {
    memref.store %f, %a[%c0] : memref<64xf32>
    omp.parallel {
      omp.wsloop {
        omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
          memref.store %f, %a[%i] : memref<64xf32>
          omp.yield
        }
      }
      omp.terminator
    }
    omp.parallel {
      omp.wsloop {
        omp.loop_nest (%i) : index = (%c0) to (%c64) step (%c1) {
          %x = memref.load %a[%i] : memref<64xf32>
          memref.store %x, %a[%i] : memref<64xf32>
          omp.yield
        }
      }
      omp.terminator
    }
  }
  return
}
