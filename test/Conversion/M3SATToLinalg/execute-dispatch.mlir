// m3sat.dispatch on 3 tokens, top-2 of 3 experts, in both forms of the
// lowering: the permutation is stable (ascending slot ids within an
// expert), the offsets bound the groups, and the rows follow the
// permutation. Every element is compared with the result worked out by hand.
// RUN: m3sat-opt %s -m3sat-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// RUN: m3sat-opt %s -m3sat-cpu-pipeline=moe-lowering=row-gather \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// CHECK: violations = 0

func.func @dispatch(%x: tensor<3x2xf32>, %i: tensor<3x2xi64>)
    -> (tensor<6x2xf32>, tensor<6xi64>, tensor<4xi64>) {
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 3
      : tensor<3x2xf32>, tensor<3x2xi64> -> tensor<6x2xf32>, tensor<6xi64>, tensor<4xi64>
  return %s, %p, %o : tensor<6x2xf32>, tensor<6xi64>, tensor<4xi64>
}

func.func @main() {
  %x = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  // Slots 0..5 go to experts 1, 0, 1, 2, 0, 1.
  %i = arith.constant dense<[[1, 0], [1, 2], [0, 1]]> : tensor<3x2xi64>
  %want_p = arith.constant dense<[1, 4, 0, 2, 5, 3]> : tensor<6xi64>
  %want_o = arith.constant dense<[0, 2, 5, 6]> : tensor<4xi64>
  %want_s = arith.constant dense<[[1.0, 2.0], [5.0, 6.0], [1.0, 2.0], [3.0, 4.0],
                                  [5.0, 6.0], [3.0, 4.0]]> : tensor<6x2xf32>
  %s, %p, %o = call @dispatch(%x, %i)
      : (tensor<3x2xf32>, tensor<3x2xi64>) -> (tensor<6x2xf32>, tensor<6xi64>, tensor<4xi64>)
  %zero = arith.constant 0 : i64
  %init = tensor.empty() : tensor<i64>
  %count0 = linalg.fill ins(%zero : i64) outs(%init : tensor<i64>) -> tensor<i64>
  %bad_s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>],
      iterator_types = ["reduction", "reduction"]}
      ins(%s, %want_s : tensor<6x2xf32>, tensor<6x2xf32>) outs(%count0 : tensor<i64>) {
  ^bb0(%got: f32, %want: f32, %c: i64):
    %same = arith.cmpf oeq, %got, %want : f32
    %one = arith.constant 1 : i64
    %c0 = arith.constant 0 : i64
    %inc = arith.select %same, %c0, %one : i64
    %c1 = arith.addi %c, %inc : i64
    linalg.yield %c1 : i64
  } -> tensor<i64>
  %bad_p = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>],
      iterator_types = ["reduction"]}
      ins(%p, %want_p : tensor<6xi64>, tensor<6xi64>) outs(%bad_s : tensor<i64>) {
  ^bb0(%got: i64, %want: i64, %c: i64):
    %same = arith.cmpi eq, %got, %want : i64
    %one = arith.constant 1 : i64
    %c0 = arith.constant 0 : i64
    %inc = arith.select %same, %c0, %one : i64
    %c1 = arith.addi %c, %inc : i64
    linalg.yield %c1 : i64
  } -> tensor<i64>
  %bad = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>],
      iterator_types = ["reduction"]}
      ins(%o, %want_o : tensor<4xi64>, tensor<4xi64>) outs(%bad_p : tensor<i64>) {
  ^bb0(%got: i64, %want: i64, %c: i64):
    %same = arith.cmpi eq, %got, %want : i64
    %one = arith.constant 1 : i64
    %c0 = arith.constant 0 : i64
    %inc = arith.select %same, %c0, %one : i64
    %c1 = arith.addi %c, %inc : i64
    linalg.yield %c1 : i64
  } -> tensor<i64>
  %n = tensor.extract %bad[] : tensor<i64>
  vector.print str "violations = "
  vector.print %n : i64
  return
}
