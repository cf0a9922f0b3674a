#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer:
# installs what is missing, builds m3sat with -fsanitize=address,undefined in
# ${M3SAT_ASAN_BUILD_DIR:-build-asan} and runs ctest there. Task libraries
# compiled during the tests link the sanitized task runtime.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_ASAN_BUILD_DIR:-$root/build-asan}"

M3SAT_BUILD_DIR="$build" bash "$root/scripts/setup.sh" --packages-only
cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DM3SAT_SANITIZE=ON
cmake --build "$build"
# libMLIR and libLLVM are not instrumented: their leaks are not ours.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
