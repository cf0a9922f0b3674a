#!/usr/bin/env bash
# Installs the peers and oracles that tests and benchmarks compare m3sat
# against, from PyPI, into the `python3` first on PATH (not Debian's
# /usr/bin/python3, which keeps torch 1.13 for the examples' exports):
# ONNX Runtime (CPU), OpenVINO, a current onnx (its wheel carries the node
# tests of the newer opsets) and onnxscript. Never a dependency of the
# compiler or of a task binary.
#
#   bash scripts/setup-peers.sh            # install what is missing
#   bash scripts/setup-peers.sh --check    # exit 1 (one line) if any is missing
#
# Prints the interpreter it used; M3SAT_PEER_PYTHON overrides it.
set -euo pipefail

py="${M3SAT_PEER_PYTHON:-$(command -v python3)}"
# name==version for pip, and the module each provides.
peers=(
  "onnxruntime==1.31.1:onnxruntime"
  "onnx==1.23.2:onnx"
  "onnxscript==0.7.2:onnxscript"
  "openvino==2026.4.1:openvino"
)

missing=()
for p in "${peers[@]}"; do
  spec="${p%%:*}" mod="${p##*:}"
  "$py" -c "import $mod" 2>/dev/null || missing+=("$spec")
done

if [[ "${1:-}" == "--check" ]]; then
  if ((${#missing[@]})); then
    echo "m3sat: peers missing for $py: ${missing[*]} (run scripts/setup-peers.sh)" >&2
    exit 1
  fi
  exit 0
fi

if ((${#missing[@]})); then
  echo "m3sat: installing peers into $py: ${missing[*]}"
  "$py" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
echo "m3sat: peers ready in $py"
