#!/usr/bin/env bash
# Installs the Debian packages m3sat needs (when missing), then configures and
# builds it with CMake + Ninja (+ ccache) in ${M3SAT_BUILD_DIR:-build}
# (with --packages-only: installs packages and stops).
# Run as root on a fresh Debian machine; later runs only rebuild.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"

packages=(
  cmake ninja-build ccache g++
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools libomp-22-dev
  libgtest-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  flatbuffers-compiler libflatbuffers-dev zlib1g-dev libzstd-dev
  python3-onnx python3-numpy python3-torch libonnx-testdata
  libopenblas0-pthread libdnnl2
  librsvg2-bin
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "m3sat: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --packages-only: install packages and stop; the caller configures.
[[ "${1:-}" == "--packages-only" ]] && exit 0

if [[ ! -f "$build/build.ninja" ]]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build"
