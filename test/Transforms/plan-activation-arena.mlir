// RUN: m3sat-opt %s -m3sat-plan-activation-arena -split-input-file | FileCheck %s
// RUN: m3sat-opt %s -m3sat-plan-activation-arena=reuse=false -split-input-file | FileCheck %s --check-prefix=NOREUSE

// Disjoint lifetimes: %b is allocated after the last use of %a, so both
// get offset 0 of a 64-byte arena; without reuse, 128 bytes.
// CHECK-LABEL: func.func @disjoint
// CHECK-SAME: %[[ARENA:[^:]*]]: memref<64xi8>
// CHECK-SAME: m3sat.arena_bytes = 64 : i64, m3sat.planned_bytes = 128 : i64
// CHECK-NOT: memref.alloc
// CHECK: %[[O1:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[A:.*]] = memref.view %[[ARENA]][%[[O1]]][] : memref<64xi8> to memref<16xf32>
// CHECK: linalg.fill {{.*}} outs(%[[A]] :
// CHECK: %[[O2:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[ARENA]][%[[O2]]][] : memref<64xi8> to memref<16xf32>
// NOREUSE-LABEL: func.func @disjoint
// NOREUSE-SAME: memref<128xi8>
// NOREUSE-SAME: m3sat.arena_bytes = 128 : i64
func.func @disjoint(%in: memref<16xf32>, %out: memref<16xf32>)
    attributes {m3sat.task = "t"} {
  %one = arith.constant 1.0 : f32
  %a = memref.alloc() : memref<16xf32>
  linalg.fill ins(%one : f32) outs(%a : memref<16xf32>)
  memref.copy %a, %out : memref<16xf32> to memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %in, %b : memref<16xf32> to memref<16xf32>
  memref.copy %b, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// Overlapping lifetimes, best fit: %a (128 bytes) at 0; %b overlaps %a and
// goes after it; %c overlaps only %b and reuses the bytes of %a.
// CHECK-LABEL: func.func @overlapping
// CHECK-SAME: %[[ARENA:[^:]*]]: memref<192xi8>
// CHECK-SAME: m3sat.arena_bytes = 192 : i64, m3sat.planned_bytes = 256 : i64
// CHECK: arith.constant 0 : index
// CHECK-NEXT: memref.view %[[ARENA]]{{.*}} to memref<32xf32>
// CHECK: arith.constant 128 : index
// CHECK-NEXT: memref.view %[[ARENA]]{{.*}} to memref<16xf32>
// CHECK: arith.constant 0 : index
// CHECK-NEXT: memref.view %[[ARENA]]{{.*}} to memref<16xf32>
func.func @overlapping(%in: memref<16xf32>, %big: memref<32xf32>,
                       %out: memref<16xf32>) attributes {m3sat.task = "t"} {
  %a = memref.alloc() : memref<32xf32>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %big, %a : memref<32xf32> to memref<32xf32>
  memref.copy %in, %b : memref<16xf32> to memref<16xf32>
  memref.copy %a, %big : memref<32xf32> to memref<32xf32>
  %c = memref.alloc() : memref<16xf32>
  memref.copy %b, %c : memref<16xf32> to memref<16xf32>
  memref.copy %c, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// A view keeps its buffer live: %a's last direct use comes before %b, but
// its reshaped view is read after %b is written, so they may not share.
// CHECK-LABEL: func.func @view_alias
// CHECK-SAME: m3sat.arena_bytes = 128 : i64
// CHECK: arith.constant 0 : index
// CHECK-NEXT: memref.view
// CHECK: memref.expand_shape
// CHECK: arith.constant 64 : index
// CHECK-NEXT: memref.view
func.func @view_alias(%in: memref<16xf32>, %out: memref<4x4xf32>)
    attributes {m3sat.task = "t"} {
  %a = memref.alloc() : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  %v = memref.expand_shape %a [[0, 1]] output_shape [4, 4]
      : memref<16xf32> into memref<4x4xf32>
  %b = memref.alloc() : memref<16xf32>
  memref.copy %in, %b : memref<16xf32> to memref<16xf32>
  memref.copy %v, %out : memref<4x4xf32> to memref<4x4xf32>
  memref.copy %b, %in : memref<16xf32> to memref<16xf32>
  return
}

// -----

// Loops: a buffer used in a loop is live for the whole loop, and so is one
// allocated in its body (%t, planned: one iteration at a time uses it).
// A buffer allocated in an scf.parallel body (one per iteration, run
// concurrently) or yielded out of a loop body stays allocated; a buffer
// passed into a loop as its initial value is planned and lives as long as
// the loop's result.
// %a, %t, %init and %b are planned (64 bytes each): %a overlaps %t and
// %init; %b overlaps %init only and reuses the bytes of %a.
// CHECK-LABEL: func.func @loops
// CHECK-SAME: %[[ARENA:[^:]*]]: memref<128xi8>
// CHECK-SAME: m3sat.arena_bytes = 128 : i64, m3sat.planned_bytes = 256 : i64
// CHECK: scf.for
// CHECK: memref.view %[[ARENA]]
// CHECK: scf.parallel
// CHECK: memref.alloc() : memref<4xf32>
// CHECK: scf.for
// CHECK: memref.alloc() : memref<16xf32>
// CHECK: scf.yield
func.func @loops(%in: memref<16xf32>, %out: memref<16xf32>)
    attributes {m3sat.task = "t"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %t = memref.alloc() : memref<16xf32>
    memref.copy %in, %t : memref<16xf32> to memref<16xf32>
    memref.copy %t, %a : memref<16xf32> to memref<16xf32>
  }
  scf.parallel (%j) = (%c0) to (%c4) step (%c1) {
    %p = memref.alloc() : memref<4xf32>
    %x = memref.load %in[%j] : memref<16xf32>
    memref.store %x, %p[%c0] : memref<4xf32>
    scf.reduce
  }
  %init = memref.alloc() : memref<16xf32>
  memref.copy %a, %init : memref<16xf32> to memref<16xf32>
  %r = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %init)
      -> (memref<16xf32>) {
    %n = memref.alloc() : memref<16xf32>
    memref.copy %acc, %n : memref<16xf32> to memref<16xf32>
    scf.yield %n : memref<16xf32>
  }
  %b = memref.alloc() : memref<16xf32>
  memref.copy %in, %b : memref<16xf32> to memref<16xf32>
  memref.copy %r, %out : memref<16xf32> to memref<16xf32>
  memref.copy %b, %out : memref<16xf32> to memref<16xf32>
  return
}

