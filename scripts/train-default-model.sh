#!/usr/bin/env bash
# Trains models/default-v2.pdxm, the built-in model of the learned embedder, and its
# density reference models/default-v2.pdxr (learned-v3), the way they were made: on Flickr8k's train split and flickr30k_train's train split (their dev splits
# chose the options; Flickr8k's test split never did), with the GloVe word vectors that
# scripts/fetch-word-vectors.sh fetches. Deterministic: the same data, options, seed and
# thread count give the same file, byte for byte; --check trains twice to show it.
#
#   scripts/train-default-model.sh [--check] [DATA_DIR] [PICDEX]
#
# models/default-v1.pdxm (0.1.0's default) is never retrained: catalogues name it.
set -euo pipefail
check=false
if [[ ${1:-} == --check ]]; then check=true; shift; fi
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$here/../shared/data}
picdex=${2:-$here/build/cli/picdex}
vectors=$(bash "$here/scripts/fetch-word-vectors.sh" "$(dirname "$picdex")/../lib/convert_word_vectors")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# image<TAB>caption lines of each collection's train split, images named by collection.
train_split() {  # NAME DIR
  awk -F'\t' -v name="$1" 'FNR == NR { if ($2 == "train") keep[$1] = 1; next }
    ($1 in keep) { print name "/" $1 "\t" $3 }' "$2/splits.tsv" "$2/captions.tsv"
}
{ train_split flickr8k "$data/flickr8k"; train_split flickr30k "$data/flickr30k_train"; } \
  > "$work/train.tsv"

train() {  # OUT
  # Every option spelled out, so that later changes of the defaults cannot change it.
  "$picdex" train "$1" --captions "$work/train.tsv" --word-vectors "$vectors" \
    --word-vocabulary 150000 --word-weight 3 --word-dropout 0 --dims 256 --epochs 20 \
    --learning-rate 0.003 --schedule cosine --temperature 0.07 --batch 256 --hard-batches 1 \
    --min-count 3 --buckets 4096 --features stems,bigrams,trigrams,concepts \
    --density-sample 2000 --density-k 10 --density-weight 0.25 --seed 1 --threads 2
}
train "$here/models/default-v2.pdxm"
if $check; then
  train "$work/again.pdxm"
  cmp "$here/models/default-v2.pdxm" "$work/again.pdxm"
  cmp "$here/models/default-v2.pdxr" "$work/again.pdxr"
  echo "trained twice: the same bytes ($(sha256sum < "$work/again.pdxm" | cut -c1-16)...," \
    "$(sha256sum < "$work/again.pdxr" | cut -c1-16)...)" >&2
fi
echo "now rebuild (cmake --build build) to build the model into the library" >&2
