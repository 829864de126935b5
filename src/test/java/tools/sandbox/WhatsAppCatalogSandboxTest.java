package tools.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import support.Http;
import support.SandboxFixture;

/** The sandbox's Meta catalogue over HTTP, as the platform facts describe items_batch and its batch status. */
class WhatsAppCatalogSandboxTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CATALOG = "880000000000001";
  static final String TOKEN = "sandbox-whatsapp-catalog-token";

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
    fx.sandbox.whatsAppCatalog().addItems(CATALOG, List.of("TEE-BLU-M", "TEE-RED-M"));
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static HttpResponse<String> post(String path, String token, String body) {
    return Http.send(HttpRequest.newBuilder(URI.create(fx.sandbox.baseUrl() + "/whatsapp" + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
  }

  static HttpResponse<String> get(String path, String token) {
    return Http.send(HttpRequest.newBuilder(URI.create(fx.sandbox.baseUrl() + "/whatsapp" + path))
        .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token).GET().build());
  }

  static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  static String batch(boolean allowUpsert, String... updates) {
    return "{\"item_type\":\"PRODUCT_ITEM\",\"allow_upsert\":" + allowUpsert + ",\"requests\":["
        + String.join(",", updates) + "]}";
  }

  static String update(String id, String availability, int inventory) {
    return "{\"method\":\"UPDATE\",\"data\":{\"id\":\"" + id + "\",\"availability\":\"" + availability
        + "\",\"inventory\":" + inventory + "}}";
  }

  @Test
  void anUpdateChangesAvailabilityAndInventoryAndItsBatchIsFinished() throws Exception {
    var catalog = fx.sandbox.whatsAppCatalog();
    assertTrue(catalog.inStock(CATALOG, "TEE-BLU-M"));
    assertNull(catalog.inventory(CATALOG, "TEE-BLU-M"), "listed, never counted");
    var r = post("/v21.0/" + CATALOG + "/items_batch", TOKEN,
        batch(false, update("TEE-BLU-M", "out of stock", 0), update("TEE-RED-M", "in stock", 88)));
    assertEquals(200, r.statusCode(), r.body());
    JsonNode answer = json(r);
    assertEquals(0, answer.get("validation_status").size(), r.body());
    assertFalse(catalog.inStock(CATALOG, "TEE-BLU-M"));
    assertEquals("out of stock", catalog.availability(CATALOG, "TEE-BLU-M"));
    assertEquals(0, catalog.inventory(CATALOG, "TEE-BLU-M"));
    assertTrue(catalog.inStock(CATALOG, "TEE-RED-M"));
    assertEquals(88, catalog.inventory(CATALOG, "TEE-RED-M"));

    String handle = answer.at("/handles/0").asText();
    var status = get("/v21.0/" + CATALOG + "/check_batch_request_status?handle=" + handle, TOKEN);
    assertEquals(200, status.statusCode(), status.body());
    assertEquals(handle, json(status).at("/data/0/handle").asText());
    assertEquals("finished", json(status).at("/data/0/status").asText());
    assertEquals(400, get("/" + CATALOG + "/check_batch_request_status?handle=nope", TOKEN).statusCode());
  }

  @Test
  void anUnknownRetailerIdIsRefusedWithoutUpsertAndCreatedWithIt() throws Exception {
    var catalog = fx.sandbox.whatsAppCatalog();
    var r = post("/v21.0/" + CATALOG + "/items_batch", TOKEN,
        batch(false, update("NEW-1", "in stock", 3), update("TEE-RED-M", "in stock", 5), update("TEE-BLU-M", "sold", 1)));
    assertEquals(200, r.statusCode(), "per-item refusals come back with HTTP 200");
    JsonNode validation = json(r).get("validation_status");
    assertEquals(2, validation.size(), r.body());
    assertEquals("NEW-1", validation.at("/0/retailer_id").asText());
    assertTrue(validation.at("/0/errors/0/message").asText().contains("does not exist"), r.body());
    assertEquals("TEE-BLU-M", validation.at("/1/retailer_id").asText());
    assertNull(catalog.inStock(CATALOG, "NEW-1"), "not created");
    assertEquals(5, catalog.inventory(CATALOG, "TEE-RED-M"), "the valid item of the batch is applied");
    assertTrue(catalog.inStock(CATALOG, "TEE-BLU-M"), "an invalid availability changes nothing");

    assertEquals(200, post("/v21.0/" + CATALOG + "/items_batch", TOKEN,
        batch(true, update("NEW-1", "in stock", 3))).statusCode());
    assertEquals(3, catalog.inventory(CATALOG, "NEW-1"), "allow_upsert true creates the item");
  }

  @Test
  void theTokenTheCatalogueAndTheBodyAreChecked() throws Exception {
    var wrongToken = post("/v21.0/" + CATALOG + "/items_batch", "other", batch(false, update("TEE-RED-M", "in stock", 1)));
    assertEquals(401, wrongToken.statusCode());
    assertEquals(190, json(wrongToken).at("/error/code").asInt());
    var unknown = post("/v21.0/999/items_batch", TOKEN, batch(false, update("TEE-RED-M", "in stock", 1)));
    assertEquals(400, unknown.statusCode());
    assertEquals(100, json(unknown).at("/error/code").asInt());
    var noRequests = post("/v21.0/" + CATALOG + "/items_batch", TOKEN, "{\"item_type\":\"PRODUCT_ITEM\",\"requests\":[]}");
    assertEquals(400, noRequests.statusCode());
    assertNull(fx.sandbox.whatsAppCatalog().inventory(CATALOG, "TEE-RED-M"), "nothing applied");
  }

  @Test
  void beyondTheCallsPerMinuteACallIsAnswered80014() throws Exception {
    fx.sandbox.whatsAppCatalog().callsPerMinute(2);
    for (int i = 1; i <= 2; i++) {
      assertEquals(200, post("/v21.0/" + CATALOG + "/items_batch", TOKEN,
          batch(false, update("TEE-RED-M", "in stock", i))).statusCode());
    }
    var limited = post("/v21.0/" + CATALOG + "/items_batch", TOKEN, batch(false, update("TEE-RED-M", "in stock", 3)));
    assertEquals(400, limited.statusCode());
    assertEquals(80014, json(limited).at("/error/code").asInt());
    assertEquals(2, fx.sandbox.whatsAppCatalog().inventory(CATALOG, "TEE-RED-M"), "the refused call changed nothing");
    assertEquals(3, fx.sandbox.whatsAppCatalog().batchRequests().size());
  }
}
