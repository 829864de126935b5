package tools.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * CPU time used between two points of a run by the node, the PostgreSQL processes on this machine and the
 * benchmark's own JVM (clients, sandbox, board watcher): where a saturated machine's cores went, per order.
 * Per process, so a PostgreSQL backend that starts in between counts whole; one that exits in between is lost.
 */
final class CpuUse {
  private final ProcessHandle node;
  private final Map<Long, Duration> nodeStart;
  private final Map<Long, Duration> postgresStart;
  private final Map<Long, Duration> benchStart;

  private CpuUse(ProcessHandle node) {
    this.node = node;
    this.nodeStart = node == null ? Map.of() : cpu(node);
    this.postgresStart = postgres();
    this.benchStart = cpu(ProcessHandle.current());
  }

  /** Starts counting; {@code node} is null when the nodes run elsewhere. */
  static CpuUse start(ProcessHandle node) {
    return new CpuUse(node);
  }

  /** CPU seconds since the start and milliseconds per order, per component; null fields where not measurable. */
  ObjectNode since(long orders) {
    ObjectNode r = JsonNodeFactory.instance.objectNode();
    put(r, "node", node == null ? null : used(nodeStart, cpu(node)), orders);
    put(r, "postgres", used(postgresStart, postgres()), orders);
    put(r, "bench", used(benchStart, cpu(ProcessHandle.current())), orders);
    return r;
  }

  private static void put(ObjectNode r, String name, Duration used, long orders) {
    if (used == null) {
      r.putNull(name + "CpuSeconds");
      return;
    }
    r.put(name + "CpuSeconds", used.toMillis() / 1000.0);
    r.put(name + "CpuMsPerOrder", orders == 0 ? 0 : (double) used.toMillis() / orders);
  }

  private static Duration used(Map<Long, Duration> start, Map<Long, Duration> end) {
    if (end.isEmpty()) return null;
    Duration sum = Duration.ZERO;
    for (var e : end.entrySet()) sum = sum.plus(e.getValue().minus(start.getOrDefault(e.getKey(), Duration.ZERO)));
    return sum;
  }

  private static Map<Long, Duration> cpu(ProcessHandle p) {
    Optional<Duration> d = p.info().totalCpuDuration();
    return d.isPresent() ? Map.of(p.pid(), d.get()) : Map.of();
  }

  private static Map<Long, Duration> postgres() {
    Map<Long, Duration> all = new HashMap<>();
    ProcessHandle.allProcesses()
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
        .forEach(p -> p.info().totalCpuDuration().ifPresent(d -> all.put(p.pid(), d)));
    return all;
  }
}
