package readside.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.actor.typed.receptionist.Receptionist;
import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sku.SkuEntity;
import support.PrivateRedis;
import support.StockDriver;
import support.TestConfig;
import support.TestDatabase;

/**
 * The live stock board against real Redis servers (never a mock): after a concurrent burst every SKU's hash equals
 * its entity and a subscriber has seen each SKU's newest change; with the board's own Redis killed, orders go on and
 * the board catches up (rebuilt from the entities) once that Redis runs again, empty.
 */
class StockBoardRedisTest {
  private static final Logger log = LoggerFactory.getLogger(StockBoardRedisTest.class);
  private static final String SHARED_REDIS = System.getenv().getOrDefault("ORCH_TEST_REDIS_URI", "redis://127.0.0.1:6379");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CATCH_UP = Duration.ofSeconds(30);

  @Test
  void boardEqualsTheEntitiesAfterABurstAndSubscribersSeeEveryNewestChange() throws Exception {
    TestDatabase.reset();
    String run = UUID.randomUUID().toString().substring(0, 8);
    String prefix = "test-board-" + run + ":";
    String channel = "test-board-changes-" + run;
    List<String> skus = IntStream.range(0, 40).mapToObj(i -> String.format("bd-%02d", i)).toList();
    RedisClient client = RedisClient.create(SHARED_REDIS);
    Map<String, JsonNode> newestSeen = new ConcurrentHashMap<>();
    AtomicLong messages = new AtomicLong();
    try (StatefulRedisConnection<String, String> redis = client.connect();
         StatefulRedisPubSubConnection<String, String> subscriber = client.connectPubSub()) {
      subscriber.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String ch, String message) {
          try {
            JsonNode m = JSON.readTree(message);
            messages.incrementAndGet();
            newestSeen.merge(m.get("sku").asText(), m,
                (a, b) -> a.get("eventSeq").asLong() >= b.get("eventSeq").asLong() ? a : b);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      subscriber.sync().subscribe(channel);
      try (Node node = Node.start(TestConfig.postgres(Map.of("orchestrator.board.redis-uri", SHARED_REDIS,
          "orchestrator.board.key-prefix", prefix, "orchestrator.board.channel", channel)))) {
        StockDriver driver = new StockDriver(node.system());
        driver.catalog(skus, 60);
        awaitBoardEqualsEntities(redis, prefix, driver, skus);
        StockBoard.Status before = status(node.system());
        int granted = driver.burst(skus, "R-", 4000, 64, new Random(5));
        assertTrue(granted > 500, "granted " + granted);
        awaitBoardEqualsEntities(redis, prefix, driver, skus);
        StockBoard.Status after = status(node.system());
        log.info("Stock board burst: {} reservations ({} granted) over {} SKUs, {} board writes, {} stale skipped; "
                + "event-to-Redis latency p50 {} us, p99 {} us, max {} us over the last {} live writes",
            4000, granted, skus.size(), after.written() - before.written(), after.stale(), after.latencyP50Micros(),
            after.latencyP99Micros(), after.latencyMaxMicros(), Math.min(after.latencySamples(), 65536));
        assertTrue(after.connected());
        assertTrue(after.latencySamples() > before.latencySamples(), "live writes were measured");
        assertEquals(0, after.dropped());

        // every SKU's newest change reached the subscriber, with the entity's numbers
        Map<String, SkuEntity.Summary> truth = driver.summaries(skus);
        StockDriver.await(Duration.ofSeconds(10), () -> {
          List<String> differences = new ArrayList<>();
          for (String sku : skus) {
            JsonNode m = newestSeen.get(sku);
            SkuEntity.Summary s = truth.get(sku);
            if (m == null || m.get("eventSeq").asLong() != s.eventSeq() || m.get("available").asInt() != s.available()
                || m.get("reserved").asInt() != s.reserved() || m.get("onHand").asInt() != s.onHand()) {
              differences.add(sku + ": published " + m + ", entity seq " + s.eventSeq() + " available " + s.available());
            }
          }
          return differences;
        });
        assertTrue(messages.get() >= skus.size(), "messages " + messages.get());
        JsonNode sample = newestSeen.get("bd-00");
        assertTrue(sample.get("shown").has("shopee:shop-1") && sample.has("updatedAt"), "message " + sample);
      } finally {
        deleteKeys(redis, prefix);
      }
    } finally {
      client.shutdown();
    }
  }

  @Test
  void redisKilledAndStartedAgainCatchesUpWhileOrdersGoOn() throws Exception {
    TestDatabase.reset();
    List<String> skus = IntStream.range(0, 20).mapToObj(i -> String.format("rk-%02d", i)).toList();
    try (PrivateRedis privateRedis = PrivateRedis.start()) {
      RedisClient client = RedisClient.create(privateRedis.uri());
      try (Node node = Node.start(TestConfig.postgres(Map.of("orchestrator.board.redis-uri", privateRedis.uri(),
          "orchestrator.board.retry-interval", "300ms")))) {
        StockDriver driver = new StockDriver(node.system());
        driver.catalog(skus, 50);
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
          awaitBoardEqualsEntities(redis, "stock:", driver, skus);
        }

        privateRedis.stop();
        long start = System.nanoTime();
        // orders go on while the board's Redis is gone: half of the SKUs change
        int granted = driver.burst(skus.subList(0, 10), "K-", 600, 32, new Random(9));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(granted > 100, "reservations answered while Redis is down: " + granted);
        log.info("600 reservations with the board's Redis down answered in {} ms", millis);
        StockBoard.Status down = awaitStatus(node.system(), s -> !s.connected() && s.pending() > 0);
        assertFalse(down.connected());
        assertTrue(down.pending() <= 10, "only the newest change per SKU is kept: " + down.pending());

        // The read side may lag behind new SKUs (it did in a fast run: the rebuild found 15 of 20 in stock_levels):
        // two SKUs the board has written before, and that do not change during the outage, are not listed there.
        // The rebuild must still restore them.
        StockDriver.await(CATCH_UP, () -> stockLevelRows(skus) == skus.size() ? List.of() : List.of("stock_levels"));
        List<String> unlisted = List.of(skus.get(12), skus.get(16));
        try (Connection c = TestDatabase.connect();
             PreparedStatement delete = c.prepareStatement("DELETE FROM stock_levels WHERE sku = ANY (?)")) {
          delete.setArray(1, c.createArrayOf("text", unlisted.toArray()));
          assertEquals(2, delete.executeUpdate());
        }

        privateRedis.resume(); // empty: nothing was saved
        try (StatefulRedisConnection<String, String> redis = client.connect()) {
          // every SKU is back, also the ten that did not change during the outage (rebuilt from the entities)
          awaitBoardEqualsEntities(redis, "stock:", driver, skus);
          StockBoard.Status back = status(node.system());
          assertTrue(back.connected());
          assertTrue(back.rebuilds() >= 2, "rebuilt after the restart: " + back);
          // and live changes flow again
          driver.adjust(skus.get(15), 5);
          awaitBoardEqualsEntities(redis, "stock:", driver, skus);
        }
      } finally {
        client.shutdown();
      }
    }
  }