// -----

// Escapes: a returned buffer, one passed to a call that returns a buffer
// and one with a dynamic shape stay allocated; one passed to a call that
// returns nothing is planned. Its deallocation goes with it.
// CHECK-LABEL: func.func @escapes
// CHECK-SAME: memref<64xi8>
// CHECK: %[[R:.*]] = memref.alloc() : memref<16xf32>
// CHECK: %[[C:.*]] = memref.alloc() : memref<16xf32>
// CHECK: call @keep(%[[C]])
// CHECK: memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: %[[V:.*]] = memref.view
// CHECK: call @read(%[[V]])
// CHECK-NOT: memref.dealloc %[[V]]
// CHECK: return %[[R]]
func.func private @keep(memref<16xf32>) -> memref<16xf32>
func.func private @read(memref<16xf32>)
func.func @escapes(%in: memref<16xf32>, %n: index) -> memref<16xf32>
    attributes {m3sat.task = "t"} {
  %r = memref.alloc() : memref<16xf32>
  memref.copy %in, %r : memref<16xf32> to memref<16xf32>
  %c = memref.alloc() : memref<16xf32>
  %k = func.call @keep(%c) : (memref<16xf32>) -> memref<16xf32>
  %d = memref.alloc(%n) : memref<?xf32>
  %p = memref.alloc() : memref<16xf32>
  func.call @read(%p) : (memref<16xf32>) -> ()
  memref.dealloc %p : memref<16xf32>
  return %r : memref<16xf32>
}

// -----

// Only task entries that nothing calls get an arena.
// CHECK-LABEL: func.func @called
// CHECK-NOT: m3sat.arena
// CHECK: memref.alloc
// CHECK-LABEL: func.func @not_a_task
// CHECK-NOT: m3sat.arena
// CHECK: memref.alloc
func.func @called(%in: memref<16xf32>) attributes {m3sat.task = "t"} {
  %a = memref.alloc() : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  return
}
func.func @not_a_task(%in: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  memref.copy %in, %a : memref<16xf32> to memref<16xf32>
  func.call @called(%a) : (memref<16xf32>) -> ()
  return
}
