// RUN: m3sat-opt %s --m3sat-hls-share-buffers | FileCheck %s

// %b is allocated after %a's last use and has its type: it takes %a's
// storage. %c has another type; %d, of %c's type, is allocated after %c's
// last use and takes it (its use inside a loop nest counts at the nest).
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[A]]
// CHECK-NEXT: memref.load %[[A]]
// CHECK-NEXT: memref.store %{{.*}}, %[[A]]
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<2xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[C]]
// CHECK-NEXT: memref.load %[[A]]
// CHECK-NEXT: memref.load %[[C]]
// CHECK-NEXT: scf.for
// CHECK-NEXT: memref.store %{{.*}}, %[[C]]
// CHECK: memref.load %[[C]]
// CHECK-NEXT: memref.store %{{.*}}, %[[A]]
// CHECK-NEXT: %[[F:.*]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: memref.store %{{.*}}, %[[F]]
// CHECK-NEXT: memref.load %[[A]]
// CHECK-NEXT: memref.load %[[F]]
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @chain(%x: f32, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %a = memref.alloc() : memref<4xf32>
  memref.store %x, %a[%c0] : memref<4xf32>
  %va = memref.load %a[%c0] : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  memref.store %va, %b[%c1] : memref<4xf32>
  %c = memref.alloc() : memref<2xf32>
  memref.store %va, %c[%c0] : memref<2xf32>
  %vb = memref.load %b[%c1] : memref<4xf32>
  %vc = memref.load %c[%c0] : memref<2xf32>
  %d = memref.alloc() : memref<2xf32>
  scf.for %i = %c0 to %c2 step %c1 {
    memref.store %vb, %d[%i] : memref<2xf32>
  }
  // %a (holding %b) is dead: %e takes it too; %f is allocated while %e
  // is live and keeps its own array.
  %e = memref.alloc() : memref<4xf32>
  %vd = memref.load %d[%c1] : memref<2xf32>
  memref.store %vd, %e[%c0] : memref<4xf32>
  %f = memref.alloc() : memref<4xf32>
  memref.store %vd, %f[%c1] : memref<4xf32>
  %ve = memref.load %e[%c0] : memref<4xf32>
  %vf = memref.load %f[%c1] : memref<4xf32>
  %sum = arith.addf %ve, %vf : f32
  memref.store %sum, %out[%c0] : memref<4xf32>
  return
}
