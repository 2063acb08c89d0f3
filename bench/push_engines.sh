#!/usr/bin/env bash
# picdex push and search --on on this machine: a catalogue of the first N Flickr30k
# captions (images with all their captions), pushed to ClickHouse with 1 shard and then 2
# (scripts/clickhouse-shards.sh), then to Chroma (scripts/chroma-server.sh); each time the
# push rate, and engine_search's latency and recall against the local graph on 50 Flickr8k
# captions as queries (one round).
#   bench/push_engines.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000} data=${PICDEX_DATA:-../shared/data}
cmake --build build -j2 --target picdex-cli engine_search > /dev/null
work=$(mktemp -d)
trap 'for d in "$work"/shards*; do bash scripts/clickhouse-shards.sh stop "$d"; done
  bash scripts/chroma-server.sh stop "$work/chroma"; rm -rf "$work"' EXIT
head -n "$n" "$data/flickr30k_train/captions.tsv" | cut -f1,3 > "$work/captions.tsv"
awk -F'\t' '$2 == 1 && n++ < 50 { print $3 }' "$data/flickr8k/captions.tsv" > "$work/queries.txt"
build/cli/picdex init "$work/c.pdx" 2> /dev/null
build/cli/picdex import "$work/c.pdx" "$work/captions.tsv" 2>&1 | tail -n 1
measure() {  # NAME URL
  echo "== $1: $2"
  start=$(date +%s.%N)
  build/cli/picdex push "$work/c.pdx" "$2" 2>&1 | tail -n 1
  end=$(date +%s.%N)
  awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "push: %.0f captions/s\n", n / (e - s) }'
  build/bench/engine_search "$work/c.pdx" "$2" "$work/queries.txt" 1
}
for shards in 1 2; do
  url=$(bash scripts/clickhouse-shards.sh start "$work/shards$shards" "$shards" $((18300 + 10 * shards)))
  measure "ClickHouse, $shards shard(s)" "$url"
  bash scripts/clickhouse-shards.sh stop "$work/shards$shards"
done
url=$(bash scripts/chroma-server.sh start "$work/chroma" 18390)
measure "Chroma" "$url/bench"
