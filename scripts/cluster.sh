#!/usr/bin/env bash
# Starts N orchestrator nodes on this machine against one PostgreSQL (distinct remoting, HTTP and management
# ports), or stops them. Node i listens on HTTP 808i, management 856i, remoting 2552i; nodes 1 and 2 are seeds.
#
#   ORCH_DB_URL=jdbc:postgresql://127.0.0.1:5432/orchestrator ORCH_DB_USER=... scripts/cluster.sh start 3
#   scripts/cluster.sh status
#   scripts/cluster.sh stop          # graceful: CoordinatedShutdown drains HTTP, leaves, hands shards over
#
# Add --sandbox to start to run the marketplace sandbox (port 9090) too. Logs and pids go to ./cluster/.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR="${ORCH_CLUSTER_DIR:-./cluster}"
JAR=target/orchestrator.jar
source scripts/jvm-options.sh
cmd="${1:-status}"

build() {
  if [ ! -f "$JAR" ] || [ -n "$(find pom.xml src/main -newer "$JAR" -print -quit)" ]; then
    mvn -B -q -DskipTests package
  fi
}

start_node() {
  local i="$1" seeds="$2"
  ORCH_DB_PROFILE=postgres \
  ORCH_REMOTE_PORT=$((25520 + i)) ORCH_HTTP_PORT=$((8080 + i)) ORCH_MANAGEMENT_PORT=$((8560 + i)) \
  ORCH_SEED_NODES="$seeds" \
    nohup java ${JAVA_OPTS:--Xmx512m $ORCH_JVM_FLAGS} -jar "$JAR" serve > "$DIR/node-$i.log" 2>&1 &
  echo $! > "$DIR/node-$i.pid"
  echo "node $i: pid $(cat "$DIR/node-$i.pid"), http :$((8080 + i)), management :$((8560 + i)), remoting :$((25520 + i))"
}

case "$cmd" in
  start)
    n="${2:-3}"
    [ "${ORCH_DB_URL:-}" ] || { echo "set ORCH_DB_URL (and ORCH_DB_USER / ORCH_DB_PASSWORD): all nodes share one PostgreSQL" >&2; exit 2; }
    build
    mkdir -p "$DIR"
    if [ "${3:-}" = "--sandbox" ]; then
      nohup java -Xmx256m -jar "$JAR" sandbox > "$DIR/sandbox.log" 2>&1 &
      echo $! > "$DIR/sandbox.pid"
      echo "sandbox: pid $(cat "$DIR/sandbox.pid"), http :9090"
    fi
    seeds="akka://Orchestrator@127.0.0.1:25521,akka://Orchestrator@127.0.0.1:25522"
    for i in $(seq 1 "$n"); do start_node "$i" "$seeds"; done
    for i in $(seq 1 "$n"); do
      for _ in $(seq 1 90); do
        curl -fs "http://127.0.0.1:$((8080 + i))/health" >/dev/null 2>&1 && break
        sleep 1
      done
      curl -fs "http://127.0.0.1:$((8080 + i))/health" >/dev/null || { echo "node $i not healthy; see $DIR/node-$i.log" >&2; exit 1; }
    done
    echo "cluster of $n up"
    ;;
  stop)
    for pidfile in "$DIR"/*.pid; do
      [ -e "$pidfile" ] || continue
      pid="$(cat "$pidfile")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -9 "$pid" 2>/dev/null || true
      rm -f "$pidfile"
    done
    echo "stopped"
    ;;
  status)
    for pidfile in "$DIR"/node-*.pid; do
      [ -e "$pidfile" ] || continue
      i="$(basename "$pidfile" .pid)"; i="${i#node-}"
      printf 'node %s: ' "$i"; curl -s "http://127.0.0.1:$((8080 + i))/health" || echo "down"; echo
    done
    ;;
  *) echo "usage: scripts/cluster.sh start [N] [--sandbox] | stop | status" >&2; exit 2 ;;
esac
