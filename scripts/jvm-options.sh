# JVM flags for a node besides its heap, sourced by ./orchestrator and scripts/cluster.sh (JAVA_OPTS replaces the
# whole default); the flash-sale benchmark passes the -XX: flags of its own JVM on to the node it starts.
# Both measured on the 2-core machine in alternating flash-sale runs (BENCHMARKS.md, 2026-11-27):
# - C1 only: the C2 compiler took ~30 % of the CPU through a node's first thousands of orders; C1 only cut the
#   node's CPU per order by 27-39 % there and matched C2 after 8,000 orders.
# - ParallelGC: cheaper write barriers and no concurrent refinement threads than G1; faster in 6 of 6 pairs
#   (1.04-1.44x the orders per second), hot-SKU reservations unchanged. Young pauses on a 512 MB-1 GB heap are
#   milliseconds.
ORCH_JVM_FLAGS="-XX:TieredStopAtLevel=1 -XX:+UseParallelGC"
