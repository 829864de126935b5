package app;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import http.admin.AdminTokens;
import infra.AppConfig;
import infra.SchemaMigrator;
import java.util.Arrays;

/**
 * The service's own commands: {@code serve} (a node), {@code schema} (apply the DDL and exit) and {@code hash-token}.
 * The jar's entry point is {@code tools.Cli}, which also runs the demo, the benchmarks and the sandbox; node JVMs
 * (scripts, fault tests, the benchmark) start this class directly.
 */
public final class ServiceMain {

  private ServiceMain() {}

  /**
   * On 2 cores the common pool gets parallelism 1, and then CompletableFuture runs every async stage on a NEW
   * THREAD. Akka's Java API returns Scala's CompletionStage, whose thenApply/thenCompose are async on that default
   * executor: in the flash-sale benchmark the node created thousands of threads a second (seen in thread dumps).
   * Must run before anything touches ForkJoinPool; {@code -D} on the command line wins.
   */
  public static void ensureCommonPool() {
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
    String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
    if (!run(command, rest)) {
      System.err.println("Unknown command '" + command + "': serve, schema or hash-token");
      System.exit(2);
    }
  }

  /** Runs one of the service's commands; false when {@code command} is not one of them. */
  public static boolean run(String command, String[] rest) throws Exception {
    switch (command) {
      case "serve" -> serve();
      case "schema" -> schema();
      case "hash-token" -> hashToken(rest);
      default -> {
        return false;
      }
    }
    return true;
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
      String token = AdminTokens.newToken();
      System.out.println("token: " + token);
      System.out.println("sha256: " + AdminTokens.hash(token));
      return;
    }
    String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
        java.nio.charset.StandardCharsets.UTF_8)).readLine();
    if (line == null || line.isBlank()) {
      System.err.println("hash-token: no token on stdin (e.g. `printf %s \"$TOKEN\" | orchestrator hash-token`)");
      System.exit(2);
    }
    System.out.println(AdminTokens.hash(line.strip()));
  }

  private static void schema() throws Exception {
    Config config = AppConfig.load();
    Config db = config.getConfig("orchestrator.db.active");
    String profile = config.getString("orchestrator.db.profile");
    SchemaMigrator.Outcome outcome =
        SchemaMigrator.migrate(db.getString("url"), db.getString("user"), db.getString("password"), profile);
    System.out.println("Schema of the " + profile + " database migrated: " + outcome.describe() + ".");
  }
}
