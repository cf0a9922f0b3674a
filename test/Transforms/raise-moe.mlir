#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
// RUN: m3sat-opt --m3sat-raise-moe --canonicalize --split-input-file %s \
// RUN:   | FileCheck %s

// A plain-PyTorch MoE layer as the ONNX importer imports it (exported with
// test/Transforms/Inputs/make_plain_moe.py --experts 2 --k 1 --dim 2
// --hidden 2 --activation relu): softmax gate, TopK (k rounds of argmax),
// per expert Linear -> ReLU -> Linear weighted by sum(w * (idx == e)),
// summed onto zeros, plus a residual. It becomes one m3sat.moe_ffn routed by
// the gate's logits, the experts' (in, out) MatMul weights stacked as
// (out, in), the zeros and the residual kept out of it.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", raised = "m3sat.moe_ffn: 2 experts, top-1, hidden 2, relu"}]
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[B2:.*]] = arith.constant dense<{{\[\[}}-0.291485757, 0.0261937603], [0.640268385, -6.559620e-01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B1:.*]] = arith.constant dense<{{\[\[}}-0.0627515167, 0.187109336], [0.256833285, 0.587172925]]> : tensor<2x2xf32>
// CHECK-DAG: %[[W2:.*]] = arith.constant dense<{{\[\[\[}}-0.213696912, -0.138992712], [-0.675533414, -0.468304157]], {{\[\[}}-0.145522699, 0.5291363], [-0.113973841, 0.074821867]]]> : tensor<2x2x2xf32>
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[\[\[}}-0.272345245, 0.18961589], [-0.0140100336, 0.560657501]], {{\[\[}}0.279544204, 0.424280167], [-0.479376733, -0.307918727]]]> : tensor<2x2x2xf32>
// The gate is the only matmul left.
// CHECK: %[[GATE:.*]] = tosa.matmul
// CHECK: %[[LOGITS:.*]] = tosa.reshape %[[GATE]]
// CHECK-NOT: tosa.matmul
// CHECK: %[[MOE:.*]] = m3sat.moe_ffn %arg0 routed by %[[LOGITS]] fc1(%[[W1]], %[[B1]]) fc2(%[[W2]], %[[B2]]) :
// CHECK-NOT: tosa.matmul
// CHECK: %[[OUT:.*]] = tosa.add %arg0, %[[MOE]]
// CHECK: return %[[OUT]]
module {
  func.func @main(%arg0: tensor<2x6x2xf32> {m3sat.name = "x"}) -> (tensor<2x6x2xf32> {m3sat.name = "y"}) {
    %cst = arith.constant dense<[[-0.00529398117, -0.581980765], [0.379322886, -0.520387471]]> : tensor<2x2xf32>
    %0 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %1 = tosa.reshape %arg0, %0 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %2 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %3 = tosa.reshape %cst, %2 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %4 = tosa.matmul %1, %3, %cst_0, %cst_1 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %5 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %6 = tosa.reshape %4, %5 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %7 = tosa.reduce_max %6 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %8 = tosa.sub %6, %7 : (tensor<2x6x2xf32>, tensor<2x6x1xf32>) -> tensor<2x6x2xf32>
    %9 = tosa.exp %8 : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %10 = tosa.reduce_sum %9 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %11 = tensor.empty() : tensor<2x6x2xf32>
    %12 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%9, %10 : tensor<2x6x2xf32>, tensor<2x6x1xf32>) outs(%11 : tensor<2x6x2xf32>) {
    ^bb0(%in: f32, %in_28: f32, %out: f32):
      %82 = arith.divf %in, %in_28 : f32
      linalg.yield %82 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %12 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %82 = arith.extsi %in : i32 to i64
      linalg.yield %82 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %12, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %cst_5 = arith.constant dense<0> : tensor<i64>
    %21 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %22 = tosa.reshape %cst_5, %21 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %23 = tosa.equal %17, %22 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %24 = tensor.empty() : tensor<2x6x1xf32>
    %25 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%23 : tensor<2x6x1xi1>) outs(%24 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %82 = arith.uitofp %in : i1 to f32
      linalg.yield %82 : f32
    } -> tensor<2x6x1xf32>
    %cst_6 = arith.constant dense<0> : tensor<1xi8>
    %26 = tosa.mul %20, %25, %cst_6 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %27 = tosa.reduce_sum %26 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_7 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %28 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %29 = tosa.reshape %arg0, %28 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %30 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %31 = tosa.reshape %cst_7, %30 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_8 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_9 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %32 = tosa.matmul %29, %31, %cst_8, %cst_9 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %33 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %34 = tosa.reshape %32, %33 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_10 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %35 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %36 = tosa.reshape %cst_10, %35 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %37 = tosa.add %36, %34 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %38 = tosa.clamp %37 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_11 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %39 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %40 = tosa.reshape %38, %39 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %41 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %42 = tosa.reshape %cst_11, %41 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %43 = tosa.matmul %40, %42, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %44 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %45 = tosa.reshape %43, %44 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_14 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %46 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %47 = tosa.reshape %cst_14, %46 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %48 = tosa.add %47, %45 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense<0> : tensor<1xi8>
    %49 = tosa.mul %27, %48, %cst_15 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_16 = arith.constant dense_resource<_Constant_2_output_0> : tensor<2x6x2xf32>
    %50 = tosa.add %cst_16, %49 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_17 = arith.constant dense<1> : tensor<i64>
    %51 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %52 = tosa.reshape %cst_17, %51 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %53 = tosa.equal %17, %52 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %54 = tensor.empty() : tensor<2x6x1xf32>
    %55 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%53 : tensor<2x6x1xi1>) outs(%54 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %82 = arith.uitofp %in : i1 to f32
      linalg.yield %82 : f32
    } -> tensor<2x6x1xf32>
    %cst_18 = arith.constant dense<0> : tensor<1xi8>
    %56 = tosa.mul %20, %55, %cst_18 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %57 = tosa.reduce_sum %56 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_19 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %58 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %59 = tosa.reshape %arg0, %58 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %60 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %61 = tosa.reshape %cst_19, %60 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_20 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_21 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %62 = tosa.matmul %59, %61, %cst_20, %cst_21 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %63 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %64 = tosa.reshape %62, %63 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_22 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %65 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %66 = tosa.reshape %cst_22, %65 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %67 = tosa.add %66, %64 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %68 = tosa.clamp %67 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_23 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %69 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %70 = tosa.reshape %68, %69 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %71 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %72 = tosa.reshape %cst_23, %71 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_25 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %73 = tosa.matmul %70, %72, %cst_24, %cst_25 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %74 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %75 = tosa.reshape %73, %74 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_26 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %76 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %77 = tosa.reshape %cst_26, %76 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %78 = tosa.add %77, %75 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_27 = arith.constant dense<0> : tensor<1xi8>
    %79 = tosa.mul %57, %78, %cst_27 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %80 = tosa.add %50, %79 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %81 = tosa.add %arg0, %80 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %81 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_2_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}


