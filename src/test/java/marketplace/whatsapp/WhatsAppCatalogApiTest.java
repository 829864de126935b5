package marketplace.whatsapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static support.SandboxFixture.await;
import static support.SandboxFixture.failure;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import marketplace.CallOutcomes;
import marketplace.FailureClass;
import marketplace.HttpCaller;
import marketplace.MarketCallException;
import marketplace.MarketplaceConfig;
import marketplace.ShopApi;
import marketplace.ShopGuard.Attempt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import sku.Listing;
import support.SandboxFixture;

/**
 * The catalogue client against the contract examples (whatsapp-catalog-availability-request.json,
 * whatsapp-catalog-batch-response.json) and the sandbox's catalogue: the request as the contract shows it, 80014
 * as a rate limit with the longer back-off, a refused item as a permanent listing failure.
 */
class WhatsAppCatalogApiTest {
  static final SandboxFixture fx = new SandboxFixture();
  static final String CATALOG = "880000000000001";
  static final Duration BACKOFF = Duration.ofMillis(150);

  @BeforeEach
  void fresh() {
    fx.sandbox.reset();
  }

  @AfterAll
  static void stop() {
    fx.close();
  }

  static MarketplaceConfig config(double callsPerMinute, int maxItems) {
    return fx.config.withWhatsAppCatalog(Optional.of(new MarketplaceConfig.WhatsAppCatalog(CATALOG,
        "sandbox-whatsapp-catalog-token", fx.sandbox.baseUrl() + "/whatsapp", "v21.0", callsPerMinute, maxItems,
        BACKOFF)));
  }

  static WhatsAppCatalogApi api(MarketplaceConfig config) {
    return new WhatsAppCatalogApi(new WhatsAppCatalogClient(fx.testKit.system(), config, new CallOutcomes()), CATALOG);
  }

  static Attempt<WhatsAppCatalogClient.BatchResult> classify(int status, String body) {
    return WhatsAppCatalogClient.classify(new HttpCaller.Reply(status, body.getBytes(StandardCharsets.UTF_8),
        Optional.empty()), BACKOFF);
  }

  @Test
  void theRequestIsTheContractExample() throws Exception {
    JsonNode contract = WhatsAppContractTest.example("whatsapp-catalog-availability-request.json");
    fx.sandbox.whatsAppCatalog().addItems(CATALOG, List.of("TEE-BLU-M", "TEE-RED-M"));
    var result = await(api(config(6000, 3000)).push(CATALOG, List.of(new ShopApi.TargetStock("TEE-BLU-M", 0),
        new ShopApi.TargetStock("TEE-RED-M", 88))));
    assertEquals(0, result.failed().size(), String.valueOf(result));
    var call = fx.sandbox.calls(Channel.WHATSAPP, "/items_batch").get(0);
    assertEquals("POST", call.method());
    assertEquals("/whatsapp" + contract.get("path").asText(), call.path());
    assertEquals(contract.get("body"), new com.fasterxml.jackson.databind.ObjectMapper().readTree(call.body()));
    assertFalse(fx.sandbox.whatsAppCatalog().inStock(CATALOG, "TEE-BLU-M"));
    assertEquals(0, fx.sandbox.whatsAppCatalog().inventory(CATALOG, "TEE-BLU-M"));
    assertTrue(fx.sandbox.whatsAppCatalog().inStock(CATALOG, "TEE-RED-M"));
    assertEquals(88, fx.sandbox.whatsAppCatalog().inventory(CATALOG, "TEE-RED-M"));
  }

  @Test
  void theContractAnswerIsReadAndAnItemWithErrorsIsRejected() throws Exception {
    JsonNode example = WhatsAppContractTest.example("whatsapp-catalog-batch-response.json");
    var ok = assertInstanceOf(Attempt.Ok.class, classify(200, example.get("items_batch_response").toString()));
    var batch = (WhatsAppCatalogClient.BatchResult) ok.value();
    assertEquals(List.of("AcwX1b2C3d4E5f6G7h8I9j0K"), batch.handles());
    assertEquals(0, batch.rejected().size(), "a warning is no refusal");
    var refused = (WhatsAppCatalogClient.BatchResult) assertInstanceOf(Attempt.Ok.class, classify(200,
        "{\"handles\":[\"h\"],\"validation_status\":[{\"retailer_id\":\"X\",\"errors\":[{\"message\":\"bad\"}]}]}"))
        .value();
    assertEquals("bad", refused.rejected().get("X"));
    assertTrue(example.at("/check_batch_request_status_response/data/0/status").isTextual());
  }

