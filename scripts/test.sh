#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then every test: lit + FileCheck regression
# tests and GoogleTest unit tests, through ctest.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
