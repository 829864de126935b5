#!/usr/bin/env bash
# The multi-process fault tests (src/test/java/cluster): three node JVMs behind a load balancer on the real
# PostgreSQL, one killed with SIGKILL mid-burst, then a rolling restart under load. Slow (minutes) and CPU-hungry,
# so they run apart from scripts/test.sh. Same set-up as scripts/test.sh (PostgreSQL, Redis, a fresh database).
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/test.sh -Dgroups=fault -Dtest.excludedGroups= -Dsurefire.failIfNoSpecifiedTests=false "$@"
