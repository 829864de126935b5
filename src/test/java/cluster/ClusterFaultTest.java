package cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import support.NodeProcess;
import support.PrivatePostgres;

/**
 * Faults with real processes: node JVMs started from the test classpath ({@code app.ServiceMain serve}) on a PostgreSQL
 * server of the test's own (so stopping it disturbs nothing else), behind a round-robin load balancer, with the
 * marketplace sandbox sending signed webhooks and delivering every non-200 again. Run by scripts/fault-tests.sh.
 * Each test prints one line of what it measured.
 */
@Tag("fault")
class ClusterFaultTest {
  /** The target: a killed node's shards serve again on the survivors within this. */
  static final double RECOVERY_TARGET_SECONDS = 15.0;

  static PrivatePostgres pg;

  @BeforeAll
  static void startPostgres() {
    pg = PrivatePostgres.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (pg != null) pg.close();
  }

  // ------------------------------------------------------------------------------------- kill -9 mid-burst

  @Test
  void aNodeKilledMidBurstLosesNothingOversellsNothingAndItsShardsServeAgainWithin15s() throws Exception {
    try (FaultCluster cluster = new FaultCluster(pg, "fault_kill")) {
      long began = System.currentTimeMillis();
      cluster.start(3);
      WebhookBurst burst = new WebhookBurst(cluster.sandbox, cluster.lb.url(""));
      burst.catalogue(30, 60, 7);
      List<WebhookBurst.Order> planned = burst.plan("KILL", 400, 11);
      Future<?> sending = burst.send(planned, 16, Duration.ZERO, Duration.ofMillis(500), Duration.ofMinutes(3));
      while (burst.answered.get() < 120 && !sending.isDone()) Thread.sleep(20);

      NodeProcess victim = cluster.nodes.get(1); // not the oldest: the coordinator and singletons stay put
      List<NodeProcess> survivors = cluster.nodes.stream().filter(n -> n != victim).toList();
      int skusOnVictim = entitiesOn(cluster.admin(survivors.get(0), "/admin/cluster"), "Sku", victim);
      // Probe every SKU and the orders accepted so far: whatever lived on the victim is among them.
      List<String> probes = new ArrayList<>();
      for (String sku : burst.skus) probes.add("/admin/skus/" + sku);
      burst.orders.stream().filter(WebhookBurst.Order::accepted).limit(30).forEach(o -> probes.add(o.path()));
      int answeredAtKill = burst.answered.get();
      long killedAt = System.currentTimeMillis();
      victim.kill();
      Future<long[]> timeline = Executors.newSingleThreadExecutor().submit(
          () -> watchRemoval(cluster, survivors.get(0), victim, killedAt, Duration.ofSeconds(60)));
      Map<String, Long> firstSuccess = probeUntilServed(survivors, probes, killedAt, Duration.ofSeconds(60));
      double recoverySeconds = firstSuccess.values().stream().mapToLong(Long::longValue).max().orElse(-1) / 1000.0;
      long unserved = probes.size() - firstSuccess.size();
      long[] seen = timeline.get(60, TimeUnit.SECONDS);

      sending.get(5, TimeUnit.MINUTES);
      List<WebhookBurst.Order> accepted = burst.orders.stream().filter(WebhookBurst.Order::accepted).toList();
      Map<String, JsonNode> views = burst.awaitFinal(accepted, Duration.ofSeconds(120));
      List<String> notFinal = WebhookBurst.notFinal(accepted, views);
      WebhookBurst.Outcome outcome = burst.outcome(accepted, views);
      List<String> listings = burst.awaitListings(Duration.ofSeconds(60));

      long restartAt = System.currentTimeMillis();
      NodeProcess restarted = cluster.startAnother();
      cluster.awaitUp(3, Duration.ofSeconds(60));
      double rejoinSeconds = (System.currentTimeMillis() - restartAt) / 1000.0;
      int shardsOnRestarted = awaitShardsOn(cluster, restarted, Duration.ofSeconds(45));

      System.out.printf("FAULT kill -9 mid-burst: orders sent %d, accepted %d, final %d (confirmed %d), oversold %d, "
              + "listings off %d, killed after %d answers, SKU entities on the killed node %d, probes %d (unserved %d), "
              + "victim unreachable after %.1f s and removed after %.1f s, recovery %.1f s (target %.0f s), restarted node Up in %.1f s with %d shards, test %.0f s%n",
          planned.size(), accepted.size(), accepted.size() - notFinal.size(), outcome.confirmed(), outcome.oversold(),
          listings.size(), answeredAtKill, skusOnVictim, probes.size(), unserved, seen[0] / 1000.0, seen[1] / 1000.0,
          recoverySeconds,
          RECOVERY_TARGET_SECONDS, rejoinSeconds, shardsOnRestarted, (System.currentTimeMillis() - began) / 1000.0);

      assertEquals(planned.size(), accepted.size(), "every order is accepted in the end (the sandbox redelivers)");
      assertTrue(notFinal.isEmpty(), "accepted but not final: " + notFinal.subList(0, Math.min(10, notFinal.size()))
          + cluster.logs());
      assertStockConsistent(outcome, listings);
      assertTrue(skusOnVictim > 0, "the killed node hosted SKU entities (else the probe proves nothing)");
      assertEquals(0, unserved, "every probed entity serves again");
      assertTrue(recoverySeconds <= RECOVERY_TARGET_SECONDS,
          "the killed node's shards served again after " + recoverySeconds + " s" + cluster.logs());
      assertTrue(shardsOnRestarted > 0, "the restarted node took shards over");
      burst.close();
    }
  }

