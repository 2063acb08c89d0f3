#!/usr/bin/env bash
# Builds the benchmarks and runs picdex against raw hnswlib on the three data sets of
# README "Performance": synthetic vectors, bigann10k and Flickr8k's captions; then keyword
# and hybrid search against plain SQLite FTS5 on 5,000 and 40,000 captions.
#   scripts/bench.sh [--scale]   (--scale adds the million-vector run and keyword search
#                                 on 400,000 and 1,000,000 captions: ~25 minutes more)
# Data comes from ../shared/data (or $PICDEX_DATA). Output goes to standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${PICDEX_DATA:-../shared/data}
cmake -S . -B build > /dev/null
cmake --build build -j2 --target compare_hnswlib scale_run picdex-cli raw_load_query \
  keyword_speed > /dev/null
run() { echo "\$ $*"; "$@"; echo; }
run build/bench/compare_hnswlib synthetic 100000 512
run build/bench/compare_hnswlib fvecs "$data/bigann10k/base.fvecs" "$data/bigann10k/query.fvecs" \
  "$data/bigann10k/groundtruth.ivecs"
run build/bench/compare_hnswlib captions "$data/flickr8k/captions.tsv"
captions=("$data/flickr8k/captions.tsv" "$data/flickr30k_train/captions.tsv"
  "$data/conceptual_captions_val/captions.tsv")
if [[ ${1:-} == --scale ]]; then
  run build/bench/keyword_speed 5000,40000,400000,1000000 "${captions[@]}"
  run build/bench/scale_run 1000000 128
else
  run build/bench/keyword_speed 5000,40000 "${captions[@]}"
fi