  @Test
  void error80014IsARateLimitWithTheLongerBackOff() {
    var limited = assertInstanceOf(Attempt.Retry.class, classify(400,
        "{\"error\":{\"message\":\"(#80014) too many calls\",\"type\":\"OAuthException\",\"code\":80014}}"));
    assertEquals("80014", limited.code());
    assertEquals(BACKOFF, limited.minDelay());
    assertFalse(limited.unhealthy(), "the catalogue's own limit is not the platform failing");
    assertEquals(FailureClass.RETRY, WhatsAppErrors.classify(80014, 400).failureClass());
    var token = assertInstanceOf(Attempt.Fail.class, classify(401, "{\"error\":{\"code\":190,\"message\":\"x\"}}"));
    assertEquals(FailureClass.PERMANENT_CONFIG, token.failureClass());
    assertInstanceOf(Attempt.Retry.class, classify(503, "oops"));
  }

  @Test
  void aCatalogueOverItsLimitIsRetriedAfterTheBackOffAndThenFailsRetryable() {
    fx.sandbox.whatsAppCatalog().addItems(CATALOG, List.of("A"));
    fx.sandbox.whatsAppCatalog().callsPerMinute(1);
    var api = api(config(6000, 3000));
    await(api.push(CATALOG, List.of(new ShopApi.TargetStock("A", 1))));
    long start = System.nanoTime();
    MarketCallException e = failure(api.push(CATALOG, List.of(new ShopApi.TargetStock("A", 2))),
        MarketCallException.class);
    assertEquals("80014", e.code());
    assertEquals(FailureClass.RETRY, e.failureClass());
    assertEquals(fx.config.client().maxAttempts(), e.attempts());
    assertTrue(Duration.ofNanos(System.nanoTime() - start).compareTo(BACKOFF.multipliedBy(e.attempts() - 1)) >= 0,
        "each retry waited the rate-limited back-off");
    assertEquals(1, fx.sandbox.whatsAppCatalog().inventory(CATALOG, "A"));
  }

  @Test
  void aRefusedItemIsAPermanentListingFailureAndTheOthersGoThrough() {
    fx.sandbox.whatsAppCatalog().addItems(CATALOG, List.of("KNOWN"));
    var result = await(api(config(6000, 3000)).push(CATALOG, List.of(new ShopApi.TargetStock("KNOWN", 4),
        new ShopApi.TargetStock("NOT-IN-CATALOGUE", 2))));
    assertEquals(1, result.failed().size(), String.valueOf(result));
    ShopApi.TargetFailure failure = result.failed().get("NOT-IN-CATALOGUE");
    assertEquals(FailureClass.PERMANENT_LISTING, failure.failureClass());
    assertTrue(failure.reason().contains("does not exist"), failure.reason());
    assertNull(result.error());
    assertEquals(4, fx.sandbox.whatsAppCatalog().inventory(CATALOG, "KNOWN"));
    assertNull(fx.sandbox.whatsAppCatalog().inStock(CATALOG, "NOT-IN-CATALOGUE"), "allow_upsert false: not created");
  }

  @Test
  void aLargePushIsSplitIntoCallsOfAtMostMaxItems() {
    List<String> ids = new ArrayList<>();
    List<ShopApi.TargetStock> stocks = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ids.add("S" + i);
      stocks.add(new ShopApi.TargetStock("S" + i, i));
    }
    fx.sandbox.whatsAppCatalog().addItems(CATALOG, ids);
    await(api(config(6000, 2)).push(CATALOG, stocks));
    assertEquals(3, fx.sandbox.calls(Channel.WHATSAPP, "/items_batch").size());
    for (int i = 0; i < 5; i++) assertEquals(i, fx.sandbox.whatsAppCatalog().inventory(CATALOG, "S" + i));
    assertFalse(fx.sandbox.whatsAppCatalog().inStock(CATALOG, "S0"), "0 is out of stock");
  }

  @Test
  void theCatalogueIsOneGroupNamedBySkuAndTheRateLimitIsPaced() {
    var api = api(config(60, 3000)); // one call a second
    Listing listing = Listing.whatsapp(CATALOG);
    assertEquals(CATALOG, api.group(listing));
    assertNull(api.group(Listing.whatsapp("another")), "a listing of another catalogue cannot be sent here");
    assertEquals("TEE-RED-M", api.target("TEE-RED-M", listing));
    assertTrue(api.pushesStock());
    assertEquals(Duration.ZERO, api.pushWait());
    fx.sandbox.whatsAppCatalog().addItems(CATALOG, List.of("A"));
    await(api.push(CATALOG, List.of(new ShopApi.TargetStock("A", 1))));
    Duration wait = api.pushWait();
    assertTrue(wait.compareTo(Duration.ZERO) > 0 && wait.compareTo(Duration.ofSeconds(1)) <= 0,
        "the next call waits for the catalogue's rate limit (one a second): " + wait);
    assertEquals(0, await(api.readStock(CATALOG)).size(), "no read of availability in the platform facts");
  }
}
