#!/usr/bin/env bash
# The GPU check (scripts/gpu_check.py says what each step does).
#
#   bash scripts/gpu-check.sh            # here, no GPU needed: set-up and
#                                        # build, pack the examples' GPU task
#                                        # libraries into build/gpu-check,
#                                        # then the dry mode checks them
#   bash scripts/gpu-check.sh --device   # on the GPU machine, over a copy of
#                                        # the tree that carries build/gpu-check
#
# From a session with a GPU lent, after the first form has run here:
#   run(command="bash scripts/gpu-check.sh --device", carry=["build/gpu-check"],
#       timeout_s=480)
# It writes $OUT/gpu-check.json when $OUT is set.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"
pkg="$build/gpu-check"

if [[ "${1:-}" == "--device" ]]; then
  # The GPU machine: its python3 has torch (CUDA) and numpy; no LLVM.
  exec python3 "$root/scripts/gpu_check.py" device "$pkg" "$root" \
    --budget-s "${M3SAT_GPU_CHECK_BUDGET_S:-360}" \
    ${OUT:+--json "$OUT/gpu-check.json"}
fi

bash "$root/scripts/setup.sh"
# Debian's Python: torch 1.13 for the examples' exports.
/usr/bin/python3 "$root/scripts/gpu_check.py" pack "$build/bin" "$pkg" "$root"
# One OpenMP thread: the dry mode checks that the flow runs, not speed.
OMP_NUM_THREADS=1 /usr/bin/python3 "$root/scripts/gpu_check.py" check "$pkg" "$root"
