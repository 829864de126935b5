package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import sku.SkuEntity;
import support.Http;
import support.TestConfig;
import support.TestDatabase;

/** The SKU admin API over real HTTP on a node with the PostgreSQL journal. */
class SkuRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Node node;
  private static String base;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    node = Node.start(TestConfig.postgres());
    base = "http://127.0.0.1:" + node.httpPort() + "/admin/skus/";
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> send(String method, String path, String body) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(15))
        .header("Content-Type", "application/json");
    request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    return Http.send(request.build());
  }

  private static JsonNode expect(int status, HttpResponse<String> response) throws Exception {
    assertEquals(status, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").contains("application/json"), response.headers().toString());
    JsonNode body = JSON.readTree(response.body());
    if (status >= 400) {
      assertTrue(body.hasNonNull("error") && body.hasNonNull("message"), response.body());
    }
    return body;
  }

  @Test
  void unknownSkuIs404() throws Exception {
    assertEquals("not_found", expect(404, send("GET", "NOPE-1", null)).get("error").asText());
    expect(404, send("POST", "NOPE-1/adjustments", "{\"delta\":2,\"reason\":\"RECEIVED\"}"));
    expect(404, send("GET", "NOPE-1/history", null));
  }

  @Test
  void stockIsSetAndBadBodiesAre400AndChangeNothing() throws Exception {
    JsonNode set = expect(200, send("PUT", "R-1/stock", "{\"onHand\":10,\"force\":false}"));
    assertEquals(10, set.at("/summary/onHand").asInt());
    for (String bad : new String[] {"{\"onHand\":", "[]", "{}", "{\"onHand\":\"ten\"}", "{\"onHand\":-1}",
        "{\"onHand\":1.5}", "{\"onHand\":5,\"force\":\"yes\"}"}) {
      assertEquals("bad_request", expect(400, send("PUT", "R-1/stock", bad)).get("error").asText(), bad);
    }
    for (String bad : new String[] {"{\"delta\":-2,\"reason\":\"LOST\"}", "{\"delta\":2,\"reason\":\"DAMAGED\"}",
        "{\"delta\":0,\"reason\":\"CORRECTION\"}", "{\"reason\":\"RECEIVED\"}", "not json"}) {
      expect(400, send("POST", "R-1/adjustments", bad));
    }
    assertEquals(10, expect(200, send("GET", "R-1", null)).get("onHand").asInt());
    JsonNode adjusted = expect(200, send("POST", "R-1/adjustments", "{\"delta\":-2,\"reason\":\"DAMAGED\"}"));
    assertEquals(8, adjusted.at("/summary/onHand").asInt());
  }

  @Test
  void cuttingStockBelowReservedIs409UnlessForced() throws Exception {
    expect(200, send("PUT", "R-2/stock", "{\"onHand\":10}"));
    var reply = ClusterSharding.get(node.system()).entityRefFor(SkuEntity.ENTITY_TYPE_KEY, "R-2")
        .<SkuEntity.ReservationReply>ask(r -> new SkuEntity.Reserve("order-9", 8, null, r), Duration.ofSeconds(10))
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    assertEquals(new SkuEntity.ReserveAccepted("R-2", "order-9", 8), reply);
    JsonNode conflict = expect(409, send("PUT", "R-2/stock", "{\"onHand\":3}"));
    assertTrue(conflict.get("message").asText().contains("order-9"), conflict.toString());
    expect(409, send("POST", "R-2/adjustments", "{\"delta\":-5,\"reason\":\"DAMAGED\"}"));
    assertEquals(10, expect(200, send("GET", "R-2", null)).get("onHand").asInt());
    JsonNode forced = expect(200, send("PUT", "R-2/stock", "{\"onHand\":3,\"force\":true}"));
    assertEquals(5, forced.get("shortfall").asInt());
    assertEquals("order-9", forced.get("shortOrderKeys").get(0).asText());
    JsonNode history = expect(200, send("GET", "R-2/history?limit=1", null));
    assertEquals(TestConfig.OPERATOR_NAME, history.at("/events/0/actor").asText(), "the admin token's name");
    assertEquals("StockSet", history.at("/events/0/type").asText());
  }

  @Test
  void reservationsArePagedOldestFirstWithTheirCount() throws Exception {
    expect(200, send("PUT", "R-PAGE/stock", "{\"onHand\":100}"));
    var sku = ClusterSharding.get(node.system()).entityRefFor(SkuEntity.ENTITY_TYPE_KEY, "R-PAGE");
    for (int i = 1; i <= 5; i++) {
      int n = i;
      assertEquals(new SkuEntity.ReserveAccepted("R-PAGE", "order-" + n, n), sku.<SkuEntity.ReservationReply>ask(
              r -> new SkuEntity.Reserve("order-" + n, n, null, r), Duration.ofSeconds(10))
          .toCompletableFuture().get(15, TimeUnit.SECONDS));
    }
    JsonNode all = expect(200, send("GET", "R-PAGE", null));
    assertEquals(5, all.get("reservationCount").asInt());
    assertEquals(5, all.get("reservations").size(), "the default page holds up to 100");
    assertEquals(15, all.get("reserved").asInt());

    JsonNode page = expect(200, send("GET", "R-PAGE?reservationOffset=1&reservationLimit=2", null));
    assertEquals(5, page.get("reservationCount").asInt());
    assertEquals(java.util.List.of("order-2", "order-3"), fieldNames(page.get("reservations")));
    assertEquals(3, page.at("/reservations/order-3/quantity").asInt());
    assertEquals(java.util.List.of("order-5"),
        fieldNames(expect(200, send("GET", "R-PAGE?reservationOffset=4&reservationLimit=10", null)).get("reservations")));

    JsonNode none = expect(200, send("GET", "R-PAGE?reservationLimit=0", null));
    assertEquals(0, none.get("reservations").size());
    assertEquals(5, none.get("reservationCount").asInt());
    assertEquals(85, none.get("available").asInt());

    for (String bad : new String[] {"reservationLimit=1001", "reservationLimit=-1", "reservationOffset=-1",
        "reservationLimit=ten", "reservationOffset=1.5"}) {
      assertEquals("bad_request", expect(400, send("GET", "R-PAGE?" + bad, null)).get("error").asText(), bad);
    }
  }

  private static java.util.List<String> fieldNames(JsonNode object) {
    java.util.List<String> names = new java.util.ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void listingsAreAddedChangedAndRemoved() throws Exception {
    JsonNode put = expect(200, send("PUT", "R-3/listings",
        "{\"channel\":\"shopee\",\"shopId\":\"s1\",\"itemId\":\"100\",\"modelId\":\"7\"}"));
    assertTrue(put.get("exists").asBoolean());
    assertEquals("SHOPEE", put.at("/listings/0/channel").asText());
    expect(200, send("PUT", "R-3/listings", "{\"channel\":\"tiktok\",\"shopId\":\"t1\",\"productId\":\"p\",\"skuId\":\"k\"}"));
    expect(400, send("PUT", "R-3/listings", "{\"channel\":\"tiktok\",\"shopId\":\"t1\",\"productId\":\"p\"}"));
    expect(400, send("PUT", "R-3/listings", "{\"channel\":\"ebay\",\"shopId\":\"x\"}"));
    assertEquals(2, expect(200, send("GET", "R-3", null)).get("listings").size());
    expect(200, send("DELETE", "R-3/listings?channel=shopee&shopId=s1", null));
    expect(404, send("DELETE", "R-3/listings?channel=shopee&shopId=s1", null));
    expect(400, send("DELETE", "R-3/listings?channel=shopee", null));
    assertEquals(1, expect(200, send("GET", "R-3", null)).get("listings").size());
  }

  @Test
  void historyIsPagedNewestFirst() throws Exception {
    expect(200, send("PUT", "R-4/stock", "{\"onHand\":1}"));
    expect(200, send("PUT", "R-4/stock", "{\"onHand\":2}"));
    expect(200, send("PUT", "R-4/stock", "{\"onHand\":3}"));
    JsonNode page = expect(200, send("GET", "R-4/history?offset=1&limit=5", null));
    assertEquals(3, page.get("total").asInt());
    assertEquals(2, page.get("events").size());
    assertEquals(2, page.at("/events/0/seq").asInt());
    assertTrue(page.at("/events/0/description").asText().contains("from 1 to 2"), page.toString());
    expect(400, send("GET", "R-4/history?limit=abc", null));
    expect(400, send("GET", "R-4/history?limit=100000", null));
  }

  @Test
  void skuPathIsValidated() throws Exception {
    expect(400, send("GET", "X".repeat(65), null));
    expect(400, send("GET", "bad%01sku", null));
  }
}
