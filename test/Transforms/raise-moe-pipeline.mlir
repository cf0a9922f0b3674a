// RUN: m3sat-opt --m3sat-specialize-pipeline %s | FileCheck %s --check-prefix=ON
// RUN: m3sat-opt --m3sat-specialize-pipeline="raise=false" %s \
// RUN:   | FileCheck %s --check-prefix=OFF

// m3sat-specialize-pipeline raises MoE layers written as standard ops
// first (m3sat-raise-moe); raise=false compiles them as written. The model:
// raise-moe-forms.mlir's scatter form (make_plain_moe.py --form scatter
// --experts 2 --k 1 --dim 2 --hidden 2 --activation relu).

// ON: m3sat.raised_moe = [{layer = "/TopK", raised = "m3sat.moe_ffn: 2 experts, top-1, hidden 2, relu"}]
// ON-LABEL: func.func @task_y
// ON: m3sat.moe_ffn
// ON-NOT: linalg.generic

// OFF-NOT: m3sat.raised_moe
// OFF-LABEL: func.func @task_y
// OFF-NOT: m3sat.moe_ffn
// OFF: linalg.generic {{.*}}"reduction", "reduction"
// OFF-NOT: m3sat.moe_ffn

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
