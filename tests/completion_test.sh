#!/usr/bin/env bash
# Drives cli/completion/picdex.bash as bash would, with the built binary as `picdex`.
#   completion_test.sh PICDEX_BINARY COMPLETION_SCRIPT
set -euo pipefail
bin_dir=$(mktemp -d)
trap 'rm -rf "$bin_dir"' EXIT
ln -s "$(realpath "$1")" "$bin_dir/picdex"
export PATH="$bin_dir:$PATH"
source "$2"
complete_line() {  # the words of a command line, the last one being completed
  COMP_WORDS=("$@")
  COMP_CWORD=$(($# - 1))
  COMPREPLY=()
  _picdex
  echo "${COMPREPLY[*]}"
}
expect() {
  local want=$1
  shift
  local got
  got=$(complete_line "$@")
  [[ $got == "$want" ]] || { echo "completing '$*': got '$got', want '$want'" >&2; exit 1; }
}
expect "search" picdex se
expect "eval export embed" picdex e
expect "checkpoint compact" picdex c
expect "remove rebuild reembed" picdex re
expect "--embedder" picdex reembed cat.pdx --e
expect "learned-v1 learned-v2 learned-v3" picdex reembed cat.pdx --embedder learned-
expect "--mode" picdex search cat.pdx "a dog" --mo
expect "--where" picdex search cat.pdx "a dog" --wh
expect "keyword" picdex search cat.pdx "a dog" --mode k
expect "vector keyword hybrid" picdex search cat.pdx "a dog" --mode ""
expect "vector keyword hybrid all" picdex eval cat.pdx queries.tsv --mode ""
expect "int8" picdex init cat.pdx --graph i
expect "float32 int8" picdex rebuild cat.pdx --graph ""
expect "csv" picdex import cat.pdx --format c
expect "--vectors" picdex export cat.pdx --v
expect "--epochs" picdex train m.pdxm --ep
expect "" picdex train m.pdxm --emb  # (init --embedder is in its examples, not its options)
[[ $(complete_line picdex search --c) == "" ]]  # positional names are not options
echo "completion: commands, options and option values complete"
