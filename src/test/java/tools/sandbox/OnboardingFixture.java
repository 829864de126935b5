package tools.sandbox;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;

/**
 * A sandbox whose platforms have sellable shops beyond the configured ones (Shopee 1002, TikTok 7002, both without
 * tokens), and a receiver standing in for the app's callback URL that keeps every push it is sent.
 */
final class OnboardingFixture implements AutoCloseable {
  record Push(String path, String authorization, String body) {}

  static final HttpClient HTTP = HttpClient.newHttpClient();

  final HttpServer receiver;
  final BlockingQueue<Push> pushes = new LinkedBlockingQueue<>();
  final ActorTestKit testKit;
  final Sandbox sandbox;
  final String callbackUrl;

  OnboardingFixture() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      pushes.add(new Push(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Authorization"),
          new String(body, StandardCharsets.UTF_8)));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    callbackUrl = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/shopee";
    // The receiver is the registered callback URL of the shop and the app: no push leaves for a real port 8080.
    Config overrides = ConfigFactory.parseString("""
        orchestrator.marketplaces.shopee.default-shop.callback-url = "%s"
        orchestrator.sandbox.shopee.sellable-shops = ["1001", "1002"]
        orchestrator.sandbox.tiktok.sellable-shops = [
          { shop-id = "7001", cipher = "sandbox-cipher", region = "MY", name = "Sandbox Store MY" },
          { shop-id = "7002", cipher = "cipher-7002", region = "UK", name = "Second Store UK" }
        ]
        """.formatted(callbackUrl));
    Config config = ConfigFactory.parseString("""
        akka.actor.provider = local
        orchestrator.sandbox.port = 0
        """).withFallback(AppConfig.load(overrides));
    testKit = ActorTestKit.create("onboarding", config);
    sandbox = Sandbox.start(testKit.system(), config);
  }

  String url(String pathAndQuery) {
    return sandbox.baseUrl() + pathAndQuery;
  }

  static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
    headers.forEach(b::header);
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static CompletableFuture<HttpResponse<String>> postAsync(String url, String body) {
    return HTTP.sendAsync(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The next push within 10 s whose body contains {@code marker} (e.g. {@code "code":2}): pushes an earlier test's
   * pages sent without waiting may still arrive after it, and are skipped.
   */
  Push nextPush(String marker) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < end) {
      Push p = pushes.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (p != null && p.body().contains(marker)) return p;
    }
    throw new AssertionError("no push with " + marker + " arrived");
  }

  void reset() {
    sandbox.reset();
    pushes.clear();
  }

  @Override
  public void close() {
    sandbox.close();
    testKit.shutdownTestKit();
    receiver.stop(0);
  }
}
