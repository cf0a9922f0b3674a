// m3sat.grouped_matmul with groups that do not cover every row (offsets
// [1, 3, 4] over 6 rows: rows 1-2 expert 0, row 3 expert 1, rows 0, 4 and 5
// in no group, so 0) on small integers (exact in f32), in both forms of the
// lowering; every element is compared with the result worked out by hand.
// RUN: m3sat-opt %s -m3sat-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// RUN: m3sat-opt %s -m3sat-cpu-pipeline=moe-lowering=row-gather \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// CHECK: violations = 0

func.func @grouped(%a: tensor<6x2xf32>, %w: tensor<2x3x2xf32>,
                   %o: tensor<3xi64>, %b: tensor<2x3xf32>) -> tensor<6x3xf32> {
  %r = m3sat.grouped_matmul %a, %w, %o bias %b
      : (tensor<6x2xf32>, tensor<2x3x2xf32>, tensor<3xi64>, tensor<2x3xf32>) -> tensor<6x3xf32>
  return %r : tensor<6x3xf32>
}

func.func @main() {
  %a = arith.constant dense<[[1.0, 1.0], [1.0, 2.0], [3.0, 4.0], [5.0, 6.0],
                             [7.0, 8.0], [9.0, 10.0]]> : tensor<6x2xf32>
  %w = arith.constant dense<[[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
                             [[2.0, 0.0], [0.0, 2.0], [1.0, -1.0]]]> : tensor<2x3x2xf32>
  %o = arith.constant dense<[1, 3, 4]> : tensor<3xi64>
  %b = arith.constant dense<[[10.0, 20.0, 30.0], [100.0, 200.0, 300.0]]> : tensor<2x3xf32>
  %ref = arith.constant dense<[[0.0, 0.0, 0.0], [11.0, 22.0, 33.0],
                               [13.0, 24.0, 37.0], [110.0, 212.0, 299.0],
                               [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]> : tensor<6x3xf32>
  %y = call @grouped(%a, %w, %o, %b)
      : (tensor<6x2xf32>, tensor<2x3x2xf32>, tensor<3xi64>, tensor<2x3xf32>) -> tensor<6x3xf32>
  %zero = arith.constant 0 : i64
  %init = tensor.empty() : tensor<i64>
  %count0 = linalg.fill ins(%zero : i64) outs(%init : tensor<i64>) -> tensor<i64>
  %count = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>],
      iterator_types = ["reduction", "reduction"]}
      ins(%y, %ref : tensor<6x3xf32>, tensor<6x3xf32>) outs(%count0 : tensor<i64>) {
  ^bb0(%got: f32, %want: f32, %c: i64):
    %same = arith.cmpf oeq, %got, %want : f32
    %one = arith.constant 1 : i64
    %c0 = arith.constant 0 : i64
    %inc = arith.select %same, %c0, %one : i64
    %c1 = arith.addi %c, %inc : i64
    linalg.yield %c1 : i64
  } -> tensor<i64>
  %n = tensor.extract %count[] : tensor<i64>
  vector.print str "violations = "
  vector.print %n : i64
  return
}
