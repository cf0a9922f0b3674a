// An Edge-MoE-style pair of MoE FFN layers, after the task has been bound.
//
// Layer 1 has task-level routing: its router logits come from the task
// embedding alone, so once the task is a constant they are the same for
// every token (a broadcast of one row), and -canonicalize turns the layer
// into a static expert set. Layer 2 has M3ViT-style token routing
// (logits = h . gate), which stays dynamic; -m3sat-expert-major rewrites it
// into route -> dispatch -> grouped matmuls -> combine.
//
// 8 tokens of width 16, 4 experts of hidden width 32, top-2, GELU.

func.func @edgemoe_block(%x: tensor<8x16xf32>, %gate: tensor<16x4xf32>,
    %w1: tensor<4x32x16xf32>, %b1: tensor<4x32xf32>,
    %w2: tensor<4x16x32xf32>, %b2: tensor<4x16xf32>) -> tensor<8x16xf32> {
  // Layer 1: logits of the bound task, broadcast over the tokens.
  %task_logits = arith.constant dense<[0.1, 2.0, -1.0, 1.5]> : tensor<4xf32>
  %init1 = tensor.empty() : tensor<8x4xf32>
  %logits1 = linalg.broadcast ins(%task_logits : tensor<4xf32>)
                              outs(%init1 : tensor<8x4xf32>) dimensions = [0]
  %h = m3sat.moe_ffn %x routed by %logits1 fc1(%w1, %b1) fc2(%w2, %b2)
         k = 2 activation = gelu
       : (tensor<8x16xf32>, tensor<8x4xf32>, tensor<4x32x16xf32>, tensor<4x32xf32>,
          tensor<4x16x32xf32>, tensor<4x16xf32>) -> tensor<8x16xf32>

  // Layer 2: per-token logits from a linear gate.
  %zero = arith.constant 0.0 : f32
  %init2 = tensor.empty() : tensor<8x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init2 : tensor<8x4xf32>) -> tensor<8x4xf32>
  %logits2 = linalg.matmul ins(%h, %gate : tensor<8x16xf32>, tensor<16x4xf32>)
                           outs(%acc : tensor<8x4xf32>) -> tensor<8x4xf32>
  %y = m3sat.moe_ffn %h routed by %logits2 fc1(%w1, %b1) fc2(%w2, %b2)
         k = 2 activation = gelu
       : (tensor<8x16xf32>, tensor<8x4xf32>, tensor<4x32x16xf32>, tensor<4x32xf32>,
          tensor<4x16x32xf32>, tensor<4x16xf32>) -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
