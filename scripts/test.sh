#!/usr/bin/env bash
# Runs every test against a real PostgreSQL and a real Redis on 127.0.0.1. Uses them when they are running;
# otherwise installs them from Debian packages and starts them. Creates a fresh test database each run.
set -euo pipefail
cd "$(dirname "$0")/.."

export ORCH_TEST_DB_NAME="${ORCH_TEST_DB_NAME:-orchestrator_test}"
export ORCH_TEST_DB_USER="${ORCH_TEST_DB_USER:-orchestrator_test}"
export ORCH_TEST_DB_PASSWORD="${ORCH_TEST_DB_PASSWORD:-orchestrator_test}"
export ORCH_TEST_DB_URL="${ORCH_TEST_DB_URL:-jdbc:postgresql://127.0.0.1:5432/${ORCH_TEST_DB_NAME}}"
export ORCH_TEST_REDIS_URI="${ORCH_TEST_REDIS_URI:-redis://127.0.0.1:6379}"

log() { echo "[test.sh] $*"; }

apt_install() {
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; then return; fi
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then
    log "installing PostgreSQL from Debian packages"
    apt_install postgresql postgresql-client
  fi
  local version
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  log "starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && return; sleep 1; done
  log "PostgreSQL did not come up on 127.0.0.1:5432"; exit 1
}

# psql as the database superuser: over TCP where trust auth allows it, else through the local socket as postgres.
pg_admin() {
  if psql -h 127.0.0.1 -U postgres -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
    psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -q "$@"
  else
    runuser -u postgres -- psql -d postgres -v ON_ERROR_STOP=1 -q "$@"
  fi
}

ensure_redis() {
  if command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; then return; fi
  if ! command -v redis-server >/dev/null; then log "installing Redis from Debian packages"; apt_install redis-server; fi
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 20); do [ "$(redis-cli -h 127.0.0.1 ping 2>/dev/null)" = "PONG" ] && return; sleep 0.5; done
  log "Redis did not come up on 127.0.0.1:6379"; exit 1
}

# The dashboard browser test (http.admin.DashboardBrowserTest) drives headless Chromium; it fails, never skips, without it.
ensure_chromium() {
  local chromium="${ORCH_TEST_CHROMIUM:-/usr/bin/chromium}"
  if [ ! -x "$chromium" ]; then
    log "installing Chromium from Debian packages (dashboard browser test)"
    apt_install chromium
    chromium=/usr/bin/chromium
  fi
  export ORCH_TEST_CHROMIUM="$chromium"
}

# The namespace cluster tests (cluster.NetworkFaultTest) make network namespaces, veth pairs and bridges with `ip`.
ensure_iproute2() {
  if ! command -v ip >/dev/null; then log "installing iproute2 (namespace cluster tests)"; apt_install iproute2; fi
}

ensure_postgres
ensure_redis
ensure_chromium
ensure_iproute2

log "creating a fresh database $ORCH_TEST_DB_NAME (user $ORCH_TEST_DB_USER)"
pg_admin <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${ORCH_TEST_DB_USER}') THEN
    CREATE ROLE ${ORCH_TEST_DB_USER} LOGIN PASSWORD '${ORCH_TEST_DB_PASSWORD}';
  END IF;
END \$\$;
DROP DATABASE IF EXISTS ${ORCH_TEST_DB_NAME} WITH (FORCE);
CREATE DATABASE ${ORCH_TEST_DB_NAME} OWNER ${ORCH_TEST_DB_USER};
SQL

log "checking that the build refuses an Akka newer than 2.8.6"
pin_log="$(mktemp)"
if mvn -B -q validate -Dakka.version=2.8.7 > "$pin_log" 2>&1; then
  log "FAIL: mvn validate accepted Akka 2.8.7"; cat "$pin_log"; exit 1
fi
if ! grep -q "Akka must stay at exactly 2.8.6" "$pin_log"; then
  log "FAIL: the build failed on Akka 2.8.7, but not with the pinning rule's message"; cat "$pin_log"; exit 1
fi
rm -f "$pin_log"
log "ok: Akka 2.8.7 is refused by the enforcer rule"

log "mvn verify"
mvn -B verify "$@"
