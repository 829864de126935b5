package readside.stocklevels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import app.Node;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import sku.SkuEntity;
import support.Http;
import support.StockDriver;
import support.TestConfig;
import support.TestDatabase;

/**
 * The stock levels read side on the real PostgreSQL journal: after a concurrent burst of reservations, releases,
 * commits and adjustments over many SKUs, every row equals its entity (numbers, listings, what each listing shows,
 * sequence number); after a restart the projections resume and later changes arrive too. The HTTP list pages and
 * filters low stock.
 */
class StockLevelsPostgresTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration CATCH_UP = Duration.ofSeconds(60);
  private static final List<String> SKUS = IntStream.range(0, 60).mapToObj(i -> String.format("lv-%02d", i)).toList();

  @Test
  void tableEqualsTheEntitiesAfterABurstAndAfterARestart() throws Exception {
    TestDatabase.reset();
    var config = TestConfig.postgres();
    Random random = new Random(11);
    try (Node node = Node.start(config)) {
      StockDriver driver = new StockDriver(node.system());
      driver.catalog(SKUS, 40);
      int granted = driver.burst(SKUS, "A-", 3000, 64, random);
      assertTrue(granted > 500 && granted < 3000, "some reservations granted, some refused: " + granted);
      awaitTableEqualsEntities(driver);
      try (Connection c = TestDatabase.connect()) {
        assertEquals(4, count(c, "SELECT COUNT(*) FROM akka_projection_offset_store WHERE projection_name = '"
            + StockLevelProjection.NAME + "'"), "one offset per SKU tag");
      }
    }
    try (Node node = Node.start(config)) {
      StockDriver driver = new StockDriver(node.system());
      awaitTableEqualsEntities(driver);
      for (int i = 0; i < 10; i++) driver.adjust(SKUS.get(i), 50);
      driver.burst(SKUS, "B-", 500, 32, random);
      awaitTableEqualsEntities(driver);
      String base = "http://127.0.0.1:" + node.httpPort();
      assertHttpListPagesAndFilters(base, driver);
    }
  }

  private static void assertHttpListPagesAndFilters(String base, StockDriver driver) throws Exception {
    // three SKUs set to known low numbers: available 0, 2 and 5
    driver.setStockAsync("lv-low-0", 0).get();
    driver.setStockAsync("lv-low-2", 2).get();
    driver.setStockAsync("lv-low-5", 5).get();
    List<String> all = new ArrayList<>(SKUS);
    all.addAll(List.of("lv-low-0", "lv-low-2", "lv-low-5"));
    awaitTableEqualsEntities(driver, all);
    Map<String, SkuEntity.Summary> truth = driver.summaries(all);

    JsonNode page = JSON.readTree(Http.get(base + "/admin/skus?limit=10&offset=20").body());
    assertEquals(all.size(), page.get("total").asInt());
    assertEquals(10, page.get("skus").size());
    List<String> sorted = all.stream().sorted().toList();
    for (int i = 0; i < 10; i++) {
      JsonNode row = page.get("skus").get(i);
      assertEquals(sorted.get(20 + i), row.get("sku").asText(), "paged in SKU order");
      SkuEntity.Summary s = truth.get(row.get("sku").asText());
      assertEquals(s.available(), row.get("available").asInt());
      assertEquals(s.reserved(), row.get("reserved").asInt());
      assertEquals(s.onHand(), row.get("onHand").asInt());
      assertEquals(s.shown(), JSON.convertValue(row.get("shown"), new TypeReference<Map<String, Integer>>() {}));
    }
    JsonNode shopee = JSON.readTree(Http.get(base + "/admin/skus?limit=1&offset=0").body()).at("/skus/0");
    assertEquals("lv-00", shopee.get("sku").asText());
    assertTrue(shopee.get("shown").has("shopee:shop-1"), "shown per listing: " + shopee);

    for (int threshold : new int[] {0, 2, 5, 30}) {
      long expected = truth.values().stream().filter(s -> s.available() <= threshold).count();
      JsonNode low = JSON.readTree(Http.get(base + "/admin/skus?lowStock=true&threshold=" + threshold + "&limit=500")
          .body());
      assertEquals(expected, low.get("total").asLong(), "low stock at " + threshold);
      int previous = -1;
      for (JsonNode row : low.get("skus")) {
        assertTrue(row.get("available").asInt() <= threshold);
        assertTrue(row.get("available").asInt() >= previous, "lowest available first");
        previous = row.get("available").asInt();
      }
    }
    long defaultLow = truth.values().stream().filter(s -> s.available() <= 5).count();
    assertEquals(defaultLow, JSON.readTree(Http.get(base + "/admin/skus?lowStock=true").body()).get("total").asLong(),
        "default threshold 5");
    assertTrue(defaultLow >= 3);

    for (String bad : new String[] {"limit=0", "limit=501", "offset=-1", "lowStock=yes", "threshold=3",
        "lowStock=true&threshold=-1", "lowStock=true&threshold=x", "sort=price"}) {
      HttpResponse<String> r = Http.get(base + "/admin/skus?" + bad);
      assertEquals(400, r.statusCode(), bad + ": " + r.body());
      assertEquals("bad_request", JSON.readTree(r.body()).get("error").asText(), bad);
    }
    // the entity routes below /admin/skus still answer
    HttpResponse<String> one = Http.get(base + "/admin/skus/lv-low-2");
    assertEquals(200, one.statusCode(), one.body());
    assertEquals(2, JSON.readTree(one.body()).get("available").asInt());
  }

  private static void awaitTableEqualsEntities(StockDriver driver) throws Exception {
    awaitTableEqualsEntities(driver, SKUS);
  }

  private static void awaitTableEqualsEntities(StockDriver driver, List<String> skus) throws Exception {
    StockDriver.await(CATCH_UP, () -> {
      Map<String, SkuEntity.Summary> truth = driver.summaries(skus);
      Map<String, JsonNode> rows = rows();
      List<String> differences = new ArrayList<>();
      for (String sku : skus) {
        SkuEntity.Summary s = truth.get(sku);
        JsonNode row = rows.get(sku);
        if (row == null) {
          differences.add(sku + ": no row");
          continue;
        }
        String expected = s.onHand() + "/" + s.reserved() + "/" + s.safetyStock() + "/" + s.available() + "/"
            + s.listings().size() + "/" + s.shown() + "/" + s.eventSeq();
        String actual = row.get("on_hand").asInt() + "/" + row.get("reserved").asInt() + "/"
            + row.get("safety_stock").asInt() + "/" + row.get("available").asInt() + "/" + row.get("listings").asInt()
            + "/" + JSON.convertValue(row.get("shown"), new TypeReference<java.util.TreeMap<String, Integer>>() {})
            + "/" + row.get("last_event_seq").asLong();
        if (!expected.equals(actual)) differences.add(sku + ": entity " + expected + ", row " + actual);
      }
      return differences;
    });
  }

  private static Map<String, JsonNode> rows() throws Exception {
    Map<String, JsonNode> rows = new HashMap<>();
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT sku, on_hand, reserved, safety_stock, available, listings, shown, "
             + "last_event_seq FROM stock_levels")) {
      while (rs.next()) {
        var row = JSON.createObjectNode();
        row.put("on_hand", rs.getInt(2));
        row.put("reserved", rs.getInt(3));
        row.put("safety_stock", rs.getInt(4));
        row.put("available", rs.getInt(5));
        row.put("listings", rs.getInt(6));
        row.set("shown", JSON.readTree(rs.getString(7)));
        row.put("last_event_seq", rs.getLong(8));
        rows.put(rs.getString(1), row);
      }
    }
    return rows;
  }

  private static long count(Connection c, String sql) throws Exception {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
