package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityRef;
import app.Node;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import sku.SkuEntity.*;
import support.TestConfig;
import support.TestDatabase;

/**
 * Many concurrent clients against SKUs with little stock, on the real PostgreSQL journal through sharding. Checks
 * the invariants and that every reply agrees with the final state, then again after restarting the node.
 */
class SkuConcurrencyTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final int THREADS = 32;
  private static final int SNAPSHOT_EVERY = 2; // a snapshot at the latest every 20 events
  private static final Map<String, Integer> STOCK = Map.of("HOT-A", 25, "HOT-B", 12, "HOT-C", 7);

  record Outcome(String sku, String orderKey, String op, ReservationReply reply) {}

  @Test
  void concurrentClientsNeverOversellAndRepliesMatchTheFinalState() throws Exception {
    TestDatabase.reset();
    Config config = TestConfig.postgres(Map.of("orchestrator.sku.snapshot-every", SNAPSHOT_EVERY));
    Map<String, Summary> before = new HashMap<>();
    List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    try (Node node = Node.start(config)) {
      ClusterSharding sharding = ClusterSharding.get(node.system());
      for (var e : STOCK.entrySet()) {
        sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, e.getKey())
            .<StockResult>askWithStatus(r -> new SetStock(e.getValue(), false, "test", r), TIMEOUT)
            .toCompletableFuture().get(30, TimeUnit.SECONDS);
      }

      // Phase 1: reservations only, far more demand than stock: exactly the stock is reserved.
      runClients(THREADS, 40, (random, thread, i) -> {
        String sku = pick(random, STOCK.keySet());
        String key = "p1-" + thread + "-" + i;
        return new Op(sku, key, "reserve", 1);
      }, sharding, outcomes);
      for (var e : STOCK.entrySet()) {
        long reserved = outcomes.stream().filter(o -> o.sku().equals(e.getKey()) && o.reply() instanceof ReserveAccepted).count();
        assertEquals(e.getValue().longValue(), reserved, "reservations granted on " + e.getKey());
        Summary s = state(sharding, e.getKey());
        assertEquals(e.getValue().intValue(), s.reserved());
        assertEquals(0, s.available());
      }

      // Phase 2: reserve, release and commit mixed, keys shared between threads (duplicates race each other).
      runClients(THREADS, 60, (random, thread, i) -> {
        String sku = pick(random, STOCK.keySet());
        String key = random.nextInt(3) == 0 ? "p1-" + random.nextInt(THREADS) + "-" + random.nextInt(40)
            : "p2-" + random.nextInt(60);
        int r = random.nextInt(10);
        String op = r < 5 ? "reserve" : r < 8 ? "release" : "commit";
        return new Op(sku, key, op, 1 + random.nextInt(3));
      }, sharding, outcomes);

      for (String sku : STOCK.keySet()) {
        Summary s = state(sharding, sku);
        checkAgainstReplies(sku, s, outcomes);
        before.put(sku, s);
      }
    }

    Map<String, Integer> snapshots = snapshotRows();
    assertTrue(snapshots.values().stream().anyMatch(n -> n >= 2), "snapshots were taken: " + snapshots);
    assertTrue(snapshots.values().stream().allMatch(n -> n <= 2), "at most keep-snapshots (2) kept: " + snapshots);

    try (Node node = Node.start(config)) {
      ClusterSharding sharding = ClusterSharding.get(node.system());
      for (String sku : STOCK.keySet()) {
        Summary after = state(sharding, sku);
        Summary earlier = before.get(sku);
        assertEquals(earlier.onHand(), after.onHand(), sku);
        assertEquals(earlier.reserved(), after.reserved(), sku);
        assertEquals(earlier.reservations(), after.reservations(), sku);
        assertEquals(earlier.eventSeq(), after.eventSeq(), sku);
        assertTrue(after.replayedOnRecovery() < SkuEntity.SNAPSHOT_MAX_FACTOR * SNAPSHOT_EVERY,
            "recovery started from a snapshot: " + after.replayedOnRecovery() + " events replayed of " + after.eventSeq());
        checkAgainstReplies(sku, after, outcomes);
      }
    }
  }

  /** Old snapshots are deleted (keep-snapshots, 2) after each new one: rows per SKU in the snapshot table. */
  private static Map<String, Integer> snapshotRows() throws Exception {
    try (var c = TestDatabase.connect()) {
      return support.SnapshotRows.count(c);
    }
  }

  /** Invariants of one SKU, and every reply given for it agrees with the final state. */
  private static void checkAgainstReplies(String sku, Summary s, List<Outcome> outcomes) {
    int initial = STOCK.get(sku);
    assertTrue(s.reserved() <= s.onHand(), sku + " reserved " + s.reserved() + " > on hand " + s.onHand());
    assertEquals(s.reserved(), s.reservations().values().stream().mapToInt(Reservation::quantity).sum(), sku);
    Map<String, List<ReservationReply>> byKey = new HashMap<>();
    outcomes.stream().filter(o -> o.sku().equals(sku))
        .forEach(o -> byKey.computeIfAbsent(o.orderKey(), k -> new ArrayList<>()).add(o.reply()));
    int committedTotal = 0;
    for (var e : byKey.entrySet()) {
      String key = e.getKey();
      List<ReservationReply> replies = e.getValue();
      Integer granted = replies.stream().filter(r -> r instanceof ReserveAccepted).map(r -> ((ReserveAccepted) r).quantity())
          .reduce((a, b) -> {
            assertEquals(a, b, "every Reserved answer for " + key + " names the same quantity");
            return a;
          }).orElse(null);
      boolean released = replies.stream().anyMatch(r -> r instanceof ReleaseAccepted rel && rel.quantity() > 0);
      Integer committed = replies.stream().filter(r -> r instanceof CommitAccepted).map(r -> ((CommitAccepted) r).quantity())
          .findFirst().orElse(null);
      Reservation held = s.reservations().get(key);
      assertFalse(released && committed != null, key + " was both released and committed");
      if (held != null) {
        assertNotNull(granted, key + " is held but no caller was told Reserved");
        assertEquals(granted.intValue(), held.quantity(), key);
        assertFalse(released || committed != null, key + " is held but a caller was told it was released/committed");
      } else if (granted != null) {
        assertTrue(released || committed != null, key + " was granted, is not held, and nobody was told why");
      }
      if (committed != null) {
        assertEquals(granted, committed, key);
        committedTotal += committed;
      }
      replies.stream().filter(r -> r instanceof ReservationRefused f && f.reason() == RefusalReason.OVERLOADED)
          .findAny().ifPresent(r -> { throw new AssertionError("unexpected OVERLOADED for " + key); });
    }
    assertEquals(initial - committedTotal, s.onHand(), sku + ": on hand = stock - committed");
    for (String held : s.reservations().keySet()) assertTrue(byKey.containsKey(held), held);
  }

  record Op(String sku, String key, String op, int quantity) {}

  interface OpFactory {
    Op next(Random random, int thread, int i);
  }

  private static void runClients(int threads, int perThread, OpFactory ops, ClusterSharding sharding,
                                 List<Outcome> outcomes) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          Random random = new Random(1000L + thread);
          for (int i = 0; i < perThread; i++) {
            Op op = ops.next(random, thread, i);
            EntityRef<Command> entity = sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, op.sku());
            ReservationReply reply = entity.<ReservationReply>ask(r -> switch (op.op()) {
              case "reserve" -> new Reserve(op.key(), op.quantity(), null, r);
              case "release" -> new Release(op.key(), r);
              default -> new Commit(op.key(), r);
            }, TIMEOUT).toCompletableFuture().get(30, TimeUnit.SECONDS);
            outcomes.add(new Outcome(op.sku(), op.key(), op.op(), reply));
          }
          return null;
        }));
      }
      for (Future<?> f : futures) f.get(120, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  private static Summary state(ClusterSharding sharding, String sku) throws Exception {
    return sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku)
        .<Summary>askWithStatus(GetState::new, TIMEOUT).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String pick(Random random, java.util.Set<String> skus) {
    List<String> list = skus.stream().sorted().toList();
    return list.get(random.nextInt(list.size()));
  }
}