// -----

// Expert 1's hidden layer goes through a sigmoid: not an activation the op
// has, so the layer is left as it is, and the log says why.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", reason = "expert 1: its hidden layer is not linear, then relu/gelu/silu/identity"}]
// CHECK-COUNT-5: tosa.matmul
// CHECK-NOT: m3sat.moe_ffn
// CHECK: return

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @main(%arg0: tensor<2x6x2xf32> {m3sat.name = "x"}) -> (tensor<2x6x2xf32> {m3sat.name = "y"}) {
    %cst = arith.constant dense<[[-0.00529398117, -0.581980765], [0.379322886, -0.520387471]]> : tensor<2x2xf32>
    %0 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %1 = tosa.reshape %arg0, %0 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %2 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %3 = tosa.reshape %cst, %2 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %4 = tosa.matmul %1, %3, %cst_0, %cst_1 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %5 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %6 = tosa.reshape %4, %5 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %7 = tosa.reduce_max %6 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %8 = tosa.sub %6, %7 : (tensor<2x6x2xf32>, tensor<2x6x1xf32>) -> tensor<2x6x2xf32>
    %9 = tosa.exp %8 : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %10 = tosa.reduce_sum %9 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %11 = tensor.empty() : tensor<2x6x2xf32>
    %12 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%9, %10 : tensor<2x6x2xf32>, tensor<2x6x1xf32>) outs(%11 : tensor<2x6x2xf32>) {
    ^bb0(%in: f32, %in_28: f32, %out: f32):
      %82 = arith.divf %in, %in_28 : f32
      linalg.yield %82 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %12 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %82 = arith.extsi %in : i32 to i64
      linalg.yield %82 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %12, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %cst_5 = arith.constant dense<0> : tensor<i64>
    %21 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %22 = tosa.reshape %cst_5, %21 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %23 = tosa.equal %17, %22 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %24 = tensor.empty() : tensor<2x6x1xf32>
    %25 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%23 : tensor<2x6x1xi1>) outs(%24 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %82 = arith.uitofp %in : i1 to f32
      linalg.yield %82 : f32
    } -> tensor<2x6x1xf32>
    %cst_6 = arith.constant dense<0> : tensor<1xi8>
    %26 = tosa.mul %20, %25, %cst_6 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %27 = tosa.reduce_sum %26 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_7 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %28 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %29 = tosa.reshape %arg0, %28 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %30 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %31 = tosa.reshape %cst_7, %30 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_8 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_9 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %32 = tosa.matmul %29, %31, %cst_8, %cst_9 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %33 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %34 = tosa.reshape %32, %33 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_10 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %35 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %36 = tosa.reshape %cst_10, %35 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %37 = tosa.add %36, %34 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %38 = tosa.clamp %37 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_11 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %39 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %40 = tosa.reshape %38, %39 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %41 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %42 = tosa.reshape %cst_11, %41 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %43 = tosa.matmul %40, %42, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %44 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %45 = tosa.reshape %43, %44 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_14 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %46 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %47 = tosa.reshape %cst_14, %46 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %48 = tosa.add %47, %45 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense<0> : tensor<1xi8>
    %49 = tosa.mul %27, %48, %cst_15 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_16 = arith.constant dense_resource<_Constant_2_output_0> : tensor<2x6x2xf32>
    %50 = tosa.add %cst_16, %49 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_17 = arith.constant dense<1> : tensor<i64>
    %51 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %52 = tosa.reshape %cst_17, %51 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %53 = tosa.equal %17, %52 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %54 = tensor.empty() : tensor<2x6x1xf32>
    %55 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%53 : tensor<2x6x1xi1>) outs(%54 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %82 = arith.uitofp %in : i1 to f32
      linalg.yield %82 : f32
    } -> tensor<2x6x1xf32>
    %cst_18 = arith.constant dense<0> : tensor<1xi8>
    %56 = tosa.mul %20, %55, %cst_18 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %57 = tosa.reduce_sum %56 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_19 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %58 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %59 = tosa.reshape %arg0, %58 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %60 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %61 = tosa.reshape %cst_19, %60 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_20 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_21 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %62 = tosa.matmul %59, %61, %cst_20, %cst_21 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %63 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %64 = tosa.reshape %62, %63 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_22 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %65 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %66 = tosa.reshape %cst_22, %65 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %67 = tosa.add %66, %64 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %68 = tosa.sigmoid %67 : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_23 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %69 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %70 = tosa.reshape %68, %69 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %71 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %72 = tosa.reshape %cst_23, %71 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_25 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %73 = tosa.matmul %70, %72, %cst_24, %cst_25 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %74 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %75 = tosa.reshape %73, %74 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_26 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %76 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %77 = tosa.reshape %cst_26, %76 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %78 = tosa.add %77, %75 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_27 = arith.constant dense<0> : tensor<1xi8>
    %79 = tosa.mul %57, %78, %cst_27 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %80 = tosa.add %50, %79 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %81 = tosa.add %arg0, %80 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %81 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_2_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}


