// m3sat.dispatch on 40 tokens, top-2 of 5 experts: 80 slots, three
// chunks of the row-gather form's counting sort (32 slots each), in both
// forms of the lowering. The expected permutation (a stable sort of the
// slots by expert), offsets and rows come from NumPy
// (np.argsort(experts, kind="stable")); every element is compared.
// RUN: m3sat-opt %s -m3sat-cpu-pipeline \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// RUN: m3sat-opt %s -m3sat-cpu-pipeline=moe-lowering=row-gather \
// RUN:   | mlir-runner -e main -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// CHECK: violations = 0

func.func @dispatch(%x: tensor<40x2xf32>, %i: tensor<40x2xi64>)
    -> (tensor<80x2xf32>, tensor<80xi64>, tensor<6xi64>) {
  %s, %p, %o = m3sat.dispatch %x, %i num_experts = 5
      : tensor<40x2xf32>, tensor<40x2xi64> -> tensor<80x2xf32>, tensor<80xi64>, tensor<6xi64>
  return %s, %p, %o : tensor<80x2xf32>, tensor<80xi64>, tensor<6xi64>
}

func.func @main() {
  // Token t is [t, -t]; its experts are (7t + 3) mod 5 and (3t + 1) mod 5
  // (the next expert when they are equal).
  %x = arith.constant dense<[[0.0, 0.0], [1.0, -1.0], [2.0, -2.0], [3.0, -3.0], [4.0, -4.0], [5.0, -5.0],
                                  [6.0, -6.0], [7.0, -7.0], [8.0, -8.0], [9.0, -9.0], [10.0, -10.0], [11.0, -11.0],
                                  [12.0, -12.0], [13.0, -13.0], [14.0, -14.0], [15.0, -15.0], [16.0, -16.0],
                                  [17.0, -17.0], [18.0, -18.0], [19.0, -19.0], [20.0, -20.0], [21.0, -21.0],
                                  [22.0, -22.0], [23.0, -23.0], [24.0, -24.0], [25.0, -25.0], [26.0, -26.0],
                                  [27.0, -27.0], [28.0, -28.0], [29.0, -29.0], [30.0, -30.0], [31.0, -31.0],
                                  [32.0, -32.0], [33.0, -33.0], [34.0, -34.0], [35.0, -35.0], [36.0, -36.0],
                                  [37.0, -37.0], [38.0, -38.0], [39.0, -39.0]]> : tensor<40x2xf32>
  %i = arith.constant dense<[[3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3],
       [3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3],
       [3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3],
       [3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3],
       [3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3],
       [3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3],
       [3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3],
       [3, 1],
       [0, 4],
       [2, 3],
       [4, 0],
       [1, 3]]> : tensor<40x2xi64>
  %want_p = arith.constant dense<[ 2,  7, 12, 17, 22, 27, 32, 37, 42, 47, 52, 57, 62, 67, 72, 77,  1,  8, 11, 18, 21, 28, 31, 38, 41,
       48, 51, 58, 61, 68, 71, 78,  4, 14, 24, 34, 44, 54, 64, 74,  0,  5,  9, 10, 15, 19, 20, 25, 29, 30,
       35, 39, 40, 45, 49, 50, 55, 59, 60, 65, 69, 70, 75, 79,  3,  6, 13, 16, 23, 26, 33, 36, 43, 46, 53,
       56, 63, 66, 73, 76]> : tensor<80xi64>
  %want_o = arith.constant dense<[ 0, 16, 32, 40, 64, 80]> : tensor<6xi64>
  %want_s = arith.constant dense<[[1.0, -1.0], [3.0, -3.0], [6.0, -6.0], [8.0, -8.0], [11.0, -11.0], [13.0, -13.0],
                                  [16.0, -16.0], [18.0, -18.0], [21.0, -21.0], [23.0, -23.0], [26.0, -26.0],
                                  [28.0, -28.0], [31.0, -31.0], [33.0, -33.0], [36.0, -36.0], [38.0, -38.0],
                                  [0.0, 0.0], [4.0, -4.0], [5.0, -5.0], [9.0, -9.0], [10.0, -10.0], [14.0, -14.0],
                                  [15.0, -15.0], [19.0, -19.0], [20.0, -20.0], [24.0, -24.0], [25.0, -25.0],
                                  [29.0, -29.0], [30.0, -30.0], [34.0, -34.0], [35.0, -35.0], [39.0, -39.0],
                                  [2.0, -2.0], [7.0, -7.0], [12.0, -12.0], [17.0, -17.0], [22.0, -22.0],
                                  [27.0, -27.0], [32.0, -32.0], [37.0, -37.0], [0.0, 0.0], [2.0, -2.0], [4.0, -4.0],
                                  [5.0, -5.0], [7.0, -7.0], [9.0, -9.0], [10.0, -10.0], [12.0, -12.0], [14.0, -14.0],
                                  [15.0, -15.0], [17.0, -17.0], [19.0, -19.0], [20.0, -20.0], [22.0, -22.0],
                                  [24.0, -24.0], [25.0, -25.0], [27.0, -27.0], [29.0, -29.0], [30.0, -30.0],
                                  [32.0, -32.0], [34.0, -34.0], [35.0, -35.0], [37.0, -37.0], [39.0, -39.0],
                                  [1.0, -1.0], [3.0, -3.0], [6.0, -6.0], [8.0, -8.0], [11.0, -11.0], [13.0, -13.0],
                                  [16.0, -16.0], [18.0, -18.0], [21.0, -21.0], [23.0, -23.0], [26.0, -26.0],
                                  [28.0, -28.0], [31.0, -31.0], [33.0, -33.0], [36.0, -36.0], [38.0, -38.0]
                                  ]> : tensor<80x2xf32>
  %s, %p, %o = call @dispatch(%x, %i)
      : (tensor<40x2xf32>, tensor<40x2xi64>) -> (tensor<80x2xf32>, tensor<80xi64>, tensor<6xi64>)
  %zero = arith.constant 0 : i64
  %init = tensor.empty() : tensor<i64>
  %count0 = linalg.fill ins(%zero : i64) outs(%init : tensor<i64>) -> tensor<i64>
  %bad_s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>],
      iterator_types = ["reduction", "reduction"]}
      ins(%s, %want_s : tensor<80x2xf32>, tensor<80x2xf32>) outs(%count0 : tensor<i64>) {
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
      ins(%p, %want_p : tensor<80xi64>, tensor<80xi64>) outs(%bad_s : tensor<i64>) {
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
      ins(%o, %want_o : tensor<6xi64>, tensor<6xi64>) outs(%bad_p : tensor<i64>) {
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
