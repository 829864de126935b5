package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import marketplace.stock.StockStaleness;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import support.Http;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;

/**
 * The dashboard's chart data on a node on PostgreSQL: ledger rows at known times land in their buckets with the
 * gaps filled with zeros; forced cancellations count Shopee and TikTok orders only; staleness of two 10-second
 * slots shows in two buckets; a SKU's timeline follows its events and ends where the entity is; bad windows are
 * 400 and the charts need a token (a viewer may read them). The same ledger query runs on H2 too.
 */
class ChartRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
  }

  @AfterAll
  static void stop() {
    if (market != null) market.close();
  }

  private static JsonNode get(String base, String path) throws Exception {
    HttpResponse<String> r = Http.get(base + path);
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return JSON.readTree(r.body());
  }

  private static void ledgerRow(Connection c, String channel, String id, String status, String problem, Instant created)
      throws Exception {
    try (PreparedStatement s = c.prepareStatement("INSERT INTO orders (order_key, channel, shop_id, order_id, status,"
        + " problem, created_at, updated_at, last_event_seq) VALUES (?, ?, 'chart-shop', ?, ?, ?, ?, ?, 1)")) {
      s.setString(1, channel + "|chart-shop|" + id);
      s.setString(2, channel);
      s.setString(3, id);
      s.setString(4, status);
      s.setString(5, problem);
      s.setTimestamp(6, Timestamp.from(created));
      s.setTimestamp(7, Timestamp.from(created));
      s.executeUpdate();
    }
  }

  private static long[] counts(JsonNode series, String channel, String status) {
    for (JsonNode s : series) {
      if (s.get("channel").asText().equals(channel) && (status == null || s.get("status").asText().equals(status))) {
        long[] out = new long[s.get("counts").size()];
        for (int i = 0; i < out.length; i++) out[i] = s.get("counts").get(i).asLong();
        return out;
      }
    }
    return null;
  }

  @Test
  void ledgerRowsLandInTheirBucketsWithZerosBetween() throws Exception {
    // Not across a minute's end: the expected buckets would shift under the query.
    while (Instant.now().getEpochSecond() % 60 > 50) Thread.sleep(500);
    Instant now = Instant.now();
    long currentBucket = now.getEpochSecond() / 60 * 60;
    Instant twoBack = Instant.ofEpochSecond(currentBucket - 120 + 5);
    Instant thisOne = Instant.ofEpochSecond(currentBucket + Math.min(1, now.getEpochSecond() - currentBucket));
    try (Connection c = TestDatabase.connect()) {
      ledgerRow(c, "shopee", "C-1", "CONFIRMED", null, twoBack);
      ledgerRow(c, "shopee", "C-2", "CONFIRMED", null, twoBack.plusSeconds(30));
      ledgerRow(c, "shopee", "C-3", "CONFIRMED", null, thisOne);
      ledgerRow(c, "tiktok", "C-4", "OUT_OF_STOCK", "out of stock: SKU-X requested 2, available 0", twoBack);
      ledgerRow(c, "whatsapp", "C-5", "OUT_OF_STOCK", "out of stock: SKU-X requested 1, available 0", twoBack);
      ledgerRow(c, "shopee", "C-6", "CANCELLED", "out of stock: SKU-X requested 1, available 0", thisOne);
      ledgerRow(c, "shopee", "C-OLD", "CONFIRMED", null, now.minus(Duration.ofMinutes(30)));
    }
    String base = market.url("");
    JsonNode chart = get(base, "/admin/charts/orders?minutes=5&bucket=60");
    assertEquals(60, chart.get("bucketSeconds").asInt());
    assertEquals(5, chart.get("buckets").size());
    assertEquals(Instant.ofEpochSecond(currentBucket).toString(), chart.get("buckets").get(4).asText(), "the last bucket holds now");
    assertEquals(Instant.ofEpochSecond(currentBucket - 240).toString(), chart.get("from").asText());
    assertEquals("[0, 0, 2, 0, 1]", java.util.Arrays.toString(counts(chart.get("series"), "shopee", "CONFIRMED")),
        "two orders two minutes back, one now, the old one outside the window");
    assertEquals("[0, 0, 1, 0, 0]", java.util.Arrays.toString(counts(chart.get("series"), "tiktok", "OUT_OF_STOCK")));
    assertEquals(null, counts(chart.get("series"), "tiktok", "CONFIRMED"), "no empty series");

    JsonNode sync = get(base, "/admin/charts/sync?minutes=5&bucket=60");
    assertEquals("[0, 0, 0, 0, 1]", java.util.Arrays.toString(counts(sync.get("forcedCancellations"), "shopee", null)),
        "a Shopee order cancelled for stock that was gone");
    assertEquals("[0, 0, 1, 0, 0]", java.util.Arrays.toString(counts(sync.get("forcedCancellations"), "tiktok", null)));
    assertEquals(null, counts(sync.get("forcedCancellations"), "whatsapp", null), "a WhatsApp buyer is told sold out: no penalty");

    JsonNode wide = get(base, "/admin/charts/orders?minutes=60&bucket=3600");
    assertEquals(1, wide.get("buckets").size());
  }

  @Test
  void stalenessOfTwoSlotsShowsInTwoBuckets() throws Exception {
    while (Instant.now().getEpochSecond() % 10 > 7) Thread.sleep(200); // not across a slot's end
    StockStaleness staleness = StockStaleness.get(market.node.system());
    Instant now = Instant.now();
    staleness.record(Channel.TIKTOK, Duration.ofMillis(120), now.minusSeconds(20));
    staleness.record(Channel.TIKTOK, Duration.ofMillis(300), now);
    staleness.record(Channel.TIKTOK, Duration.ofMillis(100), now);
    JsonNode sync = get(market.url(""), "/admin/charts/sync?minutes=2&bucket=10");
    assertEquals(12, sync.get("buckets").size());
    assertEquals("[\"" + akka.cluster.typed.Cluster.get(market.node.system()).selfMember().address() + "\"]",
        sync.get("nodes").toString(), "the one node's reporter answered");
    assertEquals("[]", sync.get("missingNodes").toString());
    JsonNode tiktok = null;
    for (JsonNode s : sync.get("staleness")) if (s.get("channel").asText().equals("tiktok")) tiktok = s;
    assertTrue(tiktok != null, sync.toString());
    long total = 0;
    int withPushes = 0;
    for (JsonNode n : tiktok.get("count")) {
      total += n.asLong();
      if (n.asLong() > 0) withPushes++;
    }
    assertEquals(3, total);
    assertTrue(withPushes == 2 || withPushes == 3, "pushes 20 s apart in different buckets: " + tiktok);
    assertEquals(300.0, tiktok.get("maxMs").get(11).asDouble(), "the largest of the current bucket");
    assertEquals(300.0, tiktok.get("p99Ms").get(11).asDouble());
    assertTrue(tiktok.get("p99Ms").get(0).isNull(), "no push in the first bucket: null, not 0");
  }

  @Test
  void aSkuTimelineFollowsItsEventsAndEndsWhereTheEntityIs() throws Exception {
    String sku = "SKU-CHART";
    Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + sku + "/stock")))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":10}")).build());
    Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + sku + "/listings")))
        .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(
            "{\"channel\":\"shopee\",\"shopId\":\"1001\",\"itemId\":\"7100\",\"modelId\":\"0\"}")).build());
    HttpResponse<String> adjusted = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + sku + "/adjustments")))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"delta\":-3,\"reason\":\"DAMAGED\"}")).build());
    assertEquals(200, adjusted.statusCode(), adjusted.body());
    JsonNode timeline = get(market.url(""), "/admin/skus/" + sku + "/timeline");
    JsonNode points = timeline.get("points");
    assertEquals(3, timeline.get("events").asInt(), timeline.toString());
    assertEquals(List.of("StockSet", "ListingPut", "StockAdjusted"),
        List.of(points.get(0).get("event").asText(), points.get(1).get("event").asText(), points.get(2).get("event").asText()));
    assertEquals(10, points.get(0).get("onHand").asInt());
    assertEquals(0, points.get(0).get("shown").size(), "no listing yet");
    assertEquals(10, points.get(1).get("shown").get("shopee:1001").asInt());
    assertEquals(7, points.get(2).get("available").asInt());
    JsonNode entity = get(market.url(""), "/admin/skus/" + sku);
    assertEquals(entity.get("available").asInt(), points.get(2).get("available").asInt());
    assertEquals(entity.get("shown"), points.get(2).get("shown"), "the same shown as the entity reports");
    assertEquals(1, get(market.url(""), "/admin/skus/" + sku + "/timeline?limit=1").get("points").size(), "the last point only");
    assertEquals(404, Http.get(market.url("/admin/skus/NO-SUCH-SKU/timeline")).statusCode());
    assertEquals(400, Http.get(market.url("/admin/skus/" + sku + "/timeline?limit=0")).statusCode());
  }

  @Test
  void badWindowsAre400WithAJsonErrorAndTheChartsNeedAToken() throws Exception {
    for (String query : List.of("minutes=0", "minutes=1441", "bucket=5", "bucket=15", "bucket=3601",
        "minutes=1440&bucket=10", "minutes=ten", "window=5")) {
      for (String chart : List.of("orders", "sync")) {
        HttpResponse<String> r = Http.get(market.url("/admin/charts/" + chart + "?" + query));
        assertEquals(400, r.statusCode(), chart + "?" + query + ": " + r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("bad_request", body.get("error").asText());
        String name = query.substring(0, query.indexOf('=')).replace("minutes=1440&", "");
        assertTrue(body.get("message").asText().contains(name.equals("minutes") && query.contains("bucket") ? "buckets" : name),
            query + ": " + body);
      }
    }
    HttpResponse<String> anonymous = Http.sendAsIs(HttpRequest.newBuilder(URI.create(market.url("/admin/charts/orders"))).build());
    assertEquals(401, anonymous.statusCode());
    HttpResponse<String> viewer = Http.sendAsIs(HttpRequest.newBuilder(URI.create(market.url("/admin/charts/sync")))
        .header("Authorization", "Bearer " + TestConfig.VIEWER_TOKEN).build());
    assertEquals(200, viewer.statusCode(), viewer.body());
  }

  @Test
  void theLedgerChartRunsOnTheEmbeddedDatabaseToo(@TempDir Path dataDir) throws Exception {
    try (Node node = Node.start(TestConfig.h2(dataDir))) {
      String base = "http://127.0.0.1:" + node.httpPort();
      Http.send(HttpRequest.newBuilder(URI.create(base + "/admin/skus/SKU-H2/stock")).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":5}")).build());
      HttpResponse<String> created = Http.send(HttpRequest.newBuilder(URI.create(base + "/admin/orders"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
              "{\"channel\":\"phone\",\"buyerName\":\"A\",\"lines\":[{\"sku\":\"SKU-H2\",\"quantity\":1}]}")).build());
      assertEquals(201, created.statusCode(), created.body());
      long[] phone = null;
      for (long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos(); phone == null && System.nanoTime() < deadline; ) {
        phone = counts(get(base, "/admin/charts/orders?minutes=10&bucket=60").get("series"), "phone", "CONFIRMED");
        if (phone == null) Thread.sleep(200); // the ledger is a projection
      }
      assertTrue(phone != null && phone[phone.length - 1] == 1, java.util.Arrays.toString(phone));
      assertEquals(0, get(base, "/admin/charts/sync?minutes=10&bucket=60").get("forcedCancellations").size());
      assertEquals(1, get(base, "/admin/skus/SKU-H2/timeline").get("points").get(0).get("onHand").asInt() / 5);
    }
  }
}
