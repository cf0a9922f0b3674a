// Every op the emitter cannot print is one diagnostic naming it, exit code
// 1, and no output file.
// RUN: rm -rf %t && split-file %s %t
// RUN: not m3sat-translate --emit-hls-cpp %t/vector.mlir -o %t/vector.cpp 2>&1 | FileCheck %s --check-prefix=VECTOR
// RUN: not test -e %t/vector.cpp
// VECTOR: vector.mlir:2:8: error: 'arith.constant' op cannot be emitted as HLS C++
// RUN: not m3sat-translate --emit-hls-cpp %t/dynamic.mlir 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: dynamic.mlir:2:8: error: 'memref.alloc' op uses 'memref<?xf32>'; HLS C++ arrays need a static shape
// RUN: not m3sat-translate --emit-hls-cpp %t/copy.mlir 2>&1 | FileCheck %s --check-prefix=COPY
// COPY: copy.mlir:2:3: error: 'memref.copy' op cannot be emitted as HLS C++
// RUN: not m3sat-translate --emit-hls-cpp %t/while.mlir 2>&1 | FileCheck %s --check-prefix=WHILE
// WHILE: while.mlir:3:3: error: 'scf.while' op cannot be emitted as HLS C++
// RUN: not m3sat-translate --emit-hls-cpp %t/f16.mlir 2>&1 | FileCheck %s --check-prefix=F16
// F16: f16.mlir:1:1: error: 'func.func' op has type 'f16' that HLS C++ cannot represent
// RUN: not m3sat-translate --emit-hls-cpp %t/view.mlir 2>&1 | FileCheck %s --check-prefix=VIEW
// VIEW: view.mlir:2:8: error: 'memref.reinterpret_cast' op is not an array seen as 1-D from its first element, the only view HLS C++ prints
// A FIFO channel of a DATAFLOW region (m3sat-hls-dataflow) is a stream:
// one access in its stage, a load if it comes in, a store if it goes out;
// its allocation has a depth.
// RUN: not m3sat-translate --emit-hls-cpp %t/fifo-store.mlir 2>&1 | FileCheck %s --check-prefix=FIFO-STORE
// FIFO-STORE: fifo-store.mlir:1:1: error: 'func.func' op has a FIFO argument 0 that is not only loaded; a stream is read one value at a time
// RUN: not m3sat-translate --emit-hls-cpp %t/fifo-twice.mlir 2>&1 | FileCheck %s --check-prefix=FIFO-TWICE
// FIFO-TWICE: fifo-twice.mlir:1:1: error: 'func.func' op has a FIFO argument 0 with 2 accesses; a stream is written by one access in its loops
// RUN: not m3sat-translate --emit-hls-cpp %t/fifo-depth.mlir 2>&1 | FileCheck %s --check-prefix=FIFO-DEPTH
// FIFO-DEPTH: fifo-depth.mlir:2:8: error: 'memref.alloc' op is a FIFO channel without a depth (m3sat.hls.fifo_depth)

//--- vector.mlir
func.func @f(%out: memref<4xf32>) {
  %v = arith.constant dense<1.0> : vector<4xf32>
  %s = arith.addf %v, %v : vector<4xf32>
  return
}
//--- dynamic.mlir
func.func @f(%n: index) {
  %b = memref.alloc(%n) : memref<?xf32>
  return
}
//--- copy.mlir
func.func @f(%a: memref<4xf32>, %b: memref<4xf32>) {
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  return
}
//--- while.mlir
func.func @f(%a: memref<4xi1>) {
  %c0 = arith.constant 0 : index
  scf.while : () -> () {
    %x = memref.load %a[%c0] : memref<4xi1>
    scf.condition(%x)
  } do {
    scf.yield
  }
  return
}
//--- f16.mlir
func.func @f(%a: memref<4xf16>) {
  %c0 = arith.constant 0 : index
  %x = memref.load %a[%c0] : memref<4xf16>
  return
}

//--- view.mlir
func.func @f(%a: memref<4x8xf32>, %out: memref<8xf32>) {
  %v = memref.reinterpret_cast %a to offset: [8], sizes: [8], strides: [1] : memref<4x8xf32> to memref<8xf32, strided<[1], offset: 8>>
  %c0 = arith.constant 0 : index
  %x = memref.load %v[%c0] : memref<8xf32, strided<[1], offset: 8>>
  memref.store %x, %out[%c0] : memref<8xf32>
  return
}

//--- fifo-store.mlir
func.func private @stage(%in: memref<4xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_in>}) {
  %c0 = arith.constant 0 : index
  %x = arith.constant 1.0 : f32
  memref.store %x, %in[%c0] : memref<4xf32>
  return
}
func.func @f() {
  %a = memref.alloc() : memref<4xf32>
  call @stage(%a) : (memref<4xf32>) -> ()
  return
}

//--- fifo-twice.mlir
func.func private @stage(%out: memref<4xf32> {m3sat.hls.channel = #m3sat.hls_channel<fifo_out>}) {
  %c0 = arith.constant 0 : index
  %x = arith.constant 1.0 : f32
  memref.store %x, %out[%c0] : memref<4xf32>
  memref.store %x, %out[%c0] : memref<4xf32>
  return
}
func.func @f() {
  %a = memref.alloc() : memref<4xf32>
  call @stage(%a) : (memref<4xf32>) -> ()
  return
}

//--- fifo-depth.mlir
func.func @f() attributes {m3sat.hls.dataflow, m3sat.hls.dataflow_region} {
  %a = memref.alloc() {m3sat.hls.channel = #m3sat.hls_channel<fifo>} : memref<4xf32>
  return
}
