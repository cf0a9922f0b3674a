// REQUIRES: libdevice
// RUN: m3sat-opt %s -m3sat-transpose-expert-weights --m3sat-gpu-pipeline -mlir-print-ir-after=convert-parallel-loops-to-gpu -o /dev/null 2>&1 | FileCheck %s

// A routed MoE FFN with constant expert weights (2 experts, D 4, H 8),
// weights in the (in, out) layout: in the kernels of both grouped GEMMs the
// k loop reads the weights at [expert, k, n], n (the output column, mapped
// to threadIdx.x) last: neighbouring threads read neighbouring weights. In
// the (out, in) layout they read [expert, n, k], K floats apart.
// The accumulators are in registers (loop-carried values) here too: the
// constant weights cannot be the output.
// CHECK-LABEL: func.func @task
// CHECK-DAG: %[[W1:.*]] = memref.get_global @{{.*}} : memref<2x4x8xf32>
// CHECK-DAG: %[[W2:.*]] = memref.get_global @{{.*}} : memref<2x8x4xf32>
// CHECK: scf.for %[[K1:[^ ]+]] = {{.*}} iter_args
// CHECK: memref.load %[[W1]][%{{[^,]+}}, %[[K1]], %{{[^]]+}}] : memref<2x4x8xf32>
// CHECK: scf.for %[[K2:[^ ]+]] = {{.*}} iter_args
// CHECK: memref.load %[[W2]][%{{[^,]+}}, %[[K2]], %{{[^]]+}}] : memref<2x8x4xf32>
// CHECK-NOT: linalg.transpose
func.func @task(%x: tensor<6x4xf32>, %l: tensor<6x2xf32>) -> tensor<6x4xf32> {
  %w1 = arith.constant dense_resource<w1> : tensor<2x8x4xf32>
  %w2 = arith.constant dense_resource<w2> : tensor<2x4x8xf32>
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 1
       : (tensor<6x4xf32>, tensor<6x2xf32>, tensor<2x8x4xf32>, tensor<2x4x8xf32>)
       -> tensor<6x4xf32>
  return %y : tensor<6x4xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w1: "0x04000000000000000000803C0000003D0000403D0000803D0000A03D0000C03D0000E03D0000003E0000103E0000203E0000303E0000403E0000503E0000603E0000703E0000803E0000883E0000903E0000983E0000A03E0000A83E0000B03E0000B83E0000C03E0000C83E0000D03E0000D83E0000E03E0000E83E0000F03E0000F83E0000003F0000043F0000083F00000C3F0000103F0000143F0000183F00001C3F0000203F0000243F0000283F00002C3F0000303F0000343F0000383F00003C3F0000403F0000443F0000483F00004C3F0000503F0000543F0000583F00005C3F0000603F0000643F0000683F00006C3F0000703F0000743F0000783F00007C3F",
      w2: "0x0400000000000080000080BC000000BD000040BD000080BD0000A0BD0000C0BD0000E0BD000000BE000010BE000020BE000030BE000040BE000050BE000060BE000070BE000080BE000088BE000090BE000098BE0000A0BE0000A8BE0000B0BE0000B8BE0000C0BE0000C8BE0000D0BE0000D8BE0000E0BE0000E8BE0000F0BE0000F8BE000000BF000004BF000008BF00000CBF000010BF000014BF000018BF00001CBF000020BF000024BF000028BF00002CBF000030BF000034BF000038BF00003CBF000040BF000044BF000048BF00004CBF000050BF000054BF000058BF00005CBF000060BF000064BF000068BF00006CBF000070BF000074BF000078BF00007CBF"
    }
  }
#-}
