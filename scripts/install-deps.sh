#!/usr/bin/env bash
# Installs what picdex needs from Debian's packages (run as root): to build it, and with
# --test also what the tests use (headless Chromium for the results page, clang with its
# sanitizer runtimes for the sanitizer build).
#   scripts/install-deps.sh [--test]
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libsqlite3-dev libsqlitecpp-dev libhnswlib-dev libboost-program-options-dev catch2
  nlohmann-json3-dev libxxhash-dev libstemmer-dev libutf8proc-dev wordnet-base zlib1g-dev
)
if [[ ${1:-} == --test ]]; then
  packages+=(chromium python3 clang-14 libclang-rt-14-dev)
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--test]" >&2
  exit 64
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
