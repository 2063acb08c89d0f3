#!/usr/bin/env bash
# Trains models/default.pdxm, the learned embedder's built-in model, the way it was made:
# on the Flickr8k train split only (dev for choosing options, test never), with the
# defaults of `picdex train` (README, "The learned embedder"). Deterministic for the seed
# and thread count. Usage: scripts/train-default-model.sh [DATA_DIR] [PICDEX]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-$here/../shared/data/flickr8k}
picdex=${2:-$here/build/cli/picdex}
"$picdex" train "$here/models/default.pdxm" --captions "$data/captions.tsv" \
  --split-file "$data/splits.tsv" --split train --seed 1 --threads 2
echo "now rebuild (cmake --build build) to build the model into the library" >&2
