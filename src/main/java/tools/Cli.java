package tools;

import app.ServiceMain;
import infra.AppConfig;
import java.util.Arrays;

/**
 * The runnable jar's entry point ({@code ./orchestrator <command>}): the service's own commands go to
 * {@link ServiceMain}; the demo, the benchmarks and the marketplace sandbox are tools beside the service.
 */
public final class Cli {

  static final String HELP = """
      Usage: orchestrator <command> [options]

      Commands:
        serve     Start a node (default). Embedded H2 under ./data unless ORCH_DB_PROFILE=postgres.
        schema    Apply the DDL in ddl/ to the configured database (idempotent) and exit.
        bench-sku Reservations/s on one hot SKU vs. a PostgreSQL row-lock baseline (see BENCHMARKS.md).
        demo      Start a node on the embedded default with the sandbox marketplaces, run a 2,000-buyer flash sale
                  (buyers buy what their channel shows), print a summary, keep serving (--buyers N --skus N
                  --hot-stock N; --generator orders --orders N --concurrency N for the old order generator).
        bench     Flash-sale benchmark through the real HTTP path on PostgreSQL. Default: the buyer-driven sale per
                  webhook delay and stock-sync strategy, side by side (--delays 300ms,1s,3s --strategies
                  absolute,shares --buyers --skus --hot-stock --hot-share --arrival 3s --json file).
                  --generator orders: the throughput benchmark (--orders --skus --hot-share --concurrency
                  --variants --warmup-orders --node-jvm "opts" --nodes url,url --json file --hot-sku).
                  See BENCHMARKS.md.
        sandbox   Run the local Shopee / TikTok Shop / WhatsApp stand-in (ORCH_SANDBOX_PORT, default 9090).
        hash-token  Read an admin token from stdin, print its SHA-256 (ORCH_ADMIN_TOKENS="name:role:hash").
                    `hash-token new` generates a random token and prints it with its hash.
        help      Show this help.

      Configuration comes from application.conf and ORCH_* environment variables (see README.md).
      """;

  private Cli() {}

  public static void main(String[] args) throws Exception {
    ServiceMain.ensureCommonPool();
    String command = args.length == 0 ? "serve" : args[0];
    if (command.equals("demo") && System.getenv("ORCH_LOG_LEVEL") == null) {
      System.setProperty("ORCH_LOG_LEVEL", "WARN"); // the demo's own summary is the output; logback reads this
    }
    String[] rest = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
    switch (command) {
      case "bench-sku" -> tools.bench.HotSkuBenchmark.main(rest);
      case "demo" -> tools.demo.Demo.main(rest);
      case "bench" -> tools.bench.FlashSaleBenchmark.main(rest);
      case "sandbox" -> tools.sandbox.SandboxMain.run(AppConfig.load());
      case "help", "--help", "-h" -> System.out.print(HELP);
      default -> {
        if (!ServiceMain.run(command, rest)) {
          System.err.println("Unknown command '" + command + "'" + (rest.length > 0 ? " " + String.join(" ", rest) : ""));
          System.err.print(HELP);
          System.exit(2);
        }
      }
    }
  }
}
