package readside.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import app.Node;
import common.Channel;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import order.OrderEntity;
import order.OrderView;
import org.junit.jupiter.api.Test;
import support.OrderDriver.PlannedLine;
import support.OrderDriver.PlannedOrder;
import support.OrderDriver;
import support.TestConfig;
import support.TestDatabase;

/**
 * A burst of orders through real entities on the PostgreSQL journal: once the entities are final, the ledger rows
 * equal the entities' own state (phase, lines, totals, timestamps), one row per order. After a restart the
 * projections resume from their stored offsets (no duplicate rows), and a replay from offset zero changes nothing.
 */
class OrderProjectionPostgresTest {
  private static final int ORDERS = 300;
  private static final int SCARCE = 4;        // sku-00..03: 40 units each, one unit on every order
  private static final int SKUS = 12;         // sku-04..11: plenty
  private static final Duration CATCH_UP = Duration.ofSeconds(60);

  @Test
  void ledgerEqualsTheEntitiesAfterABurstAndAfterRestarts() throws Exception {
    TestDatabase.reset();
    var config = TestConfig.postgres(Map.of("orchestrator.orders.cancel-out-of-stock", false));
    Random random = new Random(7);
    List<PlannedOrder> orders = new ArrayList<>();
    for (int i = 0; i < ORDERS; i++) {
      List<PlannedLine> lines = new ArrayList<>();
      lines.add(new PlannedLine(sku(random.nextInt(SCARCE)), 1, new BigDecimal("15000"), null));
      if (random.nextBoolean()) {
        lines.add(new PlannedLine(sku(SCARCE + random.nextInt(SKUS - SCARCE)), 1 + random.nextInt(3),
            new BigDecimal("2500.50"), null));
      }
      Channel channel = i % 3 == 0 ? Channel.WHATSAPP : i % 3 == 1 ? Channel.SHOPEE : Channel.TIKTOK;
      orders.add(new PlannedOrder(channel, "shop-" + (i % 2), "P-" + i, "Buyer " + i,
          new BigDecimal(15000 + i), lines));
    }
    // an order whose line has no SKU code, and one whose SKU does not exist: both need mapping
    PlannedOrder unmapped = new PlannedOrder(Channel.SHOPEE, "shop-0", "P-unmapped", "Ana",
        new BigDecimal("99"), List.of(new PlannedLine(null, 2, new BigDecimal("49.5"), "item-9/model-1")));
    PlannedOrder unknown = new PlannedOrder(Channel.TIKTOK, "shop-1", "P-unknown", "Budi",
        new BigDecimal("10"), List.of(new PlannedLine("no-such-sku", 1, BigDecimal.TEN, null)));
    orders.add(unmapped);
    orders.add(unknown);
    List<String> keys = orders.stream().map(PlannedOrder::key).toList();

    List<String> shipped = new ArrayList<>();
    try (Node node = Node.start(config)) {
      OrderDriver driver = new OrderDriver(node.system());
      for (int i = 0; i < SKUS; i++) driver.setStock(sku(i), i < SCARCE ? 40 : 100_000);
      driver.notifyAll(orders, 64);
      Map<String, OrderView> views = driver.awaitPhases(keys,
          Set.of("CONFIRMED", "OUT_OF_STOCK", "NEEDS_MAPPING"), Duration.ofSeconds(90));
      assertEquals("NEEDS_MAPPING", views.get(unmapped.key()).phase());
      assertEquals("NEEDS_MAPPING", views.get(unknown.key()).phase());

      // operators act on part of the burst: ship some, cancel some, map both lines without a known SKU
      List<String> confirmed = keys.stream().filter(k -> "CONFIRMED".equals(views.get(k).phase())).toList();
      assertTrue(confirmed.size() >= 100 && confirmed.size() <= 160, "scarce stock decides: " + confirmed.size());
      for (int i = 0; i < 30; i++) {
        driver.ship(confirmed.get(i), "TRK-" + i);
        shipped.add(confirmed.get(i));
      }
      for (int i = 30; i < 50; i++) driver.cancel(confirmed.get(i));
      driver.map(unmapped.key(), "item-9/model-1", sku(SKUS - 1));
      driver.map(unknown.key(), "no-such-sku", sku(SKUS - 2));
      Map<String, OrderView> settled = driver.awaitPhases(keys,
          Set.of("CONFIRMED", "OUT_OF_STOCK", "SHIPPED", "CANCELLED"), Duration.ofSeconds(90));
      assertEquals(Map.of(sku(SKUS - 1), 2), settled.get(unmapped.key()).lines());
      assertEquals(Map.of(sku(SKUS - 2), 1), settled.get(unknown.key()).lines());

      awaitLedgerEqualsEntities(driver, keys);
      assertOffsetsAtTheEndOfEachTag();
      try (Connection c = TestDatabase.connect()) {
        Map<String, LedgerRows.Row> rows = LedgerRows.read(c);
        assertEquals("SHIPPED", rows.get(shipped.get(0)).status());
        assertEquals("TRK-0", rows.get(shipped.get(0)).trackingNumber());
        assertTrue(rows.values().stream().anyMatch(r -> "OUT_OF_STOCK".equals(r.status())
            && r.problem() != null && r.problem().startsWith("out of stock: sku-0")), "OUT_OF_STOCK rows say why");
        assertEquals(4, count(c, "SELECT COUNT(*) FROM akka_projection_offset_store WHERE projection_name = '"
            + OrderProjection.NAME + "'"), "one offset per tag");
      }
    }

    // restart: the projections resume from their offsets; new events after it reach the ledger too
    try (Node node = Node.start(config)) {
      OrderDriver driver = new OrderDriver(node.system());
      awaitLedgerEqualsEntities(driver, keys);
      List<String> confirmed = driver.views(keys).values().stream()
          .filter(v -> "CONFIRMED".equals(v.phase())).map(OrderView::orderKey).sorted().toList();
      for (int i = 0; i < 10; i++) driver.ship(confirmed.get(i), "LATE-" + i);
      driver.awaitPhases(confirmed.subList(0, 10), Set.of("SHIPPED"), Duration.ofSeconds(60));
      awaitLedgerEqualsEntities(driver, keys);
      assertOffsetsAtTheEndOfEachTag();
    }

    // replay everything: offsets back to zero, every event is delivered again and the sequence guard ignores it
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.executeUpdate("DELETE FROM akka_projection_offset_store");
    }
    try (Node node = Node.start(config)) {
      OrderDriver driver = new OrderDriver(node.system());
      awaitOffsets(Duration.ofSeconds(60));
      awaitLedgerEqualsEntities(driver, keys);
      try (Connection c = TestDatabase.connect()) {
        assertEquals(orders.size(), count(c, "SELECT COUNT(*) FROM orders"), "one row per order");
        assertEquals(lineCount(driver.views(keys)), count(c, "SELECT COUNT(*) FROM order_lines"),
            "one line row per SKU of an order");
      }
    }
  }

  private static void awaitLedgerEqualsEntities(OrderDriver driver, List<String> keys) throws Exception {
    LedgerRows.await(CATCH_UP, () -> {
      Map<String, OrderView> views = driver.views(keys);
      Map<String, LedgerRows.Row> rows;
      try (Connection c = TestDatabase.connect()) {
        rows = LedgerRows.read(c);
      }
      List<String> differences = new ArrayList<>();
      if (rows.size() != keys.size()) differences.add(rows.size() + " rows for " + keys.size() + " orders");
      for (String key : keys) differences.addAll(LedgerRows.differences(views.get(key), rows.get(key)));
      return differences;
    });
  }

  /** Each tag's stored offset is the last journal ordering carrying that tag: it was committed with the rows. */
  private static void assertOffsetsAtTheEndOfEachTag() throws Exception {
    try (Connection c = TestDatabase.connect()) {
      Map<String, Long> offsets = offsets(c);
      for (String tag : OrderEntity.TAGS) {
        long last = count(c, "SELECT COALESCE(MAX(event_id), 0) FROM event_tag WHERE tag = '" + tag + "'");
        assertEquals(last, offsets.getOrDefault(tag, -1L), "offset of " + tag);
      }
    }
  }

  private static void awaitOffsets(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        assertOffsetsAtTheEndOfEachTag();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) throw e;
        Thread.sleep(250);
      }
    }
  }

  private static Map<String, Long> offsets(Connection c) throws Exception {
    Map<String, Long> offsets = new HashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT projection_key, current_offset FROM akka_projection_offset_store WHERE projection_name = '"
            + OrderProjection.NAME + "'")) {
      while (rs.next()) offsets.put(rs.getString(1), Long.parseLong(rs.getString(2)));
    }
    return offsets;
  }

  private static long lineCount(Map<String, OrderView> views) {
    return views.values().stream().mapToLong(v -> v.lines().size()).sum();
  }

  private static long count(Connection c, String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String sku(int i) {
    return String.format("sku-%02d", i);
  }
}
