package stocksync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static support.Await.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import readside.stocklevels.StockLevelListings;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * Shopee promotion pushes (7/8/9) through a node: answered 200 once handed to {@link PromotionStock} for the SKU
 * listed on the pushed item and model (found on the read side), acknowledged when no SKU is listed there, and a
 * code 8 changes no stock.
 */
class PromotionPushRoutingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHOP = "1001";
  private static final long ITEM = 23456789012L;
  private static final long MODEL = 98765432101L;
  private static MarketNode market;
  private static Sandbox sandbox;
  private static final ListAppender<ILoggingEvent> handedOver = new ListAppender<>();

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    market = MarketNode.start(Map.of("orchestrator.stock-sync.reconcile-interval", "1h"));
    sandbox = market.sandbox;
    Logger log = (Logger) LoggerFactory.getLogger(PromotionStock.class);
    log.setLevel(Level.DEBUG);
    handedOver.start();
    log.addAppender(handedOver);
    ok(send("PUT", "/admin/skus/PROMO-RED/listings", "{\"channel\":\"shopee\",\"shopId\":\"" + SHOP
        + "\",\"itemId\":\"" + ITEM + "\",\"modelId\":\"" + MODEL + "\"}"));
    ok(send("PUT", "/admin/skus/PROMO-RED/stock", "{\"onHand\":80,\"force\":true}"));
    StockLevelListings listings = new StockLevelListings(market.node.system(),
        infra.Database.get(market.node.system()));
    await("the listing on the read side", Duration.ofSeconds(10), () -> !listings
        .find(Channel.SHOPEE, SHOP, Long.toString(ITEM), Long.toString(MODEL)).toCompletableFuture().join().isEmpty());
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(PromotionStock.class)).detachAppender(handedOver);
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

  /** The contract example's data, for our shop. */
  private static ObjectNode data(String file) throws Exception {
    ObjectNode data = (ObjectNode) JSON.readTree(new File("src/test/resources/contracts/" + file)).at("/example/data");
    if (data.has("shop_id")) data.put("shop_id", Long.parseLong(SHOP));
    return data;
  }

  private static int push(int code, ObjectNode data) {
    return sandbox.sendShopeePush(market.url("/webhooks/shopee"), SHOP, code, data, Sandbox.Redelivery.ONCE)
        .toCompletableFuture().join().status();
  }

  private static List<String> messages() {
    return handedOver.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void aPromotionPushReachesTheSkuListedOnItsModel() throws Exception {
    handedOver.list.clear();
    assertEquals(200, push(7, data("shopee-push-code7-item-promotion.json")));
    List<String> seen = messages();
    assertEquals(1, seen.size(), seen.toString());
    assertTrue(seen.get(0).contains("SKU PROMO-RED") && seen.get(0).contains("reserved 50")
        && seen.get(0).contains("700123456789012"), seen.get(0));

    ObjectNode ended = data("shopee-push-code9-promotion-update.json").put("action", "removed_from_promo");
    ended.remove("reserved_stock");
    assertEquals(200, push(9, ended));
    assertTrue(messages().get(1).contains("reserved not stated") && messages().get(1).contains("ended"),
        messages().toString());
  }

  @Test
  void reservedStockUsedByAnOrderChangesNoStock() throws Exception {
    handedOver.list.clear();
    int before = ok(send("GET", "/admin/skus/PROMO-RED", null)).get("onHand").asInt();
    assertEquals(80, before);
    assertEquals(200, push(8, data("shopee-push-code8-reserved-stock.json")));
    assertTrue(messages().stream().anyMatch(m -> m.contains("reserved 49")), messages().toString());
    assertEquals(before, ok(send("GET", "/admin/skus/PROMO-RED", null)).get("onHand").asInt(),
        "the order arrives through code 3: code 8 deducts nothing");
  }

  @Test
  void aModelNoSkuIsListedOnIsAcknowledged() throws Exception {
    handedOver.list.clear();
    assertEquals(200, push(7, data("shopee-push-code7-item-promotion.json").put("item_id", 111L)));
    assertEquals(List.of(), messages());
  }
}
