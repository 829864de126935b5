package http;

import akka.actor.typed.ActorSystem;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.Route;
import infra.Database;
import java.util.concurrent.CompletionStage;
import java.util.stream.StreamSupport;

/**
 * Health of this node: Up (or WeaklyUp) in the cluster and the journal database answering make {@code "ok"} (200),
 * anything else {@code "degraded"} (503). {@code GET /health} on the public port tells only that status, for load
 * balancers and probes; {@code GET /admin/health} (behind {@link http.admin.AdminAuth}, any role) adds the node's
 * address, its cluster view, the journal round trip and the JVM heap.
 */
public final class HealthRoutes extends AllDirectives {

  public record ClusterHealth(String selfStatus, int members, int unreachable, String leader) {}

  public record JournalHealth(String profile, boolean reachable, long millis, String error) {}

  /** Heap of this JVM now and at its peak since start (sum of the heap pools' peaks), in MiB. */
  public record JvmHealth(long heapUsedMib, long heapPeakMib, long heapMaxMib) {
    static JvmHealth now() {
      var memory = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      long peak = 0;
      for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == java.lang.management.MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
      }
      return new JvmHealth(memory.getUsed() >> 20, peak >> 20, memory.getMax() >> 20);
    }
  }

  public record Health(String status, String node, ClusterHealth cluster, JournalHealth journal, JvmHealth jvm) {}

  /** What the public port tells: the status and nothing else. */
  public record Status(String status) {}

  private final ActorSystem<?> system;
  private final Database database;
  private final Json json;

  public HealthRoutes(ActorSystem<?> system, Database database, Json json) {
    this.system = system;
    this.database = database;
    this.json = json;
  }

  /** {@code GET /health}, public: {@code {"status":"ok"}} (200) or {@code {"status":"degraded"}} (503) only. */
  public Route route() {
    return path("health", () -> get(() -> onSuccess(health(), health ->
        complete(statusCode(health), new Status(health.status()), json.marshaller()))));
  }

  /** {@code GET /admin/health}, to be composed inside the admin routes: the whole {@link Health}, same status code. */
  public Route adminRoute() {
    return pathPrefix("admin", () -> path("health", () -> get(() -> onSuccess(health(), health ->
        complete(statusCode(health), health, json.marshaller())))));
  }

  private static StatusCode statusCode(Health health) {
    return "ok".equals(health.status()) ? StatusCodes.OK : StatusCodes.SERVICE_UNAVAILABLE;
  }

  public CompletionStage<Health> health() {
    return database.ping().thenApply(ping -> {
      Cluster cluster = Cluster.get(system);
      Member self = cluster.selfMember();
      var state = cluster.state();
      int members = (int) StreamSupport.stream(state.getMembers().spliterator(), false).count();
      String leader = state.getLeader() == null ? null : state.getLeader().toString();
      ClusterHealth clusterHealth =
          new ClusterHealth(self.status().toString(), members, state.getUnreachable().size(), leader);
      boolean up = self.status() == MemberStatus.up() || self.status() == MemberStatus.weaklyUp();
      String status = up && ping.reachable() ? "ok" : "degraded";
      return new Health(status, self.address().toString(), clusterHealth,
          new JournalHealth(database.profile(), ping.reachable(), ping.millis(), ping.error()), JvmHealth.now());
    });
  }
}
