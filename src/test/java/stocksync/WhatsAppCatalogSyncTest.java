package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static support.Await.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;
import tools.sandbox.WhatsAppCatalogSandbox;

/**
 * WhatsApp catalogue availability end to end: a node with a catalogue configured, SKU writes over the admin API,
 * items_batch calls over real HTTP to the sandbox's catalogue, sync status in PostgreSQL.
 */
class WhatsAppCatalogSyncTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CATALOG = "880000000000001";
  private static MarketNode market;
  private static Sandbox sandbox;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    Map<String, Object> settings = new HashMap<>();
    settings.put("orchestrator.stock-sync.retry-min", "100ms");
    settings.put("orchestrator.stock-sync.retry-max", "1s");
    settings.put("orchestrator.stock-sync.reconcile-interval", "1h");
    settings.put("orchestrator.marketplaces.whatsapp.catalog.id", CATALOG);
    settings.put("orchestrator.marketplaces.whatsapp.catalog.calls-per-minute", 600);
    settings.put("orchestrator.marketplaces.whatsapp.catalog.rate-limited-backoff", "200ms");
    settings.put("orchestrator.sandbox.whatsapp.catalog-calls-per-minute", 1000);
    market = MarketNode.start(settings);
    sandbox = market.sandbox;
    sandbox.whatsAppCatalog().addItems(CATALOG, List.of("WA-TEE", "WA-CAP"));
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path))).timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return Http.send(b.build());
  }

  private static JsonNode ok(HttpResponse<String> r) throws Exception {
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return JSON.readTree(r.body());
  }

  private static void list(String sku, String shopId) throws Exception {
    ok(send("PUT", "/admin/skus/" + sku + "/listings", "{\"channel\":\"whatsapp\",\"shopId\":\"" + shopId + "\"}"));
  }

  private static void setStock(String sku, int onHand) throws Exception {
    ok(send("PUT", "/admin/skus/" + sku + "/stock", "{\"onHand\":" + onHand + ",\"force\":true}"));
  }

  private static JsonNode listing(String sku, String shopId) {
    try {
      for (JsonNode l : ok(send("GET", "/admin/skus/" + sku + "/sync", null)).get("listings")) {
        if (l.get("channel").asText().equals("whatsapp") && l.get("shopId").asText().equals(shopId)) return l;
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    throw new AssertionError("no whatsapp:" + shopId + " listing of " + sku);
  }

  private static boolean shows(String sku, String availability, int inventory) {
    WhatsAppCatalogSandbox catalog = sandbox.whatsAppCatalog();
    Integer shown = catalog.inventory(CATALOG, sku);
    return availability.equals(catalog.availability(CATALOG, sku)) && shown != null && shown == inventory;
  }

  @Test
  void aSkuSoldOutIsOutOfStockInTheCatalogueAndBackInStockAfterARestock() throws Exception {
    list("WA-TEE", CATALOG);
    list("WA-TEE", "5550001"); // a WhatsApp number, not the catalogue: nothing to push there
    setStock("WA-TEE", 5);
    await("in stock with 5", Duration.ofSeconds(10), () -> shows("WA-TEE", "in stock", 5));

    setStock("WA-TEE", 0);
    await("sold out in the catalogue", Duration.ofSeconds(10), () -> shows("WA-TEE", "out of stock", 0));
    await("in sync at 0", Duration.ofSeconds(10), () -> listing("WA-TEE", CATALOG).get("status").asText()
        .equals("in_sync") && listing("WA-TEE", CATALOG).get("lastValue").asInt() == 0);

    setStock("WA-TEE", 7);
    await("back in stock", Duration.ofSeconds(10), () -> shows("WA-TEE", "in stock", 7));
    assertEquals("not_applicable", listing("WA-TEE", "5550001").get("status").asText());
    JsonNode last = sandbox.whatsAppCatalog().batchRequests().get(sandbox.whatsAppCatalog().batchRequests().size() - 1);
    assertEquals(false, last.get("allow_upsert").asBoolean(true), last.toString());
    assertTrue(sandbox.calls(Channel.WHATSAPP, "/" + CATALOG + "/items_batch").size() >= 3);
  }

  @Test
  void aSkuTheCatalogueDoesNotHoldIsBlockedAndNotCreated() throws Exception {
    list("WA-NOT-THERE", CATALOG);
    setStock("WA-NOT-THERE", 3);
    await("blocked", Duration.ofSeconds(10), () -> listing("WA-NOT-THERE", CATALOG).get("status").asText()
        .equals("blocked"));
    JsonNode status = listing("WA-NOT-THERE", CATALOG);
    assertEquals("PERMANENT_LISTING", status.get("failureClass").asText(), status.toString());
    assertTrue(status.get("lastError").asText().contains("does not exist"), status.toString());
    assertNull(sandbox.whatsAppCatalog().inStock(CATALOG, "WA-NOT-THERE"), "allow_upsert false: never created");
  }
}