  // ------------------------------------------------------------------ helpers

  private static int stockLevelRows(List<String> skus) throws Exception {
    try (Connection c = TestDatabase.connect();
         PreparedStatement count = c.prepareStatement("SELECT count(*) FROM stock_levels WHERE sku = ANY (?)")) {
      count.setArray(1, c.createArrayOf("text", skus.toArray()));
      try (ResultSet rs = count.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void awaitBoardEqualsEntities(StatefulRedisConnection<String, String> redis, String prefix,
                                               StockDriver driver, List<String> skus) throws Exception {
    StockDriver.await(CATCH_UP, () -> {
      Map<String, SkuEntity.Summary> truth = driver.summaries(skus);
      List<String> differences = new ArrayList<>();
      for (String sku : skus) {
        SkuEntity.Summary s = truth.get(sku);
        Map<String, String> hash = redis.sync().hgetall(prefix + sku);
        Map<String, String> expected = new TreeMap<>();
        expected.put("on_hand", String.valueOf(s.onHand()));
        expected.put("reserved", String.valueOf(s.reserved()));
        expected.put("safety_stock", String.valueOf(s.safetyStock()));
        expected.put("available", String.valueOf(s.available()));
        expected.put("event_seq", String.valueOf(s.eventSeq()));
        s.shown().forEach((listing, q) -> expected.put("shown:" + listing, String.valueOf(q)));
        Map<String, String> actual = new TreeMap<>();
        expected.keySet().forEach(k -> actual.put(k, hash.get(k)));
        if (!expected.equals(actual)) differences.add(sku + ": entity " + expected + ", board " + actual);
        else if (!hash.containsKey("updated_at")) differences.add(sku + ": no updated_at");
      }
      return differences;
    });
  }

  private static StockBoard.Status status(ActorSystem<?> system) throws Exception {
    ActorRef<StockBoard.Command> board = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (board == null && System.nanoTime() < deadline) {
      Receptionist.Listing listing = AskPattern.<Receptionist.Command, Receptionist.Listing>ask(system.receptionist(),
          r -> Receptionist.find(StockBoard.KEY, r), Duration.ofSeconds(5), system.scheduler())
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      var instances = listing.getServiceInstances(StockBoard.KEY);
      if (!instances.isEmpty()) board = instances.iterator().next();
      else Thread.sleep(100);
    }
    if (board == null) throw new AssertionError("no stock board registered");
    ActorRef<StockBoard.Command> found = board;
    return AskPattern.<StockBoard.Command, StockBoard.Status>ask(found, StockBoard.GetStatus::new,
        Duration.ofSeconds(5), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static StockBoard.Status awaitStatus(ActorSystem<?> system, java.util.function.Predicate<StockBoard.Status> p)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    StockBoard.Status last = status(system);
    while (!p.test(last) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      last = status(system);
    }
    return last;
  }

  private static void deleteKeys(StatefulRedisConnection<String, String> redis, String prefix) {
    var cursor = redis.sync().scan(ScanArgs.Builder.matches(prefix + "*").limit(500));
    while (true) {
      if (!cursor.getKeys().isEmpty()) redis.sync().del(cursor.getKeys().toArray(String[]::new));
      if (cursor.isFinished()) return;
      cursor = redis.sync().scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
    }
  }
}
