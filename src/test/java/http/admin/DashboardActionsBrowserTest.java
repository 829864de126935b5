package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static support.Dashboard.WAIT;
import static support.Dashboard.js;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import support.Await;
import support.Chromium;
import support.Dashboard;
import support.MarketNode;
import support.TestConfig;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * The dashboard's order and shop actions that {@link DashboardBrowserTest} does not take, each as an operator takes
 * it in a real headless Chromium (real clicks, which fail on a hidden, disabled or covered button): Mark paid on an
 * unpaid WhatsApp order, Restock on a returned Shopee order, Resume on a shop paused by a real daily-cap answer of the
 * marketplace sandbox, and Disconnect. Each test clicks, confirms the dialog, waits for the page to show the result,
 * then checks what the admin API says. Screenshots go to target/dashboard-actions/; the page may log no error.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardActionsBrowserTest {
  private static final String SHOP = "1001";
  private static final String WHATSAPP_NUMBER = "5550001";
  private static final String SKU = "SKU-ACT";
  private static final long ITEM = 5200;
  private static final String SHOP_ROW = "#shops tr[data-shop=\"shopee:" + SHOP + "\"]";
  private static MarketNode market;
  private static Chromium browser;
  private static Dashboard ui;

  @BeforeAll
  static void start() throws Exception {
    Chromium.binary(); // fails first, with instructions, when Chromium is missing
    TestDatabase.reset();
    market = MarketNode.start(Map.of());
    browser = Chromium.launch(1280, 900);
    ui = new Dashboard(market, browser, Path.of("target", "dashboard-actions"));
    ui.admin("PUT", "/admin/skus/" + SKU + "/stock", "{\"onHand\":40}");
    ui.admin("PUT", "/admin/skus/" + SKU + "/listings",
        "{\"channel\":\"shopee\",\"shopId\":\"" + SHOP + "\",\"itemId\":\"" + ITEM + "\",\"modelId\":\"0\"}");
    ui.openLoginForm();
    ui.login(TestConfig.OPERATOR_TOKEN);
  }

  @AfterAll
  static void stop() {
    if (browser != null) browser.close();
    if (market != null) market.close();
  }

  private static String orderPath(String channel, String shop, String orderId) {
    return "/admin/orders/" + channel + "/" + shop + "/" + orderId;
  }

  /** Opens the order from the orders screen's table and waits for its page. */
  private static void openOrder(String channel, String shop, String orderId) throws Exception {
    ui.screen("orders");
    String key = channel + "|" + shop + "|" + orderId;
    String row = "#orders tbody tr[data-order-key=" + js(key) + "]";
    browser.waitFor("document.querySelector(" + js(row) + ")", WAIT, "the order " + key + " listed");
    browser.click(row + " button.order");
    browser.waitFor("document.querySelector(" + js("#order-detail[data-order-key=" + js(key) + "] #order-actions")
        + ")", WAIT, "the page of " + key);
  }

  /** A JavaScript condition: the shop's row says it is paused (under its breaker state), text starting so. */
  private static String pauseShown(String text) throws Exception {
    return "[...document.querySelectorAll(" + js(SHOP_ROW + " div.error") + ")].some(d => d.textContent.startsWith("
        + js(text) + "))";
  }

  private static boolean pageHas(String selector) throws Exception {
    return browser.eval("Boolean(document.querySelector(" + js(selector) + "))").asBoolean();
  }

  private static int onHand() throws Exception {
    return ui.admin("GET", "/admin/skus/" + SKU, null).get("onHand").asInt();
  }

  private static JsonNode shop() throws Exception {
    for (JsonNode s : ui.admin("GET", "/admin/shops", null)) {
      if (s.get("channel").asText().equals("shopee") && s.get("shopId").asText().equals(SHOP)) return s;
    }
    throw new AssertionError("GET /admin/shops lists no shopee " + SHOP);
  }

  @Test
  @Order(1)
  void markPaidClearsTheHoldOfAnUnpaidWhatsAppOrder() throws Exception {
    Sandbox.Delivery delivery = market.sandbox.sendWhatsAppOrder(market.url("/webhooks/whatsapp"), WHATSAPP_NUMBER,
        "6281234567", "Budi", List.of(new Sandbox.WhatsAppItem(SKU, 1, new BigDecimal("15000"), "IDR")),
        Sandbox.Redelivery.ONCE).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertEquals(200, delivery.status());
    String orderId = delivery.eventId();
    String path = orderPath("whatsapp", WHATSAPP_NUMBER, orderId);
    JsonNode before = ui.awaitPhase(path, "CONFIRMED");
    assertEquals("UNPAID", before.get("marketStatus").asText(), before.toString());
    assertTrue(before.hasNonNull("holdUntil"), "an unpaid WhatsApp order holds its stock until paid: " + before);

    openOrder("whatsapp", WHATSAPP_NUMBER, orderId);
    browser.click("#order-actions button.paid");
    browser.waitFor("document.getElementById('confirm').open", WAIT, "the Mark paid dialog");
    assertEquals("Mark as paid", browser.eval("document.getElementById('confirm-title').textContent").asText());
    String outcome = ui.confirm();
    assertEquals("Mark as paid: done, the order is now CONFIRMED", outcome);
    browser.waitFor("document.getElementById('order-head').textContent.includes('marketplace: PAID (confirmed by "
        + TestConfig.OPERATOR_NAME + ")')", WAIT, "the page shows the payment");
    assertFalse(pageHas("#order-actions button.paid"), "a paid order offers no Mark paid any more");
    ui.shot("mark-paid");

    JsonNode after = ui.admin("GET", path, null);
    assertEquals("PAID", after.get("marketStatus").asText(), after.toString());
    assertEquals("PAID (confirmed by " + TestConfig.OPERATOR_NAME + ")", after.get("marketStatusRaw").asText());
    assertEquals("CONFIRMED", after.get("phase").asText());
    ui.awaitEvent(path, "SkuHoldCleared"); // the SKU keeps the units for good now: the hold no longer expires
    ui.assertNoPageErrors();
  }

  @Test
  @Order(2)
  void restockPutsAReturnedOrdersUnitsBackOnHand() throws Exception {
    String orderId = "SN-ACT-RETURN";
    String path = orderPath("shopee", SHOP, orderId);
    int units = 3;
    ui.shopeeOrder(SHOP, orderId, ITEM, SKU, units);
    ui.awaitPhase(path, "CONFIRMED");
    ui.admin("POST", path + "/ship", "{\"trackingNumber\":\"TRK-ACT-1\"}");
    ui.awaitPhase(path, "SHIPPED");
    openOrder("shopee", SHOP, orderId);
    browser.waitFor("document.querySelector('#order-detail[data-phase=\"SHIPPED\"]')", WAIT, "the shipped order");
    // The order entity restocks a RETURNED order only: a shipped one must not offer it (the API answers 409).
    assertFalse(pageHas("#order-actions button.restock"), "a shipped order offers no Restock");
    assertEquals(409, ui.call("POST", path + "/restock", null).statusCode(), "the API refuses it too");
    // Nor Cancel (after shipping a cancellation is a return) or Ship again: only what the entity accepts is offered.
    assertEquals("no action applies to a shipped order",
        browser.eval("document.getElementById('order-actions').textContent").asText());
    assertEquals(409, ui.call("POST", path + "/cancel", "{\"reason\":\"too late\"}").statusCode());

    // The buyer sends it back: the marketplace's return turns the order RETURNED, the units wait for the operator.
    market.sandbox.addShopeeOrder(SHOP, orderId, "TO_RETURN",
        List.of(new Sandbox.ShopeeItem(ITEM, 0, SKU, null, units, new BigDecimal("25000"))));
    ui.shopeeStatus(SHOP, orderId, "TO_RETURN");
    ui.awaitPhase(path, "RETURNED");
    browser.waitFor("document.querySelector('#order-detail[data-phase=\"RETURNED\"] #order-actions button.restock')",
        WAIT, "the returned order's Restock (the page re-reads the open order with the list)");
    int before = onHand();

    browser.click("#order-actions button.restock");
    String outcome = ui.confirm();
    assertEquals("Restock the order's units: done, the order is now RETURNED", outcome);
    browser.waitFor("document.querySelector('#timeline li[data-type=\"SkuRestocked\"]')", WAIT,
        "the restock on the order's timeline");
    ui.shot("restock");
    ui.awaitEvent(path, "SkuRestocked");
    assertEquals(before + units, onHand(), "on hand grows by the order's " + units + " units, exactly");

    ui.screen("stock");
    browser.waitFor("document.querySelector(" + js("#skus tr[data-sku=\"" + SKU + "\"] td.onhand") + ")?.textContent === '"
        + (before + units) + "'", WAIT, "the stock screen shows the new on hand " + (before + units));
    ui.assertNoPageErrors();
  }

  @Test
  @Order(3)
  void resumeLiftsADailyCapPauseAndTheHeldStockLeaves() throws Exception {
    assertTrue(shop().path("pause").isMissingNode(), "not paused at first: " + shop());
    // Shopee answers the next stock push with its daily call cap (error_limit): the shop's calls pause until the
    // reset at 00:00 UTC+8, or until an operator resumes it. A stock change makes that push.
    market.sandbox.injectPlatformError(Channel.SHOPEE, "update_stock", "error_limit", 1);
    ui.admin("PUT", "/admin/skus/" + SKU + "/stock", "{\"onHand\":77}");
    JsonNode paused = ui.awaitAdmin("/admin/shops", "shopee " + SHOP + " paused",
        shops -> { for (JsonNode s : shops) if (s.path("shopId").asText().equals(SHOP) && s.has("pause")) return true;
                   return false; });
    JsonNode pause = shop().get("pause");
    assertEquals("PAUSE_UNTIL_RESET", pause.get("failureClass").asText(), paused.toString());
    assertEquals("error_limit", pause.get("code").asText());
    int shown = ui.admin("GET", "/admin/skus/" + SKU, null).get("available").asInt();
    assertNotEquals(Integer.valueOf(shown), market.sandbox.shopeeStock(ITEM, 0), "the new value is held back");

    ui.screen("shops");
    browser.waitFor("document.querySelector(" + js(SHOP_ROW + " button.resume") + ") && " + pauseShown("paused: " + pause.get("reason").asText()), WAIT,
        "the paused shop with its Resume");
    ui.shot("shop-paused");
    browser.click(SHOP_ROW + " button.resume");
    String outcome = ui.confirm();
    assertEquals("shopee " + SHOP + ": resumed", outcome);
    browser.waitFor("document.querySelector(" + js(SHOP_ROW) + ") && !document.querySelector(" + js(SHOP_ROW
        + " button.resume") + ") && !" + pauseShown("paused"), WAIT, "the shop's row without its pause");
    ui.shot("shop-resumed");

    assertTrue(shop().path("pause").isMissingNode(), "GET /admin/shops shows no pause: " + shop());
    Await.await("the held stock value " + shown + " on Shopee", WAIT,
        () -> Integer.valueOf(shown).equals(market.sandbox.shopeeStock(ITEM, 0)));
    ui.assertNoPageErrors();
  }

  @Test
  @Order(4)
  void disconnectForgetsTheShopsConnection() throws Exception {
    assertEquals("connected", shop().at("/connection/state").asText(), shop().toString());
    ui.screen("shops");
    String connected = SHOP_ROW + "[data-connection=\"connected\"]";
    browser.waitFor("document.querySelector(" + js(connected + " button.disconnect") + ")", WAIT,
        "the connected shop with its Disconnect");
    browser.click(connected + " button.disconnect");
    String outcome = ui.confirm();
    assertEquals("shopee " + SHOP + ": disconnected", outcome);
    browser.waitFor("document.querySelector(" + js(SHOP_ROW + "[data-connection=\"disconnected\"]") + ")", WAIT,
        "the page shows it disconnected");
    assertFalse(pageHas(SHOP_ROW + " button.disconnect"), "a disconnected shop offers no Disconnect");
    ui.shot("shop-disconnected");
    assertEquals("disconnected", shop().at("/connection/state").asText(), shop().toString());
    ui.assertNoPageErrors();
  }

  /**
   * A request sent with a token that has since been replaced (a poll still in flight when the operator logged out
   * and in again) is answered 401: that refusal is about the old token and must not log the new session out.
   */
  @Test
  @Order(5)
  void aStaleRequestsRefusalDoesNotEndTheNewSession() throws Exception {
    browser.navigate(market.url("/admin/ui#sale"));
    browser.waitFor("!document.getElementById('dashboard').hidden", WAIT, "the dashboard (this tab's token)");
    JsonNode after = browser.eval("(async () => { const core = await import('/admin/ui/core.js');"
        + " const current = core.state.token;"
        + " core.state.token = 'a-token-since-replaced';"
        + " const sent = core.api('GET', '/admin/me').then(() => 200, (e) => e.status);"
        + " core.state.token = current;" // the new login, while the old request is on its way
        + " const status = await sent;"
        + " return {status, dashboard: !document.getElementById('dashboard').hidden,"
        + "   token: sessionStorage.getItem('orchestrator.admin.token') === current}; })()");
    assertEquals(401, after.get("status").asInt(), "the stale request is refused: " + after);
    assertTrue(after.get("dashboard").asBoolean() && after.get("token").asBoolean(),
        "the new session goes on: " + after);
    // A refusal of the token in use still logs out, as before.
    JsonNode current = browser.eval("(async () => { const core = await import('/admin/ui/core.js');"
        + " core.state.token = 'not-a-token'; await core.api('GET', '/admin/me').catch(() => null);"
        + " return {login: !document.getElementById('login').hidden, error: document.getElementById('login-error').textContent}; })()");
    assertTrue(current.get("login").asBoolean() && current.get("error").asText().contains("401"), current.toString());
    ui.login(TestConfig.OPERATOR_TOKEN);
    ui.assertNoPageErrors();
  }
}