  // ------------------------------------------------------------------------------- PostgreSQL down 10 s

  @Test
  void postgresStoppedForTenSecondsMidBurstAnswers503AndEveryRetriedOrderCompletes() throws Exception {
    try (FaultCluster cluster = new FaultCluster(pg, "fault_db")) {
      long began = System.currentTimeMillis();
      cluster.start(3);
      WebhookBurst burst = new WebhookBurst(cluster.sandbox, cluster.lb.url(""));
      burst.catalogue(30, 50, 13);
      List<WebhookBurst.Order> planned = burst.plan("DB", 300, 17);
      // Paced so that the burst is still running when the database comes back.
      Future<?> sending = burst.send(planned, 12, Duration.ofMillis(300), Duration.ofMillis(500),
          Duration.ofMinutes(3));
      while (burst.answered.get() < 60 && !sending.isDone()) Thread.sleep(20);

      pg.stop();
      long downFrom = System.currentTimeMillis(); // pg_ctl -w: the server has stopped
      Thread.sleep(10_000);
      long downUntil = System.currentTimeMillis();
      pg.resume();
      long upAt = System.currentTimeMillis();

      sending.get(5, TimeUnit.MINUTES);
      long allAnsweredAt = System.currentTimeMillis();
      List<WebhookBurst.Order> accepted = burst.orders.stream().filter(WebhookBurst.Order::accepted).toList();
      Map<String, JsonNode> views = burst.awaitFinal(accepted, Duration.ofSeconds(120));
      List<String> notFinal = WebhookBurst.notFinal(accepted, views);
      long finalAt = System.currentTimeMillis();
      WebhookBurst.Outcome outcome = burst.outcome(accepted, views);
      List<String> listings = burst.awaitListings(Duration.ofSeconds(60));

      // Every attempt started while the server was down: what did the webhooks answer?
      Map<Integer, Integer> duringOutage = new java.util.TreeMap<>();
      List<String> freshOrdersAcceptedWhileDown = new ArrayList<>();
      int retriedAfterOutage = 0;
      for (WebhookBurst.Order o : burst.orders) {
        for (WebhookBurst.Attempt a : o.attempts()) {
          if (a.atMillis() >= downFrom && a.atMillis() < downUntil) duringOutage.merge(a.status(), 1, Integer::sum);
        }
        WebhookBurst.Attempt first = o.attempts().get(0);
        // An order first sent while the database was down cannot have been recorded by that attempt.
        if (first.atMillis() >= downFrom && first.atMillis() < downUntil && first.status() == 200) {
          freshOrdersAcceptedWhileDown.add(o.orderId());
        }
        if (o.attempts().size() > 1 && o.accepted()) retriedAfterOutage++;
      }

      System.out.printf("FAULT PostgreSQL down 10 s mid-burst: orders sent %d, accepted %d, final %d (confirmed %d), "
              + "oversold %d, listings off %d, answers to attempts while down %s, fresh orders answered 200 while down %d, "
              + "orders accepted after a retry %d, last order answered %.1f s and all final %.1f s after the restart, "
              + "test %.0f s%n",
          planned.size(), accepted.size(), accepted.size() - notFinal.size(), outcome.confirmed(), outcome.oversold(),
          listings.size(), duringOutage, freshOrdersAcceptedWhileDown.size(), retriedAfterOutage,
          (allAnsweredAt - upAt) / 1000.0, (finalAt - upAt) / 1000.0, (System.currentTimeMillis() - began) / 1000.0);

      assertTrue(duringOutage.getOrDefault(503, 0) > 0, "webhooks answered 503 while the database was down: "
          + duringOutage);
      assertTrue(freshOrdersAcceptedWhileDown.isEmpty(), "200 for orders that could not have been recorded: "
          + freshOrdersAcceptedWhileDown);
      assertTrue(retriedAfterOutage > 0, "some orders were refused and delivered again");
      assertEquals(planned.size(), accepted.size(), "every order retried by the sandbox is accepted in the end");
      assertTrue(notFinal.isEmpty(), "accepted but not final: " + notFinal.subList(0, Math.min(10, notFinal.size()))
          + cluster.logs());
      assertStockConsistent(outcome, listings);
      burst.close();
    }
  }

