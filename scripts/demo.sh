#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then the main job on the bundled example: an
# Edge-MoE-style block with a task-routed MoE FFN and a token-routed one,
# round-tripped through m3sat-opt, its task-level routing folded to a static
# expert set, and its token-routed layer rewritten to expert-major form.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"
opt="$build/bin/m3sat-opt"
example="$root/examples/mlir/edgemoe_block.mlir"

bash "$root/scripts/setup.sh"

echo "== round trip: m3sat-opt $example | m3sat-opt"
"$opt" "$example" | "$opt" >/dev/null && echo "ok: parses, verifies and prints back"

echo "== specialized: -canonicalize (constant task routing -> static expert set)"
"$opt" "$example" -canonicalize | grep -E "m3sat\.moe_ffn" | sed 's/ : (.*//'

echo "== expert-major: -canonicalize -m3sat-expert-major"
"$opt" "$example" -canonicalize -m3sat-expert-major \
  | grep -E "m3sat\.(route|dispatch|grouped_matmul|combine|moe_ffn)" | sed 's/ : .*//'
