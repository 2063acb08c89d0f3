#!/usr/bin/env bash
# The test suite under sanitizers, built with clang (needs scripts/install-deps.sh --test):
# - build-asan/: AddressSanitizer + UndefinedBehaviorSanitizer, every test;
# - build-tsan/: ThreadSanitizer, the tests where threads and processes share a catalogue
#   (and import, whose batches overlap)
#   (the timed multi-process soak is left out: TSan slows it below its own targets).
# Any sanitizer report fails its test. cmake/sanitizer-ignorelist.txt and
# cmake/tsan-suppressions.txt say what is exempt, and why (hnswlib only).
set -euo pipefail
cd "$(dirname "$0")/.."
for sanitizers in address,undefined thread; do
  build=build-asan
  [[ $sanitizers == thread ]] && build=build-tsan
  CC=clang-14 CXX=clang++-14 cmake -S . -B $build -DPICDEX_SANITIZE=$sanitizers \
    -DPICDEX_BUILD_BENCH=OFF > /dev/null
  cmake --build $build -j2
done
UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j2 --timeout 900
TSAN_OPTIONS="suppressions=$PWD/cmake/tsan-suppressions.txt detect_deadlocks=0" \
  build-tsan/tests/picdex-tests \
    "[concurrency],[import],a put's stored callback*,a writer killed between*,a writer killed at random*"
