// RUN: m3sat-opt %s --m3sat-hls-annotate-loops="unroll=4 products-only=true other-unroll=4" | FileCheck %s --check-prefix=MARK
// RUN: m3sat-opt %s --m3sat-hls-annotate-loops="unroll=4 products-only=true other-unroll=4" --m3sat-hls-partition-arrays=check-unrolls=true | FileCheck %s
// RUN: m3sat-opt %s --m3sat-hls-annotate-loops="unroll=4 products-only=true other-unroll=4" --m3sat-hls-partition-arrays | FileCheck %s --check-prefix=UNCHECKED
// RUN: not m3sat-opt %s --m3sat-hls-annotate-loops="other-unroll=0" 2>&1 | FileCheck %s --check-prefix=BAD

// Loops that do not multiply-accumulate get other-unroll's factor (those
// that carry an iteration argument do not); check-unrolls then keeps it
// only where each copy has its own bank of every array it accesses.
// BAD: m3sat-hls-annotate-loops: other-unroll must be at least 1

// An elementwise loop over local arrays: unrolled 4, both arrays split
// cyclically by 4 along the walked dimension; the scale (a load of one
// element) is shared by the copies.
// MARK-LABEL: func.func @elementwise
// MARK: m3sat.hls.unroll = 4
// CHECK-LABEL: func.func @elementwise
// CHECK: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<8x16xf32>
// CHECK: memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<8x16xf32>
// CHECK: } {m3sat.hls.pipeline_ii = 1 : i64, m3sat.hls.unroll = 4 : i64}
func.func @elementwise(%out: memref<8x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %x = memref.alloc() : memref<8x16xf32>
  %y = memref.alloc() : memref<8x16xf32>
  %s = memref.alloc() : memref<1xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %x[%i, %j] : memref<8x16xf32>
      %f = memref.load %s[%c0] : memref<1xf32>
      %e = math.exp %v : f32
      %p = arith.mulf %e, %f : f32
      memref.store %p, %y[%i, %j] : memref<8x16xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %y[%i, %j] : memref<8x16xf32>
      memref.store %v, %x[%i, %j] : memref<8x16xf32>
    }
  }
  return
}

// A loop that reads a port (m_axi: not banked) keeps one lane; so does a
// reduction into one element (every copy would add to it).
// MARK-LABEL: func.func @port_and_reduction
// MARK: m3sat.hls.unroll = 4
// MARK: m3sat.hls.unroll = 4
// CHECK-LABEL: func.func @port_and_reduction
// CHECK-NOT: m3sat.hls.unroll
// CHECK: return
// The pass without check-unrolls leaves them as they are.
// UNCHECKED-LABEL: func.func @port_and_reduction
// UNCHECKED: m3sat.hls.unroll = 4
// UNCHECKED: m3sat.hls.unroll = 4
func.func @port_and_reduction(%in: memref<8x16xf32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %x = memref.alloc() : memref<8x16xf32>
  %sum = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %in[%i, %j] : memref<8x16xf32>
      memref.store %v, %x[%i, %j] : memref<8x16xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %x[%i, %j] : memref<8x16xf32>
      %a = memref.load %sum[%i] : memref<8xf32>
      %s = arith.addf %a, %v : f32
      memref.store %s, %sum[%i] : memref<8xf32>
    }
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %sum[%i] : memref<8xf32>
    memref.store %v, %out[%i] : memref<8xf32>
  }
  return
}

// A transpose: the first loop splits %a along its columns, the transpose
// walks %a along its rows (no bank per copy there), so it keeps one lane
// and %b is not split for it.
// CHECK-LABEL: func.func @transpose
// CHECK: %[[A:.*]] = memref.alloc() {m3sat.hls.partition = #m3sat.hls_partition<dim = 2, factor = 4>} : memref<16x16xf32>
// CHECK: %[[B:.*]] = memref.alloc() : memref<16x16xf32>
// CHECK: memref.store %{{.*}}, %[[A]]
// CHECK-NEXT: } {m3sat.hls.pipeline_ii = 1 : i64, m3sat.hls.unroll = 4 : i64}
// CHECK: memref.store %{{.*}}, %[[B]]
// CHECK-NEXT: } {m3sat.hls.pipeline_ii = 1 : i64}
// An iteration argument: never unrolled by other-unroll.
// CHECK: scf.yield
// CHECK-NEXT: } {m3sat.hls.pipeline_ii = 1 : i64}
func.func @transpose(%out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<16x16xf32>
  %b = memref.alloc() : memref<16x16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      memref.store %zero, %a[%i, %j] : memref<16x16xf32>
    }
  }
  scf.for %i = %c0 to %c16 step %c1 {
    scf.for %j = %c0 to %c16 step %c1 {
      %v = memref.load %a[%j, %i] : memref<16x16xf32>
      memref.store %v, %b[%i, %j] : memref<16x16xf32>
    }
  }
  scf.for %i = %c0 to %c16 step %c1 {
    %r = scf.for %j = %c0 to %c16 step %c1 iter_args(%acc = %zero) -> (f32) {
      %v = memref.load %b[%i, %j] : memref<16x16xf32>
      %s = arith.addf %acc, %v : f32
      scf.yield %s : f32
    }
    memref.store %r, %out[%i] : memref<16xf32>
  }
  return
}
