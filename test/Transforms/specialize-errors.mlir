// RUN: m3sat-opt %s -split-input-file -m3sat-specialize="tasks=nope" -verify-diagnostics

// expected-error @+1 {{unknown task 'nope' (tasks: depth, semseg)}}
module attributes {m3sat.metadata = "{\22tasks\22: {\22semseg\22: {\22index\22: 0, \22outputs\22: [\22semseg\22]}, \22depth\22: {\22index\22: 1, \22outputs\22: [\22depth\22]}}, \22modalities\22: {\22rgb\22: [\22image\22], \22lidar\22: [\22points\22]}}"} {
  func.func @main(%image: tensor<3xf32> {m3sat.name = "image"}, %points: tensor<3xf32> {m3sat.name = "points"})
      -> (tensor<3xf32> {m3sat.name = "semseg"}, tensor<3xf32> {m3sat.name = "depth"}) {
    %s = arith.addf %image, %points : tensor<3xf32>
    return %s, %image : tensor<3xf32>, tensor<3xf32>
  }
}

// -----

// expected-error @+1 {{m3sat metadata: field 'tasks.depth.outputs' names output 'normals' that the graph does not have}}
module attributes {m3sat.metadata = "{\22tasks\22: {\22depth\22: {\22index\22: 1, \22outputs\22: [\22normals\22]}}}"} {
  func.func @main(%x: tensor<3xf32> {m3sat.name = "x"}) -> (tensor<3xf32> {m3sat.name = "depth"}) {
    return %x : tensor<3xf32>
  }
}

// -----

// expected-error @+1 {{m3sat metadata is not valid JSON}}
module attributes {m3sat.metadata = "{\22tasks\22: "} {
  func.func @main(%x: tensor<3xf32> {m3sat.name = "x"}) -> (tensor<3xf32> {m3sat.name = "depth"}) {
    return %x : tensor<3xf32>
  }
}

// -----

// expected-error @+1 {{m3sat-specialize: the module has no @main to specialize}}
module {
}
