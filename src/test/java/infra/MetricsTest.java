package infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.Channel;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import marketplace.signing.Signatures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * {@code GET :8558/metrics} after real traffic: webhooks, an order through the saga, SKU batches, journal writes,
 * outbound calls with injected faults, and the orders-by-state gauge against the ledger table.
 */
class MetricsTest {
  private static MarketNode market;
  private static String metricsUrl;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    // the orders gauge is counted from the ledger every 200 ms here (5 s by default)
    market = MarketNode.start(Map.of("orchestrator.ledger.state-count-interval", "200ms"));
    metricsUrl = "http://127.0.0.1:" + market.config.getInt("akka.management.http.port") + "/metrics";
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static HttpResponse<String> post(String path, byte[] body, String signature) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path)))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (signature != null) b.header("Authorization", signature);
    return Http.send(b.build());
  }

  /** The value of the first sample whose line starts with {@code name} and contains every label given. */
  private static double sample(String text, String name, String... labels) {
    Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*\\})? (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    while (m.find()) {
      String l = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String label : labels) all &= l.contains(label);
      if (all) return Double.parseDouble(m.group(2));
    }
    throw new AssertionError("no sample " + name + " " + List.of(labels) + " in:\n" + text);
  }

  private static String scrape() throws InterruptedException {
    return Http.awaitStatus(metricsUrl, 200, Duration.ofSeconds(10)).body();
  }

  /** Every non-zero {@code orchestrator_orders} sample as "STATE|channel" -> value. */
  private static Map<String, Long> ordersGauge(String text) {
    Map<String, Long> gauge = new HashMap<>();
    Matcher m = Pattern.compile("^orchestrator_orders\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE).matcher(text);
    while (m.find()) {
      Matcher state = Pattern.compile("state=\"([^\"]*)\"").matcher(m.group(1));
      Matcher channel = Pattern.compile("channel=\"([^\"]*)\"").matcher(m.group(1));
      assertTrue(state.find() && channel.find(), m.group());
      long value = (long) Double.parseDouble(m.group(2));
      if (value != 0) gauge.put(state.group(1) + "|" + channel.group(1), value);
    }
    return gauge;
  }

  /** The ledger table's orders as "STATE|channel" -> count. */
  private static Map<String, Long> ledgerCounts() throws SQLException {
    Map<String, Long> counts = new HashMap<>();
    try (Connection c = TestDatabase.connect();
         PreparedStatement s = c.prepareStatement("SELECT status, channel, COUNT(*) FROM orders GROUP BY 1, 2");
         ResultSet rs = s.executeQuery()) {
      while (rs.next()) counts.put(rs.getString(1) + "|" + rs.getString(2), rs.getLong(3));
    }
    return counts;
  }

  /** Waits until a scrape shows exactly the ledger's counts (orders may still be moving), and returns them. */
  /**
   * Waits until the ledger has a count whose key ("STATE|channel") ends with {@code expected} (the read side may
   * still be writing the order's row) and the gauge shows the same counts as the ledger.
   */
  private static Map<String, Long> awaitGaugeMatchesLedger(String expected) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    Map<String, Long> ledger = Map.of();
    Map<String, Long> gauge = Map.of();
    while (System.currentTimeMillis() < deadline) {
      ledger = ledgerCounts();
      gauge = ordersGauge(scrape());
      boolean there = ledger.keySet().stream().anyMatch(k -> k.endsWith(expected));
      if (there && gauge.equals(ledger) && gauge.equals(ledgerCounts())) return gauge;
      Thread.sleep(100);
    }
    throw new AssertionError("orchestrator_orders " + gauge + " never matched the ledger " + ledger
        + " with a count for " + expected);
  }

  private static long journalRows(String persistenceIdPrefix) throws SQLException {
    try (Connection c = TestDatabase.connect();
         PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM event_journal WHERE persistence_id LIKE ?")) {
      s.setString(1, persistenceIdPrefix + "%");
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void trafficShowsUpInPrometheusText() throws Exception {
    HttpResponse<String> stock = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/SKU-M/stock")))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":50}")).build());
    assertEquals(200, stock.statusCode(), stock.body());
    // the order's detail fetch meets a 503, a 429 and an envelope error before it gets its answer
    market.sandbox.injectHttpStatus(Channel.SHOPEE, "get_order_detail", 503, 1);
    market.sandbox.injectHttpStatus(Channel.SHOPEE, "get_order_detail", 429, 1);
    market.sandbox.injectPlatformError(Channel.SHOPEE, "get_order_detail", "error_server", 1);
    market.sandbox.addShopeeOrder("1001", "SN-MET-1", "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(100, 0, "SKU-M", null, 2, BigDecimal.TEN)));
    byte[] push = ("{\"data\":{\"ordersn\":\"SN-MET-1\",\"status\":\"READY_TO_SHIP\",\"update_time\":1700000000},"
        + "\"shop_id\":1001,\"code\":3,\"timestamp\":1700000000,\"msg_id\":\"met-1\"}").getBytes(StandardCharsets.UTF_8);
    String signature = Signatures.shopeePushSign("sandbox-shopee-partner-key", market.url("/webhooks/shopee"), push);
    assertEquals(200, post("/webhooks/shopee", push, signature).statusCode());
    assertEquals(401, post("/webhooks/shopee", push, null).statusCode());
    assertEquals(404, post("/webhooks/tiktok", push, "wrong").statusCode()); // no TikTok shop 1001
    assertEquals(401, Http.sendAsIs(HttpRequest.newBuilder(URI.create(market.url("/admin/shops"))).build()).statusCode());
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline
        && !Http.get(market.url("/admin/orders/shopee/1001/SN-MET-1")).body().contains("CONFIRMED")) {
      Thread.sleep(100);
    }

    HttpResponse<String> response = Http.awaitStatus(metricsUrl, 200, Duration.ofSeconds(10));
    assertEquals(200, response.statusCode());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    String text = response.body();
    // webhooks by channel and answer, with a latency histogram
    assertEquals(1, sample(text, "orchestrator_webhook_requests_seconds_count", "channel=\"shopee\"", "status=\"200\""));
    assertEquals(1, sample(text, "orchestrator_webhook_requests_seconds_count", "channel=\"shopee\"", "status=\"401\""));
    assertEquals(1, sample(text, "orchestrator_webhook_requests_seconds_count", "channel=\"tiktok\"", "status=\"404\""));
    assertTrue(sample(text, "orchestrator_webhook_requests_seconds_bucket", "channel=\"shopee\"", "le=\"+Inf\"") >= 1);
    // the order went through the saga on this node
    assertEquals(1, sample(text, "orchestrator_order_transitions_total", "phase=\"CONFIRMED\""));
    assertEquals(1, sample(text, "orchestrator_order_transitions_total", "phase=\"NOTIFIED\""));
    // orders by state: the ledger's one Shopee order, counted from the table
    Map<String, Long> counts = awaitGaugeMatchesLedger("|shopee");
    assertEquals(1L, counts.entrySet().stream().filter(e -> e.getKey().endsWith("|shopee"))
        .mapToLong(Map.Entry::getValue).sum(), counts.toString());
    // SKU batches: the stock write and the reservation, with sizes and write latency
    assertTrue(sample(text, "orchestrator_sku_batch_size_count") >= 2);
    assertTrue(sample(text, "orchestrator_sku_batch_write_seconds_count") >= 2);
    assertTrue(sample(text, "orchestrator_sku_batch_write_seconds_bucket", "le=\"+Inf\"") >= 2);
    // outbound calls and breakers
    assertTrue(sample(text, "orchestrator_outbound_calls_total", "channel=\"shopee\"", "kind=\"order_detail\"",
        "result=\"success\"") >= 1);
    // every attempt by what came back: HTTP status, or the envelope's error code
    String[] detail = {"channel=\"shopee\"", "shop=\"1001\"", "kind=\"order_detail\""};
    assertEquals(1, sample(text, "orchestrator_outbound_responses_total", with(detail, "code=\"503\"")));
    assertEquals(1, sample(text, "orchestrator_outbound_responses_total", with(detail, "code=\"429\"")));
    assertEquals(1, sample(text, "orchestrator_outbound_responses_total", with(detail, "code=\"error_server\"")));
    double ok = sample(text, "orchestrator_outbound_responses_total", with(detail, "code=\"200\""));
    assertTrue(ok >= 1);
    assertEquals(sample(text, "orchestrator_outbound_attempts_total", detail), ok + 3, "every attempt has a code");
    HttpResponse<String> shops = Http.get(market.url("/admin/shops"));
    assertEquals(200, shops.statusCode(), shops.body());
    assertTrue(shops.body().contains("\"responses\":{\"200\":"), shops.body());
    assertTrue(shops.body().contains("\"429\":1,\"503\":1,\"error_server\":1"), shops.body());
    // journal writes timed in the entities: every SKU write is one journal row; an order write holds one or more
    double skuWrites = sample(text, "orchestrator_journal_write_seconds_count", "entity=\"sku\"");
    assertEquals(journalRows("Sku|"), skuWrites);
    assertEquals(skuWrites, sample(text, "orchestrator_journal_write_seconds_bucket", "entity=\"sku\"", "le=\"+Inf\""));
    double orderWrites = sample(text, "orchestrator_journal_write_seconds_count", "entity=\"order\"");
    assertTrue(orderWrites >= 3 && orderWrites <= journalRows("Order|"), orderWrites + " order writes");
    assertTrue(sample(text, "orchestrator_journal_write_seconds_sum", "entity=\"order\"") > 0);
    assertEquals(0, sample(text, "orchestrator_circuit_breaker_state", "channel=\"shopee\"", "shop=\"1001\""));
    assertEquals(1, sample(text, "orchestrator_admin_refused_total", "status=\"401\""));
    // JVM and actor system
    assertTrue(sample(text, "jvm_memory_used_bytes") > 0);
    assertTrue(sample(text, "jvm_threads_live_threads") > 0);
    assertTrue(sample(text, "system_cpu_count") >= 1);
    assertTrue(text.contains("jvm_gc_"), "GC metrics");
    assertTrue(sample(text, "akka_actor_system_uptime_seconds") >= 0);
    assertTrue(sample(text, "akka_dispatcher_default_parallelism") >= 1);
  }

  private static String[] with(String[] labels, String label) {
    String[] all = java.util.Arrays.copyOf(labels, labels.length + 1);
    all[labels.length] = label;
    return all;
  }

  @Test
  void stockSyncStalenessAndOutcomesByChannel() throws Exception {
    HttpResponse<String> listing = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/SKU-MS/listings")))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\"300\",\"modelId\":\"0\"}")).build());
    assertEquals(200, listing.statusCode(), listing.body());
    // the next stock call is refused with a business error (not retried by the client): one failed listing value
    market.sandbox.injectPlatformError(Channel.SHOPEE, "update_stock", "error_param", 1);
    HttpResponse<String> stock = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/SKU-MS/stock")))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":7}")).build());
    assertEquals(200, stock.statusCode(), stock.body());
    long deadline = System.currentTimeMillis() + 20_000;
    while (System.currentTimeMillis() < deadline && !Integer.valueOf(7).equals(market.sandbox.shopeeStock(300, 0))) {
      Thread.sleep(50);
    }
    assertEquals(7, market.sandbox.shopeeStock(300, 0), "the value reached the marketplace after its retry");
    String[] shop = {"channel=\"shopee\"", "shop=\"1001\""};
    double acknowledged = 0;
    String text = "";
    while (System.currentTimeMillis() < deadline && acknowledged < 1) {
      text = scrape();
      acknowledged = text.contains("result=\"acknowledged\"")
          ? sample(text, "orchestrator_stock_sync_listings_total", with(shop, "result=\"acknowledged\"")) : 0;
    }
    assertTrue(acknowledged >= 1, "acknowledged listing values: " + acknowledged);
    assertTrue(sample(text, "orchestrator_stock_sync_listings_total", with(shop, "result=\"failed\"")) >= 1);
    assertTrue(sample(text, "orchestrator_stock_sync_staleness_seconds_count", "channel=\"shopee\"") >= 1);
    assertTrue(sample(text, "orchestrator_stock_sync_staleness_seconds_bucket", "channel=\"shopee\"", "le=\"+Inf\"")
        >= 1);
  }

  @Test
  void ordersGaugeCountsTheLedgerTable() throws Exception {
    // An order only another node handled: its row is in the ledger, this node never saw it.
    String key = "tiktok|shop-x|T-GAUGE";
    try (Connection c = TestDatabase.connect(); PreparedStatement s = c.prepareStatement("INSERT INTO orders "
        + "(order_key, channel, shop_id, order_id, status, created_at, updated_at, last_event_seq) "
        + "VALUES (?, 'tiktok', 'shop-x', 'T-GAUGE', 'COMPLETED', now(), now(), 1)")) {
      s.setString(1, key);
      s.executeUpdate();
    }
    try {
      Map<String, Long> counts = awaitGaugeMatchesLedger("COMPLETED|tiktok");
      assertEquals(1L, counts.get("COMPLETED|tiktok"), counts.toString());
      assertTrue(scrape().contains("orchestrator_orders_count_age_seconds"));
      try (Connection c = TestDatabase.connect();
           PreparedStatement s = c.prepareStatement("UPDATE orders SET status = 'CANCELLED' WHERE order_key = ?")) {
        s.setString(1, key);
        s.executeUpdate();
      }
      counts = awaitGaugeMatchesLedger("CANCELLED|tiktok");
      assertEquals(1L, counts.get("CANCELLED|tiktok"), counts.toString());
      // a state left empty reads 0, not its last value
      assertEquals(0, sample(scrape(), "orchestrator_orders", "state=\"COMPLETED\"", "channel=\"tiktok\""));
    } finally {
      try (Connection c = TestDatabase.connect();
           PreparedStatement s = c.prepareStatement("DELETE FROM orders WHERE order_key = ?")) {
        s.setString(1, key);
        s.executeUpdate();
      }
    }
  }
}