  // ---------------------------------------------------------------------------- rolling restart under load

  @Test
  void aRollingRestartUnderLoadLosesNoOrderAndOversellsNothing() throws Exception {
    try (FaultCluster cluster = new FaultCluster(pg, "fault_roll")) {
      long began = System.currentTimeMillis();
      cluster.start(3);
      WebhookBurst burst = new WebhookBurst(cluster.sandbox, cluster.lb.url(""));
      burst.catalogue(30, 80, 19);
      List<WebhookBurst.Order> planned = burst.plan("ROLL", 500, 23);
      // Paced to last through the whole rolling restart.
      Future<?> sending = burst.send(planned, 8, Duration.ofMillis(1000), Duration.ofMillis(500),
          Duration.ofMinutes(3));
      while (burst.answered.get() < 40 && !sending.isDone()) Thread.sleep(20);

      long rollFrom = System.currentTimeMillis();
      List<String> steps = new ArrayList<>();
      for (NodeProcess old : List.copyOf(cluster.nodes)) {
        long t0 = System.currentTimeMillis();
        old.stop(); // SIGTERM: CoordinatedShutdown drains HTTP, hands shards over, leaves
        long stopped = System.currentTimeMillis();
        cluster.startAnother();
        cluster.awaitUp(3, Duration.ofSeconds(90));
        steps.add(String.format("node %d stop %.1f s + new node Up %.1f s", old.index, (stopped - t0) / 1000.0,
            (System.currentTimeMillis() - stopped) / 1000.0));
      }
      long rolledAt = System.currentTimeMillis();
      int answeredWhenRolled = burst.answered.get();

      sending.get(5, TimeUnit.MINUTES);
      List<WebhookBurst.Order> accepted = burst.orders.stream().filter(WebhookBurst.Order::accepted).toList();
      Map<String, JsonNode> views = burst.awaitFinal(accepted, Duration.ofSeconds(120));
      List<String> notFinal = WebhookBurst.notFinal(accepted, views);
      WebhookBurst.Outcome outcome = burst.outcome(accepted, views);
      List<String> listings = burst.awaitListings(Duration.ofSeconds(60));
      long non200 = burst.orders.stream().flatMap(o -> o.attempts().stream()).filter(a -> a.status() != 200).count();

      System.out.printf("FAULT rolling restart under load: orders sent %d, accepted %d, final %d (confirmed %d), "
              + "oversold %d, listings off %d, non-200 answers redelivered %d, restart of all 3 nodes took %.1f s "
              + "(%s), orders answered by then %d, test %.0f s%n",
          planned.size(), accepted.size(), accepted.size() - notFinal.size(), outcome.confirmed(), outcome.oversold(),
          listings.size(), non200, (rolledAt - rollFrom) / 1000.0, String.join("; ", steps), answeredWhenRolled,
          (System.currentTimeMillis() - began) / 1000.0);

      assertEquals(planned.size(), accepted.size(), "every order is accepted");
      assertTrue(notFinal.isEmpty(), "accepted but not final: " + notFinal.subList(0, Math.min(10, notFinal.size()))
          + cluster.logs());
      assertStockConsistent(outcome, listings);
      assertTrue(answeredWhenRolled < planned.size(), "the burst was still running when the last node restarted");
      burst.close();
    }
  }

  // --------------------------------------------------------------------------------------------- helpers

  /** Entities of {@code type} that /admin/cluster reports on {@code node}. */
  static int entitiesOn(JsonNode clusterView, String type, NodeProcess node) {
    for (JsonNode t : clusterView.path("sharding")) {
      if (t.path("entityType").asText().equals(type)) {
        return t.path("nodes").path(node.address()).path("entities").asInt(0);
      }
    }
    return 0;
  }

