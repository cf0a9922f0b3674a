// REQUIRES: libdevice
// RUN: m3sat-opt %s --m3sat-gpu-pipeline | FileCheck %s

// Math in kernels goes through libdevice, which the pipeline links from the
// CUDA toolkit: no call is left in the PTX.
// CHECK: gpu.binary
// CHECK-NOT: __nv_
// CHECK-NOT: call.uni
func.func @task(%x: tensor<8xf32>) -> tensor<8xf32> {
  %t = tosa.tanh %x : (tensor<8xf32>) -> tensor<8xf32>
  %e = math.erf %t : tensor<8xf32>
  return %e : tensor<8xf32>
}
