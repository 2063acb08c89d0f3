#!/usr/bin/env bash
# Builds picdex with clang under AddressSanitizer and UndefinedBehaviorSanitizer (in
# build-asan/) and runs the whole test suite there; any report fails its test.
# Needs `scripts/install-deps.sh --test`.
set -euo pipefail
cd "$(dirname "$0")/.."
CC=clang-14 CXX=clang++-14 cmake -S . -B build-asan \
  -DPICDEX_SANITIZE=address,undefined -DPICDEX_BUILD_BENCH=OFF > /dev/null
cmake --build build-asan -j2
UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j2 --timeout 900
