package support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Headless Chromium driven over the Chrome DevTools Protocol: one page, commands over its websocket
 * ({@link java.net.http.WebSocket}), no Selenium. The binary is {@code ORCH_TEST_CHROMIUM} (set by
 * {@code scripts/test.sh}, which installs Chromium) or {@code /usr/bin/chromium}; a missing binary is an error with
 * instructions, never a skipped test.
 */
public final class Chromium implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path profile;
  private final WebSocket socket;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  /** Console messages and uncaught exceptions of the page, for assertions and failure messages. */
  public final List<String> console = new CopyOnWriteArrayList<>();

  private Chromium(Process process, Path profile, WebSocket socket) {
    this.process = process;
    this.profile = profile;
    this.socket = socket;
  }

  /** The Chromium binary to use; fails with instructions when it is not installed. */
  public static Path binary() {
    return binary(System.getenv("ORCH_TEST_CHROMIUM"));
  }

  /** @param configured the value of {@code ORCH_TEST_CHROMIUM}, or null */
  public static Path binary(String configured) {
    Path path = Path.of(configured == null || configured.isBlank() ? "/usr/bin/chromium" : configured);
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException("Chromium is not installed at " + path + " (ORCH_TEST_CHROMIUM="
          + configured + "). The dashboard browser test needs it: run scripts/test.sh (it installs the Debian "
          + "package chromium) or `apt-get install -y chromium`, or point ORCH_TEST_CHROMIUM at a Chromium binary.");
    }
    return path;
  }

  public static Chromium launch(int width, int height) throws Exception {
    Path profile = Files.createTempDirectory("orch-chromium-");
    Path log = Path.of("target", "chromium.log");
    Files.createDirectories(log.getParent());
    List<String> command = List.of(binary().toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
        "--user-data-dir=" + profile, "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
        "--window-size=" + width + "," + height, "about:blank");
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    try {
      // Chromium writes the port it chose to DevToolsActivePort in the profile (no port race).
      Path portFile = profile.resolve("DevToolsActivePort");
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!(Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2)) {
        if (!process.isAlive()) throw new IllegalStateException("Chromium exited with " + process.exitValue() + "; see " + log.toAbsolutePath());
        if (System.nanoTime() > deadline) throw new IllegalStateException("Chromium opened no DevTools port in 30 s; see " + log.toAbsolutePath());
        Thread.sleep(100);
      }
      int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
      HttpClient http = HttpClient.newHttpClient();
      String pageSocket = null;
      while (pageSocket == null) {
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode t : targets) if ("page".equals(t.path("type").asText())) pageSocket = t.get("webSocketDebuggerUrl").asText();
        if (pageSocket == null) {
          if (System.nanoTime() > deadline) throw new IllegalStateException("Chromium has no page target");
          Thread.sleep(100);
        }
      }
      Listener listener = new Listener();
      WebSocket socket = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
          .buildAsync(URI.create(pageSocket), listener).get(10, TimeUnit.SECONDS);
      Chromium chromium = new Chromium(process, profile, socket);
      listener.owner = chromium;
      chromium.send("Page.enable", null);
      chromium.send("Runtime.enable", null);
      return chromium;
    } catch (Exception e) {
      process.destroyForcibly();
      deleteQuietly(profile);
      throw e;
    }
  }

  /** Sends one DevTools command and waits for its result; a protocol error is an exception. */
  public JsonNode send(String method, ObjectNode params) throws Exception {
    long id = ids.incrementAndGet();
    ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
    if (params != null) message.set("params", params);
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    synchronized (socket) {
      socket.sendText(JSON.writeValueAsString(message), true).get(10, TimeUnit.SECONDS);
    }
    JsonNode answer = reply.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (answer.has("error")) throw new IllegalStateException(method + " failed: " + answer.get("error"));
    return answer.path("result");
  }

  public static ObjectNode params() {
    return JSON.createObjectNode();
  }

  /** Loads {@code url} and waits until the document has finished loading. */
  public void navigate(String url) throws Exception {
    send("Page.navigate", params().put("url", url));
    waitFor("document.readyState === 'complete' && location.href === " + JSON.writeValueAsString(url),
        Duration.ofSeconds(20), "page " + url + " loaded");
  }

  /** Evaluates a JavaScript expression in the page (promises awaited) and returns its value as JSON. */
  public JsonNode eval(String expression) throws Exception {
    JsonNode result = send("Runtime.evaluate", params().put("expression", expression).put("returnByValue", true)
        .put("awaitPromise", true));
    if (result.has("exceptionDetails")) {
      throw new IllegalStateException("page threw on `" + expression + "`: " + result.get("exceptionDetails"));
    }
    return result.path("result").path("value");
  }

  /** Polls a JavaScript condition until it is truthy; fails with {@code what} and the page's console. */
  public void waitFor(String condition, Duration timeout, String what) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = eval("Boolean(" + condition + ")");
      if (last.asBoolean()) return;
      Thread.sleep(100);
    }
    throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what
        + " (`" + condition + "`); page console: " + console);
  }

  /** Types text into the focused element as keyboard input would (paste-like: one insertText). */
  public void type(String selector, String text) throws Exception {
    eval("document.querySelector(" + JSON.writeValueAsString(selector) + ").focus()");
    send("Input.insertText", params().put("text", text));
  }

  /**
   * Clicks like a user: scrolls the element into view, then a real mouse press and release (trusted input events)
   * at its centre. Fails, without clicking, when nothing matches, or the element is hidden, disabled, or covered
   * there by another element (a dialog, a toast, an overlay): a person could not click it either.
   */
  public void click(String selector) throws Exception {
    JsonNode target = eval("(() => { const e = document.querySelector(" + JSON.writeValueAsString(selector) + ");"
        + " if (!e) return {problem: 'nothing matches'};"
        + " e.scrollIntoView({block: 'center', inline: 'center'});"
        + " const r = e.getBoundingClientRect(); const cs = getComputedStyle(e);"
        + " if (e.closest('[hidden]') || cs.display === 'none' || cs.visibility === 'hidden' || r.width === 0"
        + "     || r.height === 0) return {problem: 'it is hidden'};"
        + " if (e.disabled || e.closest('fieldset:disabled') || e.getAttribute('aria-disabled') === 'true')"
        + "   return {problem: 'it is disabled'};"
        + " const x = r.left + r.width / 2, y = r.top + r.height / 2; const top = document.elementFromPoint(x, y);"
        + " if (!top || !(top === e || e.contains(top))) return {problem: 'it is covered by ' + (top ? top.outerHTML"
        + "     .slice(0, 120) : 'nothing (outside the viewport)')};"
        + " return {x, y}; })()");
    if (target.has("problem")) throw new AssertionError("cannot click " + selector + ": " + target.get("problem").asText());
    double x = target.get("x").asDouble();
    double y = target.get("y").asDouble();
    send("Input.dispatchMouseEvent", params().put("type", "mouseMoved").put("x", x).put("y", y));
    send("Input.dispatchMouseEvent", params().put("type", "mousePressed").put("x", x).put("y", y)
        .put("button", "left").put("buttons", 1).put("clickCount", 1));
    send("Input.dispatchMouseEvent", params().put("type", "mouseReleased").put("x", x).put("y", y)
        .put("button", "left").put("buttons", 0).put("clickCount", 1));
  }

  /** The keys {@link #press} knows, with the virtual key codes Chromium needs to act on them. */
  private static final Map<String, Integer> KEY_CODES = Map.of("Tab", 9, "Enter", 13, "Escape", 27, " ", 32,
      "ArrowDown", 40, "ArrowUp", 38);

  /** Presses and releases one key (Tab, Enter, Escape, space, arrows) on the focused element, as a keyboard does. */
  public void press(String key) throws Exception {
    Integer code = KEY_CODES.get(key);
    if (code == null) throw new IllegalArgumentException("no key code for " + key);
    String text = key.equals("Enter") ? "\r" : key.equals(" ") ? " " : null;
    ObjectNode down = params().put("type", text == null ? "rawKeyDown" : "keyDown").put("key", key)
        .put("code", key.equals(" ") ? "Space" : key).put("windowsVirtualKeyCode", code).put("nativeVirtualKeyCode", code);
    if (text != null) down.put("text", text).put("unmodifiedText", text);
    send("Input.dispatchKeyEvent", down);
    send("Input.dispatchKeyEvent", params().put("type", "keyUp").put("key", key)
        .put("code", key.equals(" ") ? "Space" : key).put("windowsVirtualKeyCode", code).put("nativeVirtualKeyCode", code));
  }

  /** Makes the page as wide and high as a screen of that size (a phone: {@code mobile}, touch and its viewport). */
  public void viewport(int width, int height, boolean mobile) throws Exception {
    send("Emulation.setDeviceMetricsOverride", params().put("width", width).put("height", height)
        .put("deviceScaleFactor", 1).put("mobile", mobile));
  }

  /** A PNG of the whole page (beyond the viewport), written to {@code file}. */
  public Path screenshot(Path file) throws Exception {
    JsonNode metrics = send("Page.getLayoutMetrics", null);
    JsonNode size = metrics.has("cssContentSize") ? metrics.get("cssContentSize") : metrics.get("contentSize");
    ObjectNode clip = params().put("x", 0).put("y", 0).put("width", size.get("width").asDouble())
        .put("height", size.get("height").asDouble()).put("scale", 1);
    JsonNode shot = send("Page.captureScreenshot", params().put("format", "png").put("captureBeyondViewport", true)
        .set("clip", clip));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.write(file, Base64.getDecoder().decode(shot.get("data").asText()));
    return file.toAbsolutePath();
  }

  @Override
  public void close() {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(2, TimeUnit.SECONDS);
    } catch (Exception ignored) {
      // the browser is killed below anyway
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deleteQuietly(profile);
  }

  private void onMessage(String text) {
    try {
      JsonNode message = JSON.readTree(text);
      if (message.has("id")) {
        CompletableFuture<JsonNode> reply = pending.remove(message.get("id").asLong());
        if (reply != null) reply.complete(message);
        return;
      }
      String method = message.path("method").asText();
      if (method.equals("Runtime.consoleAPICalled")) {
        List<String> args = new ArrayList<>();
        for (JsonNode a : message.at("/params/args")) args.add(a.has("value") ? a.get("value").asText() : a.path("description").asText());
        console.add(message.at("/params/type").asText() + ": " + String.join(" ", args));
      } else if (method.equals("Runtime.exceptionThrown")) {
        console.add("exception: " + message.at("/params/exceptionDetails/exception/description").asText(
            message.at("/params/exceptionDetails/text").asText()));
      }
    } catch (IOException e) {
      console.add("unreadable DevTools message: " + e.getMessage());
    }
  }

  /** Collects fragmented text frames into whole messages. */
  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder buffer = new StringBuilder();
    volatile Chromium owner;

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        String message = buffer.toString();
        buffer.setLength(0);
        if (owner != null) owner.onMessage(message);
      }
      webSocket.request(1);
      return null;
    }
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp profile left behind is harmless
    }
  }
}
