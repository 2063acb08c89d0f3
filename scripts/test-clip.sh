#!/usr/bin/env bash
# Builds picdex with the CLIP embedder (libtorch; scripts/install-deps.sh --clip installs
# it) in build-clip/ and runs the CLIP tests: tiny models and images generated with
# python3-torch, compared with Python's outputs. Needs ../shared/data/clip (the tokenizer's
# merges) beside the checkout.
#   scripts/test-clip.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-clip -DCMAKE_BUILD_TYPE=Release -DPICDEX_WITH_CLIP=ON -DPICDEX_BUILD_BENCH=OFF
cmake --build build-clip -j2 --target picdex-cli picdex-clip-tests
ctest --test-dir build-clip -L clip --output-on-failure
