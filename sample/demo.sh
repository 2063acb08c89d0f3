#!/usr/bin/env bash
# The README's demo: build a catalogue from the bundled sample and run a query.
# usage: sample/demo.sh [PICDEX_BINARY] [CATALOGUE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
picdex=${1:-$here/../build/cli/picdex}
catalogue=${2:-$here/../build/demo.pdx}
rm -f "$catalogue" "$catalogue"-* "$catalogue".graph-* "$catalogue".beacon
"$picdex" init "$catalogue"
"$picdex" import "$catalogue" "$here/captions.tsv"
echo '$ picdex search demo.pdx "a dog running on the beach" -k 3'
"$picdex" search "$catalogue" "a dog running on the beach" -k 3
