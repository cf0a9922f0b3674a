// RUN: m3sat-opt %s -m3sat-convert-to-linalg -split-input-file -verify-diagnostics

func.func @dynamic_tokens(%x: tensor<?x8xf32>, %l: tensor<?x4xf32>,
    %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'m3sat.moe_ffn' op cannot be lowered to linalg: the CPU path needs static shapes}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)
       : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
