#!/usr/bin/env bash
# Runs the examples `picdex COMMAND --help` shows, for every command `picdex --help` lists,
# in that order, in a scratch folder holding the sample's captions.tsv and a queries.tsv
# (each sample caption as a query for its image), with the built binary as `picdex`. Each
# must exit 0, and no help may show Boost's raw layout ("arg (=10)", "-k [ --k ]"). push's example needs ClickHouse on 127.0.0.1:8123: started here
# (scripts/clickhouse-shards.sh); without clickhouse-server, or with the port taken, that
# one example is skipped and the test reports skipped (77).
#   help_examples_test.sh PICDEX_BINARY SOURCE_DIR
set -euo pipefail
picdex=$(realpath "$1") source_dir=$(realpath "$2")
work=$(mktemp -d)
cleanup() {
  [ -d "$work/clickhouse" ] && bash "$source_dir/scripts/clickhouse-shards.sh" stop "$work/clickhouse" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/bin" "$work/run"
ln -s "$picdex" "$work/bin/picdex"
export PATH="$work/bin:$PATH"
cd "$work/run"
cp "$source_dir/sample/captions.tsv" captions.tsv
cut -f1,2 captions.tsv > queries.tsv

skipped=""
commands=$(picdex --help | awk '/^commands:/ { listed = 1; next } listed && /^  [a-z]/ { print $1 } listed && /^$/ { exit }')
[ -n "$commands" ] || { echo "FAIL: picdex --help lists no commands"; exit 1; }
for command in $commands; do
  help=$(picdex "$command" --help)
  if grep -q -e 'arg (=' -e '\[ --' <<<"$help"; then
    echo "FAIL: picdex $command --help shows Boost's raw layout"
    exit 1
  fi
  examples=$(awk '/^examples:$/ { shown = 1; next } shown && /^  / { sub(/^  /, ""); print }' <<<"$help")
  if [ -z "$examples" ]; then
    echo "FAIL: picdex $command --help shows no example"
    exit 1
  fi
  while IFS= read -r example; do
    if [ "$command" = push ]; then
      if ! command -v clickhouse-server >/dev/null || curl -s -o /dev/null http://127.0.0.1:8123/ 2>/dev/null ||
        ! bash "$source_dir/scripts/clickhouse-shards.sh" start "$work/clickhouse" 1 8122 >/dev/null 2>&1; then
        echo "skipped: $example (no ClickHouse could be started on 127.0.0.1:8123)"
        skipped=yes
        continue
      fi
    fi
    if ! bash -o pipefail -c "$example" >out.txt 2>err.txt; then
      echo "FAIL: $example"
      cat out.txt err.txt
      exit 1
    fi
    echo "ran: $example"
  done <<<"$examples"
done
[ -z "$skipped" ] || exit 77
