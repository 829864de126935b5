package cluster;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import support.LoadBalancer;
import support.NodeProcess;
import support.PrivatePostgres;
import support.TestConfig;
import tools.sandbox.Sandbox;

/**
 * Three (or more) node JVMs on one PostgreSQL database of a private server, a round-robin load balancer in front of
 * them and the marketplace sandbox in the test JVM. The sandbox signs Shopee pushes for the load balancer's URL,
 * which is the callback URL every node is configured with, as one public address would be in production.
 */
final class FaultCluster implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final ActorTestKit kit;
  final LoadBalancer lb;
  final Sandbox sandbox;
  final Config sandboxConfig;
  final String dbUrl;
  final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
  private int nextIndex = 1;
  private final String logDir;

  FaultCluster(PrivatePostgres pg, String database) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.url(), "postgres", "");
         Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database);
      s.execute("CREATE DATABASE " + database);
    }
    dbUrl = "jdbc:postgresql://127.0.0.1:" + pg.port + "/" + database;
    logDir = database;
    // The test JVM's client pools carry the whole burst plus probes to a handful of hosts.
    Config local = ConfigFactory.parseString("""
        akka.actor.provider = local
        akka.http.host-connection-pool.max-connections = 64
        akka.http.host-connection-pool.max-open-requests = 1024
        akka.http.host-connection-pool.client.idle-timeout = 30s
        orchestrator.sandbox.port = 0
        """);
    kit = ActorTestKit.create("fault", AppConfig.load(local));
    lb = new LoadBalancer(kit.system(), () -> nodes.stream().filter(NodeProcess::alive)
        .map(n -> "http://127.0.0.1:" + n.httpPort).toList());
    // Overrides go in before resolution, so every shop built from default-shop gets the callback URL.
    sandboxConfig = AppConfig.load(ConfigFactory.parseMap(Map.of(
        "orchestrator.marketplaces.shopee.default-shop.callback-url", lb.url("/webhooks/shopee"),
        "orchestrator.sandbox.port", 0)).withFallback(local));
    sandbox = Sandbox.start(kit.system(), sandboxConfig);
  }

  /** Settings of every node: the database, the sandbox as marketplaces, fast client retries, quick sweeps. */
  private Map<String, String> nodeSettings() {
    Map<String, String> s = new HashMap<>();
    s.put("orchestrator.db.profile", "postgres");
    s.put("orchestrator.shops.token-key", support.TestConfig.TOKEN_KEY);
    s.put("orchestrator.db.postgres.url", dbUrl);
    s.put("orchestrator.db.postgres.user", "postgres");
    s.put("orchestrator.db.postgres.password", "");
    s.put("orchestrator.sandbox.port", Integer.toString(sandbox.port()));
    s.put("orchestrator.marketplaces.shopee.default-shop.callback-url", lb.url("/webhooks/shopee"));
    s.putAll(quickFaultSettings());
    return s;
  }

  /** What every fault-test node runs with: fast client retries, quick sweeps, no notifications, no board. */
  static Map<String, String> quickFaultSettings() {
    Map<String, String> s = new HashMap<>();
    // the fault tests check every listing shows available at the end: today's absolute sync
    s.put("orchestrator.stock-sync.strategy", "absolute");
    s.put("orchestrator.orders.out-of-stock-grace", "0s");
    s.put("orchestrator.marketplaces.retry.min-backoff", "20ms");
    s.put("orchestrator.marketplaces.retry.max-backoff", "200ms");
    s.put("orchestrator.marketplaces.http.request-timeout", "2s");
    s.put("orchestrator.marketplaces.circuit-breaker.reset-timeout", "1s");
    s.put("orchestrator.marketplaces.polling.lost-push-interval", "2s");
    s.put("orchestrator.marketplaces.polling.reconcile-interval", "1h");
    s.put("orchestrator.orders.retry-min", "200ms");
    s.put("orchestrator.orders.retry-max", "2s");
    // Orders interrupted by a crash are woken by the sweeper: every 5 s instead of 30 s, so the test is short.
    s.put("orchestrator.orders.sweep-interval", "5s");
    s.put("orchestrator.orders.sweep-quiet", "5s");
    s.put("orchestrator.notifications.enabled", "false");
    s.put("orchestrator.board.redis-uri", "");
    return s;
  }

  /** Starts {@code n} nodes (the first two are the seeds) and waits until all are healthy and Up. */
  void start(int n) throws Exception {
    List<NodeProcess> started = new ArrayList<>();
    for (int i = 0; i < n; i++) started.add(new NodeProcess(nextIndex++, nodeSettings()));
    List<String> seeds = started.stream().limit(2).map(NodeProcess::address).toList();
    for (NodeProcess node : started) {
      nodes.add(node.start(seeds));
    }
    for (NodeProcess node : started) node.awaitHealthy(Duration.ofSeconds(120));
    awaitUp(n, Duration.ofSeconds(60));
  }

  /** A new node JVM joining the running nodes (seeds: the nodes alive now). */
  NodeProcess startAnother() throws Exception {
    List<String> seeds = nodes.stream().filter(NodeProcess::alive).map(NodeProcess::address).toList();
    NodeProcess node = new NodeProcess(nextIndex++, nodeSettings());
    nodes.add(node.start(seeds));
    node.awaitHealthy(Duration.ofSeconds(120));
    return node;
  }

  List<NodeProcess> alive() {
    return nodes.stream().filter(NodeProcess::alive).toList();
  }

  /** Waits until a live node's /admin/cluster lists {@code n} members, all Up and reachable. */
  JsonNode awaitUp(int n, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    JsonNode view = null;
    while (System.nanoTime() < deadline) {
      try {
        view = admin(alive().get(0), "/admin/cluster");
        if (allUp(view, n)) return view;
      } catch (Exception notYet) {
        // a node still starting
      }
      Thread.sleep(500);
    }
    throw new AssertionError("cluster not " + n + " Up members after " + timeout + ": " + view);
  }

  /** Whether a /admin/cluster view lists exactly {@code n} members, all Up and reachable. */
  static boolean allUp(JsonNode view, int n) {
    int up = 0;
    for (JsonNode m : view.path("members")) {
      if (m.path("status").asText().equals("Up") && m.path("reachable").asBoolean()) up++;
    }
    return up == n && view.path("members").size() == n;
  }

  JsonNode admin(NodeProcess node, String path) throws Exception {
    return adminJson("http://127.0.0.1:" + node.httpPort + path, Duration.ofSeconds(10));
  }

  /** GET with the operator token; throws unless 200. */
  static JsonNode adminJson(String url, Duration timeout) throws Exception {
    try {
      return adminJsonAsync(url, timeout).get();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** GET with the operator token; completes with the JSON body, or fails unless the answer is 200. */
  static java.util.concurrent.CompletableFuture<JsonNode> adminJsonAsync(String url, Duration timeout) {
    return CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
            .header("Authorization", "Bearer " + TestConfig.OPERATOR_TOKEN).GET().build(),
        HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> {
          if (r.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
          }
          try {
            return JSON.readTree(r.body());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  /**
   * An idempotent write (absolute values) to an admin route with the operator token; a 503 (an entity still
   * starting on a young cluster: "did not answer in time; retry") is tried again up to 5 times. Throws unless 2xx.
   */
  static void adminSend(String method, String url, String body) throws Exception {
    for (int attempt = 1; ; attempt++) {
      HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
          .header("Authorization", "Bearer " + TestConfig.OPERATOR_TOKEN).header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() < 300) return;
      if (r.statusCode() != 503 || attempt >= 5) {
        throw new IllegalStateException(method + " " + url + ": " + r.statusCode() + " " + r.body());
      }
      Thread.sleep(1000);
    }
  }

  String logs() {
    StringBuilder b = new StringBuilder();
    for (NodeProcess n : nodes) b.append("\n--- node ").append(n.index).append(" ---\n").append(n.tail());
    return b.toString();
  }

  @Override
  public void close() {
    for (NodeProcess n : nodes) {
      if (n.alive()) n.kill();
      n.copyLogTo(java.nio.file.Path.of("target", "fault-logs", logDir));
      n.close();
    }
    try {
      lb.close();
    } catch (RuntimeException ignored) {
      // already unbound
    }
    sandbox.close();
    kit.shutdownTestKit();
  }
}
