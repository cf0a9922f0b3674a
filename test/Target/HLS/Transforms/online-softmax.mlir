// RUN: m3sat-opt %s --split-input-file --m3sat-hls-online-softmax | FileCheck %s
// RUN: m3sat-opt %s --split-input-file --m3sat-hls-online-softmax --canonicalize | FileCheck %s --check-prefix=CLEAN

// The importer's softmax along the last axis (max, x - max, exp, sum,
// exp / sum as a linalg.generic) becomes one pass with the running maximum
// (from the row's first element) and sum (from 0), the axis a reduction,
// then exp(x - m) / s.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @divide_form
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NOT: tosa.{{reduce|sub|exp|reciprocal|mul}}
// CHECK: %[[M0:.*]] = tensor.extract_slice %[[X]][0, 0] [4, 1] [1, 1] : tensor<4x8xf32> to tensor<4xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[S0:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<4xf32>)
// CHECK: %[[ONLINE:.*]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%[[X]] : tensor<4x8xf32>) outs(%[[M0]], %[[S0]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[XI:.*]]: f32, %[[M:.*]]: f32, %[[S:.*]]: f32):
// CHECK:   %[[GT:.*]] = arith.cmpf ogt, %[[XI]], %[[M]]
// CHECK:   %[[BIG:.*]] = arith.select %[[GT]], %[[XI]], %[[M]]
// CHECK:   %[[SMALL:.*]] = arith.select %[[GT]], %[[M]], %[[XI]]
// CHECK:   %[[SAME:.*]] = arith.cmpf oeq, %[[SMALL]], %[[BIG]]
// CHECK:   %[[D:.*]] = arith.subf %[[SMALL]], %[[BIG]]
// CHECK:   %[[EXP:.*]] = math.exp %[[D]]
// CHECK:   %[[E:.*]] = arith.select %[[SAME]], %{{.*}}, %[[EXP]]
// CHECK:   %[[SE:.*]] = arith.mulf %[[S]], %[[E]]
// CHECK:   %[[RESCALED:.*]] = arith.select %[[GT]], %[[SE]], %[[S]]
// CHECK:   %[[ADDED:.*]] = arith.select %[[GT]], %{{.*}}, %[[E]]
// CHECK:   %[[SUM:.*]] = arith.addf %[[RESCALED]], %[[ADDED]]
// CHECK:   linalg.yield %[[BIG]], %[[SUM]]
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[ONLINE]]#0, %[[ONLINE]]#1 :
// CHECK: ^bb0(%[[XJ:.*]]: f32, %[[MJ:.*]]: f32, %[[SJ:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[SHIFT:.*]] = arith.subf %[[XJ]], %[[MJ]]
// CHECK:   %[[EJ:.*]] = math.exp %[[SHIFT]]
// CHECK:   %[[Q:.*]] = arith.divf %[[EJ]], %[[SJ]]
// CHECK:   linalg.yield %[[Q]]
// CHECK: return %[[Y]]
// CLEAN-LABEL: func.func @divide_form
// CLEAN-NOT: tosa.
// CLEAN-COUNT-2: linalg.generic
// CLEAN-NOT: linalg.generic
// CLEAN: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#bc = affine_map<(d0, d1) -> (d0, 0)>
func.func @divide_form(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %max = tosa.reduce_max %x {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %sub = tosa.sub %x, %max : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %exp = tosa.exp %sub : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %exp {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %init = tensor.empty() : tensor<4x8xf32>
  %div = linalg.generic {indexing_maps = [#id, #bc, #id], iterator_types = ["parallel", "parallel"]} ins(%exp, %sum : tensor<4x8xf32>, tensor<4x1xf32>) outs(%init : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %q = arith.divf %a, %b : f32
    linalg.yield %q : f32
  } -> tensor<4x8xf32>
  return %div : tensor<4x8xf32>
}

// -----

// exp * reciprocal(sum), along a middle axis: the axis is the reduction
// loop, the other two index the running values.
// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW3:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reciprocal_form
// CHECK-NOT: tosa.{{reduce|sub|exp|reciprocal|mul}}
// CHECK: %[[X3:.*]] = tensor.extract_slice %{{.*}}[0, 0, 0] [2, 1, 5] [1, 1, 1] : tensor<2x3x5xf32> to tensor<2x5xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[ROW3]], #[[ROW3]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: outs(%[[X3]], %{{.*}} : tensor<2x5xf32>, tensor<2x5xf32>)
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: arith.divf
// CHECK-NOT: tosa.{{reduce|sub|exp|reciprocal|mul}}
// CHECK: return
func.func @reciprocal_form(%x: tensor<2x3x5xf32>) -> tensor<2x3x5xf32> {
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %max = tosa.reduce_max %x {axis = 1 : i32} : (tensor<2x3x5xf32>) -> tensor<2x1x5xf32>
  %sub = tosa.sub %x, %max : (tensor<2x3x5xf32>, tensor<2x1x5xf32>) -> tensor<2x3x5xf32>
  %exp = tosa.exp %sub : (tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %sum = tosa.reduce_sum %exp {axis = 1 : i32} : (tensor<2x3x5xf32>) -> tensor<2x1x5xf32>
  %rec = tosa.reciprocal %sum : (tensor<2x1x5xf32>) -> tensor<2x1x5xf32>
  %y = tosa.mul %exp, %rec, %shift : (tensor<2x3x5xf32>, tensor<2x1x5xf32>, tensor<1xi8>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// The exponentials have another use: nothing changes.
// CHECK-LABEL: func.func @exp_escapes
// CHECK: tosa.reduce_max
// CHECK: tosa.exp
// CHECK: tosa.reduce_sum
// CHECK-NOT: reduction
// CHECK: return
#id = affine_map<(d0, d1) -> (d0, d1)>
#bc = affine_map<(d0, d1) -> (d0, 0)>
func.func @exp_escapes(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %max = tosa.reduce_max %x {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %sub = tosa.sub %x, %max : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %exp = tosa.exp %sub : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %exp {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %init = tensor.empty() : tensor<4x8xf32>
  %div = linalg.generic {indexing_maps = [#id, #bc, #id], iterator_types = ["parallel", "parallel"]} ins(%exp, %sum : tensor<4x8xf32>, tensor<4x1xf32>) outs(%init : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %q = arith.divf %a, %b : f32
    linalg.yield %q : f32
  } -> tensor<4x8xf32>
  %neg = tosa.abs %exp : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %div, %neg : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// A LogSoftmax (x - max - log(sum)): not a softmax, nothing changes.
// CHECK-LABEL: func.func @log_softmax
// CHECK: tosa.reduce_max
// CHECK: tosa.log
// CHECK-NOT: reduction
// CHECK: return
func.func @log_softmax(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %max = tosa.reduce_max %x {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %sub = tosa.sub %x, %max : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %exp = tosa.exp %sub : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %sum = tosa.reduce_sum %exp {axis = 1 : i32} : (tensor<4x8xf32>) -> tensor<4x1xf32>
  %log = tosa.log %sum : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %y = tosa.sub %sub, %log : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
