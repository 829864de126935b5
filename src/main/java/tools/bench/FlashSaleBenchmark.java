package tools.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import marketplace.MarketplaceConfig;
import order.Phase;
import org.HdrHistogram.Histogram;
import tools.sandbox.Sandbox;

/**
 * {@code orchestrator bench}: a flash sale through the real HTTP path against one node (started here with -Xmx512m
 * on a fresh PostgreSQL database) or against running nodes ({@code --nodes}), with the marketplace sandbox serving
 * order details and receiving stock pushes. Reports ack latency, time to final, time until every listing shows the
 * right stock, stock-sync staleness, orders/s, oversold and lost orders, the node's heap peak; writes JSON too.
 * {@code --hot-sku} also runs the hot-SKU reservation benchmark against the row-lock baseline. {@code --shopee-faults}
 * runs the sale on a Shopee whose access tokens expire every 30 s, that answers error_rate_limit to 20 % of stock
 * calls and loses 10 % of its pushes (served later by get_lost_push_message), and reports Shopee's API success rate.
 */
public final class FlashSaleBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BOARD_PREFIX = "bench:stock:";
  private static final String BOARD_CHANNEL = "bench-stock-changes";

  private FlashSaleBenchmark() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> o = new HashMap<>();
    List<String> flags = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--hot-sku")) flags.add("hot-sku");
      else if (args[i].equals("--shopee-faults")) flags.add("shopee-faults");
      else if (i + 1 < args.length) o.put(args[i].replaceFirst("^--", ""), args[++i]);
    }
    String generator = o.getOrDefault("generator", "buyers");
    if (generator.equals("buyers")) {
      BuyerSaleBenchmark.run(o);
      return;
    }
    if (!generator.equals("orders")) {
      throw new IllegalArgumentException("--generator is buyers (the default) or orders, not '" + generator + "'");
    }
    int orders = Integer.parseInt(o.getOrDefault("orders", "2000"));
    int skus = Integer.parseInt(o.getOrDefault("skus", "1000"));
    int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "64"));
    int variants = Integer.parseInt(o.getOrDefault("variants", "10"));
    double hotShare = Double.parseDouble(o.getOrDefault("hot-share", "0.25"));
    int warmupOrders = Integer.parseInt(o.getOrDefault("warmup-orders", "2000"));
    // JVM options for the node this command starts, besides -Xmx512m: by default the -XX: flags this JVM was started
    // with (./orchestrator's, scripts/jvm-options.sh), or e.g. --node-jvm "" for the JVM's own defaults.
    List<String> nodeJvmOptions = o.containsKey("node-jvm")
        ? Arrays.stream(o.get("node-jvm").trim().split("\\s+")).filter(j -> !j.isBlank()).toList()
        : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(j -> j.startsWith("-XX:")).toList();
    String jsonOut = o.getOrDefault("json", "bench-results/flash-sale.json");
    String token = System.getenv("ORCH_BENCH_ADMIN_TOKEN");
    if (token == null && !o.containsKey("nodes")) token = "bench-" + java.util.UUID.randomUUID(); // for our own node

    // The live stock board on Redis (ORCH_BENCH_REDIS_URI, empty for none), watched like a storefront would.
    String redisUri = env("ORCH_BENCH_REDIS_URI", "redis://127.0.0.1:6379");
    int sandboxPort = infra.FreePorts.next();
    String callback = "http://orchestrator.bench/webhooks/shopee";
    Config config = AppConfig.load(ConfigFactory.parseMap(Map.of("akka.actor.provider", "local",
        "orchestrator.sandbox.port", sandboxPort, "akka.loglevel", "WARNING",
        "orchestrator.marketplaces.shopee.default-shop.callback-url", callback)));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", config);
    Sandbox sandbox = Sandbox.start(system, config);

    Process node = null;
    List<String> nodes;
    String dbUrl = null;
    String dbUser = null;
    String dbPassword = null;
    if (o.containsKey("nodes")) {
      nodes = Arrays.asList(o.get("nodes").split(","));
      System.out.println("Against running nodes " + nodes + " (their shops must point at the sandbox on port "
          + sandboxPort + " and sign Shopee pushes for " + callback + ")");
    } else {
      String url = env("ORCH_DB_URL", "jdbc:postgresql://127.0.0.1:5432/orchestrator_bench");
      String user = env("ORCH_DB_USER", "postgres");
      String password = env("ORCH_DB_PASSWORD", "");
      if (!redisUri.isBlank()) clearBoard(redisUri);
      freshDatabase(url, user, password);
      dbUrl = url;
      dbUser = user;
      dbPassword = password;
      int httpPort = infra.FreePorts.next();
      node = startNode(url, user, password, httpPort, sandboxPort, callback, token, redisUri, nodeJvmOptions,
          Map.of());
      nodes = List.of("http://127.0.0.1:" + httpPort);
      awaitHealthy(nodes.get(0));
      System.out.println("Started one node (" + String.join(" ", startOptions(nodeJvmOptions)) + ", PostgreSQL "
          + url + ") on " + nodes.get(0));
    }
    BoardWatcher board = redisUri.isBlank() ? null : new BoardWatcher(redisUri, BOARD_CHANNEL);
    try {
      // the node this command starts inherits the strategy from this process's environment (default shares)
      FlashSale sale = new FlashSale(sandbox, MarketplaceConfig.fromConfig(config), nodes, token)
          .sharesStrategy(!"absolute".equalsIgnoreCase(env("ORCH_STOCK_SYNC_STRATEGY", "shares")));
      FlashSale.Plan plan = new FlashSale.Plan(orders, hotShare, skus, variants, concurrency, 7, "B" + System.currentTimeMillis());
      System.out.printf("Catalogue: %d SKUs listed on Shopee, TikTok Shop and WhatsApp...%n", skus);
      FlashSale.Catalogue catalogue = sale.setUpCatalogue(plan, n -> { });
      // A seller lists the catalogue well before a sale: its own stock pushes are done before the first order.
      sale.awaitListingsRight(nodes.get(0), catalogue, System.currentTimeMillis() + 120_000, 500);
      // A node has been up for hours when a sale starts: its JIT has compiled the order path. A fresh JVM spends a
      // third of its CPU compiling and much of the rest interpreting during its first sale (async-profiler, 13:54
      // run in BENCHMARKS.md), so a warm-up sale on SKUs of its own runs first and is not measured.
      if (warmupOrders > 0) {
        warmUp(sale, nodes.get(0), warmupOrders, hotShare, Math.min(skus, 200), variants, concurrency);
      }
      // A shop's database has planner statistics long before a sale; a fresh one gets them from autovacuum within
      // a minute or so (db/migration/postgres/V1__baseline.sql, part 008_statistics, formerly ddl/postgres/008).
      // The run measures the shop, not that first minute.
      if (dbUrl != null) analyze(dbUrl, dbUser, dbPassword);
      sale.admin("DELETE", nodes.get(0) + "/admin/sync/staleness", null).get(); // the sale's figures only
      if (board != null) board.start();
      long shopeeCallsBefore = sandbox.calls(common.Channel.SHOPEE, "/api/").size();
      if (flags.contains("shopee-faults")) {
        sandbox.setShopeeTokenLifetime(java.time.Duration.ofSeconds(30));
        sandbox.expireShopeeAccessToken(sale.shopeeShop());
        sandbox.injectPlatformErrorRate(common.Channel.SHOPEE, "/api/v2/product/", "error_rate_limit", 0.2);
        sandbox.loseShopeePushes(0.1);
        System.out.println("Shopee faults: tokens expire every 30 s, 20 % of stock calls rate limited, "
            + "10 % of pushes lost");
      }
      Instant saleStart = Instant.now();
      System.out.printf("Flash sale: %d orders, %.0f%% on %s, %d connections...%n", orders, hotShare * 100,
          catalogue.hotSku(), concurrency);
      CpuUse cpu = CpuUse.start(node == null ? null : node.toHandle());
      FlashSale.Result result = sale.run(plan, catalogue, n -> { });
      ObjectNode report = measure(sale, nodes.get(0), plan, catalogue, result, saleStart, cpu);
      report.put("warmupOrders", warmupOrders);
      report.put("nodeJvmOptions", String.join(" ", nodeJvmOptions));
      if (board != null) {
        Histogram b = board.latencies();
        report.put("boardChanges", b.getTotalCount())
            .put("boardP50Ms", b.getValueAtPercentile(50) / 1000.0)
            .put("boardP99Ms", b.getValueAtPercentile(99) / 1000.0)
            .put("boardMaxMs", b.getMaxValue() / 1000.0);
      }
      report.set("shopee", shopeeHealth(sandbox, shopeeCallsBefore));
      print(report);
      if (flags.contains("hot-sku")) {
        System.out.println();
        HotSkuBenchmark.main(new String[0]);
      }
      Path out = Path.of(jsonOut);
      if (out.getParent() != null) Files.createDirectories(out.getParent());
      Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
      System.out.println("JSON: " + out.toAbsolutePath());
    } finally {
      if (board != null) board.close();
      if (node != null) {
        node.destroy();
        node.waitFor(60, TimeUnit.SECONDS);
      }
      sandbox.close();
      system.terminate();
    }
  }

  /** An unmeasured sale on a catalogue of its own (SKUs from FS-10000), waited for until final and synced. */
  private static void warmUp(FlashSale sale, String node, int orders, double hotShare, int skus, int variants,
                             int concurrency) throws Exception {
    System.out.printf("Warm-up (not measured): %d orders on %d SKUs of their own...%n", orders, skus);
    FlashSale.Plan plan = new FlashSale.Plan(orders, hotShare, skus, variants, concurrency, 11,
        "W" + System.currentTimeMillis(), 10_000);
    FlashSale.Catalogue catalogue = sale.setUpCatalogue(plan, n -> { });
    Instant since = Instant.now();
    FlashSale.Result result = sale.run(plan, catalogue, n -> { });
    long deadline = System.currentTimeMillis() + 300_000;
    awaitFinal(sale, node, since, result.accepted(), deadline);
    sale.awaitListingsRight(node, catalogue, deadline, 500);
    Thread.sleep(3000); // the compile queue and the read side settle
  }

  /**
   * When the orders created since {@code since} were all CONFIRMED, SHIPPED (the soak ships them) or OUT_OF_STOCK
   * (ms), or 0 if not by the deadline.
   */
  static long awaitFinal(FlashSale sale, String node, Instant since, long accepted, long deadline)
      throws Exception {
    while (System.currentTimeMillis() < deadline) {
      JsonNode byStatus = sale.adminJson("GET", node + "/admin/orders/summary?from=" + since, null).get()
          .path("byStatus");
      if (byStatus.path(Phase.CONFIRMED.name()).asInt() + byStatus.path(Phase.SHIPPED.name()).asInt()
          + byStatus.path(Phase.OUT_OF_STOCK.name()).asInt() >= accepted) {
        return System.currentTimeMillis();
      }
      Thread.sleep(100);
    }
    return 0;
  }

  static ObjectNode measure(FlashSale sale, String node, FlashSale.Plan plan,
                            FlashSale.Catalogue catalogue, FlashSale.Result result, Instant saleStart, CpuUse cpu)
      throws Exception {
    long first = result.startMillis();
    // 1. every order final; the CPU it took, per order
    long deadline = System.currentTimeMillis() + 300_000;
    long finalAt = awaitFinal(sale, node, saleStart, result.accepted(), deadline);
    ObjectNode cpuUntilFinal = cpu.since(result.accepted());
    // 2. every listing shows what the SKU says it should
    long syncedAt = sale.awaitListingsRight(node, catalogue, deadline, 200);
    // 3. per order: webhook sent → final (from the ledger's timestamps)
    Map<String, FlashSale.Placed> byId = new HashMap<>();
    for (FlashSale.Placed p : result.orders()) byId.put(p.orderId(), p);
    Histogram toFinal = new Histogram(3_600_000L, 3);
    int seen = 0;
    for (int offset = 0; ; offset += 500) {
      JsonNode page = sale.adminJson("GET", node + "/admin/orders?from=" + saleStart + "&limit=500&offset=" + offset,
          null).get();
      for (JsonNode row : page.path("orders")) {
        FlashSale.Placed placed = byId.get(row.path("orderId").asText());
        if (placed == null) continue;
        seen++;
        String finalTime = row.hasNonNull("confirmedAt") ? row.get("confirmedAt").asText() : row.path("updatedAt").asText();
        long millis = Instant.parse(finalTime).toEpochMilli() - placed.sentAtMillis();
        toFinal.recordValue(Math.max(1, millis));
      }
      if (page.path("orders").size() < 500) break;
    }
    // 4. oversold and lost
    int oversold = 0;
    for (String sku : catalogue.skus()) {
      JsonNode state = sale.skuNumbers(node, sku).get();
      oversold += Math.max(0, state.path("reserved").asInt() - state.path("onHand").asInt());
    }
    long lost = result.accepted() - seen;
    JsonNode health = sale.adminJson("GET", node + "/admin/health", null).get();
    JsonNode staleness;
    try {
      staleness = sale.adminJson("GET", node + "/admin/sync/staleness", null).get();
    } catch (Exception e) {
      staleness = JSON.nullNode();
    }

    ObjectNode r = JSON.createObjectNode();
    r.put("orders", plan.orders()).put("accepted", result.accepted()).put("skus", plan.skus())
        .put("hotShare", plan.hotShare()).put("concurrency", plan.concurrency());
    Map<String, Integer> refused = new java.util.TreeMap<>();
    int redeliveries = 0;
    for (FlashSale.Placed p : result.orders()) {
      redeliveries += p.attempts() - 1;
      if (p.status() != 200) refused.merge(Integer.toString(p.status()), 1, Integer::sum);
    }
    r.put("redeliveries", redeliveries);
    r.set("notAcceptedByLastStatus", JSON.valueToTree(refused));
    r.put("ackP50Ms", result.ackMicros().getValueAtPercentile(50) / 1000.0)
        .put("ackP99Ms", result.ackMicros().getValueAtPercentile(99) / 1000.0)
        .put("ackMaxMs", result.ackMicros().getMaxValue() / 1000.0);
    r.put("webhookToFinalP50Ms", toFinal.getValueAtPercentile(50)).put("webhookToFinalP99Ms", toFinal.getValueAtPercentile(99));
    r.put("allFinalAfterMs", finalAt == 0 ? -1 : finalAt - first);
    r.put("allListingsRightAfterMs", syncedAt == 0 ? -1 : syncedAt - first);
    r.put("ordersPerSecond", result.accepted() * 1000.0 / Math.max(1, result.endMillis() - first));
    r.put("oversoldUnits", oversold).put("acknowledgedButLost", lost);
    r.set("syncStaleness", staleness);
    r.put("nodeHeapPeakMib", health.path("jvm").path("heapPeakMib").asLong());
    r.put("machine", Runtime.getRuntime().availableProcessors() + " cores");
    r.set("cpuUntilFinal", cpuUntilFinal);
    return r;
  }

  /**
   * What Shopee saw of the service since the first {@code callsBefore} of its calls: calls by answer, the success
   * rate its Partner Rules count (at least 90 % daily: every call answered with an error counts against it), the
   * access tokens it issued, refresh tokens used twice, pushes it lost.
   */
  static ObjectNode shopeeHealth(Sandbox sandbox, long callsBefore) {
    List<Sandbox.Call> calls = sandbox.calls(common.Channel.SHOPEE, "/api/");
    Map<String, Integer> byAnswer = new java.util.TreeMap<>();
    long ok = 0;
    long tokens = 0;
    for (Sandbox.Call c : calls.subList((int) Math.min(callsBefore, calls.size()), calls.size())) {
      byAnswer.merge(c.outcome(), 1, Integer::sum);
      if (c.outcome().equals("ok")) {
        ok++;
        if (c.path().endsWith("/auth/access_token/get")) tokens++;
      }
    }
    long total = calls.size() - Math.min(callsBefore, calls.size());
    ObjectNode r = JSON.createObjectNode();
    r.put("calls", total).put("succeeded", ok)
        .put("successRatePercent", total == 0 ? 100.0 : Math.round(ok * 10000.0 / total) / 100.0)
        .put("rateLimited", byAnswer.getOrDefault("error_rate_limit", 0))
        .put("tokensIssued", tokens)
        .put("refreshTokenReuses", sandbox.shopeeRefreshTokenReuses())
        .put("lostPushes", sandbox.shopeePushesLost());
    r.set("byAnswer", JSON.valueToTree(byAnswer));
    return r;
  }

  private static void print(ObjectNode r) {
    System.out.println();
    System.out.println("| measure | value |");
    System.out.println("|---|---|");
    r.fields().forEachRemaining(e -> System.out.println("| " + e.getKey() + " | " + e.getValue() + " |"));
  }

  /** @param extraEnv settings of this node besides the benchmark's (e.g. ORCH_STOCK_SYNC_STRATEGY) */
  static Process startNode(String url, String user, String password, int httpPort, int sandboxPort,
                           String callback, String token, String redisUri, List<String> jvmOptions,
                           Map<String, String> extraEnv) throws Exception {
    String jar = new File(FlashSaleBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .getPath();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(startOptions(jvmOptions));
    command.addAll(List.of("-cp", jar, "app.ServiceMain", "serve"));
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.put("ORCH_DB_PROFILE", "postgres");
    // A fresh database per run: a key of its own for the shops' tokens (none is kept).
    env.putIfAbsent("ORCH_TOKEN_KEY", randomKey());
    env.put("ORCH_DB_URL", url);
    env.put("ORCH_DB_USER", user);
    env.put("ORCH_DB_PASSWORD", password);
    env.put("ORCH_HTTP_PORT", Integer.toString(httpPort));
    env.put("ORCH_MANAGEMENT_PORT", Integer.toString(infra.FreePorts.next()));
    env.put("ORCH_REMOTE_PORT", Integer.toString(infra.FreePorts.next()));
    env.put("ORCH_SANDBOX_PORT", Integer.toString(sandboxPort));
    env.put("ORCH_SHOPEE_CALLBACK_URL", callback);
    env.put("ORCH_LOG_LEVEL", "WARN");
    if (!redisUri.isBlank()) {
      env.put("ORCH_REDIS_URI", redisUri);
      env.put("ORCH_BOARD_KEY_PREFIX", BOARD_PREFIX);
      env.put("ORCH_BOARD_CHANNEL", BOARD_CHANNEL);
    }
    env.put("ORCH_ADMIN_TOKENS", "bench:operator:" + http.admin.AdminTokens.hash(token));
    env.putAll(extraEnv);
    Path log = Files.createDirectories(Path.of("bench-results")).resolve("node.log");
    return pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** The node's JVM options: the heap, then the chosen ones. */
  static List<String> startOptions(List<String> jvmOptions) {
    List<String> options = new ArrayList<>(List.of("-Xmx512m"));
    options.addAll(jvmOptions);
    return options;
  }

  static void awaitHealthy(String node) throws Exception {
    var client = java.net.http.HttpClient.newHttpClient();
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      try {
        var r = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(node + "/health")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) return;
      } catch (Exception notYet) {
        // starting
      }
      Thread.sleep(300);
    }
    throw new IllegalStateException("node did not become healthy; see bench-results/node.log");
  }

  /**
   * Drops and creates the benchmark database (its name must contain "bench", or be named by
   * ORCH_BENCH_DISPOSABLE_DB). A user that may not create databases but owns this one gets its public schema
   * dropped and created instead: as empty.
   */
  static void freshDatabase(String url, String user, String password) throws Exception {
    String database = url.replaceFirst("^.*/", "").replaceFirst("\\?.*$", "");
    if (!database.contains("bench") && !database.equals(System.getenv("ORCH_BENCH_DISPOSABLE_DB"))) {
      throw new IllegalArgumentException("bench drops its database: ORCH_DB_URL must name a database containing "
          + "'bench' or named by ORCH_BENCH_DISPOSABLE_DB (was '" + database + "')");
    }
    String admin = url.substring(0, url.lastIndexOf('/') + 1) + "postgres";
    boolean mayCreate;
    try (Connection c = DriverManager.getConnection(admin, user, password); Statement s = c.createStatement();
         var rs = s.executeQuery("SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user")) {
      mayCreate = rs.next() && rs.getBoolean(1);
      if (mayCreate) {
        s.execute("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
        s.execute("CREATE DATABASE \"" + database + "\"");
      }
    }
    if (!mayCreate) {
      try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
        s.execute("DROP SCHEMA IF EXISTS public CASCADE");
        s.execute("CREATE SCHEMA public");
      }
    }
  }

  private static void analyze(String url, String user, String password) throws Exception {
    try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
      s.execute("ANALYZE");
    }
  }

  /** The previous run's board keys, so this run's board starts empty like its database. */
  private static void clearBoard(String redisUri) {
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redisUri);
    try (var connection = client.connect()) {
      var redis = connection.sync();
      var cursor = redis.scan(io.lettuce.core.ScanArgs.Builder.matches(BOARD_PREFIX + "*").limit(1000));
      while (true) {
        if (!cursor.getKeys().isEmpty()) redis.del(cursor.getKeys().toArray(String[]::new));
        if (cursor.isFinished()) break;
        cursor = redis.scan(cursor, io.lettuce.core.ScanArgs.Builder.matches(BOARD_PREFIX + "*").limit(1000));
      }
    } finally {
      client.shutdown();
    }
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }

  static String randomKey() {
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    return java.util.Base64.getEncoder().encodeToString(key);
  }
}
