#!/usr/bin/env bash
# Builds m3sat's libFuzzer targets with Debian's clang (ASan + UBSan) and
# runs each for SECONDS (default 600), seeded from the example outputs.
# A crashing input is copied into test/Fuzz/regressions/<target>/, which
# ctest replays in every build.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]     TARGET: npy bundle
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${M3SAT_BUILD_DIR:-$root/build}"
seconds="${1:-600}"
shift || true
targets=("$@")
((${#targets[@]})) || targets=(npy bundle)

command -v clang++ >/dev/null || apt-get install -y -qq clang >/dev/null
bash "$root/scripts/demo.sh" >/dev/null  # builds, and makes seed inputs

out="$build/fuzz"
mkdir -p "$out"
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I"$root/include" -I"$build/include"
       -DFLATBUFFERS_MAX_ALIGNMENT=64)
declare -A sources=(
  [npy]="$root/test/Fuzz/FuzzNpy.cpp $root/lib/Support/Npy.cpp"
  [bundle]="$root/test/Fuzz/FuzzBundle.cpp $root/lib/Runtime/BundleReader.cpp"
)
declare -A seeds=(
  [npy]="$build/examples/moe_two_tasks"
  [bundle]="$build/examples/moe_two_tasks/out"
)

for target in "${targets[@]}"; do
  [[ -n "${sources[$target]:-}" ]] || { echo "unknown target $target"; exit 1; }
  binary="$out/fuzz-$target"
  # shellcheck disable=SC2086
  clang++ "${flags[@]}" ${sources[$target]} -o "$binary"
  corpus="$out/corpus-$target"
  crashes="$out/crashes-$target"
  mkdir -p "$corpus" "$crashes"
  find "${seeds[$target]}" -maxdepth 1 -type f \( -name '*.npy' -o -name '*.m3b' \) \
    -exec cp {} "$corpus/" \;
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
