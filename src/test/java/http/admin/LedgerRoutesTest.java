package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import order.OrderView;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.OrderDriver.PlannedLine;
import support.OrderDriver.PlannedOrder;
import support.OrderDriver;
import support.TestConfig;
import support.TestDatabase;

/**
 * The ledger API over real HTTP, on a node with the PostgreSQL journal whose projection filled the ledger from real
 * order entities: filters, paging, 400s, the CSV export (a small export page so it spans several queries), and the
 * order routes on the same paths still answering.
 */
class LedgerRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRICKY_NAME = "Doe, \"Jo\"\nsecond line";
  private static final String FORMULA_NAME = "=HYPERLINK(\"http://evil\")";
  private static Node node;
  private static String base;
  private static List<PlannedOrder> orders;
  private static Map<String, OrderView> views;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    node = Node.start(TestConfig.postgres(Map.of("orchestrator.orders.cancel-out-of-stock", false,
        "orchestrator.ledger.export-page-size", 7)));
    base = "http://127.0.0.1:" + node.httpPort();
    OrderDriver driver = new OrderDriver(node.system());
    driver.setStock("L-SCARCE", 10);
    driver.setStock("L-PLENTY", 1000);
    orders = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      Channel channel = i % 3 == 0 ? Channel.WHATSAPP : i % 3 == 1 ? Channel.SHOPEE : Channel.TIKTOK;
      String buyer = i == 4 ? TRICKY_NAME : i == 5 ? FORMULA_NAME : "Buyer " + i;
      String sku = i % 2 == 0 ? "L-SCARCE" : "L-PLENTY";
      orders.add(new PlannedOrder(channel, i < 20 ? "shop-a" : "shop-b", "R-" + i, buyer,
          new BigDecimal("12.50"), List.of(new PlannedLine(sku, 1, new BigDecimal("12.50"), null))));
    }
    driver.notifyAll(orders, 1); // one after the other: created_at follows the list
    List<String> keys = orders.stream().map(PlannedOrder::key).toList();
    views = driver.awaitPhases(keys, Set.of("CONFIRMED", "OUT_OF_STOCK"), Duration.ofSeconds(60));
    // the ledger has caught up when every order shows the phase its entity has
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonNode page = JSON.readTree(Http.get(base + "/admin/orders?limit=500").body());
      Set<String> caughtUp = new HashSet<>();
      for (JsonNode o : page.get("orders")) {
        OrderView v = views.get(o.get("orderKey").asText());
        if (v != null && v.phase().equals(o.get("status").asText())) caughtUp.add(v.orderKey());
      }
      if (caughtUp.size() == orders.size()) break;
      if (System.nanoTime() > deadline) throw new AssertionError("ledger did not catch up: " + caughtUp.size());
      Thread.sleep(200);
    }
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
  }

  @Test
  void pagesCoverEveryOrderOnceOldestFirst() throws Exception {
    List<String> seen = new ArrayList<>();
    for (int offset = 0; offset < 40; offset += 8) {
      JsonNode page = ok("/admin/orders?limit=8&offset=" + offset);
      assertEquals(orders.size(), page.get("total").asInt());
      assertEquals(offset, page.get("offset").asInt());
      assertEquals(8, page.get("limit").asInt());
      assertEquals(Math.max(0, Math.min(8, orders.size() - offset)), page.get("orders").size());
      for (JsonNode o : page.get("orders")) seen.add(o.get("orderKey").asText());
    }
    assertEquals(orders.stream().map(PlannedOrder::key).toList(), seen, "every order once, in created order");
    JsonNode first = ok("/admin/orders").get("orders").get(0);
    assertEquals(50, ok("/admin/orders").get("limit").asInt(), "default limit");
    assertEquals("whatsapp", first.get("channel").asText());
    assertEquals("R-0", first.get("orderId").asText());
    assertEquals(0, new BigDecimal("12.50").compareTo(first.get("totalAmount").decimalValue()));
    assertEquals("L-SCARCE", first.at("/lines/0/sku").asText());
    assertEquals(1, first.at("/lines/0/quantity").asInt());
  }

  @Test
  void sortNewestPagesTheSameOrdersNewestFirst() throws Exception {
    List<String> seen = new ArrayList<>();
    for (int offset = 0; offset < 40; offset += 8) {
      JsonNode page = ok("/admin/orders?sort=newest&limit=8&offset=" + offset);
      assertEquals(orders.size(), page.get("total").asInt());
      for (JsonNode o : page.get("orders")) seen.add(o.get("orderKey").asText());
    }
    List<String> newestFirst = new ArrayList<>(orders.stream().map(PlannedOrder::key).toList());
    java.util.Collections.reverse(newestFirst);
    assertEquals(newestFirst, seen, "every order once, newest created first");
    assertEquals(ok("/admin/orders?limit=500").get("orders").get(0).get("orderKey"),
        ok("/admin/orders?limit=500&sort=oldest").get("orders").get(0).get("orderKey"), "oldest is the default");
  }

  @Test
  void filtersMatchTheEntities() throws Exception {
    long confirmed = views.values().stream().filter(v -> v.phase().equals("CONFIRMED")).count();
    long outOfStock = views.values().stream().filter(v -> v.phase().equals("OUT_OF_STOCK")).count();
    assertEquals(25, confirmed, "15 plenty + 10 scarce units");
    assertEquals(confirmed, ok("/admin/orders?status=CONFIRMED").get("total").asLong());
    assertEquals(outOfStock, ok("/admin/orders?status=out_of_stock").get("total").asLong(), "case-insensitive");
    for (JsonNode o : ok("/admin/orders?status=OUT_OF_STOCK").get("orders")) {
      assertEquals("OUT_OF_STOCK", o.get("status").asText());
      assertTrue(o.get("problem").asText().startsWith("out of stock: L-SCARCE"), o.toString());
    }
    assertEquals(10, ok("/admin/orders?channel=whatsapp").get("total").asInt());
    assertEquals(10, ok("/admin/orders?shop=shop-b").get("total").asInt());
    long whatsappShopB = orders.stream().filter(o -> o.channel() == Channel.WHATSAPP && o.shop().equals("shop-b"))
        .count();
    assertEquals(whatsappShopB, ok("/admin/orders?channel=whatsapp&shop=shop-b").get("total").asLong());
    assertEquals(0, ok("/admin/orders?shop=nobody").get("total").asInt());

    // time range on created_at: from inclusive, to exclusive
    Instant middle = views.get(orders.get(12).key()).createdAt();
    JsonNode from = ok("/admin/orders?limit=500&from=" + enc(middle.toString()));
    assertEquals(orders.size() - 12, from.get("total").asInt());
    assertEquals(orders.get(12).key(), from.at("/orders/0/orderKey").asText());
    assertEquals(12, ok("/admin/orders?to=" + enc(middle.toString())).get("total").asInt());
    assertEquals(1, ok("/admin/orders?from=" + enc(middle.toString()) + "&to="
        + enc(views.get(orders.get(13).key()).createdAt().toString())).get("total").asInt());
  }

  @Test
  void theSearchMatchesPartOfTheOrderIdIgnoringCaseAndTakesWildcardsLiterally() throws Exception {
    long expected = orders.stream().filter(o -> o.key().endsWith("|R-1") || o.key().matches(".*\\|R-1\\d$")).count();
    assertEquals(11, expected, "R-1 and R-10..R-19");
    JsonNode found = ok("/admin/orders?limit=500&q=r-1");
    assertEquals(expected, found.get("total").asLong());
    for (JsonNode o : found.get("orders")) assertTrue(o.get("orderId").asText().startsWith("R-1"), o.toString());
    assertEquals(1, ok("/admin/orders?q=R-17").get("total").asInt());
    assertEquals(0, ok("/admin/orders?q=" + enc("R-%")).get("total").asInt(), "% is a character, not a wildcard");
    assertEquals(0, ok("/admin/orders?q=R_1").get("total").asInt(), "_ is a character, not a wildcard");
    assertEquals(1, ok("/admin/orders?q=R-17&channel=" + orders.stream().filter(o -> o.key().endsWith("|R-17"))
        .findFirst().orElseThrow().channel().key()).get("total").asInt(), "with the other filters");
    assertTrue(Http.get(base + "/admin/orders.csv?q=R-17").body().contains("R-17"), "the CSV takes the search too");
    assertEquals(400, Http.get(base + "/admin/orders?q=" + "x".repeat(101)).statusCode(), "a search of 101 characters");
  }

  @Test
  void badParametersAre400WithAJsonError() throws Exception {
    for (String query : List.of("status=SOLD", "channel=ebay", "limit=0", "limit=501", "limit=ten", "offset=-1",
        "from=yesterday", "to=2024-13-01T00:00:00Z", "from=2024-05-02T00:00:00Z&to=2024-05-01T00:00:00Z",
        "shop=a%7Cb", "stauts=CONFIRMED", "sort=random")) {
      HttpResponse<String> response = Http.get(base + "/admin/orders?" + query);
      assertEquals(400, response.statusCode(), query + ": " + response.body());
      JsonNode body = JSON.readTree(response.body());
      assertEquals("bad_request", body.get("error").asText(), query);
      assertTrue(body.get("message").asText().length() > 5, query);
    }
    HttpResponse<String> csv = Http.get(base + "/admin/orders.csv?channel=ebay");
    assertEquals(400, csv.statusCode());
    assertEquals("bad_request", JSON.readTree(csv.body()).get("error").asText());
    assertEquals(400, Http.get(base + "/admin/orders.csv?limit=5").statusCode(), "the export has no paging");
  }

  @Test
  void csvHasAHeaderAndOneQuotedRowPerOrder() throws Exception {
    HttpResponse<String> response = Http.get(base + "/admin/orders.csv");
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
    assertTrue(response.headers().firstValue("Content-Disposition").orElse("").contains("orders.csv"));
    List<List<String>> rows = parseCsv(response.body());
    List<String> header = rows.get(0);
    assertEquals(readside.ledger.OrderCsv.HEADER, header);
    assertEquals(orders.size() + 1, rows.size(), "header + one row per order (7 per query, several queries)");
    List<String> keys = rows.subList(1, rows.size()).stream().map(r -> r.get(0)).toList();
    assertEquals(orders.stream().map(PlannedOrder::key).toList(), keys, "each order once, oldest first");
    for (List<String> row : rows) assertEquals(header.size(), row.size(), row.toString());

    int buyer = header.indexOf("buyer_name");
    assertEquals(TRICKY_NAME, rows.get(5).get(buyer), "comma, quotes and a line break survive the round trip");
    assertEquals("'" + FORMULA_NAME, rows.get(6).get(buyer), "a formula is neutralised");
    assertEquals(views.get(orders.get(0).key()).phase(), rows.get(1).get(header.indexOf("status")));
    assertEquals("L-SCARCE x1 @ 12.5000", rows.get(1).get(header.indexOf("lines")));

    List<List<String>> whatsapp = parseCsv(Http.get(base + "/admin/orders.csv?channel=whatsapp&status=CONFIRMED")
        .body());
    long expected = orders.stream().filter(o -> o.channel() == Channel.WHATSAPP
        && views.get(o.key()).phase().equals("CONFIRMED")).count();
    assertEquals(expected + 1, whatsapp.size());
    assertEquals(1, parseCsv(Http.get(base + "/admin/orders.csv?shop=nobody").body()).size(), "header only");
  }

  @Test
  void summaryCountsByStatusAndChannel() throws Exception {
    JsonNode summary = ok("/admin/orders/summary");
    assertEquals(orders.size(), summary.get("total").asInt());
    assertEquals(25, summary.at("/byStatus/CONFIRMED").asInt());
    assertEquals(5, summary.at("/byStatus/OUT_OF_STOCK").asInt());
    assertEquals(10, summary.at("/byChannel/tiktok").asInt());
    assertEquals(10, ok("/admin/orders/summary?shop=shop-b").get("total").asInt());
    assertEquals(400, Http.get(base + "/admin/orders/summary?status=NOPE").statusCode());
  }

  @Test
  void orderRoutesOnTheSamePathsStillAnswer() throws Exception {
    PlannedOrder first = orders.get(1);
    HttpResponse<String> one = Http.get(base + "/admin/orders/shopee/shop-a/R-1");
    assertEquals(200, one.statusCode(), one.body());
    assertEquals(first.key(), JSON.readTree(one.body()).get("orderKey").asText());
    // POST /admin/orders still reaches OrderRoutes (its own validation answers; nothing is created)
    HttpResponse<String> post = Http.send(HttpRequest.newBuilder(URI.create(base + "/admin/orders"))
        .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"shopee\",\"lines\":[]}")).build());
    assertEquals(400, post.statusCode(), post.body());
    assertEquals("channel must be whatsapp or phone", JSON.readTree(post.body()).get("message").asText());
    HttpResponse<String> wrongMethod = Http.send(HttpRequest.newBuilder(URI.create(base + "/admin/orders.csv"))
        .timeout(Duration.ofSeconds(15)).DELETE().build());
    assertEquals(405, wrongMethod.statusCode());
  }

  // --- helpers

  private static JsonNode ok(String path) throws Exception {
    HttpResponse<String> response = Http.get(base + path);
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").contains("application/json"));
    return JSON.readTree(response.body());
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** A strict RFC 4180 reader: CRLF between records, quoted fields may hold commas, quotes and line breaks. */
  static List<List<String>> parseCsv(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        if (field.length() > 0) throw new AssertionError("quote inside an unquoted field at " + i);
        quoted = true;
      } else if (c == ',') {
        row.add(field.toString());
        field.setLength(0);
      } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        row.add(field.toString());
        field.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        i++;
      } else if (c == '\n' || c == '\r') {
        throw new AssertionError("bare line break outside quotes at " + i);
      } else {
        field.append(c);
      }
    }
    if (quoted) throw new AssertionError("unterminated quoted field");
    if (field.length() > 0 || !row.isEmpty()) throw new AssertionError("last record not ended by CRLF");
    return rows;
  }
}
