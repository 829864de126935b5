package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Chromium;
import support.Http;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * The operator dashboard in a real headless Chromium, against a node wired to the marketplace sandbox: log in with
 * the operator token, watch an order placed through a signed Shopee webhook appear, open its timeline, adjust the
 * SKU and see what Shopee shows change (on the page and in the sandbox), and keep a screenshot under target/.
 */
class DashboardBrowserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHOP = "1001";
  private static final String SKU = "SKU-DASH";
  private static final long ITEM = 5100;
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** A SKU code that is markup: the page must show it as text, never run it. */
  private static final String MARKUP_SKU = "<img src=x onerror=\"window.injected=1\">";
  private static MarketNode market;
  private static Chromium browser;

  @BeforeAll
  static void start() throws Exception {
    Chromium.binary(); // fails first, with instructions, when Chromium is missing
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
    admin("PUT", "/admin/skus/" + SKU + "/stock", "{\"onHand\":20}");
    admin("PUT", "/admin/skus/" + SKU + "/listings",
        "{\"channel\":\"shopee\",\"shopId\":\"" + SHOP + "\",\"itemId\":\"" + ITEM + "\",\"modelId\":\"0\"}");
    awaitSandboxStock(20);
    admin("PUT", "/admin/skus/SKU-DASH-LOW/stock", "{\"onHand\":3}");
    admin("PUT", "/admin/skus/" + java.net.URLEncoder.encode(MARKUP_SKU, java.nio.charset.StandardCharsets.UTF_8)
        .replace("+", "%20") + "/stock", "{\"onHand\":30}");
    browser = Chromium.launch(1400, 1000);
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
    if (market != null) market.close();
  }

  private static JsonNode admin(String method, String path, String body) throws Exception {
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url(path)))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build());
    assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.statusCode() + " " + r.body());
    return JSON.readTree(r.body());
  }

  private static void awaitSandboxStock(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Integer last = null;
    while (System.nanoTime() < deadline) {
      last = market.sandbox.shopeeStock(ITEM, 0);
      if (last != null && last == expected) return;
      Thread.sleep(50);
    }
    throw new AssertionError("Shopee (sandbox) shows " + last + " for item " + ITEM + ", expected " + expected);
  }

  private static String js(String value) throws Exception {
    return JSON.writeValueAsString(value);
  }

  @Test
  void aMissingChromiumIsAnErrorThatSaysHowToInstallIt() {
    IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
        () -> Chromium.binary("/nonexistent/chromium"));
    assertTrue(e.getMessage().contains("/nonexistent/chromium") && e.getMessage().contains("scripts/test.sh")
        && e.getMessage().contains("apt-get install -y chromium"), e.getMessage());
  }

  @Test
  void operatorLogsInWatchesAnOrderArriveOpensItsTimelineAndAdjustsStock() throws Exception {
    // The page itself needs no token; it shows the login form and no data.
    browser.navigate(market.url("/admin/ui"));
    browser.waitFor("!document.getElementById('login').hidden && document.getElementById('dashboard').hidden",
        WAIT, "the login form");
    assertEquals(0, browser.eval("document.querySelectorAll('#newest tbody tr').length").asInt(), "no data before login");

    // A wrong token is refused and the form says so.
    browser.type("#token", "not-a-token");
    browser.click("#login-button");
    browser.waitFor("document.getElementById('login-error').textContent.includes('401')", WAIT, "the refusal");
    assertTrue(browser.eval("document.getElementById('dashboard').hidden").asBoolean());

    // Paste the operator token once and log in.
    browser.eval("document.getElementById('token').value = ''");
    browser.type("#token", TestConfig.OPERATOR_TOKEN);
    browser.click("#login-button");
    browser.waitFor("!document.getElementById('dashboard').hidden", WAIT, "the dashboard after login");
    assertEquals(TestConfig.OPERATOR_TOKEN,
        browser.eval("sessionStorage.getItem('orchestrator.admin.token')").asText(), "kept for this tab only");
    browser.waitFor("document.querySelector('#skus tr[data-sku=\"" + SKU + "\"] [data-listing=\"shopee:" + SHOP
        + "\"][data-shown=\"20\"]')", WAIT, "the SKU with what Shopee shows");
    browser.waitFor("document.querySelector('#skus tr.low[data-sku=\"SKU-DASH-LOW\"]')", WAIT,
        "the SKU with 3 available highlighted as low stock (default threshold 5)");
    assertFalse(browser.eval("document.querySelector('#skus tr[data-sku=\"" + SKU + "\"]').classList.contains('low')")
        .asBoolean(), "20 available is not low");
    browser.waitFor("document.getElementById('low-count').textContent === '1 low'", WAIT, "the low-stock count");
    browser.waitFor("[...document.querySelectorAll('#skus td')].some(td => td.textContent === " + js(MARKUP_SKU) + ")",
        WAIT, "the markup SKU code shown as text");
    assertEquals(0, browser.eval("document.querySelectorAll('#skus img').length").asInt(), "no element made from data");
    assertTrue(browser.eval("window.injected === undefined").asBoolean(), "no script ran from data");
    browser.waitFor("document.querySelector('#cluster tbody tr[data-member]')", WAIT, "the cluster member");
    browser.waitFor("document.querySelector('#shops tbody tr[data-shop=\"shopee:" + SHOP + "\"]')", WAIT, "the shop");

    // An order through a signed Shopee webhook appears among the newest orders.
    String orderId = "SN-DASH-1";
    String orderKey = "shopee|" + SHOP + "|" + orderId;
    market.sandbox.addShopeeOrder(SHOP, orderId, "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(ITEM, 0, SKU, null, 2, new BigDecimal("25000"))));
    Sandbox.Delivery delivery = market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), SHOP, orderId,
        "READY_TO_SHIP", Sandbox.Redelivery.ONCE).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(200, delivery.status());
    String row = "document.querySelector(" + js("#newest tbody tr[data-order-key=\"" + orderKey + "\"]") + ")";
    browser.waitFor(row + " && " + row + ".textContent.includes('CONFIRMED')", WAIT,
        "the webhook's order, CONFIRMED, in the newest orders");
    assertEquals(orderKey, browser.eval("document.querySelector('#newest tbody tr').dataset.orderKey").asText(),
        "newest first");
    browser.waitFor("document.querySelector('#by-status [data-key=\"CONFIRMED\"] .n').textContent === '1'", WAIT,
        "the live count of CONFIRMED orders");
    browser.waitFor("document.querySelector('[data-sku=\"" + SKU + "\"] [data-listing=\"shopee:" + SHOP
        + "\"][data-shown=\"18\"]')", WAIT, "Shopee showing 18 after the reservation of 2");

    // Its timeline: every event of the order, oldest first, ending confirmed.
    browser.click("#newest tbody tr[data-order-key=\"" + orderKey + "\"] a.order");
    browser.waitFor("document.querySelector('#timeline li[data-type=\"OrderConfirmed\"]')", WAIT, "the timeline");
    JsonNode types = browser.eval("[...document.querySelectorAll('#timeline li')].map(li => li.dataset.type)");
    JsonNode events = admin("GET", "/admin/orders/shopee/" + SHOP + "/" + orderId + "/events", null);
    assertEquals(events.size(), types.size(), "one timeline entry per journal event: " + types);
    for (int i = 0; i < events.size(); i++) assertEquals(events.get(i).get("type").asText(), types.get(i).asText());
    assertEquals("Notified", types.get(0).asText());
    assertTrue(browser.eval("document.getElementById('order-head').textContent").asText().contains("CONFIRMED"));

    // Operator receives 5 units: on hand 25, reserved 2, Shopee shows 23 (page and sandbox), in sync.
    String skuRow = "tr[data-sku=\"" + SKU + "\"]";
    browser.type(skuRow + " input.delta", "5");
    browser.eval("document.querySelector(" + js(skuRow + " select") + ").value = 'RECEIVED'");
    browser.click(skuRow + " button.adjust");
    browser.waitFor("document.querySelector(" + js(skuRow + " td.onhand") + ").textContent === '25'", WAIT,
        "on hand 25 in the table");
    browser.waitFor("document.querySelector(" + js(skuRow + " [data-listing=\"shopee:" + SHOP + "\"]")
        + ").dataset.shown === '23' && document.querySelector(" + js(skuRow + " [data-listing=\"shopee:" + SHOP + "\"]")
        + ").dataset.pushed === '23'", WAIT, "Shopee shown and pushed 23 on the page");
    awaitSandboxStock(23);
    JsonNode sku = admin("GET", "/admin/skus/" + SKU, null);
    assertEquals(25, sku.get("onHand").asInt());
    assertEquals(2, sku.get("reserved").asInt());
    JsonNode history = admin("GET", "/admin/skus/" + SKU + "/history", null);
    assertTrue(history.toString().contains(TestConfig.OPERATOR_NAME), "the adjustment is recorded as the operator's");

    // Push now answers from the page too.
    browser.click(skuRow + " button.push");
    browser.waitFor("document.getElementById('toast').textContent.includes('pushing 1 listing')", WAIT, "push now");

    browser.waitFor("document.querySelector(" + js(skuRow + " [data-listing=\"shopee:" + SHOP + "\"]")
        + ").dataset.sync === 'in_sync'", WAIT, "the listing in sync");
    browser.eval("window.scrollTo(0, 0); document.getElementById('toast').style.display = 'none'");
    Path shot = browser.screenshot(Path.of("target", "dashboard", "dashboard.png"));
    assertTrue(Files.size(shot) > 10_000, "a real screenshot: " + Files.size(shot) + " bytes");
    System.out.println("Dashboard screenshot: " + shot);
    assertTrue(browser.console.stream().noneMatch(m -> m.startsWith("exception")), "no page errors: " + browser.console);

    // Logging out forgets the token.
    browser.click("#logout");
    browser.waitFor("!document.getElementById('login').hidden", WAIT, "the login form again");
    assertTrue(browser.eval("sessionStorage.getItem('orchestrator.admin.token') === null").asBoolean());

    // A viewer sees the same page, and the API refuses its adjustment (403, shown to the operator, nothing changes).
    browser.type("#token", TestConfig.VIEWER_TOKEN);
    browser.click("#login-button");
    browser.waitFor("document.querySelector(" + js(skuRow + " td.onhand") + ")", WAIT, "the SKU table as viewer");
    browser.type(skuRow + " input.delta", "1");
    browser.click(skuRow + " button.adjust");
    browser.waitFor("document.getElementById('toast').className === 'error' && "
        + "document.getElementById('toast').textContent.includes('viewer')", WAIT, "the viewer's refusal");
    assertEquals(25, admin("GET", "/admin/skus/" + SKU, null).get("onHand").asInt(), "a viewer changes nothing");
  }
}
