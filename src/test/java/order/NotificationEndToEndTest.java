package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * Buyer notifications through the whole system: Shopee pushes and the admin ship route drive orders to CONFIRMED
 * and SHIPPED, the sandbox stands in for WhatsApp (with injected 130429, 5xx and 131026), delivery statuses come
 * back as signed webhooks, and the node is restarted on the same database. Every buyer gets exactly one message
 * per order event.
 */
class NotificationEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHOP = "1001";
  private static final String NUMBER = "5550001";
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    // A send that times out after WhatsApp accepted it is sent again (no idempotency key): a generous timeout keeps
    // a busy test machine from producing that second message, which this test would rightly count.
    market = MarketNode.start(Map.of("orchestrator.marketplaces.http.request-timeout", "10s",
        "orchestrator.notifications.enabled", true,
        // Shopee buyers are off by default (ToS §8.2(c)); this test is about sending, so the seller opted in
        "orchestrator.notifications.channels.shopee", true));
    setStock("SKU-NOTE", 100);
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static void setStock(String sku, int onHand) {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + sku + "/stock")))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":" + onHand + "}")).build());
    assertEquals(200, r.statusCode(), r.body());
  }

  private static HttpResponse<String> post(String path, String body) {
    return Http.send(HttpRequest.newBuilder(URI.create(market.url(path)))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** A paid Shopee order for {@code phone}, announced by a signed push. */
  private static void shopeeOrder(String orderSn, String phone) throws Exception {
    ObjectNode o = market.sandbox.addShopeeOrder(SHOP, orderSn, "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(300, 400, "ITEM-300", "SKU-NOTE", 1, new BigDecimal("1000"))));
    ((ObjectNode) o.get("recipient_address")).put("phone", phone);
    Sandbox.Delivery d = await(market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), SHOP, orderSn,
        "READY_TO_SHIP", Sandbox.Redelivery.ONCE));
    assertEquals(200, d.status());
  }

  private static JsonNode view(String orderSn) throws Exception {
    HttpResponse<String> r = Http.get(market.url("/admin/orders/shopee/" + SHOP + "/" + orderSn));
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** The order's notification of {@code kind} once it has {@code field} = {@code value}. */
  private static JsonNode awaitNotification(String orderSn, String kind, String field, String value)
      throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      last = view(orderSn);
      for (JsonNode n : last.path("notifications")) {
        if (kind.equals(n.path("kind").asText()) && value.equals(n.path(field).asText())) return n;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(orderSn + ": no " + kind + " notification with " + field + "=" + value + " in " + last);
  }

  /** Template messages the sandbox accepted for {@code to} with {@code template}. */
  private static List<JsonNode> sent(Sandbox sandbox, String to, String template) {
    List<JsonNode> result = new ArrayList<>();
    for (JsonNode m : sandbox.whatsAppSent()) {
      if (to.equals(m.path("to").asText()) && template.equals(m.at("/template/name").asText())) result.add(m);
    }
    return result;
  }

  private static List<String> bodyParameters(JsonNode message) {
    List<String> result = new ArrayList<>();
    for (JsonNode p : message.at("/template/components/0/parameters")) result.add(p.path("text").asText());
    return result;
  }

  private static long sendAttempts(Sandbox sandbox, String to) {
    return sandbox.calls(Channel.WHATSAPP, "/messages").stream()
        .filter(c -> c.body() != null && c.body().contains("\"" + to + "\"")).count();
  }

  // ------------------------------------------------------------------ one test: the steps depend on each other

  @Test
  void oneMessagePerOrderEventThroughFaultsDeliveryStatusesAndARestart() throws Exception {
    // 1. CONFIRMED through throughput errors: 7 x 130429 is more than one client call's 5 attempts, so the order's
    //    own retry timer sends it again.
    String phone1 = "628100000001";
    market.sandbox.failWhatsAppRecipient(phone1, 130429, 7);
    shopeeOrder("N-1", phone1);
    JsonNode confirmed = awaitNotification("N-1", "CONFIRMED", "status", "SENT");
    String wamid = confirmed.path("wamid").asText();
    assertTrue(wamid.startsWith("wamid."), confirmed.toString());
    assertEquals("CONFIRMED", view("N-1").path("phase").asText());
    assertTrue(sendAttempts(market.sandbox, phone1) >= 8, "7 refusals, then the message");

    // 2. SHIPPED by the operator, through 5xx answers (retried by the client)
    market.sandbox.injectHttpStatus(Channel.WHATSAPP, "/messages", 503, 3);
    HttpResponse<String> shipped = post("/admin/orders/shopee/" + SHOP + "/N-1/ship", "{\"trackingNumber\":\"TRK-1\"}");
    assertEquals(200, shipped.statusCode(), shipped.body());
    awaitNotification("N-1", "SHIPPED", "status", "SENT");

    // 3. a recipient WhatsApp refuses for good: recorded as FAILED, tried once, never again
    String phone2 = "628100000002";
    market.sandbox.failWhatsAppRecipient(phone2, 131026, 100);
    shopeeOrder("N-2", phone2);
    JsonNode failed = awaitNotification("N-2", "CONFIRMED", "status", "FAILED");
    assertTrue(failed.path("error").asText().startsWith("131026"), failed.toString());

    // 4. delivery statuses, out of order and repeated: the newest timestamp wins, a late "sent" does not regress it
    long t = Instant.now().getEpochSecond();
    for (Object[] s : new Object[][] {{"read", t + 20}, {"sent", t + 5}, {"delivered", t + 10}, {"read", t + 20}}) {
      Sandbox.Delivery d = await(market.sandbox.sendWhatsAppStatus(market.url("/webhooks/whatsapp"), NUMBER, wamid,
          (String) s[0], (Long) s[1], phone1, Sandbox.Redelivery.ONCE));
      assertEquals(200, d.status(), "status " + s[0]);
    }
    JsonNode delivered = awaitNotification("N-1", "CONFIRMED", "deliveryStatus", "read");
    assertEquals(Instant.ofEpochSecond(t + 20), Instant.parse(delivered.path("deliveryAt").asText()));

    // 5. an order whose notification is still failing when the node stops
    String phone3 = "628100000003";
    market.sandbox.failWhatsAppRecipient(phone3, 130429, 1_000_000);
    shopeeOrder("N-3", phone3);
    awaitOrderPhase("N-3", "CONFIRMED");
    long deadline = System.currentTimeMillis() + 10_000;
    while (sendAttempts(market.sandbox, phone3) < 6 && System.currentTimeMillis() < deadline) Thread.sleep(100);
    assertTrue(sendAttempts(market.sandbox, phone3) >= 6, "the order asked again after the client gave up");
    Thread.sleep(1500); // a few more retry rounds: still nothing accepted, and nothing else sent
    assertEquals(1, sent(market.sandbox, phone1, "order_confirmed").size(), "one CONFIRMED message to buyer 1");
    assertEquals(1, sent(market.sandbox, phone1, "order_shipped").size(), "one SHIPPED message to buyer 1");
    assertEquals(List.of("N-1"), bodyParameters(sent(market.sandbox, phone1, "order_confirmed").get(0)));
    assertEquals(List.of("N-1", "TRK-1"), bodyParameters(sent(market.sandbox, phone1, "order_shipped").get(0)));
    assertEquals(1, sendAttempts(market.sandbox, phone2), "131026 is not retried");
    assertEquals(0, sent(market.sandbox, phone3, "order_confirmed").size());

    // 6. restart on the same database: what was pending is sent once, what was sent is not sent again
    market = market.restart();
    view("N-1"); // orders start again when something touches them (a webhook, reconciliation, the admin API)
    view("N-2");
    awaitNotification("N-3", "CONFIRMED", "status", "SENT");
    Thread.sleep(1500);
    assertEquals(1, sent(market.sandbox, phone3, "order_confirmed").size(), "the pending message, once");
    assertEquals(0, sendAttempts(market.sandbox, phone1), "buyer 1 was notified before the restart");
    assertEquals(0, sendAttempts(market.sandbox, phone2), "a final failure stays final");
    JsonNode after = awaitNotification("N-1", "CONFIRMED", "deliveryStatus", "read");
    assertEquals(wamid, after.path("wamid").asText());
  }

  private static void awaitOrderPhase(String orderSn, String phase) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    String last = null;
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = Http.get(market.url("/admin/orders/shopee/" + SHOP + "/" + orderSn));
      if (r.statusCode() == 200) {
        last = JSON.readTree(r.body()).path("phase").asText();
        if (phase.equals(last)) return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(orderSn + " not " + phase + " but " + last);
  }
}