  /**
   * Milliseconds from the kill until a survivor saw the victim unreachable, and until it was no member (-1: never).
   * /admin/cluster reads membership when the request arrives but answers only when the shard statistics are in (up
   * to 3 s while a node is unreachable), so requests overlap, one every 200 ms, and each counts from when it was sent.
   */
  static long[] watchRemoval(FaultCluster cluster, NodeProcess survivor, NodeProcess victim, long killedAt,
                             Duration timeout) throws InterruptedException {
    java.util.concurrent.atomic.AtomicLong unreachable = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    java.util.concurrent.atomic.AtomicLong removed = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
    while (removed.get() == Long.MAX_VALUE && System.currentTimeMillis() < killedAt + timeout.toMillis()) {
      long sentAt = System.currentTimeMillis() - killedAt;
      FaultCluster.adminJsonAsync("http://127.0.0.1:" + survivor.httpPort + "/admin/cluster", Duration.ofSeconds(10))
          .thenAccept(view -> {
            boolean member = false;
            for (JsonNode m : view.path("members")) {
              if (m.path("address").asText().equals(victim.address())) {
                member = true;
                if (!m.path("reachable").asBoolean()) unreachable.accumulateAndGet(sentAt, Math::min);
              }
            }
            if (!member) removed.accumulateAndGet(sentAt, Math::min);
          });
      Thread.sleep(200);
    }
    return new long[] {orNever(unreachable.get()), orNever(removed.get())};
  }

  private static long orNever(long millis) {
    return millis == Long.MAX_VALUE ? -1 : millis;
  }

  static int awaitShardsOn(FaultCluster cluster, NodeProcess node, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    int shards = 0;
    while (System.nanoTime() < deadline) {
      JsonNode view = cluster.admin(node, "/admin/cluster");
      shards = 0;
      for (JsonNode t : view.path("sharding")) shards += t.path("nodes").path(node.address()).path("shards").asInt(0);
      if (shards > 0) return shards;
      Thread.sleep(1000);
    }
    return shards;
  }

  /**
   * Sends every probe every {@link #PROBE_EVERY_MS} to the survivors in turn, without waiting for the previous
   * attempt (each has its own 5 s timeout), until one answers 200; returns per probe the milliseconds from the kill to
   * its first 200. A probe to an entity of the killed node fails or hangs until its shard has started on a survivor;
   * overlapping attempts keep one hanging request from hiding the moment it serves again.
   */
  static Map<String, Long> probeUntilServed(List<NodeProcess> survivors, List<String> probes, long killedAt,
                                            Duration timeout) throws Exception {
    Map<String, Long> firstSuccess = new ConcurrentHashMap<>();
    Map<String, String> lastError = new ConcurrentHashMap<>();
    long deadline = killedAt + timeout.toMillis();
    for (int round = 0; firstSuccess.size() < probes.size() && System.currentTimeMillis() < deadline; round++) {
      for (int p = 0; p < probes.size(); p++) {
        String path = probes.get(p);
        if (firstSuccess.containsKey(path)) continue;
        NodeProcess node = survivors.get((p + round) % survivors.size());
        FaultCluster.adminJsonAsync("http://127.0.0.1:" + node.httpPort + path, Duration.ofSeconds(5))
            .whenComplete((json, error) -> {
              if (error == null) firstSuccess.putIfAbsent(path, System.currentTimeMillis() - killedAt);
              else lastError.put(path, String.valueOf(error.getMessage()));
            });
      }
      Thread.sleep(PROBE_EVERY_MS);
    }
    Thread.sleep(500); // answers still on their way
    lastError.keySet().removeAll(firstSuccess.keySet());
    if (!lastError.isEmpty()) {
      System.out.println("FAULT probes never served (" + lastError.size() + "), e.g. "
          + lastError.entrySet().stream().limit(5).toList());
    }
    return firstSuccess;
  }

  static final long PROBE_EVERY_MS = 250;

  /** Nothing oversold, every SKU's reservations equal to what its confirmed orders hold, every listing right. */
  private static void assertStockConsistent(WebhookBurst.Outcome outcome, List<String> listings) {
    assertEquals(0, outcome.oversold(), "oversold units");
    assertTrue(outcome.mismatches().isEmpty(), "SKU reservations vs confirmed orders: " + outcome.mismatches());
    assertTrue(listings.isEmpty(), "sandbox listings vs the service: " + listings);
  }
}
