// RUN: m3sat-opt --m3sat-raise-moe --canonicalize --split-input-file %s \
// RUN:   | FileCheck %s

// The scatter, index_add and one-hot forms of a plain-PyTorch MoE layer, as torch
// 1.13 exports them and the ONNX importer imports them (ScatterElements and
// ScatterND become linalg.generic scatters). Exported with
// test/Transforms/Inputs/make_plain_moe.py --experts 2 --k 1 --dim 2
// --hidden 2 --activation relu and the --form named in each case (one seed:
// the same weights in every case).

// --form scatter: the routing weights of all experts as
// zeros_like(probs).scatter(-1, idx, w), expert e weighted by its column
// [..., e:e+1]. One m3sat.moe_ffn routed by the gate's logits.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", raised = "m3sat.moe_ffn: 2 experts, top-1, hidden 2, relu"}]
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[B2:.*]] = arith.constant dense<{{\[\[}}-0.291485757, 0.0261937603], [0.640268385, -6.559620e-01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B1:.*]] = arith.constant dense<{{\[\[}}-0.0627515167, 0.187109336], [0.256833285, 0.587172925]]> : tensor<2x2xf32>
// CHECK-DAG: %[[W2:.*]] = arith.constant dense<{{\[\[\[}}-0.213696912, -0.138992712], [-0.675533414, -0.468304157]], {{\[\[}}-0.145522699, 0.5291363], [-0.113973841, 0.074821867]]]> : tensor<2x2x2xf32>
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[\[\[}}-0.272345245, 0.18961589], [-0.0140100336, 0.560657501]], {{\[\[}}0.279544204, 0.424280167], [-0.479376733, -0.307918727]]]> : tensor<2x2x2xf32>
// CHECK: %[[GATE:.*]] = tosa.matmul
// CHECK: %[[LOGITS:.*]] = tosa.reshape %[[GATE]]
// CHECK-NOT: linalg.generic
// CHECK-NOT: tosa.matmul
// CHECK: %[[MOE:.*]] = m3sat.moe_ffn %arg0 routed by %[[LOGITS]] fc1(%[[W1]], %[[B1]]) fc2(%[[W2]], %[[B2]]) :
// CHECK: %[[OUT:.*]] = tosa.add %arg0, %[[MOE]]
// CHECK: return %[[OUT]]
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
#map3 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4, d5)>
#map4 = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2)>
module attributes {m3sat.metadata = "{\22version\22: 1, \22tasks\22: {\22y\22: {\22index\22: 0, \22outputs\22: [\22y\22]}}}", m3sat.opset = 17 : i64} {
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
    ^bb0(%in: f32, %in_25: f32, %out: f32):
      %75 = arith.divf %in, %in_25 : f32
      linalg.yield %75 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %12 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %75 = arith.extsi %in : i32 to i64
      linalg.yield %75 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %12, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %cst_5 = arith.constant dense_resource<_Constant_1_output_0> : tensor<2x6x2xf32>
    %21 = linalg.generic {indexing_maps = [#map3, #map4], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%20 : tensor<2x6x1xf32>) outs(%cst_5 : tensor<2x6x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %75 = linalg.index 0 : index
      %76 = linalg.index 1 : index
      %77 = linalg.index 2 : index
      %78 = linalg.index 3 : index
      %79 = linalg.index 4 : index
      %80 = linalg.index 5 : index
      %extracted = tensor.extract %17[%78, %79, %80] : tensor<2x6x1xi64>
      %81 = arith.index_cast %extracted : i64 to index
      %c0 = arith.constant 0 : index
      %82 = arith.cmpi slt, %81, %c0 : index
      %c2 = arith.constant 2 : index
      %83 = arith.addi %81, %c2 : index
      %84 = arith.select %82, %83, %81 : index
      %c1 = arith.constant 1 : index
      %85 = arith.maxsi %84, %c0 : index
      %86 = arith.minsi %85, %c1 : index
      %87 = arith.cmpi eq, %86, %77 : index
      %88 = arith.cmpi eq, %78, %75 : index
      %89 = arith.andi %87, %88 : i1
      %90 = arith.cmpi eq, %79, %76 : index
      %91 = arith.andi %89, %90 : i1
      %92 = arith.select %91, %in, %out : f32
      linalg.yield %92 : f32
    } -> tensor<2x6x2xf32>
    %22 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %23 = tosa.const_shape  {values = dense<0> : tensor<3xindex>} : () -> !tosa.shape<3>
    %24 = tosa.slice %21, %23, %22 : (tensor<2x6x2xf32>, !tosa.shape<3>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_6 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %25 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %26 = tosa.reshape %arg0, %25 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %27 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %28 = tosa.reshape %cst_6, %27 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_7 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_8 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %29 = tosa.matmul %26, %28, %cst_7, %cst_8 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %30 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %31 = tosa.reshape %29, %30 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_9 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %32 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %33 = tosa.reshape %cst_9, %32 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %34 = tosa.add %33, %31 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %35 = tosa.clamp %34 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_10 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %36 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %37 = tosa.reshape %35, %36 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %38 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %39 = tosa.reshape %cst_10, %38 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_11 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %40 = tosa.matmul %37, %39, %cst_11, %cst_12 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %41 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %42 = tosa.reshape %40, %41 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_13 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %43 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %44 = tosa.reshape %cst_13, %43 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %45 = tosa.add %44, %42 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_14 = arith.constant dense<0> : tensor<1xi8>
    %46 = tosa.mul %24, %45, %cst_14 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense_resource<_Constant_6_output_0> : tensor<2x6x2xf32>
    %47 = tosa.add %cst_15, %46 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %48 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %49 = tosa.const_shape  {values = dense<[0, 0, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %50 = tosa.slice %21, %49, %48 : (tensor<2x6x2xf32>, !tosa.shape<3>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_16 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %51 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %52 = tosa.reshape %arg0, %51 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %53 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %54 = tosa.reshape %cst_16, %53 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_17 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_18 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %55 = tosa.matmul %52, %54, %cst_17, %cst_18 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %56 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %57 = tosa.reshape %55, %56 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_19 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %58 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %59 = tosa.reshape %cst_19, %58 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %60 = tosa.add %59, %57 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %61 = tosa.clamp %60 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_20 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %62 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %63 = tosa.reshape %61, %62 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %64 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %65 = tosa.reshape %cst_20, %64 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_21 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_22 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %66 = tosa.matmul %63, %65, %cst_21, %cst_22 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %67 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %68 = tosa.reshape %66, %67 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_23 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %69 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %70 = tosa.reshape %cst_23, %69 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %71 = tosa.add %70, %68 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_24 = arith.constant dense<0> : tensor<1xi8>
    %72 = tosa.mul %50, %71, %cst_24 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %73 = tosa.add %47, %72 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %74 = tosa.add %arg0, %73 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %74 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_1_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
      _Constant_6_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// --form index-put: on the tokens flattened to [12, 2] (the experts'
// Linear layers are Gemm with transB: (out, in) weights, stacked as they
// are), each expert's weighted output accumulated by
// out.index_put_((arange(T),), y, accumulate=True): ScatterND into zeros at
// rows 0..11, added to the running sum.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", raised = "m3sat.moe_ffn: 2 experts, top-1, hidden 2, relu"}]
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[B2:.*]] = arith.constant dense<{{\[\[}}-0.291485757, 0.0261937603], [0.640268385, -6.559620e-01]]> : tensor<2x2xf32>
// CHECK-DAG: %[[B1:.*]] = arith.constant dense<{{\[\[}}-0.0627515167, 0.187109336], [0.256833285, 0.587172925]]> : tensor<2x2xf32>
// CHECK-DAG: %[[W2:.*]] = arith.constant dense<{{\[\[\[}}-0.213696912, -0.138992712], [-0.675533414, -0.468304157]], {{\[\[}}-0.145522699, 0.5291363], [-0.113973841, 0.074821867]]]> : tensor<2x2x2xf32>
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[\[\[}}-0.272345245, 0.18961589], [-0.0140100336, 0.560657501]], {{\[\[}}0.279544204, 0.424280167], [-0.479376733, -0.307918727]]]> : tensor<2x2x2xf32>
// CHECK: %[[X:.*]] = tosa.reshape %arg0, %{{.*}} -> tensor<12x2xf32>
// CHECK: %[[GATE:.*]] = tosa.matmul
// CHECK: %[[LOGITS:.*]] = tosa.reshape %[[GATE]]
// CHECK-NOT: linalg.generic
// CHECK-NOT: tosa.matmul
// CHECK: %[[MOE:.*]] = m3sat.moe_ffn %[[X]] routed by %[[LOGITS]] fc1(%[[W1]], %[[B1]]) fc2(%[[W2]], %[[B2]]) :
// CHECK: %[[OUT:.*]] = tosa.add %[[X]], %[[MOE]]
// CHECK: tosa.reshape %[[OUT]]
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d0, 0)>
#map2 = affine_map<(d0) -> (d0)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
module attributes {m3sat.metadata = "{\22version\22: 1, \22tasks\22: {\22y\22: {\22index\22: 0, \22outputs\22: [\22y\22]}}}", m3sat.opset = 17 : i64} {
  func.func @main(%arg0: tensor<2x6x2xf32> {m3sat.name = "x"}) -> (tensor<2x6x2xf32> {m3sat.name = "y"}) {
    %0 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %1 = tosa.reshape %arg0, %0 : (tensor<2x6x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst = arith.constant dense<[[-0.00529398117, -0.581980765], [0.379322886, -0.520387471]]> : tensor<2x2xf32>
    %2 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %3 = tosa.reshape %1, %2 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %4 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %5 = tosa.reshape %cst, %4 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %6 = tosa.matmul %3, %5, %cst_0, %cst_1 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %7 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %8 = tosa.reshape %6, %7 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %9 = tosa.reduce_max %8 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12x1xf32>
    %10 = tosa.sub %8, %9 : (tensor<12x2xf32>, tensor<12x1xf32>) -> tensor<12x2xf32>
    %11 = tosa.exp %10 : (tensor<12x2xf32>) -> tensor<12x2xf32>
    %12 = tosa.reduce_sum %11 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12x1xf32>
    %13 = tensor.empty() : tensor<12x2xf32>
    %14 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%11, %12 : tensor<12x2xf32>, tensor<12x1xf32>) outs(%13 : tensor<12x2xf32>) {
    ^bb0(%in: f32, %in_32: f32, %out: f32):
      %92 = arith.divf %in, %in_32 : f32
      linalg.yield %92 : f32
    } -> tensor<12x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1xf32>
    %cst_3 = arith.constant dense<[[0, 1]]> : tensor<1x2xi64>
    %15 = tosa.argmax %14 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12xi32> loc("/TopK")
    %16 = tensor.empty() : tensor<12xi64>
    %17 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel"]} ins(%15 : tensor<12xi32>) outs(%16 : tensor<12xi64>) {
    ^bb0(%in: i32, %out: i64):
      %92 = arith.extsi %in : i32 to i64
      linalg.yield %92 : i64
    } -> tensor<12xi64>
    %18 = tosa.const_shape  {values = dense<[12, 1]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %19 = tosa.reshape %17, %18 : (tensor<12xi64>, !tosa.shape<2>) -> tensor<12x1xi64>
    %20 = tosa.equal %cst_3, %19 : (tensor<1x2xi64>, tensor<12x1xi64>) -> tensor<12x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1xf32>
    %21 = tosa.select %20, %14, %cst_4 : (tensor<12x2xi1>, tensor<12x2xf32>, tensor<1x1xf32>) -> tensor<12x2xf32>
    %22 = tosa.reduce_max %21 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12x1xf32>
    %cst_5 = arith.constant dense<0> : tensor<i64>
    %23 = tosa.const_shape  {values = dense<1> : tensor<2xindex>} : () -> !tosa.shape<2>
    %24 = tosa.reshape %cst_5, %23 : (tensor<i64>, !tosa.shape<2>) -> tensor<1x1xi64>
    %25 = tosa.equal %19, %24 : (tensor<12x1xi64>, tensor<1x1xi64>) -> tensor<12x1xi1>
    %26 = tensor.empty() : tensor<12x1xf32>
    %27 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%25 : tensor<12x1xi1>) outs(%26 : tensor<12x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %92 = arith.uitofp %in : i1 to f32
      linalg.yield %92 : f32
    } -> tensor<12x1xf32>
    %cst_6 = arith.constant dense<0> : tensor<1xi8>
    %28 = tosa.mul %22, %27, %cst_6 : (tensor<12x1xf32>, tensor<12x1xf32>, tensor<1xi8>) -> tensor<12x1xf32>
    %29 = tosa.reduce_sum %28 {axis = 1 : i32} : (tensor<12x1xf32>) -> tensor<12x1xf32>
    %cst_7 = arith.constant dense<[[-0.272345245, 0.18961589], [-0.0140100336, 0.560657501]]> : tensor<2x2xf32>
    %30 = tosa.transpose %cst_7 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %31 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %32 = tosa.reshape %30, %31 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %33 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %34 = tosa.reshape %1, %33 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_8 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_9 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %35 = tosa.matmul %34, %32, %cst_8, %cst_9 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %36 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %37 = tosa.reshape %35, %36 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_10 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %38 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %39 = tosa.reshape %cst_10, %38 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %40 = tosa.add %37, %39 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %41 = tosa.clamp %40 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<12x2xf32>) -> tensor<12x2xf32>
    %cst_11 = arith.constant dense<[[-0.213696912, -0.138992712], [-0.675533414, -0.468304157]]> : tensor<2x2xf32>
    %42 = tosa.transpose %cst_11 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %43 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %44 = tosa.reshape %42, %43 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %45 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %46 = tosa.reshape %41, %45 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %47 = tosa.matmul %46, %44, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %48 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %49 = tosa.reshape %47, %48 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_14 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %50 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %51 = tosa.reshape %cst_14, %50 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %52 = tosa.add %49, %51 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %cst_15 = arith.constant dense<0> : tensor<1xi8>
    %53 = tosa.mul %29, %52, %cst_15 : (tensor<12x1xf32>, tensor<12x2xf32>, tensor<1xi8>) -> tensor<12x2xf32>
    %cst_16 = arith.constant dense<1> : tensor<i64>
    %54 = tosa.const_shape  {values = dense<1> : tensor<2xindex>} : () -> !tosa.shape<2>
    %55 = tosa.reshape %cst_16, %54 : (tensor<i64>, !tosa.shape<2>) -> tensor<1x1xi64>
    %56 = tosa.equal %19, %55 : (tensor<12x1xi64>, tensor<1x1xi64>) -> tensor<12x1xi1>
    %57 = tensor.empty() : tensor<12x1xf32>
    %58 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%56 : tensor<12x1xi1>) outs(%57 : tensor<12x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %92 = arith.uitofp %in : i1 to f32
      linalg.yield %92 : f32
    } -> tensor<12x1xf32>
    %cst_17 = arith.constant dense<0> : tensor<1xi8>
    %59 = tosa.mul %22, %58, %cst_17 : (tensor<12x1xf32>, tensor<12x1xf32>, tensor<1xi8>) -> tensor<12x1xf32>
    %60 = tosa.reduce_sum %59 {axis = 1 : i32} : (tensor<12x1xf32>) -> tensor<12x1xf32>
    %cst_18 = arith.constant dense<[[0.279544204, 0.424280167], [-0.479376733, -0.307918727]]> : tensor<2x2xf32>
    %61 = tosa.transpose %cst_18 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %62 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %63 = tosa.reshape %61, %62 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %64 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %65 = tosa.reshape %1, %64 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_19 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_20 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %66 = tosa.matmul %65, %63, %cst_19, %cst_20 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %67 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %68 = tosa.reshape %66, %67 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_21 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %69 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %70 = tosa.reshape %cst_21, %69 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %71 = tosa.add %68, %70 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %72 = tosa.clamp %71 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<12x2xf32>) -> tensor<12x2xf32>
    %cst_22 = arith.constant dense<[[-0.145522699, 0.5291363], [-0.113973841, 0.074821867]]> : tensor<2x2xf32>
    %73 = tosa.transpose %cst_22 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %74 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %75 = tosa.reshape %73, %74 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %76 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %77 = tosa.reshape %72, %76 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_23 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %78 = tosa.matmul %77, %75, %cst_23, %cst_24 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %79 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %80 = tosa.reshape %78, %79 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_25 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %81 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %82 = tosa.reshape %cst_25, %81 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %83 = tosa.add %80, %82 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %cst_26 = arith.constant dense<0> : tensor<1xi8>
    %84 = tosa.mul %60, %83, %cst_26 : (tensor<12x1xf32>, tensor<12x2xf32>, tensor<1xi8>) -> tensor<12x2xf32>
    %cst_27 = arith.constant dense<0.000000e+00> : tensor<12x2xf32>
    %cst_28 = arith.constant dense<[[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11]]> : tensor<12x1xi64>
    %85 = linalg.generic {indexing_maps = [#map3, #map4], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%53 : tensor<12x2xf32>) outs(%cst_27 : tensor<12x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %92 = linalg.index 0 : index
      %93 = linalg.index 1 : index
      %94 = linalg.index 2 : index
      %95 = linalg.index 3 : index
      %c0 = arith.constant 0 : index
      %extracted = tensor.extract %cst_28[%94, %c0] : tensor<12x1xi64>
      %96 = arith.index_cast %extracted : i64 to index
      %c0_32 = arith.constant 0 : index
      %97 = arith.cmpi slt, %96, %c0_32 : index
      %c12 = arith.constant 12 : index
      %98 = arith.addi %96, %c12 : index
      %99 = arith.select %97, %98, %96 : index
      %c11 = arith.constant 11 : index
      %100 = arith.maxsi %99, %c0_32 : index
      %101 = arith.minsi %100, %c11 : index
      %102 = arith.cmpi eq, %101, %92 : index
      %103 = arith.cmpi eq, %95, %93 : index
      %104 = arith.andi %102, %103 : i1
      %105 = arith.select %104, %in, %out : f32
      linalg.yield %105 : f32
    } -> tensor<12x2xf32>
    %cst_29 = arith.constant dense_resource<_Constant_7_output_0> : tensor<12x2xf32>
    %86 = tosa.add %cst_29, %85 : (tensor<12x2xf32>, tensor<12x2xf32>) -> tensor<12x2xf32>
    %cst_30 = arith.constant dense<0.000000e+00> : tensor<12x2xf32>
    %cst_31 = arith.constant dense<[[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11]]> : tensor<12x1xi64>
    %87 = linalg.generic {indexing_maps = [#map3, #map4], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%84 : tensor<12x2xf32>) outs(%cst_30 : tensor<12x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %92 = linalg.index 0 : index
      %93 = linalg.index 1 : index
      %94 = linalg.index 2 : index
      %95 = linalg.index 3 : index
      %c0 = arith.constant 0 : index
      %extracted = tensor.extract %cst_31[%94, %c0] : tensor<12x1xi64>
      %96 = arith.index_cast %extracted : i64 to index
      %c0_32 = arith.constant 0 : index
      %97 = arith.cmpi slt, %96, %c0_32 : index
      %c12 = arith.constant 12 : index
      %98 = arith.addi %96, %c12 : index
      %99 = arith.select %97, %98, %96 : index
      %c11 = arith.constant 11 : index
      %100 = arith.maxsi %99, %c0_32 : index
      %101 = arith.minsi %100, %c11 : index
      %102 = arith.cmpi eq, %101, %92 : index
      %103 = arith.cmpi eq, %95, %93 : index
      %104 = arith.andi %102, %103 : i1
      %105 = arith.select %104, %in, %out : f32
      linalg.yield %105 : f32
    } -> tensor<12x2xf32>
    %88 = tosa.add %86, %87 : (tensor<12x2xf32>, tensor<12x2xf32>) -> tensor<12x2xf32>
    %89 = tosa.add %1, %88 : (tensor<12x2xf32>, tensor<12x2xf32>) -> tensor<12x2xf32>
    %90 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %91 = tosa.reshape %89, %90 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    return %91 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_7_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// The same with expert 1's rows sent elsewhere (indices 1, 0, 2, ..: rows 0
// and 1 swapped): that scatter is no sum of the weighted outputs, so the
// layer is left as it is.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", reason = "the sum of the experts' weighted outputs misses expert(s) 0"}]
// CHECK-LABEL: func.func @main
// CHECK-NOT: m3sat.moe_ffn
// CHECK-COUNT-2: linalg.generic {{.*}}"reduction", "reduction"
// CHECK-NOT: m3sat.moe_ffn
#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d0, 0)>
#map2 = affine_map<(d0) -> (d0)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d2, d3)>
#map4 = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
module attributes {m3sat.metadata = "{\22version\22: 1, \22tasks\22: {\22y\22: {\22index\22: 0, \22outputs\22: [\22y\22]}}}", m3sat.opset = 17 : i64} {
  func.func @main(%arg0: tensor<2x6x2xf32> {m3sat.name = "x"}) -> (tensor<2x6x2xf32> {m3sat.name = "y"}) {
    %0 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %1 = tosa.reshape %arg0, %0 : (tensor<2x6x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst = arith.constant dense<[[-0.00529398117, -0.581980765], [0.379322886, -0.520387471]]> : tensor<2x2xf32>
    %2 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %3 = tosa.reshape %1, %2 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %4 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %5 = tosa.reshape %cst, %4 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_1 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %6 = tosa.matmul %3, %5, %cst_0, %cst_1 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %7 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %8 = tosa.reshape %6, %7 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %9 = tosa.reduce_max %8 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12x1xf32>
    %10 = tosa.sub %8, %9 : (tensor<12x2xf32>, tensor<12x1xf32>) -> tensor<12x2xf32>
    %11 = tosa.exp %10 : (tensor<12x2xf32>) -> tensor<12x2xf32>
    %12 = tosa.reduce_sum %11 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12x1xf32>
    %13 = tensor.empty() : tensor<12x2xf32>
    %14 = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%11, %12 : tensor<12x2xf32>, tensor<12x1xf32>) outs(%13 : tensor<12x2xf32>) {
    ^bb0(%in: f32, %in_32: f32, %out: f32):
      %92 = arith.divf %in, %in_32 : f32
      linalg.yield %92 : f32
    } -> tensor<12x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1xf32>
    %cst_3 = arith.constant dense<[[0, 1]]> : tensor<1x2xi64>
    %15 = tosa.argmax %14 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12xi32> loc("/TopK")
    %16 = tensor.empty() : tensor<12xi64>
    %17 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel"]} ins(%15 : tensor<12xi32>) outs(%16 : tensor<12xi64>) {
    ^bb0(%in: i32, %out: i64):
      %92 = arith.extsi %in : i32 to i64
      linalg.yield %92 : i64
    } -> tensor<12xi64>
    %18 = tosa.const_shape  {values = dense<[12, 1]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %19 = tosa.reshape %17, %18 : (tensor<12xi64>, !tosa.shape<2>) -> tensor<12x1xi64>
    %20 = tosa.equal %cst_3, %19 : (tensor<1x2xi64>, tensor<12x1xi64>) -> tensor<12x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1xf32>
    %21 = tosa.select %20, %14, %cst_4 : (tensor<12x2xi1>, tensor<12x2xf32>, tensor<1x1xf32>) -> tensor<12x2xf32>
    %22 = tosa.reduce_max %21 {axis = 1 : i32} : (tensor<12x2xf32>) -> tensor<12x1xf32>
    %cst_5 = arith.constant dense<0> : tensor<i64>
    %23 = tosa.const_shape  {values = dense<1> : tensor<2xindex>} : () -> !tosa.shape<2>
    %24 = tosa.reshape %cst_5, %23 : (tensor<i64>, !tosa.shape<2>) -> tensor<1x1xi64>
    %25 = tosa.equal %19, %24 : (tensor<12x1xi64>, tensor<1x1xi64>) -> tensor<12x1xi1>
    %26 = tensor.empty() : tensor<12x1xf32>
    %27 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%25 : tensor<12x1xi1>) outs(%26 : tensor<12x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %92 = arith.uitofp %in : i1 to f32
      linalg.yield %92 : f32
    } -> tensor<12x1xf32>
    %cst_6 = arith.constant dense<0> : tensor<1xi8>
    %28 = tosa.mul %22, %27, %cst_6 : (tensor<12x1xf32>, tensor<12x1xf32>, tensor<1xi8>) -> tensor<12x1xf32>
    %29 = tosa.reduce_sum %28 {axis = 1 : i32} : (tensor<12x1xf32>) -> tensor<12x1xf32>
    %cst_7 = arith.constant dense<[[-0.272345245, 0.18961589], [-0.0140100336, 0.560657501]]> : tensor<2x2xf32>
    %30 = tosa.transpose %cst_7 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %31 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %32 = tosa.reshape %30, %31 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %33 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %34 = tosa.reshape %1, %33 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_8 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_9 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %35 = tosa.matmul %34, %32, %cst_8, %cst_9 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %36 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %37 = tosa.reshape %35, %36 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_10 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %38 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %39 = tosa.reshape %cst_10, %38 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %40 = tosa.add %37, %39 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %41 = tosa.clamp %40 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<12x2xf32>) -> tensor<12x2xf32>
    %cst_11 = arith.constant dense<[[-0.213696912, -0.138992712], [-0.675533414, -0.468304157]]> : tensor<2x2xf32>
    %42 = tosa.transpose %cst_11 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %43 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %44 = tosa.reshape %42, %43 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %45 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %46 = tosa.reshape %41, %45 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %47 = tosa.matmul %46, %44, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %48 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %49 = tosa.reshape %47, %48 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_14 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %50 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %51 = tosa.reshape %cst_14, %50 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %52 = tosa.add %49, %51 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %cst_15 = arith.constant dense<0> : tensor<1xi8>
    %53 = tosa.mul %29, %52, %cst_15 : (tensor<12x1xf32>, tensor<12x2xf32>, tensor<1xi8>) -> tensor<12x2xf32>
    %cst_16 = arith.constant dense<1> : tensor<i64>
    %54 = tosa.const_shape  {values = dense<1> : tensor<2xindex>} : () -> !tosa.shape<2>
    %55 = tosa.reshape %cst_16, %54 : (tensor<i64>, !tosa.shape<2>) -> tensor<1x1xi64>
    %56 = tosa.equal %19, %55 : (tensor<12x1xi64>, tensor<1x1xi64>) -> tensor<12x1xi1>
    %57 = tensor.empty() : tensor<12x1xf32>
    %58 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%56 : tensor<12x1xi1>) outs(%57 : tensor<12x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %92 = arith.uitofp %in : i1 to f32
      linalg.yield %92 : f32
    } -> tensor<12x1xf32>
    %cst_17 = arith.constant dense<0> : tensor<1xi8>
    %59 = tosa.mul %22, %58, %cst_17 : (tensor<12x1xf32>, tensor<12x1xf32>, tensor<1xi8>) -> tensor<12x1xf32>
    %60 = tosa.reduce_sum %59 {axis = 1 : i32} : (tensor<12x1xf32>) -> tensor<12x1xf32>
    %cst_18 = arith.constant dense<[[0.279544204, 0.424280167], [-0.479376733, -0.307918727]]> : tensor<2x2xf32>
    %61 = tosa.transpose %cst_18 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %62 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %63 = tosa.reshape %61, %62 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %64 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %65 = tosa.reshape %1, %64 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_19 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_20 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %66 = tosa.matmul %65, %63, %cst_19, %cst_20 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %67 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %68 = tosa.reshape %66, %67 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_21 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %69 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %70 = tosa.reshape %cst_21, %69 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %71 = tosa.add %68, %70 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %72 = tosa.clamp %71 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<12x2xf32>) -> tensor<12x2xf32>
    %cst_22 = arith.constant dense<[[-0.145522699, 0.5291363], [-0.113973841, 0.074821867]]> : tensor<2x2xf32>
    %73 = tosa.transpose %cst_22 {perms = array<i32: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %74 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %75 = tosa.reshape %73, %74 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %76 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %77 = tosa.reshape %72, %76 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %cst_23 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %78 = tosa.matmul %77, %75, %cst_23, %cst_24 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %79 = tosa.const_shape  {values = dense<[12, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %80 = tosa.reshape %78, %79 : (tensor<1x12x2xf32>, !tosa.shape<2>) -> tensor<12x2xf32>
    %cst_25 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %81 = tosa.const_shape  {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %82 = tosa.reshape %cst_25, %81 : (tensor<2xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
    %83 = tosa.add %80, %82 : (tensor<12x2xf32>, tensor<1x2xf32>) -> tensor<12x2xf32>
    %cst_26 = arith.constant dense<0> : tensor<1xi8>
    %84 = tosa.mul %60, %83, %cst_26 : (tensor<12x1xf32>, tensor<12x2xf32>, tensor<1xi8>) -> tensor<12x2xf32>
    %cst_27 = arith.constant dense<0.000000e+00> : tensor<12x2xf32>
    %cst_28 = arith.constant dense<[[0], [1], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11]]> : tensor<12x1xi64>
    %85 = linalg.generic {indexing_maps = [#map3, #map4], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%53 : tensor<12x2xf32>) outs(%cst_27 : tensor<12x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %92 = linalg.index 0 : index
      %93 = linalg.index 1 : index
      %94 = linalg.index 2 : index
      %95 = linalg.index 3 : index
      %c0 = arith.constant 0 : index
      %extracted = tensor.extract %cst_28[%94, %c0] : tensor<12x1xi64>
      %96 = arith.index_cast %extracted : i64 to index
      %c0_32 = arith.constant 0 : index
      %97 = arith.cmpi slt, %96, %c0_32 : index
      %c12 = arith.constant 12 : index
      %98 = arith.addi %96, %c12 : index
      %99 = arith.select %97, %98, %96 : index
      %c11 = arith.constant 11 : index
      %100 = arith.maxsi %99, %c0_32 : index
      %101 = arith.minsi %100, %c11 : index
      %102 = arith.cmpi eq, %101, %92 : index
      %103 = arith.cmpi eq, %95, %93 : index
      %104 = arith.andi %102, %103 : i1
      %105 = arith.select %104, %in, %out : f32
      linalg.yield %105 : f32
    } -> tensor<12x2xf32>
    %cst_29 = arith.constant dense_resource<_Constant_7_output_0> : tensor<12x2xf32>
    %86 = tosa.add %cst_29, %85 : (tensor<12x2xf32>, tensor<12x2xf32>) -> tensor<12x2xf32>
    %cst_30 = arith.constant dense<0.000000e+00> : tensor<12x2xf32>
    %cst_31 = arith.constant dense<[[1], [0], [2], [3], [4], [5], [6], [7], [8], [9], [10], [11]]> : tensor<12x1xi64>
    %87 = linalg.generic {indexing_maps = [#map3, #map4], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%84 : tensor<12x2xf32>) outs(%cst_30 : tensor<12x2xf32>) {
    ^bb0(%in: f32, %out: f32):
      %92 = linalg.index 0 : index
      %93 = linalg.index 1 : index
      %94 = linalg.index 2 : index
      %95 = linalg.index 3 : index
      %c0 = arith.constant 0 : index
      %extracted = tensor.extract %cst_31[%94, %c0] : tensor<12x1xi64>
      %96 = arith.index_cast %extracted : i64 to index
      %c0_32 = arith.constant 0 : index
      %97 = arith.cmpi slt, %96, %c0_32 : index
      %c12 = arith.constant 12 : index
      %98 = arith.addi %96, %c12 : index
      %99 = arith.select %97, %98, %96 : index
      %c11 = arith.constant 11 : index
      %100 = arith.maxsi %99, %c0_32 : index
      %101 = arith.minsi %100, %c11 : index
      %102 = arith.cmpi eq, %101, %92 : index
      %103 = arith.cmpi eq, %95, %93 : index
      %104 = arith.andi %102, %103 : i1
      %105 = arith.select %104, %in, %out : f32
      linalg.yield %105 : f32
    } -> tensor<12x2xf32>
    %88 = tosa.add %86, %87 : (tensor<12x2xf32>, tensor<12x2xf32>) -> tensor<12x2xf32>
    %89 = tosa.add %1, %88 : (tensor<12x2xf32>, tensor<12x2xf32>) -> tensor<12x2xf32>
    %90 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %91 = tosa.reshape %89, %90 : (tensor<12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    return %91 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_7_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// --form onehot: masks = F.one_hot(idx, E) (OneHot: the wrapped indices
// compared with 0..E-1, then Where(on, off) and a cast) permuted to
// [E, B, S, k]; expert e weighted by (w * masks[e]).sum(-1) (masks[e]: a
// Gather along axis 0).

// CHECK: m3sat.raised_moe = [{layer = "/TopK", raised = "m3sat.moe_ffn: 2 experts, top-1, hidden 2, relu"}]
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[\[\[}}-0.272345245, 0.18961589], [-0.0140100336, 0.560657501]], {{\[\[}}0.279544204, 0.424280167], [-0.479376733, -0.307918727]]]> : tensor<2x2x2xf32>
// CHECK: %[[GATE:.*]] = tosa.matmul
// CHECK: %[[LOGITS:.*]] = tosa.reshape %[[GATE]]
// CHECK-NOT: tosa.gather
// CHECK-NOT: tosa.matmul
// CHECK: %[[MOE:.*]] = m3sat.moe_ffn %arg0 routed by %[[LOGITS]] fc1(%[[W1]], %{{.*}}) fc2(
// CHECK: tosa.add %arg0, %[[MOE]]
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
module attributes {m3sat.metadata = "{\22version\22: 1, \22tasks\22: {\22y\22: {\22index\22: 0, \22outputs\22: [\22y\22]}}}", m3sat.opset = 17 : i64} {
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
    ^bb0(%in: f32, %in_32: f32, %out: f32):
      %102 = arith.divf %in, %in_32 : f32
      linalg.yield %102 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %12 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %102 = arith.extsi %in : i32 to i64
      linalg.yield %102 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %12, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %cst_5 = arith.constant dense<[0, 1]> : tensor<2xi64>
    %21 = tosa.const_shape  {values = dense<[2, 6, 1, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %22 = tosa.reshape %17, %21 : (tensor<2x6x1xi64>, !tosa.shape<4>) -> tensor<2x6x1x1xi64>
    %cst_6 = arith.constant dense<0> : tensor<1x1x1x1xi64>
    %23 = tosa.greater %cst_6, %22 : (tensor<1x1x1x1xi64>, tensor<2x6x1x1xi64>) -> tensor<2x6x1x1xi1>
    %cst_7 = arith.constant dense<2> : tensor<1x1x1x1xi64>
    %24 = tosa.add %22, %cst_7 : (tensor<2x6x1x1xi64>, tensor<1x1x1x1xi64>) -> tensor<2x6x1x1xi64>
    %25 = tosa.select %23, %24, %22 : (tensor<2x6x1x1xi1>, tensor<2x6x1x1xi64>, tensor<2x6x1x1xi64>) -> tensor<2x6x1x1xi64>
    %cst_8 = arith.constant dense<[[[[0, 1]]]]> : tensor<1x1x1x2xi64>
    %26 = tosa.equal %25, %cst_8 : (tensor<2x6x1x1xi64>, tensor<1x1x1x2xi64>) -> tensor<2x6x1x2xi1>
    %27 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %28 = tosa.const_shape  {values = dense<0> : tensor<1xindex>} : () -> !tosa.shape<1>
    %29 = tosa.slice %cst_5, %28, %27 : (tensor<2xi64>, !tosa.shape<1>, !tosa.shape<1>) -> tensor<1xi64>
    %30 = tosa.const_shape  {values = dense<1> : tensor<4xindex>} : () -> !tosa.shape<4>
    %31 = tosa.reshape %29, %30 : (tensor<1xi64>, !tosa.shape<4>) -> tensor<1x1x1x1xi64>
    %32 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %33 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %34 = tosa.slice %cst_5, %33, %32 : (tensor<2xi64>, !tosa.shape<1>, !tosa.shape<1>) -> tensor<1xi64>
    %35 = tosa.const_shape  {values = dense<1> : tensor<4xindex>} : () -> !tosa.shape<4>
    %36 = tosa.reshape %34, %35 : (tensor<1xi64>, !tosa.shape<4>) -> tensor<1x1x1x1xi64>
    %37 = tosa.select %26, %36, %31 : (tensor<2x6x1x2xi1>, tensor<1x1x1x1xi64>, tensor<1x1x1x1xi64>) -> tensor<2x6x1x2xi64>
    %38 = tensor.empty() : tensor<2x6x1x2xf32>
    %39 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%37 : tensor<2x6x1x2xi64>) outs(%38 : tensor<2x6x1x2xf32>) {
    ^bb0(%in: i64, %out: f32):
      %102 = arith.sitofp %in : i64 to f32
      linalg.yield %102 : f32
    } -> tensor<2x6x1x2xf32>
    %40 = tosa.transpose %39 {perms = array<i32: 3, 0, 1, 2>} : (tensor<2x6x1x2xf32>) -> tensor<2x2x6x1xf32>
    %cst_9 = arith.constant dense<0> : tensor<1x1xi32>
    %41 = tosa.const_shape  {values = dense<[1, 2, 12]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %42 = tosa.reshape %40, %41 : (tensor<2x2x6x1xf32>, !tosa.shape<3>) -> tensor<1x2x12xf32>
    %43 = tosa.gather %42, %cst_9 : (tensor<1x2x12xf32>, tensor<1x1xi32>) -> tensor<1x1x12xf32>
    %44 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %45 = tosa.reshape %43, %44 : (tensor<1x1x12xf32>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_10 = arith.constant dense<0> : tensor<1xi8>
    %46 = tosa.mul %20, %45, %cst_10 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %47 = tosa.reduce_sum %46 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_11 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %48 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %49 = tosa.reshape %arg0, %48 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %50 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %51 = tosa.reshape %cst_11, %50 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %52 = tosa.matmul %49, %51, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %53 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %54 = tosa.reshape %52, %53 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_14 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %55 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %56 = tosa.reshape %cst_14, %55 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %57 = tosa.add %56, %54 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %58 = tosa.clamp %57 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %59 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %60 = tosa.reshape %58, %59 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %61 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %62 = tosa.reshape %cst_15, %61 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_16 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_17 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %63 = tosa.matmul %60, %62, %cst_16, %cst_17 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %64 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %65 = tosa.reshape %63, %64 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_18 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %66 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %67 = tosa.reshape %cst_18, %66 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %68 = tosa.add %67, %65 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_19 = arith.constant dense<0> : tensor<1xi8>
    %69 = tosa.mul %47, %68, %cst_19 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_20 = arith.constant dense_resource<_Constant_5_output_0> : tensor<2x6x2xf32>
    %70 = tosa.add %cst_20, %69 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_21 = arith.constant dense<1> : tensor<1x1xi32>
    %71 = tosa.const_shape  {values = dense<[1, 2, 12]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %72 = tosa.reshape %40, %71 : (tensor<2x2x6x1xf32>, !tosa.shape<3>) -> tensor<1x2x12xf32>
    %73 = tosa.gather %72, %cst_21 : (tensor<1x2x12xf32>, tensor<1x1xi32>) -> tensor<1x1x12xf32>
    %74 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %75 = tosa.reshape %73, %74 : (tensor<1x1x12xf32>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_22 = arith.constant dense<0> : tensor<1xi8>
    %76 = tosa.mul %20, %75, %cst_22 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %77 = tosa.reduce_sum %76 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_23 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %78 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %79 = tosa.reshape %arg0, %78 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %80 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %81 = tosa.reshape %cst_23, %80 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_25 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %82 = tosa.matmul %79, %81, %cst_24, %cst_25 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %83 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %84 = tosa.reshape %82, %83 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_26 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %85 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %86 = tosa.reshape %cst_26, %85 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %87 = tosa.add %86, %84 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %88 = tosa.clamp %87 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_27 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %89 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %90 = tosa.reshape %88, %89 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %91 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %92 = tosa.reshape %cst_27, %91 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_28 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_29 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %93 = tosa.matmul %90, %92, %cst_28, %cst_29 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %94 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %95 = tosa.reshape %93, %94 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_30 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %96 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %97 = tosa.reshape %cst_30, %96 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %98 = tosa.add %97, %95 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_31 = arith.constant dense<0> : tensor<1xi8>
    %99 = tosa.mul %77, %98, %cst_31 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %100 = tosa.add %70, %99 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %101 = tosa.add %arg0, %100 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %101 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_5_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// The same with the one-hot's classes in the other order (compared with
// [1, 0]): no longer expert e's mask, so no expert has a routing weight.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", reason = "no expert's output is weighted by its top-k weight"}]
// CHECK-LABEL: func.func @main
// CHECK-NOT: m3sat.moe_ffn
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
module attributes {m3sat.metadata = "{\22version\22: 1, \22tasks\22: {\22y\22: {\22index\22: 0, \22outputs\22: [\22y\22]}}}", m3sat.opset = 17 : i64} {
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
    ^bb0(%in: f32, %in_32: f32, %out: f32):
      %102 = arith.divf %in, %in_32 : f32
      linalg.yield %102 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %12 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %102 = arith.extsi %in : i32 to i64
      linalg.yield %102 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %12, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %cst_5 = arith.constant dense<[0, 1]> : tensor<2xi64>
    %21 = tosa.const_shape  {values = dense<[2, 6, 1, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %22 = tosa.reshape %17, %21 : (tensor<2x6x1xi64>, !tosa.shape<4>) -> tensor<2x6x1x1xi64>
    %cst_6 = arith.constant dense<0> : tensor<1x1x1x1xi64>
    %23 = tosa.greater %cst_6, %22 : (tensor<1x1x1x1xi64>, tensor<2x6x1x1xi64>) -> tensor<2x6x1x1xi1>
    %cst_7 = arith.constant dense<2> : tensor<1x1x1x1xi64>
    %24 = tosa.add %22, %cst_7 : (tensor<2x6x1x1xi64>, tensor<1x1x1x1xi64>) -> tensor<2x6x1x1xi64>
    %25 = tosa.select %23, %24, %22 : (tensor<2x6x1x1xi1>, tensor<2x6x1x1xi64>, tensor<2x6x1x1xi64>) -> tensor<2x6x1x1xi64>
    %cst_8 = arith.constant dense<[[[[1, 0]]]]> : tensor<1x1x1x2xi64>
    %26 = tosa.equal %25, %cst_8 : (tensor<2x6x1x1xi64>, tensor<1x1x1x2xi64>) -> tensor<2x6x1x2xi1>
    %27 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %28 = tosa.const_shape  {values = dense<0> : tensor<1xindex>} : () -> !tosa.shape<1>
    %29 = tosa.slice %cst_5, %28, %27 : (tensor<2xi64>, !tosa.shape<1>, !tosa.shape<1>) -> tensor<1xi64>
    %30 = tosa.const_shape  {values = dense<1> : tensor<4xindex>} : () -> !tosa.shape<4>
    %31 = tosa.reshape %29, %30 : (tensor<1xi64>, !tosa.shape<4>) -> tensor<1x1x1x1xi64>
    %32 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %33 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %34 = tosa.slice %cst_5, %33, %32 : (tensor<2xi64>, !tosa.shape<1>, !tosa.shape<1>) -> tensor<1xi64>
    %35 = tosa.const_shape  {values = dense<1> : tensor<4xindex>} : () -> !tosa.shape<4>
    %36 = tosa.reshape %34, %35 : (tensor<1xi64>, !tosa.shape<4>) -> tensor<1x1x1x1xi64>
    %37 = tosa.select %26, %36, %31 : (tensor<2x6x1x2xi1>, tensor<1x1x1x1xi64>, tensor<1x1x1x1xi64>) -> tensor<2x6x1x2xi64>
    %38 = tensor.empty() : tensor<2x6x1x2xf32>
    %39 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%37 : tensor<2x6x1x2xi64>) outs(%38 : tensor<2x6x1x2xf32>) {
    ^bb0(%in: i64, %out: f32):
      %102 = arith.sitofp %in : i64 to f32
      linalg.yield %102 : f32
    } -> tensor<2x6x1x2xf32>
    %40 = tosa.transpose %39 {perms = array<i32: 3, 0, 1, 2>} : (tensor<2x6x1x2xf32>) -> tensor<2x2x6x1xf32>
    %cst_9 = arith.constant dense<0> : tensor<1x1xi32>
    %41 = tosa.const_shape  {values = dense<[1, 2, 12]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %42 = tosa.reshape %40, %41 : (tensor<2x2x6x1xf32>, !tosa.shape<3>) -> tensor<1x2x12xf32>
    %43 = tosa.gather %42, %cst_9 : (tensor<1x2x12xf32>, tensor<1x1xi32>) -> tensor<1x1x12xf32>
    %44 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %45 = tosa.reshape %43, %44 : (tensor<1x1x12xf32>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_10 = arith.constant dense<0> : tensor<1xi8>
    %46 = tosa.mul %20, %45, %cst_10 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %47 = tosa.reduce_sum %46 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_11 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %48 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %49 = tosa.reshape %arg0, %48 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %50 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %51 = tosa.reshape %cst_11, %50 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %52 = tosa.matmul %49, %51, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %53 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %54 = tosa.reshape %52, %53 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_14 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %55 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %56 = tosa.reshape %cst_14, %55 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %57 = tosa.add %56, %54 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %58 = tosa.clamp %57 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %59 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %60 = tosa.reshape %58, %59 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %61 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %62 = tosa.reshape %cst_15, %61 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_16 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_17 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %63 = tosa.matmul %60, %62, %cst_16, %cst_17 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %64 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %65 = tosa.reshape %63, %64 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_18 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %66 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %67 = tosa.reshape %cst_18, %66 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %68 = tosa.add %67, %65 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_19 = arith.constant dense<0> : tensor<1xi8>
    %69 = tosa.mul %47, %68, %cst_19 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_20 = arith.constant dense_resource<_Constant_5_output_0> : tensor<2x6x2xf32>
    %70 = tosa.add %cst_20, %69 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_21 = arith.constant dense<1> : tensor<1x1xi32>
    %71 = tosa.const_shape  {values = dense<[1, 2, 12]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %72 = tosa.reshape %40, %71 : (tensor<2x2x6x1xf32>, !tosa.shape<3>) -> tensor<1x2x12xf32>
    %73 = tosa.gather %72, %cst_21 : (tensor<1x2x12xf32>, tensor<1x1xi32>) -> tensor<1x1x12xf32>
    %74 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %75 = tosa.reshape %73, %74 : (tensor<1x1x12xf32>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_22 = arith.constant dense<0> : tensor<1xi8>
    %76 = tosa.mul %20, %75, %cst_22 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %77 = tosa.reduce_sum %76 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_23 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %78 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %79 = tosa.reshape %arg0, %78 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %80 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %81 = tosa.reshape %cst_23, %80 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_25 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %82 = tosa.matmul %79, %81, %cst_24, %cst_25 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %83 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %84 = tosa.reshape %82, %83 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_26 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %85 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %86 = tosa.reshape %cst_26, %85 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %87 = tosa.add %86, %84 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %88 = tosa.clamp %87 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_27 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %89 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %90 = tosa.reshape %88, %89 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %91 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %92 = tosa.reshape %cst_27, %91 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_28 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_29 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %93 = tosa.matmul %90, %92, %cst_28, %cst_29 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %94 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %95 = tosa.reshape %93, %94 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_30 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %96 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %97 = tosa.reshape %cst_30, %96 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %98 = tosa.add %97, %95 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_31 = arith.constant dense<0> : tensor<1xi8>
    %99 = tosa.mul %77, %98, %cst_31 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %100 = tosa.add %70, %99 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %101 = tosa.add %arg0, %100 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %101 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_5_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// --form onehot-sum: the routing weights of all experts as
// (w.unsqueeze(-1) * F.one_hot(idx, E)).sum(-2), expert e weighted by
// column [..., e, None] (Gather along the last axis: tosa.gather of the
// columns reshaped to [12, 2, 1]).

// CHECK: m3sat.raised_moe = [{layer = "/TopK", raised = "m3sat.moe_ffn: 2 experts, top-1, hidden 2, relu"}]
// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[W1:.*]] = arith.constant dense<{{\[\[\[}}-0.272345245, 0.18961589], [-0.0140100336, 0.560657501]], {{\[\[}}0.279544204, 0.424280167], [-0.479376733, -0.307918727]]]> : tensor<2x2x2xf32>
// CHECK: %[[GATE:.*]] = tosa.matmul
// CHECK: %[[LOGITS:.*]] = tosa.reshape %[[GATE]]
// CHECK-NOT: tosa.gather
// CHECK-NOT: tosa.matmul
// CHECK: %[[MOE:.*]] = m3sat.moe_ffn %arg0 routed by %[[LOGITS]] fc1(%[[W1]], %{{.*}}) fc2(
// CHECK: tosa.add %arg0, %[[MOE]]
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
#map3 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
module attributes {m3sat.metadata = "{\22version\22: 1, \22tasks\22: {\22y\22: {\22index\22: 0, \22outputs\22: [\22y\22]}}}", m3sat.opset = 17 : i64} {
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
    ^bb0(%in: f32, %in_31: f32, %out: f32):
      %107 = arith.divf %in, %in_31 : f32
      linalg.yield %107 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %12 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %107 = arith.extsi %in : i32 to i64
      linalg.yield %107 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %12, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %cst_5 = arith.constant dense<[0, 1]> : tensor<2xi64>
    %21 = tosa.const_shape  {values = dense<[2, 6, 1, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %22 = tosa.reshape %17, %21 : (tensor<2x6x1xi64>, !tosa.shape<4>) -> tensor<2x6x1x1xi64>
    %cst_6 = arith.constant dense<0> : tensor<1x1x1x1xi64>
    %23 = tosa.greater %cst_6, %22 : (tensor<1x1x1x1xi64>, tensor<2x6x1x1xi64>) -> tensor<2x6x1x1xi1>
    %cst_7 = arith.constant dense<2> : tensor<1x1x1x1xi64>
    %24 = tosa.add %22, %cst_7 : (tensor<2x6x1x1xi64>, tensor<1x1x1x1xi64>) -> tensor<2x6x1x1xi64>
    %25 = tosa.select %23, %24, %22 : (tensor<2x6x1x1xi1>, tensor<2x6x1x1xi64>, tensor<2x6x1x1xi64>) -> tensor<2x6x1x1xi64>
    %cst_8 = arith.constant dense<[[[[0, 1]]]]> : tensor<1x1x1x2xi64>
    %26 = tosa.equal %25, %cst_8 : (tensor<2x6x1x1xi64>, tensor<1x1x1x2xi64>) -> tensor<2x6x1x2xi1>
    %27 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %28 = tosa.const_shape  {values = dense<0> : tensor<1xindex>} : () -> !tosa.shape<1>
    %29 = tosa.slice %cst_5, %28, %27 : (tensor<2xi64>, !tosa.shape<1>, !tosa.shape<1>) -> tensor<1xi64>
    %30 = tosa.const_shape  {values = dense<1> : tensor<4xindex>} : () -> !tosa.shape<4>
    %31 = tosa.reshape %29, %30 : (tensor<1xi64>, !tosa.shape<4>) -> tensor<1x1x1x1xi64>
    %32 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %33 = tosa.const_shape  {values = dense<1> : tensor<1xindex>} : () -> !tosa.shape<1>
    %34 = tosa.slice %cst_5, %33, %32 : (tensor<2xi64>, !tosa.shape<1>, !tosa.shape<1>) -> tensor<1xi64>
    %35 = tosa.const_shape  {values = dense<1> : tensor<4xindex>} : () -> !tosa.shape<4>
    %36 = tosa.reshape %34, %35 : (tensor<1xi64>, !tosa.shape<4>) -> tensor<1x1x1x1xi64>
    %37 = tosa.select %26, %36, %31 : (tensor<2x6x1x2xi1>, tensor<1x1x1x1xi64>, tensor<1x1x1x1xi64>) -> tensor<2x6x1x2xi64>
    %38 = tensor.empty() : tensor<2x6x1x2xf32>
    %39 = linalg.generic {indexing_maps = [#map3, #map3], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%37 : tensor<2x6x1x2xi64>) outs(%38 : tensor<2x6x1x2xf32>) {
    ^bb0(%in: i64, %out: f32):
      %107 = arith.sitofp %in : i64 to f32
      linalg.yield %107 : f32
    } -> tensor<2x6x1x2xf32>
    %40 = tosa.const_shape  {values = dense<[2, 6, 1, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
    %41 = tosa.reshape %20, %40 : (tensor<2x6x1xf32>, !tosa.shape<4>) -> tensor<2x6x1x1xf32>
    %cst_9 = arith.constant dense<0> : tensor<1xi8>
    %42 = tosa.mul %41, %39, %cst_9 : (tensor<2x6x1x1xf32>, tensor<2x6x1x2xf32>, tensor<1xi8>) -> tensor<2x6x1x2xf32>
    %43 = tosa.reduce_sum %42 {axis = 2 : i32} : (tensor<2x6x1x2xf32>) -> tensor<2x6x1x2xf32>
    %44 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %45 = tosa.reshape %43, %44 : (tensor<2x6x1x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_10 = arith.constant dense<0> : tensor<12x1xi32>
    %46 = tosa.const_shape  {values = dense<[12, 2, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %47 = tosa.reshape %45, %46 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<12x2x1xf32>
    %48 = tosa.gather %47, %cst_10 : (tensor<12x2x1xf32>, tensor<12x1xi32>) -> tensor<12x1x1xf32>
    %49 = tosa.const_shape  {values = dense<[2, 6]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %50 = tosa.reshape %48, %49 : (tensor<12x1x1xf32>, !tosa.shape<2>) -> tensor<2x6xf32>
    %51 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %52 = tosa.reshape %50, %51 : (tensor<2x6xf32>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_11 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %53 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %54 = tosa.reshape %arg0, %53 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %55 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %56 = tosa.reshape %cst_11, %55 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_12 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %57 = tosa.matmul %54, %56, %cst_12, %cst_13 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %58 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %59 = tosa.reshape %57, %58 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_14 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %60 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %61 = tosa.reshape %cst_14, %60 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %62 = tosa.add %61, %59 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %63 = tosa.clamp %62 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %64 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %65 = tosa.reshape %63, %64 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %66 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %67 = tosa.reshape %cst_15, %66 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_16 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_17 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %68 = tosa.matmul %65, %67, %cst_16, %cst_17 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %69 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %70 = tosa.reshape %68, %69 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_18 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %71 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %72 = tosa.reshape %cst_18, %71 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %73 = tosa.add %72, %70 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_19 = arith.constant dense<0> : tensor<1xi8>
    %74 = tosa.mul %52, %73, %cst_19 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_20 = arith.constant dense_resource<_Constant_7_output_0> : tensor<2x6x2xf32>
    %75 = tosa.add %cst_20, %74 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_21 = arith.constant dense<1> : tensor<12x1xi32>
    %76 = tosa.const_shape  {values = dense<[12, 2, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %77 = tosa.reshape %45, %76 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<12x2x1xf32>
    %78 = tosa.gather %77, %cst_21 : (tensor<12x2x1xf32>, tensor<12x1xi32>) -> tensor<12x1x1xf32>
    %79 = tosa.const_shape  {values = dense<[2, 6]> : tensor<2xindex>} : () -> !tosa.shape<2>
    %80 = tosa.reshape %78, %79 : (tensor<12x1x1xf32>, !tosa.shape<2>) -> tensor<2x6xf32>
    %81 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %82 = tosa.reshape %80, %81 : (tensor<2x6xf32>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %cst_22 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %83 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %84 = tosa.reshape %arg0, %83 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %85 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %86 = tosa.reshape %cst_22, %85 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_23 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_24 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %87 = tosa.matmul %84, %86, %cst_23, %cst_24 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %88 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %89 = tosa.reshape %87, %88 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_25 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %90 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %91 = tosa.reshape %cst_25, %90 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %92 = tosa.add %91, %89 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %93 = tosa.clamp %92 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_26 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %94 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %95 = tosa.reshape %93, %94 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %96 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %97 = tosa.reshape %cst_26, %96 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_27 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_28 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %98 = tosa.matmul %95, %97, %cst_27, %cst_28 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %99 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %100 = tosa.reshape %98, %99 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_29 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %101 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %102 = tosa.reshape %cst_29, %101 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %103 = tosa.add %102, %100 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_30 = arith.constant dense<0> : tensor<1xi8>
    %104 = tosa.mul %82, %103, %cst_30 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %105 = tosa.add %75, %104 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %106 = tosa.add %arg0, %105 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %106 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_7_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}

// -----

// --form mul --sort: the top k as torch.sort(probs, descending=True)
// [..., :k], which torch exports as TopK(E) and a Slice of its first k.

// CHECK: m3sat.raised_moe = [{layer = "/TopK", raised = "m3sat.moe_ffn: 2 experts, top-1, hidden 2, relu"}]
// CHECK-LABEL: func.func @main
// CHECK: %[[GATE:.*]] = tosa.matmul
// CHECK: %[[LOGITS:.*]] = tosa.reshape %[[GATE]]
// CHECK-NOT: tosa.argmax
// CHECK-NOT: tosa.matmul
// CHECK: %[[MOE:.*]] = m3sat.moe_ffn %arg0 routed by %[[LOGITS]] fc1(
// CHECK: tosa.add %arg0, %[[MOE]]
#map = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#map1 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#map2 = affine_map<(d0, d1) -> (d0, d1)>
module attributes {m3sat.metadata = "{\22version\22: 1, \22tasks\22: {\22y\22: {\22index\22: 0, \22outputs\22: [\22y\22]}}}", m3sat.opset = 17 : i64} {
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
    ^bb0(%in: f32, %in_29: f32, %out: f32):
      %99 = arith.divf %in, %in_29 : f32
      linalg.yield %99 : f32
    } -> tensor<2x6x2xf32>
    %cst_2 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %cst_3 = arith.constant dense<[[[0, 1]]]> : tensor<1x1x2xi64>
    %13 = tosa.argmax %12 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32> loc("/TopK")
    %14 = tensor.empty() : tensor<2x6xi64>
    %15 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%13 : tensor<2x6xi32>) outs(%14 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %99 = arith.extsi %in : i32 to i64
      linalg.yield %99 : i64
    } -> tensor<2x6xi64>
    %16 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %17 = tosa.reshape %15, %16 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %18 = tosa.equal %cst_3, %17 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_4 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %19 = tosa.select %18, %12, %cst_4 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %20 = tosa.reduce_max %19 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %21 = tosa.select %18, %cst_2, %12 : (tensor<2x6x2xi1>, tensor<1x1x1xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %22 = tosa.argmax %21 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6xi32>
    %23 = tensor.empty() : tensor<2x6xi64>
    %24 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = ["parallel", "parallel"]} ins(%22 : tensor<2x6xi32>) outs(%23 : tensor<2x6xi64>) {
    ^bb0(%in: i32, %out: i64):
      %99 = arith.extsi %in : i32 to i64
      linalg.yield %99 : i64
    } -> tensor<2x6xi64>
    %25 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %26 = tosa.reshape %24, %25 : (tensor<2x6xi64>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %27 = tosa.equal %cst_3, %26 : (tensor<1x1x2xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi1>
    %cst_5 = arith.constant dense<0xFF800000> : tensor<1x1x1xf32>
    %28 = tosa.select %27, %12, %cst_5 : (tensor<2x6x2xi1>, tensor<2x6x2xf32>, tensor<1x1x1xf32>) -> tensor<2x6x2xf32>
    %29 = tosa.reduce_max %28 {axis = 2 : i32} : (tensor<2x6x2xf32>) -> tensor<2x6x1xf32>
    %30 = tosa.concat %20, %29 {axis = 2 : i32} : (tensor<2x6x1xf32>, tensor<2x6x1xf32>) -> tensor<2x6x2xf32>
    %31 = tosa.concat %17, %26 {axis = 2 : i32} : (tensor<2x6x1xi64>, tensor<2x6x1xi64>) -> tensor<2x6x2xi64>
    %32 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %33 = tosa.const_shape  {values = dense<0> : tensor<3xindex>} : () -> !tosa.shape<3>
    %34 = tosa.slice %30, %33, %32 : (tensor<2x6x2xf32>, !tosa.shape<3>, !tosa.shape<3>) -> tensor<2x6x1xf32>
    %35 = tosa.const_shape  {values = dense<[2, 6, 1]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %36 = tosa.const_shape  {values = dense<0> : tensor<3xindex>} : () -> !tosa.shape<3>
    %37 = tosa.slice %31, %36, %35 : (tensor<2x6x2xi64>, !tosa.shape<3>, !tosa.shape<3>) -> tensor<2x6x1xi64>
    %cst_6 = arith.constant dense<0> : tensor<i64>
    %38 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %39 = tosa.reshape %cst_6, %38 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %40 = tosa.equal %37, %39 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %41 = tensor.empty() : tensor<2x6x1xf32>
    %42 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%40 : tensor<2x6x1xi1>) outs(%41 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %99 = arith.uitofp %in : i1 to f32
      linalg.yield %99 : f32
    } -> tensor<2x6x1xf32>
    %cst_7 = arith.constant dense<0> : tensor<1xi8>
    %43 = tosa.mul %34, %42, %cst_7 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %44 = tosa.reduce_sum %43 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_8 = arith.constant dense<[[-0.272345245, -0.0140100336], [0.18961589, 0.560657501]]> : tensor<2x2xf32>
    %45 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %46 = tosa.reshape %arg0, %45 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %47 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %48 = tosa.reshape %cst_8, %47 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_9 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_10 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %49 = tosa.matmul %46, %48, %cst_9, %cst_10 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %50 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %51 = tosa.reshape %49, %50 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_11 = arith.constant dense<[-0.0627515167, 0.187109336]> : tensor<2xf32>
    %52 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %53 = tosa.reshape %cst_11, %52 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %54 = tosa.add %53, %51 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %55 = tosa.clamp %54 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_12 = arith.constant dense<[[-0.213696912, -0.675533414], [-0.138992712, -0.468304157]]> : tensor<2x2xf32>
    %56 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %57 = tosa.reshape %55, %56 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %58 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %59 = tosa.reshape %cst_12, %58 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_13 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_14 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %60 = tosa.matmul %57, %59, %cst_13, %cst_14 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %61 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %62 = tosa.reshape %60, %61 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_15 = arith.constant dense<[-0.291485757, 0.0261937603]> : tensor<2xf32>
    %63 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %64 = tosa.reshape %cst_15, %63 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %65 = tosa.add %64, %62 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_16 = arith.constant dense<0> : tensor<1xi8>
    %66 = tosa.mul %44, %65, %cst_16 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %cst_17 = arith.constant dense_resource<_Constant_10_output_0> : tensor<2x6x2xf32>
    %67 = tosa.add %cst_17, %66 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_18 = arith.constant dense<1> : tensor<i64>
    %68 = tosa.const_shape  {values = dense<1> : tensor<3xindex>} : () -> !tosa.shape<3>
    %69 = tosa.reshape %cst_18, %68 : (tensor<i64>, !tosa.shape<3>) -> tensor<1x1x1xi64>
    %70 = tosa.equal %37, %69 : (tensor<2x6x1xi64>, tensor<1x1x1xi64>) -> tensor<2x6x1xi1>
    %71 = tensor.empty() : tensor<2x6x1xf32>
    %72 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel", "parallel"]} ins(%70 : tensor<2x6x1xi1>) outs(%71 : tensor<2x6x1xf32>) {
    ^bb0(%in: i1, %out: f32):
      %99 = arith.uitofp %in : i1 to f32
      linalg.yield %99 : f32
    } -> tensor<2x6x1xf32>
    %cst_19 = arith.constant dense<0> : tensor<1xi8>
    %73 = tosa.mul %34, %72, %cst_19 : (tensor<2x6x1xf32>, tensor<2x6x1xf32>, tensor<1xi8>) -> tensor<2x6x1xf32>
    %74 = tosa.reduce_sum %73 {axis = 2 : i32} : (tensor<2x6x1xf32>) -> tensor<2x6x1xf32>
    %cst_20 = arith.constant dense<[[0.279544204, -0.479376733], [0.424280167, -0.307918727]]> : tensor<2x2xf32>
    %75 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %76 = tosa.reshape %arg0, %75 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %77 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %78 = tosa.reshape %cst_20, %77 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_21 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_22 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %79 = tosa.matmul %76, %78, %cst_21, %cst_22 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %80 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %81 = tosa.reshape %79, %80 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_23 = arith.constant dense<[0.256833285, 0.587172925]> : tensor<2xf32>
    %82 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %83 = tosa.reshape %cst_23, %82 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %84 = tosa.add %83, %81 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %85 = tosa.clamp %84 {max_val = 0x7F800000 : f32, min_val = 0.000000e+00 : f32} : (tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_24 = arith.constant dense<[[-0.145522699, -0.113973841], [0.5291363, 0.074821867]]> : tensor<2x2xf32>
    %86 = tosa.const_shape  {values = dense<[1, 12, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %87 = tosa.reshape %85, %86 : (tensor<2x6x2xf32>, !tosa.shape<3>) -> tensor<1x12x2xf32>
    %88 = tosa.const_shape  {values = dense<[1, 2, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %89 = tosa.reshape %cst_24, %88 : (tensor<2x2xf32>, !tosa.shape<3>) -> tensor<1x2x2xf32>
    %cst_25 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %cst_26 = arith.constant dense<0.000000e+00> : tensor<1xf32>
    %90 = tosa.matmul %87, %89, %cst_25, %cst_26 : (tensor<1x12x2xf32>, tensor<1x2x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x2xf32>
    %91 = tosa.const_shape  {values = dense<[2, 6, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %92 = tosa.reshape %90, %91 : (tensor<1x12x2xf32>, !tosa.shape<3>) -> tensor<2x6x2xf32>
    %cst_27 = arith.constant dense<[0.640268385, -6.559620e-01]> : tensor<2xf32>
    %93 = tosa.const_shape  {values = dense<[1, 1, 2]> : tensor<3xindex>} : () -> !tosa.shape<3>
    %94 = tosa.reshape %cst_27, %93 : (tensor<2xf32>, !tosa.shape<3>) -> tensor<1x1x2xf32>
    %95 = tosa.add %94, %92 : (tensor<1x1x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %cst_28 = arith.constant dense<0> : tensor<1xi8>
    %96 = tosa.mul %74, %95, %cst_28 : (tensor<2x6x1xf32>, tensor<2x6x2xf32>, tensor<1xi8>) -> tensor<2x6x2xf32>
    %97 = tosa.add %67, %96 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    %98 = tosa.add %arg0, %97 : (tensor<2x6x2xf32>, tensor<2x6x2xf32>) -> tensor<2x6x2xf32>
    return %98 : tensor<2x6x2xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      _Constant_10_output_0: "0x40000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    }
  }
#-}
