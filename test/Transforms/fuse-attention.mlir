// RUN: m3sat-opt %s -m3sat-fuse-attention -split-input-file | FileCheck %s

// The importer's attention of 3 heads, 8 queries and keys, head size 16:
// Q K^T as a [3, 8, 8] product, reshaped to [1, 3, 8, 8] for the scale and
// the softmax, back to [3, 8, 8] for the product with V. It becomes one
// scf.forall over (head, query row): the query row read once, then a pass
// over the 8 keys carrying the running maximum, the sum and the 16 output
// values (18 scalars), each score a dot product of 16 in k order, and the
// output row divided by the sum at the end.
// CHECK-LABEL: func.func @attention
// CHECK-SAME: (%[[Q:.*]]: tensor<3x8x16xf32>, %[[KT:.*]]: tensor<3x16x8xf32>, %[[V:.*]]: tensor<3x8x16xf32>)
// CHECK-NOT: tosa.matmul
// CHECK-NOT: tosa.reduce
// CHECK: %[[INIT:.*]] = tensor.empty() : tensor<3x8x16xf32>
// CHECK: %[[O:.*]] = scf.forall (%[[N:[^,]*]], %[[I:[^)]*]]) in (3, 8) shared_outs(%[[OUT:.*]] = %[[INIT]])
// CHECK: %[[ROW:.*]] = tensor.extract_slice %[[OUT]][%[[N]], %[[I]], 0] [1, 1, 16] [1, 1, 1] : tensor<3x8x16xf32> to tensor<16xf32>
// CHECK: %[[Q0:.*]] = tensor.extract %[[Q]][%[[N]], %[[I]], %{{.*}}]
// CHECK-COUNT-15: tensor.extract %[[Q]][%[[N]], %[[I]], %{{.*}}]
// CHECK: %[[KEYS:.*]]:18 = scf.for %[[J:[^ ]*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[M:[^ ]*]] = %{{[^,]*}}, %[[L:[^ ]*]] = %{{[^,]*}}, %[[O0:[^ ]*]] = %{{[^,]*}},
// CHECK: %[[K0:.*]] = tensor.extract %[[KT]][%[[N]], %{{.*}}, %[[J]]]
// CHECK: arith.mulf %[[Q0]], %[[K0]]
// CHECK-COUNT-15: tensor.extract %[[KT]][%[[N]], %{{.*}}, %[[J]]]
// CHECK: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
// CHECK: %[[S:.*]] = arith.mulf %{{.*}}, %[[SCALE]]
// CHECK: %[[MAX:.*]] = arith.maximumf %[[M]], %[[S]]
// CHECK: %[[DM:.*]] = arith.subf %[[M]], %[[MAX]]
// CHECK: %[[ALPHA:.*]] = math.exp %[[DM]]
// CHECK: %[[DS:.*]] = arith.subf %[[S]], %[[MAX]]
// CHECK: %[[P:.*]] = math.exp %[[DS]]
// CHECK: %[[LA:.*]] = arith.mulf %[[L]], %[[ALPHA]]
// CHECK: %[[SUM:.*]] = arith.addf %[[LA]], %[[P]]
// CHECK: %[[V0:.*]] = tensor.extract %[[V]][%[[N]], %[[J]], %{{.*}}]
// CHECK: %[[OA:.*]] = arith.mulf %[[O0]], %[[ALPHA]]
// CHECK: %[[PV:.*]] = arith.mulf %[[P]], %[[V0]]
// CHECK: %[[NEXT0:.*]] = arith.addf %[[OA]], %[[PV]]
// CHECK-COUNT-15: tensor.extract %[[V]][%[[N]], %[[J]], %{{.*}}]
// CHECK: scf.yield %[[MAX]], %[[SUM]], %[[NEXT0]],
// CHECK: %[[R0:.*]] = arith.divf %[[KEYS]]#2, %[[KEYS]]#1
// CHECK: tensor.insert %[[R0]] into %[[ROW]]
// CHECK-COUNT-15: arith.divf
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][%[[N]], %[[I]], 0] [1, 1, 16] [1, 1, 1]
// CHECK: return %[[O]]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#row = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, 0)>
func.func @attention(%q: tensor<3x8x16xf32>, %kt: tensor<3x16x8xf32>, %v: tensor<3x8x16xf32>) -> tensor<3x8x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.25> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %s4 = tosa.const_shape {values = dense<[1, 3, 8, 8]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s3 = tosa.const_shape {values = dense<[3, 8, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %0 = tosa.matmul %q, %kt, %zp, %zp : (tensor<3x8x16xf32>, tensor<3x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<3x8x8xf32>
  %1 = tosa.reshape %0, %s4 : (tensor<3x8x8xf32>, !tosa.shape<4>) -> tensor<1x3x8x8xf32>
  %2 = tosa.mul %1, %scale, %shift : (tensor<1x3x8x8xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<1x3x8x8xf32>
  %3 = tosa.reduce_max %2 {axis = 3 : i32} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x1xf32>
  %4 = tosa.sub %2, %3 : (tensor<1x3x8x8xf32>, tensor<1x3x8x1xf32>) -> tensor<1x3x8x8xf32>
  %5 = tosa.exp %4 : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xf32>
  %6 = tosa.reduce_sum %5 {axis = 3 : i32} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x1xf32>
  %7 = tensor.empty() : tensor<1x3x8x8xf32>
  %8 = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%5, %6 : tensor<1x3x8x8xf32>, tensor<1x3x8x1xf32>) outs(%7 : tensor<1x3x8x8xf32>) {
  ^bb0(%in: f32, %sum: f32, %out: f32):
    %d = arith.divf %in, %sum : f32
    linalg.yield %d : f32
  } -> tensor<1x3x8x8xf32>
  %9 = tosa.reshape %8, %s3 : (tensor<1x3x8x8xf32>, !tosa.shape<3>) -> tensor<3x8x8xf32>
  %10 = tosa.matmul %9, %v, %zp, %zp : (tensor<3x8x8xf32>, tensor<3x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<3x8x16xf32>
  return %10 : tensor<3x8x16xf32>
}

// -----

// Without a scale, the softmax on the product's own shape, the division as
// exp * reciprocal(sum), 5 queries against 7 keys and values of width 4.
// CHECK-LABEL: func.func @unscaled_reciprocal
// CHECK-NOT: tosa.matmul
// CHECK: scf.forall (%{{.*}}, %{{.*}}) in (2, 5)
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-3: arith.mulf
// CHECK-NOT: arith.mulf
// CHECK: arith.maximumf
// CHECK: tensor.parallel_insert_slice {{.*}} [1, 1, 4] [1, 1, 1] : tensor<4xf32> into tensor<2x5x4xf32>
func.func @unscaled_reciprocal(%q: tensor<2x5x3xf32>, %kt: tensor<2x3x7xf32>, %v: tensor<2x7x4xf32>) -> tensor<2x5x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x5x3xf32>, tensor<2x3x7xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x7xf32>
  %1 = tosa.reduce_max %0 {axis = 2 : i32} : (tensor<2x5x7xf32>) -> tensor<2x5x1xf32>
  %2 = tosa.sub %0, %1 : (tensor<2x5x7xf32>, tensor<2x5x1xf32>) -> tensor<2x5x7xf32>
  %3 = tosa.exp %2 : (tensor<2x5x7xf32>) -> tensor<2x5x7xf32>
  %4 = tosa.reduce_sum %3 {axis = 2 : i32} : (tensor<2x5x7xf32>) -> tensor<2x5x1xf32>
  %5 = tosa.reciprocal %4 : (tensor<2x5x1xf32>) -> tensor<2x5x1xf32>
  %6 = tosa.mul %3, %5, %shift : (tensor<2x5x7xf32>, tensor<2x5x1xf32>, tensor<1xi8>) -> tensor<2x5x7xf32>
  %7 = tosa.matmul %6, %v, %zp, %zp : (tensor<2x5x7xf32>, tensor<2x7x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x4xf32>
  return %7 : tensor<2x5x4xf32>
}

// -----

// The probabilities are also a result: nothing is fused.
// CHECK-LABEL: func.func @probabilities_used
// CHECK-NOT: scf.forall
// CHECK: tosa.matmul
// CHECK: tosa.reduce_max
// CHECK: tosa.matmul
func.func @probabilities_used(%q: tensor<2x5x3xf32>, %kt: tensor<2x3x7xf32>, %v: tensor<2x7x4xf32>) -> (tensor<2x5x4xf32>, tensor<2x5x7xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x5x3xf32>, tensor<2x3x7xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x7xf32>
  %1 = tosa.reduce_max %0 {axis = 2 : i32} : (tensor<2x5x7xf32>) -> tensor<2x5x1xf32>
  %2 = tosa.sub %0, %1 : (tensor<2x5x7xf32>, tensor<2x5x1xf32>) -> tensor<2x5x7xf32>
  %3 = tosa.exp %2 : (tensor<2x5x7xf32>) -> tensor<2x5x7xf32>
  %4 = tosa.reduce_sum %3 {axis = 2 : i32} : (tensor<2x5x7xf32>) -> tensor<2x5x1xf32>
  %5 = tosa.reciprocal %4 : (tensor<2x5x1xf32>) -> tensor<2x5x1xf32>
  %6 = tosa.mul %3, %5, %shift : (tensor<2x5x7xf32>, tensor<2x5x1xf32>, tensor<1xi8>) -> tensor<2x5x7xf32>
  %7 = tosa.matmul %6, %v, %zp, %zp : (tensor<2x5x7xf32>, tensor<2x7x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x4xf32>
  return %7, %6 : tensor<2x5x4xf32>, tensor<2x5x7xf32>
}

// -----

// A softmax over the queries (axis 1), not the keys: nothing is fused.
// CHECK-LABEL: func.func @softmax_over_queries
// CHECK-NOT: scf.forall
// CHECK: tosa.reduce_max {{.*}} {axis = 1 : i32}
func.func @softmax_over_queries(%q: tensor<2x5x3xf32>, %kt: tensor<2x3x5xf32>, %v: tensor<2x5x4xf32>) -> tensor<2x5x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x5x3xf32>, tensor<2x3x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x5xf32>
  %1 = tosa.reduce_max %0 {axis = 1 : i32} : (tensor<2x5x5xf32>) -> tensor<2x1x5xf32>
  %2 = tosa.sub %0, %1 : (tensor<2x5x5xf32>, tensor<2x1x5xf32>) -> tensor<2x5x5xf32>
  %3 = tosa.exp %2 : (tensor<2x5x5xf32>) -> tensor<2x5x5xf32>
  %4 = tosa.reduce_sum %3 {axis = 1 : i32} : (tensor<2x5x5xf32>) -> tensor<2x1x5xf32>
  %5 = tosa.reciprocal %4 : (tensor<2x1x5xf32>) -> tensor<2x1x5xf32>
  %6 = tosa.mul %3, %5, %shift : (tensor<2x5x5xf32>, tensor<2x1x5xf32>, tensor<1xi8>) -> tensor<2x5x5xf32>
  %7 = tosa.matmul %6, %v, %zp, %zp : (tensor<2x5x5xf32>, tensor<2x5x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x4xf32>
  return %7 : tensor<2x5x4xf32>
}

// -----

// A scale that is not a constant (a per-head one, as an argument): nothing
// is fused.
// CHECK-LABEL: func.func @scale_not_constant
// CHECK-NOT: scf.forall
// CHECK: tosa.mul
func.func @scale_not_constant(%q: tensor<2x5x3xf32>, %kt: tensor<2x3x7xf32>, %v: tensor<2x7x4xf32>, %scale: tensor<2x1x1xf32>) -> tensor<2x5x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %0 = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x5x3xf32>, tensor<2x3x7xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x7xf32>
  %s = tosa.mul %0, %scale, %shift : (tensor<2x5x7xf32>, tensor<2x1x1xf32>, tensor<1xi8>) -> tensor<2x5x7xf32>
  %1 = tosa.reduce_max %s {axis = 2 : i32} : (tensor<2x5x7xf32>) -> tensor<2x5x1xf32>
  %2 = tosa.sub %s, %1 : (tensor<2x5x7xf32>, tensor<2x5x1xf32>) -> tensor<2x5x7xf32>
  %3 = tosa.exp %2 : (tensor<2x5x7xf32>) -> tensor<2x5x7xf32>
  %4 = tosa.reduce_sum %3 {axis = 2 : i32} : (tensor<2x5x7xf32>) -> tensor<2x5x1xf32>
  %5 = tosa.reciprocal %4 : (tensor<2x5x1xf32>) -> tensor<2x5x1xf32>
  %6 = tosa.mul %3, %5, %shift : (tensor<2x5x7xf32>, tensor<2x5x1xf32>, tensor<1xi8>) -> tensor<2x5x7xf32>
  %7 = tosa.matmul %6, %v, %zp, %zp : (tensor<2x5x7xf32>, tensor<2x7x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x5x4xf32>
  return %7 : tensor<2x5x4xf32>
}
