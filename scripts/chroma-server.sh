#!/usr/bin/env bash
# Runs a local Chroma server (the npm package chromadb@3.0.14, installed once into
# ~/.cache/picdex/chroma; its Rust bindings pinned to 1.0.5, the last for Debian 12's glibc)
# for picdex push and search --on.
#   chroma-server.sh start DIR PORT   data in DIR; prints chroma://127.0.0.1:PORT
#   chroma-server.sh stop DIR
# Exits 69 when node or npm is missing or the package cannot be fetched.
set -euo pipefail
command=${1:?usage: chroma-server.sh start DIR PORT | stop DIR} dir=${2:?DIR}
cache=${PICDEX_CACHE:-$HOME/.cache/picdex}/chroma
case $command in
  start)
    port=${3:?PORT}
    command -v node > /dev/null && command -v npm > /dev/null ||
      { echo "chroma: node and npm are needed (Debian's nodejs and npm)" >&2; exit 69; }
    if [[ ! -f $cache/node_modules/chromadb/dist/cli.mjs ]]; then
      mkdir -p "$cache"
      cat > "$cache/package.json" <<'JSON'
{"name": "picdex-chroma", "private": true,
 "dependencies": {"chromadb": "3.0.14"},
 "overrides": {"chromadb-js-bindings-linux-x64-gnu": "1.0.5"}}
JSON
      (cd "$cache" && npm install --no-audit --no-fund > npm.log 2>&1) ||
        { echo "chroma: npm install failed (see $cache/npm.log)" >&2; exit 69; }
    fi
    mkdir -p "$dir"
    node "$cache/node_modules/chromadb/dist/cli.mjs" run --path "$dir/data" --port "$port" \
      > "$dir/server.log" 2>&1 &
    echo $! > "$dir/pid"
    for _ in $(seq 200); do
      curl -sf "http://127.0.0.1:$port/api/v2/heartbeat" > /dev/null && {
        echo "chroma://127.0.0.1:$port"
        exit 0
      }
      sleep 0.1
    done
    echo "chroma did not start: see $dir/server.log" >&2
    exit 1
    ;;
  stop)
    [[ -f $dir/pid ]] || exit 0
    pid=$(cat "$dir/pid")
    kill "$pid" 2> /dev/null || true
    while kill -0 "$pid" 2> /dev/null; do sleep 0.05; done
    rm -f "$dir/pid"
    ;;
  *)
    echo "usage: chroma-server.sh start DIR PORT | stop DIR" >&2
    exit 64
    ;;
esac
