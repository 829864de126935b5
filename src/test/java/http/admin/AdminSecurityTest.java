package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;

/**
 * The admin API's security over real HTTP: every route family refuses a missing or unknown token (401) and a viewer
 * that acts (403) without changing anything; operators act and their token's name is recorded in the events;
 * webhooks ignore bearer tokens; request limits answer with JSON errors.
 */
class AdminSecurityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String JANE_TOKEN = "jane-operator-token-for-tests";
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of("orchestrator.admin.tokens",
        TestConfig.OPERATOR_NAME + ":operator:" + AdminTokens.hash(TestConfig.OPERATOR_TOKEN) + ","
            + TestConfig.VIEWER_NAME + ":viewer:" + AdminTokens.hash(TestConfig.VIEWER_TOKEN) + ","
            + "ops-jane:operator:" + AdminTokens.hash(JANE_TOKEN)));
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  /** One request of a route family; {@code body} null for none. */
  private record Call(String method, String path, String body) {
    boolean reads() {
      return method.equals("GET");
    }
  }

  private static HttpResponse<String> send(Call call, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(call.path())))
        .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json")
        .method(call.method(), call.body() == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(call.body()));
    if (authorization != null) b.header("Authorization", authorization);
    return Http.sendAsIs(b.build());
  }

  private static HttpResponse<String> as(String token, String method, String path, String body) {
    return send(new Call(method, path, body), "Bearer " + token);
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
        r.statusCode() + " " + r.headers() + " " + r.body());
    return JSON.readTree(r.body());
  }

  private static void expectError(int status, String code, HttpResponse<String> r, String what) throws Exception {
    assertEquals(status, r.statusCode(), what + ": " + r.body());
    JsonNode body = json(r);
    assertEquals(code, body.path("error").asText(), what + ": " + r.body());
    assertFalse(body.path("message").asText().isBlank(), what);
  }

  private static JsonNode awaitPhase(String path, String phase) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = as(TestConfig.VIEWER_TOKEN, "GET", path, null);
      if (r.statusCode() == 200) {
        last = JSON.readTree(r.body());
        if (phase.equals(last.path("phase").asText())) return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + " never reached " + phase + ": " + last);
  }

  private static String manualOrder(String orderId, String sku, int quantity) {
    return "{\"channel\":\"phone\",\"shopId\":\"desk\",\"orderId\":\"" + orderId + "\",\"buyerName\":\"Rina\","
        + "\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\":" + quantity + ",\"unitPrice\":10}]}";
  }

  /** Everything an operator could change, as one comparable snapshot. */
  private static String snapshot(String sku, String order) throws Exception {
    return as(TestConfig.VIEWER_TOKEN, "GET", "/admin/skus/" + sku, null).body()
        + as(TestConfig.VIEWER_TOKEN, "GET", "/admin/skus/" + sku + "/history?limit=200", null).body()
        + json(as(TestConfig.VIEWER_TOKEN, "GET", order + "/events", null)).size()
        + as(TestConfig.VIEWER_TOKEN, "GET", "/admin/orders/phone/desk/M-SEC-NEW", null).statusCode();
  }

  @Test
  void everyRouteFamilyRefusesMissingUnknownAndTooWeakTokensAndNothingChanges() throws Exception {
    String sku = "SKU-SEC-A";
    String order = "/admin/orders/phone/desk/M-SEC-A";
    assertEquals(200, as(TestConfig.OPERATOR_TOKEN, "PUT", "/admin/skus/" + sku + "/stock", "{\"onHand\":10}").statusCode());
    assertEquals(201, as(TestConfig.OPERATOR_TOKEN, "POST", "/admin/orders", manualOrder("M-SEC-A", sku, 1)).statusCode());
    awaitPhase(order, "CONFIRMED");
    String before = snapshot(sku, order);

    List<Call> calls = List.of(
        new Call("GET", "/admin/skus/" + sku, null),
        new Call("GET", "/admin/skus/" + sku + "/history", null),
        new Call("PUT", "/admin/skus/" + sku + "/stock", "{\"onHand\":99}"),
        new Call("POST", "/admin/skus/" + sku + "/adjustments", "{\"delta\":3,\"reason\":\"RECEIVED\"}"),
        new Call("PUT", "/admin/skus/" + sku + "/listings", "{\"channel\":\"whatsapp\",\"shopId\":\"5550001\"}"),
        new Call("DELETE", "/admin/skus/" + sku + "/listings?channel=whatsapp&shopId=5550001", null),
        new Call("GET", order, null),
        new Call("GET", order + "/events", null),
        new Call("POST", order + "/cancel", "{\"reason\":\"test\"}"),
        new Call("POST", order + "/ship", "{\"trackingNumber\":\"TRK-X\"}"),
        new Call("POST", order + "/restock", null),
        new Call("POST", order + "/paid", null),
        new Call("POST", order + "/map", "{\"lineRef\":\"l1\",\"sku\":\"" + sku + "\"}"),
        new Call("POST", "/admin/orders", manualOrder("M-SEC-NEW", sku, 1)),
        new Call("GET", "/admin/shops", null));
    for (Call call : calls) {
      String what = call.method() + " " + call.path();
      for (String auth : new String[] {null, "Bearer wrong-token", "Bearer ", "Basic dGVzdDp0ZXN0",
          "Bearer " + AdminTokens.hash(TestConfig.OPERATOR_TOKEN), TestConfig.OPERATOR_TOKEN}) {
        HttpResponse<String> r = send(call, auth);
        expectError(401, "unauthorized", r, what + " with " + auth);
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), what + r.headers());
      }
      HttpResponse<String> viewer = send(call, "Bearer " + TestConfig.VIEWER_TOKEN);
      if (call.reads()) {
        assertEquals(200, viewer.statusCode(), what + ": " + viewer.body());
        json(viewer);
      } else {
        expectError(403, "forbidden", viewer, what + " as viewer");
      }
    }
    assertEquals(before, snapshot(sku, order), "refused requests changed nothing");
  }

  @Test
  void operatorsActAndTheirTokenNameIsRecordedInTheEvents() throws Exception {
    String sku = "SKU-SEC-B";
    String op = TestConfig.OPERATOR_TOKEN;
    assertEquals(200, as(op, "PUT", "/admin/skus/" + sku + "/stock", "{\"onHand\":10}").statusCode());
    assertEquals(200, as(JANE_TOKEN, "POST", "/admin/skus/" + sku + "/adjustments",
        "{\"delta\":5,\"reason\":\"RECEIVED\"}").statusCode());
    assertEquals(200, as(JANE_TOKEN, "PUT", "/admin/skus/" + sku + "/listings",
        "{\"channel\":\"whatsapp\",\"shopId\":\"5550001\"}").statusCode());
    assertEquals(200, as(op, "DELETE", "/admin/skus/" + sku + "/listings?channel=whatsapp&shopId=5550001", null)
        .statusCode());
    JsonNode history = json(as(op, "GET", "/admin/skus/" + sku + "/history?limit=10", null));
    List<String> actors = new ArrayList<>();
    for (JsonNode e : history.get("events")) actors.add(e.get("type").asText() + "/" + e.get("actor").asText());
    assertTrue(actors.contains("StockSet/" + TestConfig.OPERATOR_NAME), actors.toString());
    assertTrue(actors.contains("StockAdjusted/ops-jane"), actors.toString());
    assertTrue(actors.contains("ListingPut/ops-jane"), actors.toString());
    assertTrue(actors.stream().noneMatch(a -> a.endsWith("/admin")), "no hard-coded actor left: " + actors);

    String shipped = "/admin/orders/phone/desk/M-SEC-B1";
    assertEquals(201, as(op, "POST", "/admin/orders", manualOrder("M-SEC-B1", sku, 2)).statusCode());
    awaitPhase(shipped, "CONFIRMED");
    assertEquals(200, as(JANE_TOKEN, "POST", shipped + "/paid", null).statusCode());
    HttpResponse<String> ship = as(JANE_TOKEN, "POST", shipped + "/ship", "{\"trackingNumber\":\"TRK-SEC-1\"}");
    assertEquals(200, ship.statusCode(), ship.body());
    String cancelled = "/admin/orders/phone/desk/M-SEC-B2";
    assertEquals(201, as(JANE_TOKEN, "POST", "/admin/orders", manualOrder("M-SEC-B2", sku, 1)).statusCode());
    assertEquals(200, as(op, "POST", cancelled + "/cancel", "{\"reason\":\"buyer called\"}").statusCode());
    // operators reach the entity: domain answers, not 401/403
    assertEquals(409, as(op, "POST", shipped + "/restock", null).statusCode());
    assertEquals(409, as(op, "POST", cancelled + "/map", "{\"lineRef\":\"x\",\"sku\":\"" + sku + "\"}").statusCode());

    String shippedEvents = json(as(op, "GET", shipped + "/events", null)).toString();
    assertTrue(shippedEvents.contains("MANUAL (entered by " + TestConfig.OPERATOR_NAME + ")"), shippedEvents);
    JsonNode shipEvent = eventOfType(json(as(op, "GET", shipped + "/events", null)), "ShipRequested");
    assertEquals("ops-jane", shipEvent.at("/event/by").asText(), shipEvent.toString());
    JsonNode cancelEvent = eventOfType(json(as(op, "GET", cancelled + "/events", null)), "CancelRequested");
    assertEquals(TestConfig.OPERATOR_NAME, cancelEvent.at("/event/by").asText(), cancelEvent.toString());
    assertTrue(json(as(op, "GET", cancelled + "/events", null)).toString().contains("entered by ops-jane"));
  }

  private static JsonNode eventOfType(JsonNode events, String type) {
    for (JsonNode e : events) if (type.equals(e.get("type").asText())) return e;
    throw new AssertionError("no " + type + " in " + events);
  }

  @Test
  void webhooksIgnoreAdminTokensAndHealthStaysOpen() throws Exception {
    for (String channel : new String[] {"shopee", "tiktok", "whatsapp"}) {
      byte[] body = "{\"shop_id\":1001,\"data\":{}}".getBytes(StandardCharsets.UTF_8);
      HttpResponse<String> r = Http.sendAsIs(HttpRequest.newBuilder(URI.create(market.url("/webhooks/" + channel)))
          .header("Authorization", "Bearer " + TestConfig.OPERATOR_TOKEN)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
      // the webhook's own checks answer (no signature, unknown shop, ...): the admin token opens nothing here
      assertTrue(List.of(400, 401, 404).contains(r.statusCode()), channel + ": " + r.statusCode() + " " + r.body());
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    }
    assertEquals(200, Http.awaitStatus(market.url("/health"), 200, Duration.ofSeconds(20)).statusCode(),
        "health needs no token");
    assertEquals(404, Http.sendAsIs(HttpRequest.newBuilder(URI.create(market.url("/metrics"))).build()).statusCode(),
        "metrics are not on the public port");
  }

  @Test
  void publicHealthTellsOnlyTheStatusAndTheDetailsNeedAToken() throws Exception {
    HttpResponse<String> open = Http.awaitStatus(market.url("/health"), 200, Duration.ofSeconds(20));
    assertEquals(200, open.statusCode(), open.body());
    JsonNode status = json(open);
    List<String> fields = new ArrayList<>();
    status.fieldNames().forEachRemaining(fields::add);
    assertEquals(List.of("status"), fields, "the public port tells the status only: " + open.body());
    assertEquals("ok", status.get("status").asText());

    HttpResponse<String> anonymous = send(new Call("GET", "/admin/health", null), null);
    expectError(401, "unauthorized", anonymous, "/admin/health without a token");
    assertTrue(anonymous.headers().firstValue("WWW-Authenticate").isPresent());
    expectError(401, "unauthorized", as("not-a-token", "GET", "/admin/health", null), "unknown token");

    HttpResponse<String> viewer = as(TestConfig.VIEWER_TOKEN, "GET", "/admin/health", null);
    assertEquals(200, viewer.statusCode(), viewer.body());
    JsonNode details = json(viewer);
    assertEquals("ok", details.get("status").asText());
    assertTrue(details.get("node").asText().startsWith("akka://"), viewer.body());
    assertEquals("Up", details.at("/cluster/selfStatus").asText(), viewer.body());
    assertTrue(details.at("/journal/reachable").asBoolean(), viewer.body());
    assertTrue(details.at("/jvm/heapPeakMib").asLong() > 0, viewer.body());
    assertEquals(403, as(TestConfig.VIEWER_TOKEN, "POST", "/admin/health", null).statusCode(), "a viewer only reads");
  }

  @Test
  void requestLimitsAnswerWithJsonErrors() throws Exception {
    String op = TestConfig.OPERATOR_TOKEN;
    String big = "{\"onHand\":1,\"pad\":\"" + "x".repeat(70 * 1024) + "\"}";
    expectError(413, "payload_too_large", as(op, "PUT", "/admin/skus/SKU-LIM/stock", big), "declared length");
    // (A chunked body past the limit also fails, while it streams in; the server then closes the connection before
    // the JDK client reads the 413, so that case is not asserted over HTTP here.)
    String deep = "{\"onHand\":" + "[".repeat(40) + "1" + "]".repeat(40) + "}";
    HttpResponse<String> tooDeep = as(op, "PUT", "/admin/skus/SKU-LIM/stock", deep);
    expectError(400, "bad_request", tooDeep, "deep JSON");
    assertTrue(json(tooDeep).get("message").asText().contains("deeper than 32"), tooDeep.body());
    expectError(400, "bad_request", as(op, "POST", "/admin/orders", "{\"lines\":" + "[".repeat(5000)), "deep order");
    assertEquals(404, as(op, "GET", "/admin/skus/SKU-LIM", null).statusCode(), "nothing was created");

    HttpResponse<String> header = Http.sendAsIs(HttpRequest.newBuilder(URI.create(market.url("/admin/shops")))
        .header("Authorization", "Bearer " + op).header("X-Pad", "y".repeat(10_000)).build());
    assertTrue(header.statusCode() == 431 || header.statusCode() == 400, header.statusCode() + " " + header.body());
    assertEquals("application/json", header.headers().firstValue("Content-Type").orElse(""), header.body());
    HttpResponse<String> uri = as(op, "GET", "/admin/skus/" + "u".repeat(5000), null);
    expectError(414, "uri_too_long", uri, "long URI");

    for (String path : new String[] {"/admin/skus/A%00B", "/admin/skus/A%E2%80%AEB/history", "/admin/skus/A%7CB",
        "/admin/skus/" + "s".repeat(200), "/admin/orders/phone/de%01sk/M-1", "/admin/orders/phone/desk/M%0A1",
        "/admin/orders/ph%1Fone/desk/M-1", "/admin/orders/phone/desk/M-1/ev%00ents",
        "/admin/orders/phone/desk/M%E2%80%8B1/events"}) {
      expectError(400, "bad_request", as(op, "GET", path, null), path);
    }
  }
}
