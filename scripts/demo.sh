#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then the main job on the bundled example: a
# two-task MoE model (one token-routed MoE layer, one task-routed) is
# generated with seeded weights, compiled by m3sat-compile into a CPU task
# library + bundle, and each task is run by m3sat-run on the sample input,
# printing its outputs and latency and comparing them with NumPy.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"
work="$build/examples/moe_two_tasks"
python=/usr/bin/python3

bash "$root/scripts/setup.sh"

rm -rf "$work" && mkdir -p "$work"
"$python" "$root/examples/mlir/make_moe_model.py" "$work"

echo "== m3sat-compile (both tasks into one OUT_DIR)"
"$build/bin/m3sat-compile" "$work/model.mlir" --tasks=routed,static \
  --target=cpu -o "$work/out" -v
ls -l "$work/out"

for task in routed static; do
  echo "== m3sat-run --task=$task"
  "$build/bin/m3sat-run" "$work/out" --task="$task" --input x="$work/x.npy" \
    --output-dir "$work/results" --repeat 100
  echo -n "vs NumPy reference: "
  "$python" "$root/examples/mlir/compare.py" "$work/results/y_$task.npy" \
    "$work/ref_$task.npy"
done
