package app;

import infra.AppConfig;
import infra.SchemaApplier;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.sql.Connection;
import java.util.Arrays;

/** Command-line entry point of the runnable jar; the {@code orchestrator} script builds the jar and calls it. */
public final class Main {

  static final String HELP = """
      Usage: orchestrator <command> [options]

      Commands:
        serve     Start a node (default). Embedded H2 under ./data unless ORCH_DB_PROFILE=postgres.
        schema    Apply the DDL in ddl/ to the configured database (idempotent) and exit.
        bench-sku Reservations/s on one hot SKU vs. a PostgreSQL row-lock baseline (see BENCHMARKS.md).
        demo      Start a node on the embedded default with the sandbox marketplaces, run a 2,000-order flash sale
                  through the webhooks, print a summary, keep serving (--orders N --skus N --concurrency N).
        bench     Flash-sale benchmark through the real HTTP path on PostgreSQL (--orders --skus --hot-share
                  --concurrency --variants --warmup-orders --node-jvm "opts" --nodes url,url --json file
                  --hot-sku); see BENCHMARKS.md.
        sandbox   Run the local Shopee / TikTok Shop / WhatsApp stand-in (ORCH_SANDBOX_PORT, default 9090).
        hash-token  Read an admin token from stdin, print its SHA-256 (ORCH_ADMIN_TOKENS="name:role:hash").
                    `hash-token new` generates a random token and prints it with its hash.
        help      Show this help.

      Configuration comes from application.conf and ORCH_* environment variables (see README.md).
      """;

  private Main() {}

  /**
   * On 2 cores the common pool gets parallelism 1, and then CompletableFuture runs every async stage on a NEW
   * THREAD. Akka's Java API returns Scala's CompletionStage, whose thenApply/thenCompose are async on that default
   * executor: in the flash-sale benchmark the node created thousands of threads a second (seen in thread dumps).
   * Must run before anything touches ForkJoinPool; {@code -D} on the command line wins.
   */
  static void ensureCommonPool() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM,
          Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors())));
    }
  }

  /** The JVM property that sizes the common ForkJoinPool (read once, when that pool is first touched). */
  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  public static void main(String[] args) throws Exception {
    ensureCommonPool();
    String command = args.length == 0 ? "serve" : args[0];
    if (command.equals("demo") && System.getenv("ORCH_LOG_LEVEL") == null) {
      System.setProperty("ORCH_LOG_LEVEL", "WARN"); // the demo's own summary is the output; logback reads this
    }
    String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
    switch (command) {
      case "serve" -> serve();
      case "schema" -> schema();
      case "bench-sku" -> tools.bench.HotSkuBenchmark.main(rest);
      case "demo" -> tools.demo.Demo.main(rest);
      case "bench" -> tools.bench.FlashSaleBenchmark.main(rest);
      case "sandbox" -> tools.sandbox.SandboxMain.run(AppConfig.load());
      case "hash-token" -> hashToken(rest);
      case "help", "--help", "-h" -> System.out.print(HELP);
      default -> {
        System.err.println("Unknown command '" + command + "'" + (rest.length > 0 ? " " + String.join(" ", rest) : ""));
        System.err.print(HELP);
        System.exit(2);
      }
    }
  }

  private static void serve() {
    // Only the real process exits the JVM when the actor system stops (not tests that start nodes).
    Config config = AppConfig.load(ConfigFactory.parseString("akka.coordinated-shutdown.exit-jvm = on"));
    Node node = Node.start(config);
    System.out.println("Orchestrator node up: http://" + config.getString("orchestrator.http.interface") + ":"
        + node.httpPort() + "/health");
    node.generatedAdminToken().ifPresent(file -> System.out.println("Admin API: no ORCH_ADMIN_TOKENS, so an operator "
        + "token for this run is in " + file + ": curl -H \"Authorization: Bearer $(cat " + file + ")\" http://"
        + config.getString("orchestrator.http.interface") + ":" + node.httpPort() + "/admin/shops"));
  }

  /** Prints the hash of the token on stdin (first line); with "new", generates a token and prints both. */
  private static void hashToken(String[] args) throws java.io.IOException {
    if (args.length > 0 && args[0].equals("new")) {
      String token = http.admin.AdminTokens.newToken();
      System.out.println("token: " + token);
      System.out.println("sha256: " + http.admin.AdminTokens.hash(token));
      return;
    }
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
        java.nio.charset.StandardCharsets.UTF_8)).readLine();
    if (line == null || line.isBlank()) {
      System.err.println("hash-token: no token on stdin (e.g. `printf %s \"$TOKEN\" | orchestrator hash-token`)");
      System.exit(2);
    }
    System.out.println(http.admin.AdminTokens.hash(line.strip()));
  }

  private static void schema() throws Exception {
    Config config = AppConfig.load();
    Config db = config.getConfig("orchestrator.db.active");
    try (Connection connection = java.sql.DriverManager.getConnection(
        db.getString("url"), db.getString("user"), db.getString("password"))) {
      int statements = SchemaApplier.apply(connection, db.getString("ddl-dir"));
      System.out.println("Schema applied to " + config.getString("orchestrator.db.profile") + " database ("
          + statements + " statements).");
    }
  }
}
