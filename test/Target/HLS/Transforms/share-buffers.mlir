// RUN: m3sat-opt %s --m3sat-hls-share-buffers=grow=true --canonicalize | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-share-buffers --canonicalize | FileCheck %s --check-prefix=NOGROW

// Buffers only loaded and stored become one-dimensional and share by
// element type: %b (2x2) takes %a's storage once %a is dead; %c is
// allocated while %b is live and gets its own; %d takes %c's (the smallest
// dead one that fits), %e takes %a's again, and %f, allocated while %e
// is live, takes %c's, which grows to 4 elements (with grow; by default
// %f gets its own).
// CHECK-LABEL: func.func @chain
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[A]][%[[C0]]]
// CHECK-NEXT: %[[VA:.*]] = memref.load %[[A]][%[[C0]]]
// CHECK-NEXT: memref.store %[[VA]], %[[A]][%[[C2]]] : memref<4xf32>
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.store %[[VA]], %[[C]][%[[C0]]]
// CHECK-NEXT: %[[VB:.*]] = memref.load %[[A]][%[[C2]]]
// CHECK-NEXT: memref.load %[[C]][%[[C0]]]
// CHECK-NEXT: scf.for %[[I:.*]] =
// CHECK-NEXT: memref.store %[[VB]], %[[C]][%[[I]]]
// CHECK: %[[VD:.*]] = memref.load %[[C]][%[[C1]]]
// CHECK-NEXT: memref.store %[[VD]], %[[A]][%[[C0]]]
// CHECK-NEXT: memref.store %[[VD]], %[[C]][%[[C1]]]
// CHECK-NEXT: memref.load %[[A]][%[[C0]]]
// CHECK-NEXT: memref.load %[[C]][%[[C1]]]
// CHECK-NOT: memref.alloc
// CHECK: return
// NOGROW-LABEL: func.func @chain
// NOGROW: memref.alloc() : memref<4xf32>
// NOGROW: memref.alloc() : memref<2xf32>
// NOGROW: memref.alloc() : memref<4xf32>
// NOGROW-NOT: memref.alloc
// NOGROW-LABEL: func.func @calls
func.func @chain(%x: f32, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %a = memref.alloc() : memref<4xf32>
  memref.store %x, %a[%c0] : memref<4xf32>
  %va = memref.load %a[%c0] : memref<4xf32>
  %b = memref.alloc() : memref<2x2xf32>
  memref.store %va, %b[%c1, %c0] : memref<2x2xf32>
  %c = memref.alloc() : memref<2xf32>
  memref.store %va, %c[%c0] : memref<2xf32>
  %vb = memref.load %b[%c1, %c0] : memref<2x2xf32>
  %vc = memref.load %c[%c0] : memref<2xf32>
  %d = memref.alloc() : memref<2xf32>
  scf.for %i = %c0 to %c2 step %c1 {
    memref.store %vb, %d[%i] : memref<2xf32>
  }
  %e = memref.alloc() : memref<4xf32>
  %vd = memref.load %d[%c1] : memref<2xf32>
  memref.store %vd, %e[%c0] : memref<4xf32>
  %f = memref.alloc() : memref<4xf32>
  memref.store %vd, %f[%c1] : memref<4xf32>
  %ve = memref.load %e[%c0] : memref<4xf32>
  %vf = memref.load %f[%c1] : memref<4xf32>
  %sum = arith.addf %ve, %vf : f32
  %sum2 = arith.addf %sum, %vc : f32
  memref.store %sum2, %out[%c0] : memref<4xf32>
  return
}

// Buffers passed to calls keep their type and share only with buffers of
// the same type; ping-pong weight buffers keep their own.
// CHECK-LABEL: func.func @calls
// CHECK: %[[G:.*]] = memref.alloc() : memref<2x3xf32>
// CHECK-NEXT: call @use(%[[G]])
// CHECK-NEXT: call @use(%[[G]])
// CHECK-NEXT: %[[P:.*]] = memref.alloc() {m3sat.hls.stream_of = 0 : i64} : memref<2x3xf32>
// CHECK-NEXT: call @use(%[[P]])
func.func @calls(%w: memref<2x2x3xf32>) {
  %g = memref.alloc() : memref<2x3xf32>
  call @use(%g) : (memref<2x3xf32>) -> ()
  %h = memref.alloc() : memref<2x3xf32>
  call @use(%h) : (memref<2x3xf32>) -> ()
  %p = memref.alloc() {m3sat.hls.stream_of = 0 : i64} : memref<2x3xf32>
  call @use(%p) : (memref<2x3xf32>) -> ()
  return
}
func.func private @use(%m: memref<2x3xf32>) {
  return
}

// The channels of a DATAFLOW region (m3sat-hls-dataflow) connect stages
// that run at the same time: the region function's buffers keep their
// own storage, though %b is allocated after %a's last use. In a top
// function, channel buffers keep theirs too.
// CHECK-LABEL: func.func private @region
// CHECK: %[[A:.*]] = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<2x3xf32>
// CHECK: call @use(%[[A]])
// CHECK: %[[B:.*]] = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<2x3xf32>
// CHECK: call @use(%[[B]])
// CHECK-LABEL: func.func @channels
// CHECK: %[[C:.*]] = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<2x3xf32>
// CHECK: call @use(%[[C]])
// CHECK: %[[D:.*]] = memref.alloc() : memref<2x3xf32>
// CHECK: call @use(%[[D]])
func.func private @region() attributes {m3sat.hls.dataflow, m3sat.hls.dataflow_region} {
  %a = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<2x3xf32>
  call @use(%a) : (memref<2x3xf32>) -> ()
  %b = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<2x3xf32>
  call @use(%b) : (memref<2x3xf32>) -> ()
  return
}
func.func @channels() {
  %c = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<pipo>} : memref<2x3xf32>
  call @use(%c) : (memref<2x3xf32>) -> ()
  %d = memref.alloc() : memref<2x3xf32>
  call @use(%d) : (memref<2x3xf32>) -> ()
  call @region() : () -> ()
  return
}
