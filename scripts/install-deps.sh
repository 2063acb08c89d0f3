#!/usr/bin/env bash
# Installs what picdex needs from Debian's packages (run as root): to build it (and its
# Python package: pybind11, Python's headers, numpy); with
# --test also what the tests use (headless Chromium for the results page, clang with its
# sanitizer runtimes for the sanitizer build, clang-format for the formatting check);
# with --clip what the CLIP build needs (libtorch, about 750 MB installed, and
# python3-torch/torchvision for its tests).
#   scripts/install-deps.sh [--test] [--clip]
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libsqlite3-dev libsqlitecpp-dev libhnswlib-dev libboost-program-options-dev catch2
  nlohmann-json3-dev libsimdjson-dev libxxhash-dev libstemmer-dev libutf8proc-dev wordnet-base zlib1g-dev
  libcurl4-openssl-dev
  python3-dev pybind11-dev python3-numpy
)
for option in "$@"; do
  case $option in
    --test) packages+=(chromium python3 python3-pytest clickhouse-server curl clang-14 libclang-rt-14-dev clang-format-14) ;;
    --clip) packages+=(libtorch-dev libjpeg-dev libpng-dev python3-torch python3-torchvision) ;;
    *) echo "usage: $0 [--test] [--clip]" >&2; exit 64 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
