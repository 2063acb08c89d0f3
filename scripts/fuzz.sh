#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang under ASan+UBSan (in build-fuzz/)
# and runs each for SECONDS (default 30), starting from tests/fuzz/corpus/TARGET. Prints
# executions and crashes per target; a crash leaves its input in build-fuzz/crashes/ and
# fails the run. For a longer hunt: scripts/fuzz.sh 3600 (or one target by hand:
# build-fuzz/tests/fuzz/fuzz_records -max_total_time=3600 DIR tests/fuzz/corpus/records).
#   scripts/fuzz.sh [SECONDS]   (needs scripts/install-deps.sh --test)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -DPICDEX_FUZZ=ON \
  -DPICDEX_SANITIZE=address,undefined -DPICDEX_BUILD_TESTS=OFF -DPICDEX_BUILD_BENCH=OFF > /dev/null
cmake --build build-fuzz -j2 --target fuzz_records fuzz_where fuzz_text fuzz_model fuzz_snapshot \
  > /dev/null
mkdir -p build-fuzz/crashes
failed=0
for target in records where text model snapshot; do
  found=$(mktemp -d)  # new inputs stay out of the repository's seed corpus
  log=build-fuzz/fuzz_$target.log
  if build-fuzz/tests/fuzz/fuzz_$target -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix=build-fuzz/crashes/$target- "$found" "tests/fuzz/corpus/$target" \
      > "$log" 2>&1; then
    crashes=0
  else
    crashes=1 failed=1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  echo "$target: $execs execs in ${seconds}s, $crashes crashes"
  ((crashes == 0)) || tail -n 30 "$log" >&2
  rm -rf "$found"
done
exit $failed
