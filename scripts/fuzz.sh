#!/usr/bin/env bash
# Builds m3sat's libFuzzer targets with Debian's clang (ASan + UBSan) and
# runs each for SECONDS (default 600), seeded from the example outputs.
# A crashing input is copied into test/Fuzz/regressions/<target>/, which
# ctest replays in every build.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     TARGET: npy bundle onnx
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"
seconds="${1:-600}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(npy bundle onnx)

command -v clang++ >/dev/null || apt-get install -y -qq clang >/dev/null
bash "$root/scripts/demo.sh" >/dev/null  # builds, and makes seed inputs

out="$build/fuzz"
mkdir -p "$out"
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I"$root/include" -I"$build/include"
       -DFLATBUFFERS_MAX_ALIGNMENT=64)
# The importer target instruments the importer's own sources and links the
# rest (the m3sat dialect, MLIR, protobuf) from the regular build.
llvm_prefix="$(llvm-config-22 --prefix 2>/dev/null || echo /usr/lib/llvm-22)"
onnx_flags=(-DONNX_ML=1 -DONNX_NAMESPACE=onnx -I"$root/dialects"
            -I"$build/dialects" -I"$llvm_prefix/include" -I"$root/lib/Import/ONNX")
onnx_libs=("$build/lib/libM3SATDialect.a"
           "$build/lib/Support/libM3SATSupport.a" -L"$llvm_prefix/lib" -lMLIR -lLLVM
           -Wl,-rpath,"$llvm_prefix/lib" -lonnx_proto -lprotobuf)
declare -A sources=(
  [npy]="$root/test/Fuzz/FuzzNpy.cpp $root/lib/Support/Npy.cpp"
  [bundle]="$root/test/Fuzz/FuzzBundle.cpp $root/lib/Runtime/BundleReader.cpp"
  [onnx]="$root/test/Fuzz/FuzzONNX.cpp $(ls "$root"/lib/Import/ONNX/*.cpp | tr '\n' ' ')"
)
declare -A seeds=(
  [npy]="$build/examples/moe_two_tasks"
  [bundle]="$build/examples/moe_two_tasks/out"
  [onnx]="$build/examples/moe_two_tasks"
)

for target in "${targets[@]}"; do
  [[ -n "${sources[$target]:-}" ]] || { echo "unknown target $target"; exit 1; }
  binary="$out/fuzz-$target"
  extra=() libs=()
  if [[ "$target" == onnx ]]; then extra=("${onnx_flags[@]}") libs=("${onnx_libs[@]}"); fi
  # shellcheck disable=SC2086
  clang++ "${flags[@]}" "${extra[@]}" ${sources[$target]} "${libs[@]}" -o "$binary"
  corpus="$out/corpus-$target"
  crashes="$out/crashes-$target"
  mkdir -p "$corpus" "$crashes"
  find "${seeds[$target]}" -maxdepth 1 -type f \( -name '*.npy' -o -name '*.m3b' \
    -o -name '*.onnx' \) -size -1M -exec cp {} "$corpus/" \; 2>/dev/null || true
  if [[ "$target" == onnx ]]; then
    # Every op family: the ONNX node tests' small models.
    for m in /usr/include/onnx/backend/test/data/node/*/model.onnx; do
      cp "$m" "$corpus/$(basename "$(dirname "$m")").onnx"
    done
  fi
  cp "$root/test/Fuzz/regressions/$target/"* "$corpus/" 2>/dev/null || true
  echo "== fuzzing $target for ${seconds}s"
  status=0
  "$binary" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$crashes/" -print_final_stats=1 "$corpus" \
    2>&1 | tee "$out/fuzz-$target.log" | grep -E "^(#[0-9]+ +DONE|stat::|==[0-9]+==ERROR|SUMMARY)" || status=$?
  for crash in "$crashes"/*; do
    [[ -e "$crash" ]] || continue
    cp "$crash" "$root/test/Fuzz/regressions/$target/"
    echo "crash saved: test/Fuzz/regressions/$target/$(basename "$crash")"
  done
done
