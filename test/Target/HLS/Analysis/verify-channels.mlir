// RUN: m3sat-opt %s --split-input-file --verify-diagnostics --m3sat-hls-verify-channels | FileCheck %s

// A FIFO channel of a DATAFLOW region (m3sat-hls-dataflow) is a stream:
// one access in its stage, a load if it comes in, a store if it goes out;
// its allocation has a depth. Well-formed channels pass unchanged.

// CHECK-LABEL: func.func private @produce
// CHECK-SAME: m3sat.hls.channel = #m3sat.hls_channel<fifo_out>
// CHECK-LABEL: func.func @region
// CHECK: memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 2 : i64}
func.func private @produce(%out: memref<4xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %x = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    memref.store %x, %out[%i] : memref<4xf32>
  }
  return
}
func.func private @consume(%in: memref<4xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %in[%i] : memref<4xf32>
    memref.store %x, %out[%i] : memref<4xf32>
  }
  return
}
func.func @region(%out: memref<4xf32>) attributes {m3sat.hls.dataflow, m3sat.hls.dataflow_region} {
  %a = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>, m3sat.hls.fifo_depth = 2 : i64} : memref<4xf32>
  call @produce(%a) : (memref<4xf32>) -> ()
  call @consume(%a, %out) : (memref<4xf32>, memref<4xf32>) -> ()
  return
}

// -----

// expected-error @+1 {{has a FIFO argument 0 that is not only loaded; a stream is read one value at a time}}
func.func private @stage(%in: memref<4xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}) {
  %c0 = arith.constant 0 : index
  %x = arith.constant 1.0 : f32
  memref.store %x, %in[%c0] : memref<4xf32>
  return
}

// -----

// expected-error @+1 {{has a FIFO argument 0 with 2 accesses; a stream is written by one access in its loops}}
func.func private @stage(%out: memref<4xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}) {
  %c0 = arith.constant 0 : index
  %x = arith.constant 1.0 : f32
  memref.store %x, %out[%c0] : memref<4xf32>
  memref.store %x, %out[%c0] : memref<4xf32>
  return
}

// -----

func.func @f() attributes {m3sat.hls.dataflow, m3sat.hls.dataflow_region} {
  // expected-error @+1 {{is a FIFO channel without a depth (m3sat.hls.fifo_depth)}}
  %a = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>} : memref<4xf32>
  return
}
