package support;

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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.sandbox.Sandbox;

/**
 * The operator dashboard of a {@link MarketNode} in a {@link Chromium}, used as a person uses it: log in, open a
 * screen, confirm an action's dialog, take a screenshot, and check that the page logged no error; with the admin API
 * beside it (the operator's token) to check what the node says after each step.
 */
public final class Dashboard {
  /** Generous: the browser tests share the machine with benchmarks. */
  public static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  public final MarketNode market;
  public final Chromium browser;
  private final Path shots;

  /** @param shots where {@link #shot} writes its PNGs (under target/) */
  public Dashboard(MarketNode market, Chromium browser, Path shots) {
    this.market = market;
    this.browser = browser;
    this.shots = shots;
  }

  // ------------------------------------------------------------------ the admin API

  public HttpResponse<String> call(String method, String path, String body) {
    return Http.send(HttpRequest.newBuilder(URI.create(market.url(path)))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build());
  }

  /** A 2xx answer's JSON; any other status fails the test with the answer. */
  public JsonNode admin(String method, String path, String body) throws Exception {
    HttpResponse<String> r = call(method, path, body);
    assertTrue(r.statusCode() / 100 == 2, method + " " + path + ": " + r.statusCode() + " " + r.body());
    return JSON.readTree(r.body());
  }

  /** Polls {@code GET path} until its JSON satisfies {@code condition}; returns that JSON. */
  public JsonNode awaitAdmin(String path, String what, Predicate<JsonNode> condition) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = admin("GET", path, null);
      if (condition.test(last)) return last;
      Thread.sleep(100);
    }
    throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for " + what + "; GET " + path
        + " last said " + last);
  }

  /** Waits until the order at {@code orderPath} (/admin/orders/{channel}/{shop}/{id}) is in one of {@code phases}. */
  public JsonNode awaitPhase(String orderPath, String... phases) throws Exception {
    return awaitAdmin(orderPath, orderPath + " in " + List.of(phases),
        o -> List.of(phases).contains(o.path("phase").asText()));
  }

  /** Waits until the order's journal holds an event of {@code type}; returns the journal. */
  public JsonNode awaitEvent(String orderPath, String type) throws Exception {
    return awaitAdmin(orderPath + "/events", "a " + type + " event of " + orderPath, events -> {
      for (JsonNode e : events) if (e.path("type").asText().equals(type)) return true;
      return false;
    });
  }

  /** A Shopee order of one line placed in the sandbox and announced by a signed webhook, answered 200. */
  public void shopeeOrder(String shop, String orderId, long itemId, String itemSku, int quantity) throws Exception {
    market.sandbox.addShopeeOrder(shop, orderId, "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(itemId, 0, itemSku, null, quantity, new BigDecimal("25000"))));
    shopeeStatus(shop, orderId, "READY_TO_SHIP");
  }

  /** A signed Shopee order-status webhook, answered 200. */
  public void shopeeStatus(String shop, String orderId, String status) throws Exception {
    Sandbox.Delivery delivery = market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), shop, orderId,
        status, Sandbox.Redelivery.ONCE).toCompletableFuture().get(20, TimeUnit.SECONDS);
    assertTrue(delivery.status() == 200, "Shopee " + status + " webhook for " + orderId + ": " + delivery);
  }

  // ------------------------------------------------------------------ the page

  /** A JavaScript string literal of {@code value}. */
  public static String js(String value) throws Exception {
    return JSON.writeValueAsString(value);
  }

  /** Loads the dashboard and waits for its login form (no token in this tab yet). */
  public void openLoginForm() throws Exception {
    browser.navigate(market.url("/admin/ui"));
    browser.waitFor("!document.getElementById('login').hidden && document.getElementById('dashboard').hidden",
        WAIT, "the login form");
  }

  /** Types {@code token} into the login form and waits for the dashboard. */
  public void login(String token) throws Exception {
    browser.eval("document.getElementById('token').value = ''");
    browser.type("#token", token);
    browser.click("#login-button");
    browser.waitFor("!document.getElementById('dashboard').hidden", WAIT, "the dashboard after login");
  }

  /** Opens a screen from the navigation and waits until it has content. */
  public void screen(String name) throws Exception {
    browser.click("#nav a[data-view=\"" + name + "\"]");
    browser.waitFor("!document.getElementById('" + name + "-view').hidden && document.getElementById('" + name
        + "-view').children.length > 0", WAIT, "the " + name + " screen");
  }

  /** Confirms the open dialog and waits for its outcome (which must not be an error); returns the text it shows. */
  public String confirm() throws Exception {
    browser.click("#confirm-ok");
    browser.waitFor("document.getElementById('confirm-ok').hidden || document.getElementById('confirm-result')"
        + ".className === 'error'", WAIT, "the action's outcome in the dialog");
    String outcome = browser.eval("document.getElementById('confirm-result').textContent").asText();
    assertTrue(browser.eval("document.getElementById('confirm-result').className !== 'error'").asBoolean(), outcome);
    browser.click("#confirm-cancel"); // now "Close"
    browser.waitFor("!document.getElementById('confirm').open", WAIT, "the dialog closed");
    return outcome;
  }

  /** A full-page PNG {@code name}.png in this dashboard's screenshot folder; fails when it is not a real picture. */
  public Path shot(String name) throws Exception {
    browser.eval("window.scrollTo(0, 0); document.getElementById('toast').style.display = 'none'");
    Path file = browser.screenshot(shots.resolve(name + ".png"));
    assertTrue(Files.size(file) > 10_000, "a real screenshot: " + Files.size(file) + " bytes");
    System.out.println("Dashboard screenshot: " + file);
    return file;
  }

  /** No uncaught exception and no console error on the page so far. */
  public void assertNoPageErrors() {
    List<String> errors = new ArrayList<>();
    for (String m : browser.console) if (m.startsWith("exception") || m.startsWith("error")) errors.add(m);
    assertTrue(errors.isEmpty(), "page errors: " + errors);
  }
}
