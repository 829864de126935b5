package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import support.Chromium;
import support.Dashboard;
import support.Http;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;

/**
 * The operator dashboard in a real headless Chromium, used as a person uses it (real clicks and keys, see
 * {@link ChromiumClickTest}), against a node on PostgreSQL wired to the marketplace sandbox: log in, watch a sale's
 * chart move as Shopee orders arrive, map a line, cancel an order, adjust stock, enter a phone order, download the
 * filtered CSV, read a SKU's chart, and check after each step what the API then says. Screenshots at 1280 px and at
 * 390 px (a phone) go to target/dashboard/; no table may be clipped, and the page may log no error.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {
  private static final String SHOP = "1001";
  private static final String SKU = "SKU-DASH";
  private static final long ITEM = 5100;
  private static final Duration WAIT = Dashboard.WAIT;
  private static final Path SHOTS = Path.of("target", "dashboard");
  /** A SKU code that is markup: the page must show it as text, never run it. */
  private static final String MARKUP_SKU = "<img src=x onerror=\"window.injected=1\">";
  private static MarketNode market;
  private static Chromium browser;
  private static Dashboard ui;
  private static int orders;

  @BeforeAll
  static void start() throws Exception {
    Chromium.binary(); // fails first, with instructions, when Chromium is missing
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
    browser = Chromium.launch(1280, 900);
    ui = new Dashboard(market, browser, SHOTS);
    ui.admin("PUT", "/admin/skus/" + SKU + "/stock", "{\"onHand\":40}");
    ui.admin("PUT", "/admin/skus/" + SKU + "/listings",
        "{\"channel\":\"shopee\",\"shopId\":\"" + SHOP + "\",\"itemId\":\"" + ITEM + "\",\"modelId\":\"0\"}");
    ui.admin("PUT", "/admin/skus/SKU-DASH-LOW/stock", "{\"onHand\":3}");
    ui.admin("PUT", "/admin/skus/" + URLEncoder.encode(MARKUP_SKU, StandardCharsets.UTF_8).replace("+", "%20") + "/stock",
        "{\"onHand\":30}");
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
    if (market != null) market.close();
  }

  /** A Shopee order through a signed webhook, answered 200. */
  private static String shopeeOrder(String itemSku, int quantity) throws Exception {
    String id = "SN-DASH-" + (++orders);
    ui.shopeeOrder(SHOP, id, ITEM, itemSku, quantity);
    return id;
  }

  private static void awaitPhase(String orderId, String... phases) throws Exception {
    ui.awaitPhase("/admin/orders/shopee/" + SHOP + "/" + orderId, phases);
  }

  /** Nothing wider than the window, and every table inside its card: no column is cut off. */
  private static void assertNothingClipped(String where) throws Exception {
    JsonNode problems = browser.eval("(() => { const out = [];"
        + " if (document.documentElement.scrollWidth > innerWidth + 1) out.push('page ' + document.documentElement.scrollWidth + ' > ' + innerWidth);"
        + " for (const t of document.querySelectorAll('.view:not([hidden]) table')) {"
        + "   const card = t.closest('.card').getBoundingClientRect();"
        + "   for (const c of t.querySelectorAll('th, td')) { const r = c.getBoundingClientRect();"
        + "     if (c.scrollWidth > c.clientWidth + 1) out.push(t.id + ' cell ' + c.textContent.slice(0, 30) + ' overflows: ' + c.scrollWidth + ' > ' + c.clientWidth);"
        + "     if (r.width > 0 && (r.right > card.right + 1 || r.left < card.left - 1)) out.push(t.id + ' cell ' + c.textContent.slice(0, 30) + ' at ' + Math.round(r.left) + '-' + Math.round(r.right) + ' outside ' + Math.round(card.left) + '-' + Math.round(card.right)); } }"
        + " return out.slice(0, 10); })()");
    assertEquals(0, problems.size(), where + ": " + problems);
  }

  @Test
  @Order(1)
  void aMissingChromiumIsAnErrorThatSaysHowToInstallIt() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Chromium.binary("/nonexistent/chromium"));
    assertTrue(e.getMessage().contains("/nonexistent/chromium") && e.getMessage().contains("scripts/test.sh")
        && e.getMessage().contains("apt-get install -y chromium"), e.getMessage());
  }

  @Test
  @Order(2)
  void anOperatorRunsTheShopFromThePage() throws Exception {
    ui.openLoginForm();
    // A wrong token is refused and the form says so.
    browser.type("#token", "not-a-token");
    browser.click("#login-button");
    browser.waitFor("document.getElementById('login-error').textContent.includes('401')", WAIT, "the refusal");
    ui.login(TestConfig.OPERATOR_TOKEN);
    assertEquals(TestConfig.OPERATOR_TOKEN, browser.eval("sessionStorage.getItem('orchestrator.admin.token')").asText());
    browser.waitFor("document.getElementById('who').textContent.includes('operator')", WAIT, "who is logged in");

    // The sale's chart moves as orders arrive.
    browser.waitFor("!document.getElementById('sale-view').hidden && document.getElementById('orders-chart')", WAIT, "the sale screen");
    List<String> first = new ArrayList<>();
    for (int i = 0; i < 3; i++) first.add(shopeeOrder(SKU, 1));
    browser.waitFor("Number(document.getElementById('orders-chart').dataset.total) === 3", WAIT, "3 orders on the chart");
    for (int i = 0; i < 4; i++) shopeeOrder(SKU, 1);
    browser.waitFor("Number(document.getElementById('orders-chart').dataset.total) === 7", WAIT, "the chart moved to 7");
    // A marketplace order for units that are gone: a forced cancellation, on its chart.
    String gone = shopeeOrder("SKU-DASH-LOW", 5);
    awaitPhase(gone, "OUT_OF_STOCK", "CANCELLING", "CANCELLED");
    browser.waitFor("Number(document.getElementById('forced-chart').dataset.total) >= 1", WAIT, "the forced cancellation charted");
    // The staleness chart counts every node's pushes: here the one node, which answered.
    browser.waitFor("/^· [0-9]+ pushes from 1 node, /.test(document.getElementById('staleness-note').textContent)"
        + " && !document.getElementById('staleness-note').textContent.includes('not answering')", WAIT,
        "the staleness note: pushes from the 1 node");
    browser.click("#sale-view [data-group=\"state\"]");
    browser.waitFor("document.querySelector('#orders-chart rect[data-series=\"OUT_OF_STOCK\"], #orders-chart rect[data-series=\"CANCELLED\"], #orders-chart rect[data-series=\"CANCELLING\"]')",
        WAIT, "the chart by state shows the cancelled order");
    assertNothingClipped("sale at 1280");
    ui.shot("sale-1280");

    // Orders: the table, a search, and one order's timeline.
    ui.screen("orders");
    browser.waitFor("document.querySelectorAll('#orders tbody tr[data-order-key]').length === 8", WAIT, "8 orders listed");
    ui.shot("orders-list-1280");
    JsonNode rowHeights = browser.eval("[...document.querySelectorAll('#orders tbody tr')].map(r => ({h: r.getBoundingClientRect().height,"
        + " problem: r.querySelector('td.problem').textContent !== ''}))");
    for (JsonNode row : rowHeights) {
      assertTrue(row.get("h").asDouble() <= (row.get("problem").asBoolean() ? 72 : 40),
          "one line per order at 1280 px (a problem may take a second): " + rowHeights);
    }
    assertNothingClipped("orders at 1280");
    browser.type("#f-q", first.get(1));
    browser.click("#f-apply");
    browser.waitFor("document.querySelectorAll('#orders tbody tr[data-order-key]').length === 1 && document.querySelector("
        + Dashboard.js("#orders tbody tr[data-order-key=\"shopee|" + SHOP + "|" + first.get(1) + "\"]") + ")", WAIT, "the searched order alone");
    browser.eval("document.getElementById('f-q').value = ''");
    browser.click("#f-apply");
    browser.waitFor("document.querySelectorAll('#orders tbody tr[data-order-key]').length === 8", WAIT, "all orders again");

    // Map a line: an order whose line has no SKU code waits in NEEDS_MAPPING until the operator says which SKU.
    String unmapped = shopeeOrder(null, 2);
    awaitPhase(unmapped, "NEEDS_MAPPING");
    String row = "#orders tbody tr[data-order-key=\"shopee|" + SHOP + "|" + unmapped + "\"]";
    browser.waitFor("document.querySelector(" + Dashboard.js(row) + ")", WAIT, "the unmapped order listed");
    browser.click(row + " button.order");
    browser.waitFor("document.querySelector('#order-detail[data-phase=\"NEEDS_MAPPING\"] button.map')", WAIT, "its Map action");
    assertTrue(browser.eval("!document.querySelector('#order-actions button.ship')").asBoolean(),
        "an order waiting for its mapping cannot be shipped yet (the entity ships a CONFIRMED order only)");
    browser.click("#order-actions button.map");
    browser.type("#confirm-fields input[name=\"sku\"]", SKU);
    String mapped = ui.confirm();
    assertTrue(mapped.contains("Map a line"), mapped);
    awaitPhase(unmapped, "CONFIRMED");
    browser.waitFor("document.querySelector('#order-detail[data-phase=\"CONFIRMED\"]')", WAIT, "the page shows it confirmed");
    // The page re-reads the open order with the list, so it catches up with events written after its last read.
    JsonNode events = ui.admin("GET", "/admin/orders/shopee/" + SHOP + "/" + unmapped + "/events", null);
    browser.waitFor("document.querySelectorAll('#timeline li').length === " + events.size(), WAIT,
        "one timeline entry per journal event (" + events.size() + ")");
    JsonNode types = browser.eval("[...document.querySelectorAll('#timeline li')].map(li => li.dataset.type)");
    for (int i = 0; i < events.size(); i++) {
      assertEquals(events.get(i).get("type").asText(), types.get(i).asText(), "timeline in journal order: " + types);
    }
    assertTrue(types.toString().contains("LineMapped") || types.toString().contains("Mapped"), types.toString());

    // Cancel an order.
    String toCancel = first.get(0);
    browser.click("#orders tbody tr[data-order-key=\"shopee|" + SHOP + "|" + toCancel + "\"] button.order");
    browser.waitFor("document.querySelector('#order-detail[data-order-key=\"shopee|" + SHOP + "|" + toCancel + "\"] button.cancel')",
        WAIT, "its Cancel action");
    browser.click("#order-actions button.cancel");
    ui.confirm();
    awaitPhase(toCancel, "CANCELLING", "CANCELLED");

    // Ship a confirmed order with its tracking number.
    String toShip = first.get(2);
    browser.click("#orders tbody tr[data-order-key=\"shopee|" + SHOP + "|" + toShip + "\"] button.order");
    browser.waitFor("document.querySelector('#order-detail[data-order-key=\"shopee|" + SHOP + "|" + toShip + "\"] button.ship')",
        WAIT, "its Ship action");
    browser.click("#order-actions button.ship");
    browser.type("#confirm-fields input[name=\"trackingNumber\"]", "TRK-DASH-1");
    ui.confirm();
    awaitPhase(toShip, "SHIPPING", "SHIPPED");
    assertEquals("TRK-DASH-1", ui.admin("GET", "/admin/orders/shopee/" + SHOP + "/" + toShip, null).get("trackingNumber").asText());

    // A phone order entered by hand.
    browser.click("#orders-view button.new-order");
    browser.eval("document.querySelector('#confirm-fields select[name=\"channel\"]').value = 'phone'");
    browser.type("#confirm-fields input[name=\"buyerName\"]", "Ibu Sari");
    browser.type("#confirm-fields input[name=\"lines\"]", SKU + " x2");
    String created = ui.confirm();
    assertTrue(created.contains("created"), created);
    JsonNode phone = ui.admin("GET", "/admin/orders?channel=phone", null);
    for (long deadline = System.nanoTime() + WAIT.toNanos(); phone.get("total").asInt() == 0 && System.nanoTime() < deadline; ) {
      Thread.sleep(100); // the ledger is a projection: it follows the order within a poll
      phone = ui.admin("GET", "/admin/orders?channel=phone", null);
    }
    assertEquals(1, phone.get("total").asInt(), phone.toString());
    assertEquals(2, phone.get("orders").get(0).get("lines").get(0).get("quantity").asInt());

    // CSV of the filtered ledger: the page asks for exactly the filters on screen.
    browser.eval("document.getElementById('f-channel').value = 'phone'");
    browser.click("#f-apply");
    browser.waitFor("document.querySelectorAll('#orders tbody tr[data-order-key]').length === 1", WAIT, "the phone order alone");
    browser.click("#csv");
    browser.waitFor("Number(document.getElementById('csv').dataset.lastBytes) > 0", WAIT, "the CSV downloaded");
    String csvUrl = browser.eval("document.getElementById('csv').dataset.lastUrl").asText();
    assertTrue(csvUrl.contains("channel=phone"), csvUrl);
    String csv = ui.call("GET", csvUrl, null).body();
    assertTrue(csv.contains("phone") && !csv.contains("shopee|"), csv);
    ui.shot("orders-1280");

    // Stock: adjust, and the SKU's chart from its history.
    ui.screen("stock");
    String skuRow = "#skus tr[data-sku=\"" + SKU + "\"]";
    browser.waitFor("document.querySelector(" + Dashboard.js(skuRow) + ")", WAIT, "the SKU row");
    assertEquals("SKU-DASH-LOW", browser.eval("document.querySelector('#skus tbody tr').dataset.sku").asText(), "low stock first");
    browser.waitFor("[...document.querySelectorAll('#skus td')].some(td => td.textContent === " + Dashboard.js(MARKUP_SKU) + ")",
        WAIT, "the markup SKU code shown as text");
    assertTrue(browser.eval("window.injected === undefined && document.querySelectorAll('#skus img').length === 0").asBoolean(),
        "no script ran from data");
    int onHand = ui.admin("GET", "/admin/skus/" + SKU, null).get("onHand").asInt();
    browser.click(skuRow + " button.adjust");
    browser.type("#confirm-fields input[name=\"delta\"]", "5");
    String adjusted = ui.confirm();
    assertTrue(adjusted.contains("on hand " + (onHand + 5)), adjusted);
    JsonNode sku = ui.admin("GET", "/admin/skus/" + SKU, null);
    assertEquals(onHand + 5, sku.get("onHand").asInt());
    browser.waitFor("document.querySelector(" + Dashboard.js(skuRow + " td.onhand") + ").textContent === '" + (onHand + 5) + "'",
        WAIT, "the new on hand in the table");
    browser.click(skuRow + " button.chart-button");
    browser.waitFor("document.querySelector('#sku-chart path[data-series=\"available\"]')", WAIT, "the SKU's chart");
    int available = ui.admin("GET", "/admin/skus/" + SKU, null).get("available").asInt();
    browser.waitFor("document.querySelector('#sku-chart path[data-series=\"available\"]').dataset.last === '" + available + "'",
        WAIT, "the chart ending at today's available " + available);
    assertTrue(browser.eval("Boolean(document.querySelector('#sku-chart path[data-series=\"shopee\"]'))").asBoolean(),
        "what Shopee shows over time");
    assertNothingClipped("stock at 1280");
    ui.shot("stock-1280");

    // Push rules: Shopee shows at most 30.
    browser.click(skuRow + " button.rules");
    browser.type("#confirm-fields input[name=\"shopee.maxShown\"]", "30");
    String rules = ui.confirm();
    assertTrue(rules.contains("shopee"), rules);
    assertEquals(30, ui.admin("GET", "/admin/skus/" + SKU, null).at("/pushRules/channels").findValue("maxShown").asInt());

    ui.screen("shops");
    browser.waitFor("document.querySelector('#shops tr[data-shop=\"shopee:" + SHOP + "\"][data-connection=\"connected\"]')",
        WAIT, "the shop, connected");
    browser.click("#shops-view button.connect-shopee");
    ui.confirm();
    String link = browser.eval("document.getElementById('authorize-link').href").asText();
    assertTrue(link.contains("auth_partner") && link.contains("state"), "Shopee's authorisation link: " + link);
    ui.screen("system");
    browser.waitFor("document.querySelector('#cluster tbody tr[data-member]')", WAIT, "the cluster member");
    ui.assertNoPageErrors();
  }

  @Test
  @Order(3)
  void theKeyboardReachesEveryScreenAndEscapeClosesADialog() throws Exception {
    browser.navigate(market.url("/admin/ui#sale"));
    browser.waitFor("!document.getElementById('dashboard').hidden", WAIT, "still logged in (this tab's token)");
    browser.eval("document.activeElement && document.activeElement.blur()");
    String focused = "";
    for (int i = 0; i < 12 && !focused.equals("stock"); i++) {
      browser.press("Tab");
      focused = browser.eval("document.activeElement.dataset ? (document.activeElement.dataset.view || '') : ''").asText();
    }
    assertEquals("stock", focused, "Tab reaches the Stock screen's link");
    browser.press("Enter");
    browser.waitFor("!document.getElementById('stock-view').hidden", WAIT, "Enter opens it");
    browser.waitFor("document.querySelector('#skus button.adjust')", WAIT, "the SKU table");
    browser.click("#skus button.adjust");
    browser.waitFor("document.getElementById('confirm').open", WAIT, "the dialog");
    assertEquals("delta", browser.eval("document.activeElement.name").asText(), "the dialog's first field has the focus");
    browser.press("Escape");
    browser.waitFor("!document.getElementById('confirm').open", WAIT, "Escape closed it");
    ui.assertNoPageErrors();
  }

  @Test
  @Order(4)
  void onAPhoneNothingIsClipped() throws Exception {
    browser.viewport(390, 844, true);
    try {
      browser.navigate(market.url("/admin/ui#orders"));
      browser.waitFor("document.querySelectorAll('#orders tbody tr[data-order-key]').length > 0", WAIT, "the orders");
      assertNothingClipped("orders at 390");
      JsonNode labels = browser.eval("[...document.querySelectorAll('#orders tbody tr:first-child td')].map(td => getComputedStyle(td, '::before').content)");
      assertTrue(labels.toString().contains("status"), "each cell labelled by its column on a phone: " + labels);
      ui.shot("orders-390");
      browser.navigate(market.url("/admin/ui#stock"));
      browser.waitFor("document.querySelector('#skus tbody tr[data-sku]')", WAIT, "the SKUs");
      assertNothingClipped("stock at 390");
      ui.shot("stock-390");
      browser.navigate(market.url("/admin/ui#sale"));
      browser.waitFor("Number(document.getElementById('orders-chart').dataset.total) > 0", WAIT, "the chart");
      assertNothingClipped("sale at 390");
      ui.shot("sale-390");
      ui.assertNoPageErrors();
    } finally {
      browser.viewport(1280, 900, false);
    }
  }

  @Test
  @Order(5)
  void aViewerSeesEverythingAndCanActOnNothing() throws Exception {
    browser.navigate(market.url("/admin/ui#stock"));
    browser.waitFor("!document.getElementById('dashboard').hidden", WAIT, "the dashboard");
    browser.click("#logout");
    browser.waitFor("!document.getElementById('login').hidden", WAIT, "the login form again");
    assertTrue(browser.eval("sessionStorage.getItem('orchestrator.admin.token') === null").asBoolean(), "logging out forgets the token");
    ui.login(TestConfig.VIEWER_TOKEN);
    ui.screen("stock");
    String skuRow = "#skus tr[data-sku=\"" + SKU + "\"]";
    browser.waitFor("document.querySelector(" + Dashboard.js(skuRow + " td.onhand") + ")", WAIT, "the SKU table as viewer");
    int onHand = ui.admin("GET", "/admin/skus/" + SKU, null).get("onHand").asInt();
    AssertionError refused = assertThrows(AssertionError.class, () -> browser.click(skuRow + " button.adjust"));
    assertTrue(refused.getMessage().contains("disabled"), refused.getMessage());
    assertTrue(browser.eval("[...document.querySelectorAll('[data-action]')].every(b => b.disabled)").asBoolean(),
        "every action disabled for a viewer");
    browser.click(skuRow + " button.chart-button"); // reading is allowed
    browser.waitFor("document.querySelector('#sku-chart path')", WAIT, "the chart as viewer");
    assertEquals(onHand, ui.admin("GET", "/admin/skus/" + SKU, null).get("onHand").asInt(), "a viewer changes nothing");
    assertEquals(403, Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/" + SKU + "/adjustments")))
        .header("Authorization", "Bearer " + TestConfig.VIEWER_TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"delta\":1,\"reason\":\"RECEIVED\"}")).build()).statusCode(),
        "and the API refuses it too");
    ui.assertNoPageErrors();
  }
}
