// RUN: m3sat-opt %s -split-input-file -m3sat-specialize="tasks=depth" | FileCheck %s
// RUN: m3sat-opt %s -split-input-file -m3sat-specialize | FileCheck %s --check-prefix=ALL
// RUN: m3sat-opt %s -split-input-file -m3sat-specialize="tasks=depth" -canonicalize | FileCheck %s --check-prefix=FOLD

// Two tasks selected by task_id over stacked per-task gates; depth keeps its
// output, binds task_id = 1 and no longer needs the lidar input.
// CHECK-LABEL: func @task_depth
// CHECK-SAME: (%[[IMG:[^:]*]]: tensor<2x4xf32> {m3sat.name = "image"}) -> (tensor<2x4xf32> {m3sat.name = "depth"})
// CHECK-SAME: m3sat.task = "depth"
// CHECK: %[[SEL:.*]] = arith.constant dense<1> : tensor<i64>
// CHECK: tensor.extract %{{.*}}[%{{.*}}]
// CHECK-NOT: func @main
// The bound selector folds the per-task parameter to task 1's.
// FOLD-LABEL: func @task_depth
// FOLD: arith.constant 3.000000e+00 : f32
// CHECK-NOT: func @task_semseg
// ALL: func @task_depth
// ALL: func @task_semseg
// ALL-SAME: %{{.*}}: tensor<2x4xf32> {m3sat.name = "image"}, %{{.*}}: tensor<2x4xf32> {m3sat.name = "points"}
// ALL-SAME: -> (tensor<2x4xf32> {m3sat.name = "semseg"})
module attributes {m3sat.metadata = "{\22version\22: 1, \22task_selector\22: \22task_id\22, \22tasks\22: {\22semseg\22: {\22index\22: 0, \22outputs\22: [\22semseg\22]}, \22depth\22: {\22index\22: 1, \22outputs\22: [\22depth\22]}}, \22modalities\22: {\22rgb\22: [\22image\22], \22lidar\22: [\22points\22]}}"} {
  func.func @main(%image: tensor<2x4xf32> {m3sat.name = "image"},
                  %points: tensor<2x4xf32> {m3sat.name = "points"},
                  %task: tensor<i64> {m3sat.name = "task_id"})
      -> (tensor<2x4xf32> {m3sat.name = "semseg"}, tensor<2x4xf32> {m3sat.name = "depth"}) {
    %scales = arith.constant dense<[2.0, 3.0]> : tensor<2xf32>
    %t = tensor.extract %task[] : tensor<i64>
    %i = arith.index_cast %t : i64 to index
    %s = tensor.extract %scales[%i] : tensor<2xf32>
    %e = tensor.empty() : tensor<2x4xf32>
    %splat = linalg.fill ins(%s : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
    %depth = arith.mulf %image, %splat : tensor<2x4xf32>
    %semseg = arith.addf %image, %points : tensor<2x4xf32>
    return %semseg, %depth : tensor<2x4xf32>, tensor<2x4xf32>
  }
}

// -----

// Without metadata every output is a task of its own name.
// CHECK-LABEL: func @task_depth
// CHECK-SAME: (%{{.*}}: tensor<3xf32> {m3sat.name = "x"}) -> (tensor<3xf32> {m3sat.name = "depth"})
// ALL: func @task_other
// ALL: func @task_depth
module {
  func.func @main(%x: tensor<3xf32> {m3sat.name = "x"}, %y: tensor<3xf32> {m3sat.name = "y"})
      -> (tensor<3xf32> {m3sat.name = "other"}, tensor<3xf32> {m3sat.name = "depth"}) {
    %a = arith.addf %x, %y : tensor<3xf32>
    %b = arith.mulf %x, %x : tensor<3xf32>
    return %a, %b : tensor<3xf32>, tensor<3xf32>
  }
}
