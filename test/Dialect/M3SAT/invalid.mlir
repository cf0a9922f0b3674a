// RUN: m3sat-opt %s -split-input-file -verify-diagnostics

// One case per verifier error of every m3sat op; the attribute's own
// verifier errors come last.

func.func @case0(%x: tensor<8xf32>, %l: tensor<4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{operand 'input' must be [T, D] or [B, S, D], got 'tensor<8xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<8xf32>, tensor<4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @case1(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{result type 'tensor<6x9xf32>' must equal the type of 'input' 'tensor<6x8xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x9xf32>
  return
}

// -----

func.func @case2(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{operand 'fc1_weights' must have rank 3 ([E, H, D]), got 'tensor<16x8xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case3(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x7xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{operand 'fc1_weights' must be [E, H, D] = [4, 16, 8], got 'tensor<4x16x7xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x7xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case4(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x15xf32>) {
  // expected-error @+1 {{operand 'fc2_weights' must be [E, D, H] = [4, 8, 16], got 'tensor<4x8x15xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x8x15xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case5(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf32>, %b1: tensor<4x15xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{operand 'fc1_bias' must be [E, H] = [4, 16], got 'tensor<4x15xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1, %b1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x15xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case6(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>, %b2: tensor<3x8xf32>) {
  // expected-error @+1 {{operand 'fc2_bias' must be [E, D] = [4, 8], got 'tensor<3x8xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2, %b2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>, tensor<3x8xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case7(%x: tensor<6x8xf32>, %l: tensor<6x5xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{operand 'router_logits' must be [T, E] = [6, 4], got 'tensor<6x5xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x5xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case8(%x: tensor<2x3x8xf32>, %l: tensor<2x4x4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{operand 'router_logits' must be [B, S, E] = [2, 3, 4], got 'tensor<2x4x4xf32>'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<2x3x8xf32>, tensor<2x4x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<2x3x8xf32>
  return
}

// -----

func.func @case9(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf16>, %w2: tensor<4x8x16xf16>) {
  // expected-error @+1 {{operand 'fc1_weights' has element type 'f16' but 'input' has 'f32'}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf16>, tensor<4x8x16xf16>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case10(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{requires exactly one of a 'router_logits' operand (dynamic routing) or a 'static_experts' attribute (static routing)}}
  %y = m3sat.moe_ffn %x routed by %l static <experts = [0], weights = [1.0]> fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case11(%x: tensor<6x8xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{requires exactly one of a 'router_logits' operand (dynamic routing) or a 'static_experts' attribute (static routing)}}
  %y = m3sat.moe_ffn %x  fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case12(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{attribute 'k' must be at least 1, got 0}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 0 : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case13(%x: tensor<6x8xf32>, %l: tensor<6x4xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{attribute 'k' = 5 exceeds the number of experts E = 4}}
  %y = m3sat.moe_ffn %x routed by %l fc1(%w1) fc2(%w2) k = 5 : (tensor<6x8xf32>, tensor<6x4xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case14(%x: tensor<6x8xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{attribute 'static_experts' holds 1 experts but 'k' = 2}}
  %y = m3sat.moe_ffn %x static <experts = [0], weights = [1.0]> fc1(%w1) fc2(%w2) k = 2 : (tensor<6x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case15(%x: tensor<6x8xf32>, %w1: tensor<4x16x8xf32>, %w2: tensor<4x8x16xf32>) {
  // expected-error @+1 {{attribute 'static_experts' names expert 4 but there are only E = 4 experts}}
  %y = m3sat.moe_ffn %x static <experts = [4], weights = [1.0]> fc1(%w1) fc2(%w2)  : (tensor<6x8xf32>, tensor<4x16x8xf32>, tensor<4x8x16xf32>) -> tensor<6x8xf32>
  return
}

// -----

func.func @case16(%x: tensor<5x8xf32>, %l: tensor<5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'input' must be [B, S, D], got 'tensor<5x8xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<5x8xf32>, tensor<5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<5x8xf32>
  return
}

// -----

func.func @case17(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{result type 'tensor<1x5x4xf32>' must equal the type of 'input' 'tensor<1x5x8xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x4xf32>
  return
}

// -----

func.func @case18(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'wq' must have rank 3 ([E, Dh, D]), got 'tensor<4x8xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case19(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x9xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'wq' must be [E, Dh, D] = [3, 4, 8], got 'tensor<3x4x9xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x9xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case20(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<5x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'wk' must be [Dh, D] = [4, 8], got 'tensor<5x8xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<5x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case21(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x7xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'wv' must be [Dh, D] = [4, 8], got 'tensor<4x7xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x7xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case22(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<2x8x4xf32>) {
  // expected-error @+1 {{operand 'wo' must be [E, D, Dh] = [3, 8, 4], got 'tensor<2x8x4xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<2x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case23(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>, %bo: tensor<4xf32>) {
  // expected-error @+1 {{operand 'bo' must be [D] = [8], got 'tensor<4xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo, %bo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>, tensor<4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case24(%x: tensor<1x5x8xf32>, %l: tensor<1x5x2xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'router_logits' must be [B, S, E] = [1, 5, 3], got 'tensor<1x5x2xf32>'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x2xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case25(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf16>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'wk' has element type 'f16' but 'input' has 'f32'}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf16>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case26(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{attribute 'scale' must be finite and positive, got -1}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo) scale = -1.0 : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case27(%x: tensor<1x5x8xf32>, %l: tensor<1x5x3xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{attribute 'k' = 4 exceeds the number of experts E = 3}}
  %y = m3sat.moe_attention %x routed by %l q(%wq) kv(%wk, %wv) o(%wo) k = 4 : (tensor<1x5x8xf32>, tensor<1x5x3xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case28(%x: tensor<1x5x8xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{requires exactly one of a 'router_logits' operand}}
  %y = m3sat.moe_attention %x  q(%wq) kv(%wk, %wv) o(%wo)  : (tensor<1x5x8xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @case29(%l: tensor<f32>) {
  // expected-error @+1 {{operand 'logits' must be [..., E], got 'tensor<f32>'}}
  %i, %w = m3sat.route %l k = 2 : tensor<f32> -> tensor<2xi64>, tensor<2xf32>
  return
}

// -----

func.func @case30(%l: tensor<6x4xf32>) {
  // expected-error @+1 {{attribute 'k' must be at least 1, got 0}}
  %i, %w = m3sat.route %l k = 0 : tensor<6x4xf32> -> tensor<6x0xi64>, tensor<6x0xf32>
  return
}

// -----

func.func @case31(%l: tensor<6x4xf32>) {
  // expected-error @+1 {{attribute 'k' = 5 exceeds the number of experts E = 4}}
  %i, %w = m3sat.route %l k = 5 : tensor<6x4xf32> -> tensor<6x5xi64>, tensor<6x5xf32>
  return
}

// -----

func.func @case32(%l: tensor<6x4xf32>) {
  // expected-error @+1 {{result 'indices' must have the shape of 'logits' with the last dimension k = 2, got 'tensor<6x3xi64>'}}
  %i, %w = m3sat.route %l k = 2 : tensor<6x4xf32> -> tensor<6x3xi64>, tensor<6x2xf32>
  return
}

// -----

func.func @case33(%l: tensor<6x4xf32>) {
  // expected-error @+1 {{result 'weights' must have the shape of 'logits' with the last dimension k = 2, got 'tensor<5x2xf32>'}}
  %i, %w = m3sat.route %l k = 2 : tensor<6x4xf32> -> tensor<6x2xi64>, tensor<5x2xf32>
  return
}

// -----

func.func @case34(%l: tensor<6x4xf32>) {
  // expected-error @+1 {{result 'weights' has element type 'f16' but 'logits' has 'f32'}}
  %i, %w = m3sat.route %l k = 2 : tensor<6x4xf32> -> tensor<6x2xi64>, tensor<6x2xf16>
  return
}

// -----

func.func @case35(%x: tensor<6x8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+1 {{attribute 'num_experts' must be at least 1, got 0}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 0 : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<1xi64>
  return
}

// -----

func.func @case36(%x: tensor<1x6x8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+1 {{operand 'input' must have rank 2 ([T, D]), got 'tensor<1x6x8xf32>'}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4 : tensor<1x6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
  return
}

// -----

func.func @case37(%x: tensor<6x8xf32>, %i: tensor<12xi64>) {
  // expected-error @+1 {{operand 'indices' must have rank 2 ([T, k]), got 'tensor<12xi64>'}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4 : tensor<6x8xf32>, tensor<12xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
  return
}

// -----

func.func @case38(%x: tensor<6x8xf32>, %i: tensor<5x2xi64>) {
  // expected-error @+1 {{operand 'indices' must be [T, k] = [6, 2], got 'tensor<5x2xi64>'}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4 : tensor<6x8xf32>, tensor<5x2xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<5xi64>
  return
}

// -----

func.func @case39(%x: tensor<6x8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+1 {{result 'sorted' must be [T*k, D] = [12, 8], got 'tensor<6x8xf32>'}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4 : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<6x8xf32>, tensor<12xi64>, tensor<5xi64>
  return
}

// -----

func.func @case40(%x: tensor<6x8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+1 {{result 'permutation' must be [T*k] = [12], got 'tensor<6xi64>'}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4 : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf32>, tensor<6xi64>, tensor<5xi64>
  return
}

// -----

func.func @case41(%x: tensor<6x8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+1 {{result 'offsets' must be [num_experts+1] = [5], got 'tensor<4xi64>'}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4 : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf32>, tensor<12xi64>, tensor<4xi64>
  return
}

// -----

func.func @case42(%x: tensor<6x8xf32>, %i: tensor<6x2xi64>) {
  // expected-error @+1 {{result 'sorted' has element type 'f16' but 'input' has 'f32'}}
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 4 : tensor<6x8xf32>, tensor<6x2xi64> -> tensor<12x8xf16>, tensor<12xi64>, tensor<5xi64>
  return
}

// -----

func.func @case43(%a: tensor<12xf32>, %w: tensor<4x16x8xf32>, %o: tensor<5xi64>) {
  // expected-error @+1 {{operand 'lhs' must have rank 2 ([N, K]), got 'tensor<12xf32>'}}
  %r = m3sat.grouped_matmul %a, %w, %o : (tensor<12xf32>, tensor<4x16x8xf32>, tensor<5xi64>) -> tensor<12x16xf32>
  return
}

// -----

func.func @case44(%a: tensor<12x8xf32>, %w: tensor<16x8xf32>, %o: tensor<5xi64>) {
  // expected-error @+1 {{operand 'weights' must have rank 3 ([E, M, K]), got 'tensor<16x8xf32>'}}
  %r = m3sat.grouped_matmul %a, %w, %o : (tensor<12x8xf32>, tensor<16x8xf32>, tensor<5xi64>) -> tensor<12x16xf32>
  return
}

// -----

func.func @case45(%a: tensor<12x8xf32>, %w: tensor<4x16x9xf32>, %o: tensor<5xi64>) {
  // expected-error @+1 {{operand 'weights' must be [E, M, K] = [4, 16, 8], got 'tensor<4x16x9xf32>'}}
  %r = m3sat.grouped_matmul %a, %w, %o : (tensor<12x8xf32>, tensor<4x16x9xf32>, tensor<5xi64>) -> tensor<12x16xf32>
  return
}

// -----

func.func @case46(%a: tensor<12x8xf32>, %w: tensor<4x16x8xf32>, %o: tensor<4xi64>) {
  // expected-error @+1 {{operand 'offsets' must be [E+1] = [5], got 'tensor<4xi64>'}}
  %r = m3sat.grouped_matmul %a, %w, %o : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<4xi64>) -> tensor<12x16xf32>
  return
}

// -----

func.func @case47(%a: tensor<12x8xf32>, %w: tensor<4x16x8xf32>, %o: tensor<5xi64>) {
  // expected-error @+1 {{result 'result' must be [N, M] = [12, 16], got 'tensor<12x8xf32>'}}
  %r = m3sat.grouped_matmul %a, %w, %o : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>) -> tensor<12x8xf32>
  return
}

// -----

func.func @case48(%a: tensor<12x8xf32>, %w: tensor<4x16x8xf32>, %o: tensor<5xi64>, %b: tensor<4x8xf32>) {
  // expected-error @+1 {{operand 'bias' must be [E, M] = [4, 16], got 'tensor<4x8xf32>'}}
  %r = m3sat.grouped_matmul %a, %w, %o bias %b : (tensor<12x8xf32>, tensor<4x16x8xf32>, tensor<5xi64>, tensor<4x8xf32>) -> tensor<12x16xf32>
  return
}

// -----

func.func @case49(%a: tensor<12x8xf32>, %w: tensor<4x16x8xf16>, %o: tensor<5xi64>) {
  // expected-error @+1 {{operand 'weights' has element type 'f16' but 'lhs' has 'f32'}}
  %r = m3sat.grouped_matmul %a, %w, %o : (tensor<12x8xf32>, tensor<4x16x8xf16>, tensor<5xi64>) -> tensor<12x16xf32>
  return
}

// -----

func.func @case50(%r: tensor<96xf32>, %p: tensor<12xi64>, %w: tensor<6x2xf32>) {
  // expected-error @+1 {{operand 'rows' must have rank 2 ([T*k, D]), got 'tensor<96xf32>'}}
  %y = m3sat.combine %r, %p, %w : tensor<96xf32>, tensor<12xi64>, tensor<6x2xf32> -> tensor<6x8xf32>
  return
}

// -----

func.func @case51(%r: tensor<12x8xf32>, %p: tensor<12xi64>, %w: tensor<12xf32>) {
  // expected-error @+1 {{operand 'weights' must have rank 2 ([T, k]), got 'tensor<12xf32>'}}
  %y = m3sat.combine %r, %p, %w : tensor<12x8xf32>, tensor<12xi64>, tensor<12xf32> -> tensor<6x8xf32>
  return
}

// -----

func.func @case52(%r: tensor<10x8xf32>, %p: tensor<12xi64>, %w: tensor<6x2xf32>) {
  // expected-error @+1 {{operand 'rows' must be [T*k, D] = [12, 8], got 'tensor<10x8xf32>'}}
  %y = m3sat.combine %r, %p, %w : tensor<10x8xf32>, tensor<12xi64>, tensor<6x2xf32> -> tensor<6x8xf32>
  return
}

// -----

func.func @case53(%r: tensor<12x8xf32>, %p: tensor<10xi64>, %w: tensor<6x2xf32>) {
  // expected-error @+1 {{operand 'permutation' must be [T*k] = [12], got 'tensor<10xi64>'}}
  %y = m3sat.combine %r, %p, %w : tensor<12x8xf32>, tensor<10xi64>, tensor<6x2xf32> -> tensor<6x8xf32>
  return
}

// -----

func.func @case54(%r: tensor<12x8xf32>, %p: tensor<12xi64>, %w: tensor<6x2xf32>) {
  // expected-error @+1 {{result 'result' must be [T, D] = [6, 8], got 'tensor<6x4xf32>'}}
  %y = m3sat.combine %r, %p, %w : tensor<12x8xf32>, tensor<12xi64>, tensor<6x2xf32> -> tensor<6x4xf32>
  return
}

// -----

func.func @case55(%r: tensor<12x8xf32>, %p: tensor<12xi64>, %w: tensor<6x2xf16>) {
  // expected-error @+1 {{operand 'weights' has element type 'f16' but 'rows' has 'f32'}}
  %y = m3sat.combine %r, %p, %w : tensor<12x8xf32>, tensor<12xi64>, tensor<6x2xf16> -> tensor<6x8xf32>
  return
}

// -----

// expected-error @+1 {{expert set has 2 experts but 1 weights}}
func.func @attr() attributes {m3sat.set = #m3sat.expert_set<experts = [1, 2], weights = [0.5]>} {
  return
}

// -----

// expected-error @+1 {{expert set holds negative expert index -1}}
func.func @attr() attributes {m3sat.set = #m3sat.expert_set<experts = [-1], weights = [1.0]>} {
  return
}

// -----

func.func @kv_source_rank(%x: tensor<1x5x8xf32>, %src: tensor<7x8xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'kv_source' must have rank 3 ([B, S', D]), got 'tensor<7x8xf32>'}}
  %y = m3sat.moe_attention %x static <experts = [0], weights = [1.0]> q(%wq) kv(%wk, %wv) from %src o(%wo) : (tensor<1x5x8xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>, tensor<7x8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @kv_source_shape(%x: tensor<1x5x8xf32>, %src: tensor<2x7x8xf32>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'kv_source' must be [B, S', D] = [1, 7, 8], got 'tensor<2x7x8xf32>'}}
  %y = m3sat.moe_attention %x static <experts = [0], weights = [1.0]> q(%wq) kv(%wk, %wv) from %src o(%wo) : (tensor<1x5x8xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>, tensor<2x7x8xf32>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @kv_source_type(%x: tensor<1x5x8xf32>, %src: tensor<1x7x8xf16>, %wq: tensor<3x4x8xf32>, %wk: tensor<4x8xf32>, %wv: tensor<4x8xf32>, %wo: tensor<3x8x4xf32>) {
  // expected-error @+1 {{operand 'kv_source' has element type 'f16' but 'input' has 'f32'}}
  %y = m3sat.moe_attention %x static <experts = [0], weights = [1.0]> q(%wq) kv(%wk, %wv) from %src o(%wo) : (tensor<1x5x8xf32>, tensor<3x4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x8x4xf32>, tensor<1x7x8xf16>) -> tensor<1x5x8xf32>
  return
}

// -----

func.func @dequantize_bits(%q: tensor<2x4x4xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{'bits' must be 4 or 8, got 3}}
  %w = m3sat.dequantize %q scales %s bits = 3 : (tensor<2x4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @dequantize_block_negative(%q: tensor<2x4x4xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{'block_size' must be >= 0, got -2}}
  %w = m3sat.dequantize %q scales %s bits = 4 block_size = -2 : (tensor<2x4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @dequantize_packed_rank(%q: tensor<4x4xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{operand 'packed' must have rank 3 ([E, R, C / p]), got 'tensor<4x4xi8>'}}
  %w = m3sat.dequantize %q scales %s bits = 4 : (tensor<4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @dequantize_result_rank(%q: tensor<2x4x4xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{result 'result' must have rank 3 ([E, R, C]), got 'tensor<8x8xf32>'}}
  %w = m3sat.dequantize %q scales %s bits = 4 : (tensor<2x4x4xi8>, tensor<2x4xf32>) -> tensor<8x8xf32>
  return
}

// -----

func.func @dequantize_dynamic(%q: tensor<?x4x4xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{'packed' must have a static shape, got 'tensor<?x4x4xi8>'}}
  %w = m3sat.dequantize %q scales %s bits = 4 : (tensor<?x4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @dequantize_columns(%q: tensor<2x4x4xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{result 'result' must be [E, R, C = p * packed[2]] = [2, 4, 8], got 'tensor<2x4x4xf32>'}}
  %w = m3sat.dequantize %q scales %s bits = 4 : (tensor<2x4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x4xf32>
  return
}

// -----

func.func @dequantize_row_scales(%q: tensor<2x4x4xi8>, %s: tensor<2x5xf32>) {
  // expected-error @+1 {{operand 'scales' must be [E, R] = [2, 4], got 'tensor<2x5xf32>'}}
  %w = m3sat.dequantize %q scales %s bits = 4 : (tensor<2x4x4xi8>, tensor<2x5xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @dequantize_row_zero_points(%q: tensor<2x4x4xi8>, %s: tensor<2x4xf32>, %z: tensor<2x4xi8>) {
  // expected-error @+1 {{operand 'zero_points' must be [E, ceil(R / p)] = [2, 2], got 'tensor<2x4xi8>'}}
  %w = m3sat.dequantize %q scales %s zero_points %z bits = 4 : (tensor<2x4x4xi8>, tensor<2x4xf32>, tensor<2x4xi8>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @dequantize_block_divides(%q: tensor<2x4x24xi8>, %s: tensor<2x4x3xf32>) {
  // expected-error @+1 {{'block_size' = 32 does not divide the 48 columns of a row}}
  %w = m3sat.dequantize %q scales %s bits = 4 block_size = 32 : (tensor<2x4x24xi8>, tensor<2x4x3xf32>) -> tensor<2x4x48xf32>
  return
}

// -----

func.func @dequantize_block_scales(%q: tensor<2x4x32xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{operand 'scales' must be [E, R, C / block_size] = [2, 4, 2], got 'tensor<2x4xf32>'}}
  %w = m3sat.dequantize %q scales %s bits = 8 block_size = 16 : (tensor<2x4x32xi8>, tensor<2x4xf32>) -> tensor<2x4x32xf32>
  return
}

// -----

func.func @dequantize_block_zero_points(%q: tensor<2x4x32xi8>, %s: tensor<2x4x2xf32>, %z: tensor<2x4x1xi8>) {
  // expected-error @+1 {{operand 'zero_points' must be [E, R, ceil(NB / p)] = [2, 4, 2], got 'tensor<2x4x1xi8>'}}
  %w = m3sat.dequantize %q scales %s zero_points %z bits = 8 block_size = 16 : (tensor<2x4x32xi8>, tensor<2x4x2xf32>, tensor<2x4x1xi8>) -> tensor<2x4x32xf32>
  return
}

// -----

func.func @dequantize_element(%q: tensor<2x4x4xi8>, %s: tensor<2x4xf32>) {
  // expected-error @+1 {{result 'result' has element type 'f16' but 'scales' has 'f32'}}
  %w = m3sat.dequantize %q scales %s bits = 4 : (tensor<2x4x4xi8>, tensor<2x4xf32>) -> tensor<2x4x8xf16>
  return
}

// -----

// expected-error @+1 {{expert set holds expert 4 twice}}
func.func @attr() attributes {m3sat.set = #m3sat.expert_set<experts = [4, 4], weights = [0.5, 0.5]>} {
  return
}
