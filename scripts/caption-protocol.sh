#!/usr/bin/env bash
# Builds the caption-retrieval protocol of ../shared/data/README.md from a captions file
# (image_id<TAB>caption_index<TAB>caption):
#   OUT/catalogue.tsv  caption #0 of each image, for `picdex import`
#   OUT/queries.tsv    expected_uri<TAB>query, every other caption with >= 3 words, for `picdex eval`
# Usage: caption-protocol.sh CAPTIONS OUT [SPLITS SPLIT]   (e.g. splits.tsv dev)
set -euo pipefail
if [[ $# -ne 2 && $# -ne 4 ]]; then
  echo "usage: $0 CAPTIONS OUT [SPLITS SPLIT]" >&2
  exit 64
fi
captions=$1 out=$2 splits=${3:-} split=${4:-}
mkdir -p "$out"
awk -F'\t' -v splits="$splits" -v wanted="$split" -v out="$out" '
  BEGIN {
    if (splits != "")
      while ((getline line < splits) > 0) { n = split(line, f, "\t"); if (f[2] == wanted) keep[f[1]] = 1 }
  }
  NF < 3 { printf "%s:%d: expected image_id<TAB>caption_index<TAB>caption\n", FILENAME, FNR > "/dev/stderr"; exit 65 }
  splits != "" && !($1 in keep) { next }
  $2 == 0 { print $1 "\t" $3 > (out "/catalogue.tsv"); next }
  { words = 0; n = split($3, t, /[^[:alnum:]]+/); for (i = 1; i <= n; i++) if (t[i] != "") words++
    if (words >= 3) print $1 "\t" $3 > (out "/queries.tsv") }
' "$captions"
echo "$out/catalogue.tsv: $(wc -l < "$out/catalogue.tsv") images; $out/queries.tsv: $(wc -l < "$out/queries.tsv") queries" >&2
