package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import http.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import marketplace.CallOutcomes;
import marketplace.FailureClass;
import marketplace.MarketplaceApis;
import marketplace.MarketplaceConfig;
import marketplace.OrderFeed;
import marketplace.ShopApi;
import marketplace.ShopBreaker;
import marketplace.ShopGuard;
import marketplace.TemplateMessages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@code GET /admin/shops} shows a paused shop's pause, and nothing new for a shop that is not paused. */
class ShopRoutesPauseTest {
  private static final ActorTestKit kit = ActorTestKit.create("shop-routes",
      com.typesafe.config.ConfigFactory.parseString("akka.actor.provider = local")
          .withFallback(com.typesafe.config.ConfigFactory.load()));
  private static final MarketplaceConfig.ClientSettings SETTINGS = new MarketplaceConfig.ClientSettings(
      Duration.ofSeconds(1), Duration.ofSeconds(2), 4, 2, Duration.ofMillis(10), Duration.ofMillis(40), 0.2,
      100, Duration.ofSeconds(5), Duration.ofSeconds(1));

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aPausedShopShowsItsPauseAndTheHeldCalls() throws Exception {
    CallOutcomes outcomes = new CallOutcomes();
    ShopGuard capped = new ShopGuard(kit.system(), Channel.SHOPEE, "1001", SETTINGS,
        ShopGuard.perApi(kit.system(), 100, 10), outcomes);
    new ShopGuard(kit.system(), Channel.SHOPEE, "1002", SETTINGS, ShopGuard.perApi(kit.system(), 100, 10), outcomes);
    Instant reset = Instant.now().plusSeconds(3600);
    capped.call("update_stock", () -> CompletableFuture.completedFuture(new ShopGuard.Attempt.Fail<String>(
        "error_limit", "daily cap", FailureClass.PAUSE_UNTIL_RESET, reset))).exceptionally(e -> null)
        .toCompletableFuture().get();
    capped.call("order_detail", () -> CompletableFuture.completedFuture(new ShopGuard.Attempt.Ok<>("x", "200")))
        .exceptionally(e -> null).toCompletableFuture().get();

    MarketplaceApis apis = new MarketplaceApis() {
      @Override public MarketplaceConfig config() { throw new UnsupportedOperationException(); }
      @Override public CallOutcomes outcomes() { return outcomes; }
      @Override public ShopApi shopApi(Channel channel, String shopId) { throw new UnsupportedOperationException(); }
      @Override public TemplateMessages templateMessages() { throw new UnsupportedOperationException(); }
      @Override public List<OrderFeed> orderFeeds() { return List.of(); }
      @Override public java.util.Optional<marketplace.ShopAuthorizer> authorizer(Channel c) { return java.util.Optional.empty(); }
      @Override public marketplace.ShopDirectory directory() { return marketplace.ShopDirectory.NONE; }
      @Override public List<ShopBreaker> breakers() {
        return List.of(new ShopBreaker(Channel.SHOPEE, "1001", () -> "closed"),
            new ShopBreaker(Channel.SHOPEE, "1002", () -> "closed"));
      }
    };
    Json json = new Json(kit.system());
    JsonNode shops = json.mapper().valueToTree(new ShopRoutes(kit.system(), apis, json).shops(List.of()));
    JsonNode paused = shops.get(0);
    assertEquals("PAUSE_UNTIL_RESET", paused.at("/pause/failureClass").asText(), paused.toString());
    assertEquals("error_limit", paused.at("/pause/code").asText());
    assertEquals(reset, Instant.parse(paused.at("/pause/until").asText()));
    JsonNode held = null;
    for (JsonNode call : paused.get("calls")) if (call.get("kind").asText().equals("order_detail")) held = call;
    assertEquals(1, held.get("paused").asLong(), held.toString());
    assertEquals(0, held.get("attempts").asLong());
    assertTrue(held.get("lastError").asText().startsWith("shop_paused"));

    JsonNode open = shops.get(1);
    assertFalse(open.has("pause"), "a shop that is not paused answers as before: " + open);
    for (JsonNode call : paused.get("calls")) {
      if (call.get("kind").asText().equals("update_stock")) assertFalse(call.has("paused"), call.toString());
    }
  }
}
