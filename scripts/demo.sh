#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then the main job on the bundled example: the
# Edge-MoE model (ViT-Tiny, 128x256 input, 16 experts top-2 with task-level
# routing; seeded random weights) is built in PyTorch and exported to ONNX
# by examples/edgemoe/make_model.py, m3sat-compile specializes it to the
# semseg task (its MoE layers become static sets of 2 experts) and builds a
# CPU task library + bundle, and m3sat-run runs it on the sample image,
# printing the output summary and latency, compared with PyTorch's output.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"
work="$build/examples/edgemoe"
python=/usr/bin/python3

bash "$root/scripts/setup.sh"

rm -rf "$work" && mkdir -p "$work"
echo "== export: examples/edgemoe/make_model.py"
"$python" "$root/examples/edgemoe/make_model.py" "$work"

echo "== m3sat-compile --tasks=semseg --target=cpu"
"$build/bin/m3sat-compile" "$work/edgemoe.onnx" --tasks=semseg --target=cpu \
  -o "$work/out" -v --report
ls -l "$work/out"

echo "== m3sat-run"
"$build/bin/m3sat-run" "$work/out" --task=semseg \
  --input image="$work/image.npy" --output-dir "$work/results" --repeat 20
echo -n "vs PyTorch: "
"$python" "$root/examples/mlir/compare.py" "$work/results/semseg.npy" \
  "$work/ref_semseg.npy"