// -----

// The top-k is taken of the logits, not of their softmax: the weights are
// not the op's routing weights.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", reason = "the top-k is not taken of a softmax over the experts"}]
// CHECK-COUNT-5: tosa.matmul
// CHECK-NOT: m3sat.moe_ffn
// CHECK: return

#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
module {
  func.func @main(%arg0: tensor<2x6x2xf32> {m3sat.name = "x"}) -> (tensor<2x6x2xf32> {m3sat.name = "y"}) {
    %cst = arith.constant dense<[[-0.00529398117, -0.581980765], [0.379322886, -0.520387471]]> : tensor<2x2xf32>
    %0 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %1 = tosa.reshape %arg0, %0 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %2 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %3 = tosa.reshape %cst, %2 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %4 = tosa.matmul %1, %3, %cst_0, %cst_1 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %5 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %6 = tosa.reshape %4, %5 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %7 = tosa.reduce_max %6 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %8 = tosa.sub %6, %7 : (tensor<2x6x2xf32>, tensor<2x6x1xf32>) -> tensor<2x6x2xf32>
    %9 = tosa.exp %8 : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %10 = tosa.reduce_sum %9 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %11 = tensor.empty() : tensor<2x6x2xf32>
    %12 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%9, %10 : tensor<2x6x2xf32>, tensor<2x6x1xf32>) outs(%11 : tensor<2x6x2xf32>) {
    ^bb0(%in: f32, %in_28: f32, %out: f32):
      %82 = arith.divf %in, %in_28 : f32
      linalg.yield %82 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %6 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %82 = arith.extsi %in : i32 to i64
      linalg.yield %82 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %6, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %cst_5 = arith.constant dense<0> : tensor<i64>
    %21 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %22 = tosa.reshape %cst_5, %21 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %23 = tosa.equal %17, %22 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %24 = tensor.empty() : tensor<2x6x1xf32>
    %25 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%23 : tensor<2x6x1xi1>) outs(%24 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %82 = arith.uitofp %in : i1 to f32
      linalg.yield %82 : f32
    } -> tensor<2x6x1xf32>
    %cst_6 = arith.constant dense<0> : tensor<1xi8>
    %26 = tosa.mul %20, %25, %cst_6 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %27 = tosa.reduce_sum %26 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_7 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %28 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %29 = tosa.reshape %arg0, %28 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %30 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %31 = tosa.reshape %cst_7, %30 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_8 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_9 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %32 = tosa.matmul %29, %31, %cst_8, %cst_9 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %33 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %34 = tosa.reshape %32, %33 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_10 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %35 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %36 = tosa.reshape %cst_10, %35 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %37 = tosa.add %36, %34 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %38 = tosa.clamp %37 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_11 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %39 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %40 = tosa.reshape %38, %39 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %41 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %42 = tosa.reshape %cst_11, %41 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %43 = tosa.matmul %40, %42, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %44 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %45 = tosa.reshape %43, %44 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_14 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %46 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %47 = tosa.reshape %cst_14, %46 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %48 = tosa.add %47, %45 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense<0> : tensor<1xi8>
    %49 = tosa.mul %27, %48, %cst_15 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_16 = arith.constant dense_resource<_Constant_2_output_0> : tensor<2x6x2xf32>
    %50 = tosa.add %cst_16, %49 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_17 = arith.constant dense<1> : tensor<i64>
    %51 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %52 = tosa.reshape %cst_17, %51 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %53 = tosa.equal %17, %52 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %54 = tensor.empty() : tensor<2x6x1xf32>
    %55 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%53 : tensor<2x6x1xi1>) outs(%54 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %82 = arith.uitofp %in : i1 to f32
      linalg.yield %82 : f32
    } -> tensor<2x6x1xf32>
    %cst_18 = arith.constant dense<0> : tensor<1xi8>
    %56 = tosa.mul %20, %55, %cst_18 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %57 = tosa.reduce_sum %56 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_19 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %58 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %59 = tosa.reshape %arg0, %58 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %60 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %61 = tosa.reshape %cst_19, %60 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_20 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_21 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %62 = tosa.matmul %59, %61, %cst_20, %cst_21 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %63 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %64 = tosa.reshape %62, %63 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_22 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %65 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %66 = tosa.reshape %cst_22, %65 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %67 = tosa.add %66, %64 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %68 = tosa.clamp %67 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_23 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %69 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %70 = tosa.reshape %68, %69 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %71 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %72 = tosa.reshape %cst_23, %71 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_25 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %73 = tosa.matmul %70, %72, %cst_24, %cst_25 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %74 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %75 = tosa.reshape %73, %74 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_26 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %76 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %77 = tosa.reshape %cst_26, %76 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %78 = tosa.add %77, %75 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_27 = arith.constant dense<0> : tensor<1xi8>
    %79 = tosa.mul %57, %78, %cst_27 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %80 = tosa.add %50, %79 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %81 = tosa.add %arg0, %80 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %81 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_2_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

