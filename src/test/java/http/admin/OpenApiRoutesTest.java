package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;

/**
 * {@code GET /admin/openapi.json} against the real routes of a running node: every path and method it documents
 * answers (GETs 200; writes a known harmless answer, mostly 400, and nothing changes), the two open documents are
 * the only {@code /admin} paths served without a token, and every admin route of README's endpoints table is in it.
 */
class OpenApiRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SKU = "OPENAPI-SKU";
  private static final Map<String, String> PATH_VALUES = Map.of(
      "{sku}", SKU, "{channel}", "phone", "{shop}", "manual", "{orderId}", "OPENAPI-1");
  private static final String ORDER = "/admin/orders/{channel}/{shop}/{orderId}";

  /** A harmless request per write operation: its body (null = none) and the status it must get. */
  private record Harmless(String body, int status) {}

  private static final Map<String, Harmless> WRITES = Map.ofEntries(
      Map.entry("PUT /admin/skus/{sku}/stock", new Harmless("{}", 400)),
      Map.entry("POST /admin/skus/{sku}/adjustments", new Harmless("{\"delta\":0,\"reason\":\"RECEIVED\"}", 400)),
      Map.entry("PUT /admin/skus/{sku}/listings", new Harmless("{}", 400)),
      Map.entry("DELETE /admin/skus/{sku}/listings", new Harmless(null, 400)), // no channel/shopId query
      Map.entry("PUT /admin/skus/{sku}/push-rules", new Harmless("{\"ebay\":{}}", 400)),
      Map.entry("POST /admin/skus/{sku}/push", new Harmless(null, 202)), // re-pushes current values: no listings here
      Map.entry("POST /admin/sync/reconcile", new Harmless(null, 200)), // compares, re-pushes drift: none here
      Map.entry("DELETE /admin/sync/staleness", new Harmless(null, 204)), // in-memory figures back to zero
      Map.entry("POST /admin/shops/{channel}/{shop}/resume", new Harmless(null, 404)), // phone has no marketplace API
      Map.entry("POST /admin/shops/{channel}/connect", new Harmless(null, 404)), // phone has no onboarding
      Map.entry("DELETE /admin/shops/{channel}/{shop}", new Harmless(null, 404)), // no connected phone shop
      Map.entry("POST /admin/orders", new Harmless("{}", 400)),
      Map.entry("POST " + ORDER + "/cancel", new Harmless("{", 400)),
      Map.entry("POST " + ORDER + "/ship", new Harmless("{}", 400)),
      Map.entry("POST " + ORDER + "/paid", new Harmless(null, 200)), // paid already: answered unchanged
      Map.entry("POST " + ORDER + "/restock", new Harmless(null, 409)), // only a RETURNED order
      Map.entry("POST " + ORDER + "/map", new Harmless("{}", 400)));

  private static MarketNode market;
  private static JsonNode document;

  @BeforeAll
  static void start() throws Exception {
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
    assertEquals(200, send("PUT", "/admin/skus/" + SKU + "/stock", "{\"onHand\":5}", true).statusCode());
    HttpResponse<String> order = send("POST", "/admin/orders", "{\"channel\":\"phone\",\"orderId\":\"OPENAPI-1\","
        + "\"lines\":[{\"sku\":\"" + SKU + "\",\"quantity\":1}]}", true);
    assertEquals(201, order.statusCode(), order.body());
    awaitPhase("CONFIRMED");
    HttpResponse<String> doc = send("GET", "/admin/openapi.json", null, false);
    assertEquals(200, doc.statusCode(), "the document is open without a token");
    assertTrue(doc.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
    document = JSON.readTree(doc.body());
  }

  @AfterAll
  static void stop() {
    if (market != null) market.close();
  }

  private static HttpResponse<String> send(String method, String path, String body, boolean token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(market.url(path))).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) b.header("Content-Type", "application/json");
    if (token) b.header("Authorization", "Bearer " + TestConfig.OPERATOR_TOKEN);
    return Http.sendAsIs(b.build());
  }

  private static void awaitPhase(String phase) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    String last = null;
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = send("GET", "/admin/orders/phone/manual/OPENAPI-1", null, true);
      if (r.statusCode() == 200) last = JSON.readTree(r.body()).get("phase").asText();
      if (phase.equals(last)) return;
      Thread.sleep(100);
    }
    throw new AssertionError("order not " + phase + " but " + last);
  }

  private record Operation(String method, String template, boolean open) {
    String key() {
      return method + " " + template;
    }

    String path() {
      String path = template;
      for (var e : PATH_VALUES.entrySet()) path = path.replace(e.getKey(), e.getValue());
      return path;
    }
  }

  private static List<Operation> operations() {
    List<Operation> operations = new ArrayList<>();
    document.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
      if (op.getKey().equals("parameters")) return;
      JsonNode security = op.getValue().get("security");
      operations.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(),
          security != null && security.isArray() && security.isEmpty()));
    }));
    return operations;
  }

  @Test
  void documentIsOpenApi3WithResponsesForEveryOperation() {
    assertTrue(document.get("openapi").asText().startsWith("3."), document.get("openapi").asText());
    assertEquals("bearer", document.at("/components/securitySchemes/bearer/scheme").asText());
    List<Operation> operations = operations();
    assertTrue(operations.size() >= 28, "operations: " + operations.size());
    for (Operation op : operations) {
      JsonNode node = document.get("paths").get(op.template()).get(op.method().toLowerCase(Locale.ROOT));
      assertTrue(node.get("responses").size() > 0, op.key());
      assertFalse(node.path("summary").asText().isBlank(), op.key());
      for (String name : PATH_VALUES.keySet()) {
        if (op.template().contains(name)) {
          assertTrue(document.get("paths").get(op.template()).toString().contains(
              "\"name\":\"" + name.substring(1, name.length() - 1) + "\""), op.key() + " declares " + name);
        }
      }
    }
    assertEquals(Set.of("GET /admin/ui", "GET /admin/openapi.json"),
        Set.copyOf(operations.stream().filter(Operation::open).map(Operation::key).toList()),
        "only the two static documents are open");
  }

  @Test
  void everyDocumentedOperationAnswersOnTheRealRoutesAndTheHarmlessWritesChangeNothing() throws Exception {
    String skuBefore = stripVolatile(send("GET", "/admin/skus/" + SKU, null, true).body());
    int eventsBefore = JSON.readTree(send("GET", "/admin/orders/phone/manual/OPENAPI-1/events", null, true).body()).size();
    List<String> problems = new ArrayList<>();
    for (Operation op : operations()) {
      int status;
      String body;
      if (op.method().equals("GET")) {
        HttpResponse<String> r = send("GET", op.path(), null, true);
        status = r.statusCode();
        body = r.body();
        if (status != 200) problems.add(op.key() + " → " + status + " " + body);
        continue;
      }
      Harmless harmless = WRITES.get(op.key());
      if (harmless == null) {
        problems.add(op.key() + ": documented write without a harmless request in this test; add one to WRITES");
        continue;
      }
      HttpResponse<String> r = send(op.method(), op.path(), harmless.body(), true);
      if (r.statusCode() != harmless.status()) {
        problems.add(op.key() + " → " + r.statusCode() + " (expected " + harmless.status() + ") " + r.body());
      }
      if (r.statusCode() >= 400) {
        JsonNode error = JSON.readTree(r.body());
        if (!error.hasNonNull("error") || !error.hasNonNull("message")) problems.add(op.key() + ": not a JSON error: " + r.body());
      }
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
    assertEquals(WRITES.keySet(), Set.copyOf(operations().stream().filter(o -> !o.method().equals("GET"))
        .map(Operation::key).toList()), "every harmless request here is for a documented write");
    assertEquals(skuBefore, stripVolatile(send("GET", "/admin/skus/" + SKU, null, true).body()), "SKU unchanged");
    assertEquals(eventsBefore, JSON.readTree(send("GET", "/admin/orders/phone/manual/OPENAPI-1/events", null, true)
        .body()).size(), "order unchanged");
  }

  /** The SKU's state without the count of events replayed by this incarnation (it says nothing about changes). */
  private static String stripVolatile(String skuJson) throws Exception {
    var node = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(skuJson);
    node.remove("replayedOnRecovery");
    return node.toString();
  }

  @Test
  void onlyTheTwoDocumentsAreServedWithoutAToken() throws Exception {
    HttpResponse<String> page = send("GET", "/admin/ui", null, false);
    assertEquals(200, page.statusCode());
    assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    assertTrue(page.body().contains("id=\"login\""), "the dashboard page");
    java.util.regex.Matcher refs = java.util.regex.Pattern.compile("(?:src|href)=\"([^\"#]+)\"").matcher(page.body());
    while (refs.find()) {
      assertTrue(refs.group(1).startsWith("/admin/ui/"), "only the page's own files, nothing from elsewhere: " + refs.group(1));
    }
    for (String asset : UiRoutes.ASSETS) {
      HttpResponse<String> file = send("GET", "/admin/ui/" + asset, null, false);
      assertEquals(200, file.statusCode(), asset);
      assertTrue(file.headers().firstValue("Content-Type").orElse("").contains(asset.endsWith(".css") ? "text/css" : "javascript"), asset);
      assertFalse(java.util.regex.Pattern.compile("(from\\s*[\"'](https?:)?//|import\\(\\s*[\"'](https?:)?//"
          + "|fetch\\(\\s*[\"'](https?:)?//|url\\(\\s*[\"']?(https?:)?//|@import)").matcher(file.body()).find(),
          asset + " loads nothing from elsewhere");
    }
    assertTrue(send("GET", "/admin/ui/app.js", null, false).body().contains("sessionStorage"), "the token stays in the tab");
    String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
    assertTrue(csp.contains("connect-src 'self'") && csp.contains("frame-ancestors 'none'"), csp);
    assertEquals(200, send("GET", "/admin/ui", null, true).statusCode(), "also with a token");

    List<String> open = new ArrayList<>();
    for (Operation op : operations()) {
      if (op.open()) continue;
      Harmless harmless = WRITES.get(op.key());
      HttpResponse<String> r = send(op.method(), op.path(), harmless == null ? null : harmless.body(), false);
      if (r.statusCode() != 401 || r.headers().firstValue("WWW-Authenticate").isEmpty()) {
        open.add(op.key() + " → " + r.statusCode());
      }
    }
    for (String[] near : new String[][] {{"POST", "/admin/ui"}, {"PUT", "/admin/openapi.json"},
        {"GET", "/admin/ui/"}, {"GET", "/admin/ui/x"}, {"GET", "/admin/uix"}, {"GET", "/admin/openapi.yaml"},
        {"GET", "/admin/ui.html"}, {"GET", "/admin"}, {"GET", "/admin/nothing"}}) {
      HttpResponse<String> r = send(near[0], near[1], null, false);
      if (r.statusCode() != 401) open.add(near[0] + " " + near[1] + " → " + r.statusCode());
    }
    assertTrue(open.isEmpty(), "answered without a token: " + open);
  }

  /**
   * Every admin path in README's endpoints table (methods where a cell names one) is documented. Relative cells
   * ({@code .../events}) continue the row's last absolute path, or the previous row's first one.
   */
  @Test
  void everyAdminRouteOfTheReadmeIsDocumented() throws Exception {
    List<String> readme = Files.readAllLines(Path.of("README.md"));
    int start = readme.indexOf("## Endpoints");
    assertTrue(start >= 0, "README has an endpoints section");
    Pattern cell = Pattern.compile("`(?:(GET|POST|PUT|DELETE)\\s+)?(?::\\d+)?(/admin[^`\\s?]*|\\.\\.\\.[^`\\s?]*)");
    Set<String> wanted = new LinkedHashSet<>();
    String previousRowBase = null;
    for (String line : readme.subList(start, readme.size())) {
      if (line.startsWith("## ") && !line.equals("## Endpoints")) break;
      if (!line.startsWith("|")) continue;
      String where = line.split("\\|")[1];
      Matcher m = cell.matcher(where);
      String rowBase = null;
      while (m.find()) {
        String path = m.group(2);
        if (path.startsWith("...")) {
          String base = rowBase != null ? rowBase : previousRowBase;
          assertNotNull(base, "a relative path without a base: " + line);
          path = base + path.substring(3);
        } else if (rowBase == null) {
          rowBase = path;
        }
        wanted.add((m.group(1) == null ? "" : m.group(1) + " ") + path);
      }
      if (rowBase != null) previousRowBase = rowBase;
    }
    assertTrue(wanted.size() >= 20, "found the admin routes of the table: " + wanted);
    Set<String> documented = new LinkedHashSet<>();
    for (Operation op : operations()) {
      documented.add(normalise(op.template()));
      documented.add(op.method() + " " + normalise(op.template()));
    }
    List<String> missing = wanted.stream().filter(w -> !documented.contains(normalise(w))).toList();
    assertTrue(missing.isEmpty(), "README admin routes missing from openapi.json: " + missing);
  }

  private static String normalise(String path) {
    return path.replaceAll("\\{[^}]*}", "{}").replaceAll("/$", "");
  }
}
