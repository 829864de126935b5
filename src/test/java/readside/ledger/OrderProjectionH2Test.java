package readside.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import order.OrderView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import support.Http;
import support.OrderDriver.PlannedLine;
import support.OrderDriver.PlannedOrder;
import support.OrderDriver;
import support.TestConfig;

/**
 * The embedded default: a node on H2 creates the read-side tables, its projection fills them from the H2 journal,
 * and the ledger API (paging, filters, CSV) answers with the same SQL as on PostgreSQL, also after a restart.
 */
class OrderProjectionH2Test {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void embeddedNodeFillsTheLedger() throws Exception {
    var config = TestConfig.h2(dataDir);
    List<PlannedOrder> orders = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      orders.add(new PlannedOrder(i % 2 == 0 ? Channel.WHATSAPP : Channel.PHONE, "local", "H-" + i, "Buyer " + i,
          new BigDecimal("7.25"), List.of(new PlannedLine(i < 15 ? "H-SKU" : "H-GONE", 1 + i % 2,
              new BigDecimal("7.25"), null))));
    }
    List<String> keys = orders.stream().map(PlannedOrder::key).toList();
    try (Node node = Node.start(config)) {
      OrderDriver driver = new OrderDriver(node.system());
      driver.setStock("H-SKU", 1000);
      driver.setStock("H-GONE", 0);
      driver.notifyAll(orders, 4);
      driver.awaitPhases(keys, Set.of("CONFIRMED", "OUT_OF_STOCK"), Duration.ofSeconds(60));
      String base = "http://127.0.0.1:" + node.httpPort();
      awaitLedger(base, driver, keys);

      JsonNode page = JSON.readTree(Http.get(base + "/admin/orders?limit=5&offset=15").body());
      assertEquals(20, page.get("total").asInt());
      assertEquals(5, page.get("orders").size());
      assertEquals(5, JSON.readTree(Http.get(base + "/admin/orders?status=OUT_OF_STOCK").body())
          .get("total").asInt());
      assertEquals(10, JSON.readTree(Http.get(base + "/admin/orders?channel=phone").body()).get("total").asInt());
      JsonNode first = JSON.readTree(Http.get(base + "/admin/orders?limit=1").body()).at("/orders/0");
      assertEquals(0, new BigDecimal("7.25").compareTo(first.get("totalAmount").decimalValue()));
      assertEquals("H-SKU", first.at("/lines/0/sku").asText());
      HttpResponse<String> csv = Http.get(base + "/admin/orders.csv?channel=whatsapp");
      assertEquals(200, csv.statusCode());
      assertEquals(11, csv.body().split("\r\n").length, "header + 10 WhatsApp orders");
    }
    // a second start finds the tables and the offsets, and no order twice
    try (Node node = Node.start(config)) {
      String base = "http://127.0.0.1:" + node.httpPort();
      awaitLedger(base, new OrderDriver(node.system()), keys);
    }
  }

  /**
   * Waits until the ledger lists exactly the orders, each with its entity's phase, lines and update time (entities
   * asked again each round: an out-of-stock order still records its releases after it shows OUT_OF_STOCK).
   */
  private static void awaitLedger(String base, OrderDriver driver, List<String> keys) throws Exception {
    LedgerRows.await(Duration.ofSeconds(60), () -> {
      Map<String, OrderView> views = driver.views(keys);
      HttpResponse<String> response = Http.get(base + "/admin/orders?limit=500");
      if (response.statusCode() != 200) return List.of(response.statusCode() + " " + response.body());
      JsonNode body = JSON.readTree(response.body());
      List<String> differences = new ArrayList<>();
      if (body.get("total").asInt() != views.size()) differences.add("total " + body.get("total"));
      for (JsonNode o : body.get("orders")) {
        OrderView v = views.get(o.get("orderKey").asText());
        if (v == null) {
          differences.add("unexpected " + o.get("orderKey"));
          continue;
        }
        if (!v.phase().equals(o.get("status").asText())) differences.add(v.orderKey() + " " + o.get("status"));
        Map<String, Integer> lines = new HashMap<>();
        for (JsonNode l : o.get("lines")) lines.put(l.get("sku").asText(), l.get("quantity").asInt());
        if (!lines.equals(v.lines())) differences.add(v.orderKey() + " lines " + lines);
        java.time.Instant updated = java.time.Instant.parse(o.get("updatedAt").asText());
        if (Duration.between(updated, v.updatedAt()).abs().toNanos() > 1_000) {
          differences.add(v.orderKey() + " updatedAt " + updated + " vs " + v.updatedAt());
        }
      }
      assertTrue(body.get("orders").size() <= views.size());
      return differences;
    });
  }
}
