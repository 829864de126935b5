package marketplace.tiktok;

import static org.junit.jupiter.api.Assertions.*;
import static support.SandboxFixture.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import common.OrderDetails;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import marketplace.FailureClass;
import marketplace.WebhookEvent;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import support.SandboxFixture;

/** Every tiktok-*.json contract example through the client's own parsers, or compared with what the client sends. */
class TikTokContractTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final SandboxFixture fx = new SandboxFixture();

  @AfterAll
  static void stop() {
    fx.close();
  }

  static JsonNode example(String name) {
    try (InputStream in = TikTokContractTest.class.getResourceAsStream("/contracts/" + name)) {
      return JSON.readTree(in).get("example");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] bytes(JsonNode n) {
    return n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void orderDetailWithACombinedListingReservesTheChildren() {
    OrderDetails o = TikTokOrders.read("7001", bytes(example("tiktok-order-with-combined-listing.json"))).get(0);
    assertEquals("578901234567890123", o.orderId());
    assertEquals(List.of("MUG-WHT x1", "COASTER-SET x2", "TOWEL-GRY x1"),
        o.lines().stream().map(l -> l.sellerSku() + " x" + l.quantity()).toList());
    assertEquals("1729500000000003000:1729500000000003001", o.lines().get(0).listingRef());
    assertTrue(o.lines().stream().noneMatch(l -> "BUNDLE-MUG-GIFT".equals(l.sellerSku())));
    assertEquals(0, new java.math.BigDecimal("83.80").compareTo(o.totalAmount()));
    assertEquals("MYR", o.currency());
  }

  @Test
  void inventoryPartialFailureIsReadPerSkuAndWarehouse() {
    var errors = TikTokInventory.errors(example("tiktok-inventory-update-partial-failure-response.json"));
    assertEquals(1, errors.size());
    var e = errors.get(0);
    assertEquals("1729500000000005001", e.skuId());
    assertEquals(12052393L, e.code());
    assertEquals(FailureClass.PERMANENT_LISTING, e.failureClass());
    assertEquals("7068500000000000002", e.warehouses().get(0).warehouseId());
  }

  @Test
  void inventoryUpdateRequestIsSentFieldByField() throws Exception {
    JsonNode ex = example("tiktok-inventory-update-request.json");
    String product = "1729500000000005000";
    fx.sandbox.defineTikTokSku(product, "1729500000000005001", "7068500000000000001", "7068500000000000002");
    var skus = List.of(new TikTokInventory.SkuInventory("1729500000000005001", List.of(
        new TikTokInventory.WarehouseQuantity("7068500000000000001", 12),
        new TikTokInventory.WarehouseQuantity("7068500000000000002", 3))));
    var client = new TikTokClient(fx.testKit.system(), fx.config);
    assertTrue(await(client.updateInventory("7001", product, skus)).complete());
    var call = fx.sandbox.calls(Channel.TIKTOK, "/inventory/update").get(0);
    assertEquals(ex.get("method").asText(), call.method());
    assertEquals("/tiktok" + ex.get("path").asText(), call.path());
    assertEquals(keys(ex.get("query")), new TreeSet<>(call.query().keySet()));
    assertEquals(ex.get("body"), JSON.readTree(call.body()));
  }

  @Test
  void cancelRequestIsSentFieldByField() throws Exception {
    JsonNode ex = example("tiktok-cancel-request.json");
    String orderId = ex.at("/body/order_id").asText();
    fx.sandbox.addTikTokOrder("7001", orderId, "AWAITING_SHIPMENT",
        List.of(new tools.sandbox.Sandbox.TikTokItem("P", "S", "X", 1, java.math.BigDecimal.ONE)));
    var result = await(new TikTokClient(fx.testKit.system(), fx.config).cancelOrder("7001", orderId));
    assertNotNull(result.cancelId());
    var call = fx.sandbox.calls(Channel.TIKTOK, "/cancellations").get(0);
    assertEquals(ex.get("method").asText(), call.method());
    assertEquals("/tiktok" + ex.get("path").asText(), call.path());
    assertEquals(keys(ex.get("query")), new TreeSet<>(call.query().keySet()));
    assertEquals(ex.get("body"), JSON.readTree(call.body()));
    // and the example's response is read by the same parser path: its cancel id
    assertEquals("4035300000000000001", ex.at("/response/data/cancel_id").asText());
  }

  @Test
  void webhooksParseOrAreAcknowledgedAndIgnored() {
    var c = assertInstanceOf(WebhookEvent.TikTokCancellation.class,
        TikTokNotifications.read(bytes(example("tiktok-webhook-11-cancellation.json"))));
    assertEquals("578901234567890123", c.orderId());
    assertEquals("CANCELLATION_REQUEST_PENDING", c.cancelStatus());
    assertEquals("BUYER", c.cancellationsRole());
    var gone = assertInstanceOf(WebhookEvent.ShopAuthorisation.class,
        TikTokNotifications.read(bytes(example("tiktok-webhook-6-deauthorization.json"))));
    assertEquals(WebhookEvent.ShopAuthorisation.Change.DEAUTHORISED, gone.change());
    assertEquals(List.of("7494012345678901234"), gone.shopIds());
    var soon = assertInstanceOf(WebhookEvent.ShopAuthorisation.class,
        TikTokNotifications.read(bytes(example("tiktok-webhook-7-authorization-expiring.json"))));
    assertEquals(WebhookEvent.ShopAuthorisation.Change.EXPIRING, soon.change());
    assertEquals(Instant.ofEpochSecond(1767225600L), soon.endsAt());
    for (String name : List.of("tiktok-webhook-12-return.json")) {
      JsonNode ex = example(name);
      var ignored = assertInstanceOf(WebhookEvent.Ignored.class, TikTokNotifications.read(bytes(ex)), name);
      assertEquals("tiktok:" + ex.get("tts_notification_id").asText(), ignored.dedupKey(), name);
    }
  }

  @Test
  void tokenRefreshAndTokenGetAnswersHaveAbsoluteExpiries() {
    var refreshed = TikTokAuthorizer.parse(example("tiktok-token-refresh-response.json"), "7001", "token_refresh");
    assertEquals(Instant.ofEpochSecond(1736899200L), refreshed.accessExpiresAt());
    assertEquals(Instant.ofEpochSecond(1767225600L), refreshed.refreshExpiresAt());
    assertEquals("TTP_bmV3YWNjZXNzdG9rZW5hZnRlcnJlZnJlc2g", refreshed.accessToken());
    // token get has the same shape
    var got = TikTokAuthorizer.parse(example("tiktok-token-get-response.json"), "7001", "token_get");
    assertEquals(Instant.ofEpochSecond(1736294400L), got.accessExpiresAt());
  }

  private static Set<String> keys(JsonNode query) {
    Set<String> keys = new TreeSet<>();
    query.fieldNames().forEachRemaining(keys::add);
    return keys;
  }
}
