// RUN: m3sat-opt %s -m3sat-cost-report -o /dev/null | FileCheck %s
// RUN: m3sat-opt %s -m3sat-prune-experts -canonicalize -m3sat-cost-report -o /dev/null | FileCheck %s --check-prefix=PRUNED
// RUN: m3sat-opt %s -m3sat-cost-report=json -o /dev/null | FileCheck %s --check-prefix=JSON

// 6 tokens, D = 16, H = 32, E = 4, k = 2. Per token and visited expert:
// 2*D*H (fc1) + H (bias) + H (activation) + 2*H*D (fc2) + D (bias)
// + 2*D (weighted sum) = 1024 + 32 + 32 + 1024 + 16 + 32 = 2160.
// Token routing adds E * (3 + k) = 20 per token.
// routed: 6 * 2 * 2160 + 6 * 20 = 26040 FLOPs.
// Parameters: fc1 4*32*16*4 B = 8192, fc2 8192 => 16384 bytes.
// CHECK-LABEL: @routed
// CHECK: ffn {{ *}}m3sat.moe_ffn {{ *}}26040 {{ *}}16384 {{ *}}384
// CHECK: total {{ *}}26040 {{ *}}16384 {{ *}}384
func.func @routed(%x: tensor<6x16xf32>, %l: tensor<6x4xf32>) -> tensor<6x16xf32> {
  %w1 = arith.constant dense<0.5> : tensor<4x32x16xf32>
  %w2 = arith.constant dense<0.25> : tensor<4x16x32xf32>
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 2
       : (tensor<6x16xf32>, tensor<6x4xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>) -> tensor<6x16xf32> loc("ffn")
  return %y : tensor<6x16xf32>
}

// A static set of one expert: 6 * 2160 FLOPs, no routing. Before pruning
// all 4 experts' weights count; after, one expert's: 2048 + 2048 bytes.
// CHECK-LABEL: @static
// CHECK: total {{ *}}12960 {{ *}}16384
// PRUNED-LABEL: @static
// PRUNED: total {{ *}}12960 {{ *}}4096
func.func @static(%x: tensor<6x16xf32>) -> tensor<6x16xf32> {
  %w1 = arith.constant dense<0.5> : tensor<4x32x16xf32>
  %w2 = arith.constant dense<0.25> : tensor<4x16x32xf32>
  %y = m3sat.moe_ffn %x static <experts = [2], weights = [0.75]> fc1(%w1) fc2(%w2)
       : (tensor<6x16xf32>, tensor<4x32x16xf32>, tensor<4x16x32xf32>) -> tensor<6x16xf32>
  return %y : tensor<6x16xf32>
}

// A contraction counts 2 FLOPs per iteration (6*4*16 iterations); a fill
// computes nothing.
// CHECK-LABEL: @gate
// CHECK-NOT: linalg.fill
// CHECK: linalg.matmul {{ *}}linalg.matmul {{ *}}768 {{ *}}256 {{ *}}96
// CHECK: total {{ *}}768 {{ *}}256 {{ *}}192
// JSON: "gate": {
// JSON: "activation_bytes": 192,
// JSON: "flops": 768
func.func @gate(%x: tensor<6x16xf32>) -> tensor<6x4xf32> {
  %wg = arith.constant dense<1.0> : tensor<16x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<6x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<6x4xf32>) -> tensor<6x4xf32>
  %l = linalg.matmul ins(%x, %wg : tensor<6x16xf32>, tensor<16x4xf32>) outs(%acc : tensor<6x4xf32>) -> tensor<6x4xf32>
  return %l : tensor<6x4xf32>
}

// A 3-D convolution: 2 FLOPs per output element and kernel tap (3*3*3*3
// outputs, 2*2*2 taps of 2 input channels): 2 * 81 * 16 = 2592.
// CHECK-LABEL: @conv3d
// CHECK: conv {{ *}}tosa.conv3d {{ *}}2592
func.func @conv3d(%x: tensor<1x4x4x4x2xf32>) -> tensor<1x3x3x3x3xf32> {
  %w = arith.constant dense<0.5> : tensor<3x2x2x2x2xf32>
  %b = arith.constant dense<0.0> : tensor<3xf32>
  %zp = "tosa.const"() {values = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %y = tosa.conv3d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1, 1>, pad = array<i64: 0, 0, 0, 0, 0, 0>, stride = array<i64: 1, 1, 1>}
       : (tensor<1x4x4x4x2xf32>, tensor<3x2x2x2x2xf32>, tensor<3xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x3x3x3x3xf32> loc("conv")
  return %y : tensor<1x3x3x3x3xf32>
}
