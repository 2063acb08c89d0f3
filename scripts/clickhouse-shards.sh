#!/usr/bin/env bash
# Runs ClickHouse shards on localhost (Debian's clickhouse-server) for picdex push and
# search --on: N servers, each with its data in DIR/shardI, in one cluster named picdex
# (remote_servers), the Distributed table's shards. HTTP ports BASE+1..BASE+N; native ports
# BASE+101..; interserver ports BASE+201...
#   clickhouse-shards.sh start DIR [N] [BASE]   (defaults: 2 shards, base 18120)
#   clickhouse-shards.sh stop DIR [I]           (all shards, or shard I: a "crash")
#   clickhouse-shards.sh restart DIR I          (shard I again, same data)
# start prints the URL of a table `default.images` over the cluster.
set -euo pipefail
command=${1:?usage: clickhouse-shards.sh start|stop|restart DIR ...} dir=${2:?DIR}

launch() {  # I
  local shard=$dir/shard$1
  # A server left running on the port (a killed run's) would answer for this one.
  if curl -sf "http://127.0.0.1:$(cat "$shard/http_port")/?query=SELECT%201" > /dev/null; then
    echo "clickhouse shard $1: port $(cat "$shard/http_port") is taken by another server" \
      "(one left running?)" >&2
    exit 1
  fi
  clickhouse-server --config-file="$shard/config.xml" > "$shard/stdout" 2>&1 &
  echo $! > "$shard/pid"
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$(cat "$shard/http_port")/?query=SELECT%201" > /dev/null && return 0
    sleep 0.1
  done
  echo "clickhouse shard $1 did not start: see $shard/error.log" >&2
  exit 1
}

case $command in
  start)
    n=${3:-2} base=${4:-18120}
    command -v clickhouse-server > /dev/null || { echo "clickhouse-server is not installed" >&2; exit 69; }
    shards="" hosts=""
    for i in $(seq "$n"); do
      shards+="<shard><replica><host>127.0.0.1</host><port>$((base + 100 + i))</port></replica></shard>"
      hosts+="${hosts:+,}127.0.0.1:$((base + i))"
    done
    for i in $(seq "$n"); do
      shard=$dir/shard$i
      mkdir -p "$shard"
      echo $((base + i)) > "$shard/http_port"
      cat > "$shard/config.xml" <<XML
<yandex>
  <logger><level>warning</level><log>$shard/server.log</log><errorlog>$shard/error.log</errorlog></logger>
  <http_port>$((base + i))</http_port>
  <tcp_port>$((base + 100 + i))</tcp_port>
  <interserver_http_port>$((base + 200 + i))</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$shard/data/</path>
  <tmp_path>$shard/tmp/</tmp_path>
  <user_files_path>$shard/user_files/</user_files_path>
  <format_schema_path>$shard/format_schemas/</format_schema_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <remote_servers><picdex>$shards</picdex></remote_servers>
</yandex>
XML
      launch "$i"
    done
    echo "clickhouse://$hosts/default.images?cluster=picdex"
    ;;
  stop)
    for pid_file in "$dir"/shard${3:-*}/pid; do
      [[ -f $pid_file ]] || continue
      pid=$(cat "$pid_file")
      kill -9 "$pid" 2> /dev/null || true
      while kill -0 "$pid" 2> /dev/null; do sleep 0.05; done
      rm -f "$pid_file"
    done
    ;;
  restart)
    launch "${3:?shard number}"
    ;;
  *)
    echo "usage: clickhouse-shards.sh start|stop|restart DIR ..." >&2
    exit 64
    ;;
esac
