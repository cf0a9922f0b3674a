// RUN: m3sat-opt %s -split-input-file -m3sat-specialize="tasks=semseg modalities=rgb" -verify-diagnostics
// RUN: m3sat-opt %s -split-input-file -m3sat-specialize="tasks=depth modalities=rgb" | FileCheck %s

// semseg fuses both modalities: without lidar it cannot run. depth needs
// only the camera.
// CHECK-LABEL: func @task_depth
// CHECK-SAME: (%{{.*}}: tensor<3xf32> {m3sat.name = "image"}) ->
module attributes {m3sat.metadata = "{\22tasks\22: {\22semseg\22: {\22index\22: 0, \22outputs\22: [\22semseg\22]}, \22depth\22: {\22index\22: 1, \22outputs\22: [\22depth\22]}}, \22modalities\22: {\22rgb\22: [\22image\22], \22lidar\22: [\22points\22]}}"} {
  // expected-error @+1 {{task 'semseg' needs input 'points' of a modality that was not selected}}
  func.func @main(%image: tensor<3xf32> {m3sat.name = "image"}, %points: tensor<3xf32> {m3sat.name = "points"})
      -> (tensor<3xf32> {m3sat.name = "semseg"}, tensor<3xf32> {m3sat.name = "depth"}) {
    %s = arith.addf %image, %points : tensor<3xf32>
    return %s, %image : tensor<3xf32>, tensor<3xf32>
  }
}
