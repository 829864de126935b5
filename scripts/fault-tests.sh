#!/usr/bin/env bash
# Only the multi-process fault tests (src/test/java/cluster): three node JVMs behind a load balancer on a private
# PostgreSQL, one killed with SIGKILL mid-burst, PostgreSQL stopped mid-burst, a rolling restart under load.
# scripts/test.sh runs them too (last, after the other tests); this is for running them alone, e.g. one of them:
#   scripts/fault-tests.sh -Dtest='ClusterFaultTest#aNodeKilled*'
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/test.sh -Dunit.skip=true -Dsurefire.failIfNoSpecifiedTests=false "$@"
