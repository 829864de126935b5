package marketplace.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * Shopee access tokens that expire every 10 s, for 2 minutes, under a steady stream of orders: the shop's connection
 * entity refreshes each one ahead of its expiry (and after Shopee refuses one), persists every single-use refresh
 * token before it is used, and no order is lost or stuck. The sandbox counts every reuse of a spent refresh token.
 */
class ShopeeTokenExpiryTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration RUN = Duration.ofMinutes(2);
  private static final Duration LIFETIME = Duration.ofSeconds(10);
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  @Test
  void tenSecondTokensForTwoMinutesLoseNoOrderAndNeverReuseARefreshToken() throws Exception {
    setStock("SKU-TOK", 10_000);
    market.sandbox.setShopeeTokenLifetime(LIFETIME);
    long refreshesBefore = market.sandbox.shopeeRefreshCount("1001");
    List<String> orders = new ArrayList<>();
    List<CompletableFuture<Sandbox.Delivery>> deliveries = new ArrayList<>();
    long started = System.nanoTime();
    int n = 0;
    // 2 orders a second: each a push, then get_order_detail with the token of the moment
    while (System.nanoTime() - started < RUN.toNanos()) {
      String sn = "SN-TOK-" + (n++);
      market.sandbox.addShopeeOrder("1001", sn, "READY_TO_SHIP",
          List.of(new Sandbox.ShopeeItem(500, 501, "ITEM-500", "SKU-TOK", 1, new BigDecimal("1000"))));
      deliveries.add(market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), "1001", sn,
          "READY_TO_SHIP", new Sandbox.Redelivery(5, Duration.ofSeconds(1))).toCompletableFuture());
      orders.add(sn);
      Thread.sleep(500);
    }
    for (CompletableFuture<Sandbox.Delivery> d : deliveries) assertEquals(200, d.get(30, TimeUnit.SECONDS).status());
    long deadline = System.currentTimeMillis() + 60_000;
    List<String> notConfirmed = orders;
    while (System.currentTimeMillis() < deadline) {
      notConfirmed = orders.stream().filter(sn -> !phase(sn).equals("CONFIRMED")).toList();
      if (notConfirmed.isEmpty()) break;
      Thread.sleep(500);
    }
    long refreshes = market.sandbox.shopeeRefreshCount("1001") - refreshesBefore;
    System.out.printf("10 s tokens for %d s: %d orders, %d refreshes, %d refresh-token reuses, %d not confirmed%n",
        RUN.toSeconds(), orders.size(), refreshes, market.sandbox.shopeeRefreshTokenReuses(), notConfirmed.size());
    assertEquals(List.of(), notConfirmed, "every order confirmed: none lost or stuck");
    assertEquals(0, market.sandbox.shopeeRefreshTokenReuses(), "no refresh token used twice");
    assertTrue(refreshes >= RUN.toSeconds() / LIFETIME.toSeconds() - 1,
        "a refresh per token life (" + refreshes + ")");
    JsonNode shop = null;
    for (JsonNode s : JSON.readTree(Http.get(market.url("/admin/shops")).body())) {
      if (s.get("shopId").asText().equals("1001")) shop = s;
    }
    assertEquals("ok", shop.at("/connection/lastRefreshOutcome").asText(), shop.toString());
    market.sandbox.setShopeeTokenLifetime(Duration.ofHours(4));
  }

  private static String phase(String sn) {
    HttpResponse<String> r = Http.get(market.url("/admin/orders/shopee/1001/" + sn));
    try {
      return r.statusCode() == 200 ? JSON.readTree(r.body()).get("phase").asText() : "absent";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void setStock(String sku, int onHand) {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + sku + "/stock")))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":" + onHand + "}")).build());
    assertEquals(200, r.statusCode(), r.body());
  }
}
