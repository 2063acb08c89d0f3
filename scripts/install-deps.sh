#!/usr/bin/env bash
# Installs what picdex needs to build and test, from Debian's packages (run as root).
set -euo pipefail
packages=(
  cmake g++ make pkg-config
  libsqlite3-dev libsqlitecpp-dev libhnswlib-dev libboost-program-options-dev catch2
  nlohmann-json3-dev libxxhash-dev libstemmer-dev libutf8proc-dev wordnet-base
  chromium python3  # the results-page test renders the page headless
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
