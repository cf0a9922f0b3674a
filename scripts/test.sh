#!/usr/bin/env bash
# Set-up (scripts/setup.sh), then every test: lit + FileCheck regression
# tests and GoogleTest unit tests, through ctest. The PyPI peers that the
# differential tests use are installed first (scripts/setup-peers.sh).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"

bash "$root/scripts/setup.sh"
# The peers and oracles of the differential tests (ONNX Runtime, OpenVINO,
# a current onnx), from PyPI into the python3 first on PATH.
bash "$root/scripts/setup-peers.sh"
cd "$build"
ctest --output-on-failure -j"$(nproc)"
