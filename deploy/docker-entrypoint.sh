#!/usr/bin/env bash
# The image's entrypoint: the same JVM flags as ./orchestrator (scripts/jvm-options.sh), a heap sized to the
# container's memory limit instead of a fixed -Xmx, and java exec'd as PID 1 so that SIGTERM reaches the JVM
# (its shutdown hook runs Akka's coordinated shutdown: leave the cluster, hand over shards, drain HTTP).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
source "$HERE/jvm-options.sh"
# 75 % of the limit for the heap, the rest for metaspace, threads and direct buffers. JAVA_OPTS replaces the
# whole default, as with ./orchestrator.
exec java ${JAVA_OPTS:--XX:MaxRAMPercentage=75.0 $ORCH_JVM_FLAGS} -jar "${ORCH_JAR:-$HERE/orchestrator.jar}" "$@"
