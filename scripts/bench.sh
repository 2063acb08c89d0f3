#!/usr/bin/env bash
# Builds the benchmarks and runs picdex against raw hnswlib on the three data sets of
# README "Performance": synthetic vectors, bigann10k and Flickr8k's captions; int8 graphs
# against raw hnswlib (and the recall/QPS figures); then keyword and hybrid search against
# plain SQLite FTS5 on 5,000 and 40,000 captions; the scale table at 10,000 and 100,000
# captions; then what stats, get and a text search cost as fresh processes on 5,000 and
# 100,000 captions.
#   scripts/bench.sh [--scale]   (--scale adds the million-vector run, keyword search on
#                                 400,000 and 1,000,000 captions and the scale table's
#                                 million: ~40 minutes more)
# Data comes from ../shared/data (or $PICDEX_DATA). Output goes to standard output.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${PICDEX_DATA:-../shared/data}
cmake -S . -B build > /dev/null
cmake --build build -j2 --target compare_hnswlib scale_run picdex-cli raw_load_query \
  keyword_speed start_up int8_graph scale_table > /dev/null
run() { echo "\$ $*"; "$@"; echo; }
run build/bench/compare_hnswlib synthetic 100000 512
run build/bench/compare_hnswlib fvecs "$data/bigann10k/base.fvecs" "$data/bigann10k/query.fvecs" \
  "$data/bigann10k/groundtruth.ivecs"
run build/bench/compare_hnswlib captions "$data/flickr8k/captions.tsv"
# int8 graphs against raw hnswlib, and the recall/QPS figures (gnuplot, if installed:
# Debian's gnuplot-nox) in bench/figures/.
run build/bench/int8_graph synthetic 100000 512 --plot build/recall-qps-100k-512.tsv
run build/bench/int8_graph captions "$data/flickr8k/captions.tsv" \
  --plot build/recall-qps-flickr8k.tsv
if command -v gnuplot > /dev/null; then
  gnuplot -e "points='build/recall-qps-100k-512.tsv'; out='bench/figures/recall-qps-100k-512.svg'; title='100,000 x 512 synthetic vectors: M 32, ef 16 to 256, k 10, one thread'" \
    bench/recall_qps.gp
  gnuplot -e "points='build/recall-qps-flickr8k.tsv'; out='bench/figures/recall-qps-flickr8k.svg'; title='Flickr8k captions (8,092 x 256, learned embedder): M 32, ef 16 to 256, k 10, one thread'" \
    bench/recall_qps.gp
fi
captions=("$data/flickr8k/captions.tsv" "$data/flickr30k_train/captions.tsv"
  "$data/conceptual_captions_val/captions.tsv")
if [[ ${1:-} == --scale ]]; then
  run build/bench/keyword_speed 5000,40000,400000,1000000 "${captions[@]}"
  run build/bench/scale_run 1000000 128
  run build/bench/scale_table 10000,100000,1000000 "${captions[@]}"
else
  run build/bench/keyword_speed 5000,40000 "${captions[@]}"
  run build/bench/scale_table 10000,100000 "${captions[@]}"
fi

# Start-up: catalogues of the first N Flickr30k captions (learned embedder), each image
# named IMAGE#INDEX.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 5000 100000; do
  head -n "$n" "$data/flickr30k_train/captions.tsv" | awk -F'\t' '{ print $1 "#" $2 "\t" $3 }' \
    > "$work/$n.tsv"
  build/cli/picdex init "$work/$n.pdx" > /dev/null 2>&1
  build/cli/picdex import "$work/$n.pdx" "$work/$n.tsv" > /dev/null 2>&1
  run build/bench/start_up "$work/$n.pdx" "$(head -n 1 "$work/$n.tsv" | cut -f1)" \
    "a dog running in the snow"
done
