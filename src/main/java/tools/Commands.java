package tools;

import app.ServiceMain;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * The jar's subcommands besides {@code check-config}: each declares and checks its typed options, then hands the
 * tool the options that were given (the tools keep their defaults, shown here in each option's description).
 */
final class Commands {
  private Commands() {}

  @Command(name = "serve", mixinStandardHelpOptions = true,
      description = "Start a node. Embedded H2 under ./data unless ORCH_DB_PROFILE=postgres.")
  static final class Serve implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      ServiceMain.run("serve", new String[0]);
      return 0;
    }
  }

  @Command(name = "schema", mixinStandardHelpOptions = true,
      description = "Migrate the configured database's schema to the newest version (Flyway; nothing to do when up "
          + "to date), print what was applied and exit.")
  static final class Schema implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      ServiceMain.run("schema", new String[0]);
      return 0;
    }
  }

  @Command(name = "hash-token", mixinStandardHelpOptions = true,
      description = {"Read an admin token from stdin, print its SHA-256 (ORCH_ADMIN_TOKENS=\"name:role:hash\").",
          "`hash-token new` generates a random token and prints it with its hash."})
  static final class HashToken implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Parameters(arity = "0..1", paramLabel = "new", description = "generate a new random token")
    String mode;

    @Override
    public Integer call() throws Exception {
      if (mode != null && !mode.equals("new")) {
        throw new CommandLine.ParameterException(spec.commandLine(), "hash-token takes only 'new', not '" + mode + "'");
      }
      ServiceMain.run("hash-token", mode == null ? new String[0] : new String[] {mode});
      return 0;
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true, description = "Start a node on the embedded default with the sandbox marketplaces, connect its shops, "
      + "run a flash sale of buyers who buy what their channel shows, print a summary, and keep serving.")
  static final class Demo implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--buyers", paramLabel = "N", description = "buyers in the sale (default 2000)") Integer buyers;
    @Option(names = "--skus", paramLabel = "N", description = "SKUs in the catalogue (default 200)") Integer skus;
    @Option(names = "--hot-stock", paramLabel = "N", description = "units of the hot SKU (default 3 per 50 buyers)") Integer hotStock;
    @Option(names = "--generator", paramLabel = "buyers|orders",
        description = "buyers (default) or orders: the old generator of invented orders") String generator;
    @Option(names = "--orders", paramLabel = "N", description = "orders of the old generator (default 2000)") Integer orders;
    @Option(names = "--concurrency", paramLabel = "N", description = "webhooks in flight, old generator (default 32)") Integer concurrency;

    @Override
    public Integer call() throws Exception {
      Args a = new Args(spec);
      a.positive("--buyers", buyers).positive("--skus", skus).positive("--hot-stock", hotStock)
          .positive("--orders", orders).positive("--concurrency", concurrency)
          .oneOf("--generator", generator, "buyers", "orders");
      if (System.getenv("ORCH_LOG_LEVEL") == null) {
        System.setProperty("ORCH_LOG_LEVEL", "WARN"); // the demo's own summary is the output; logback reads this
      }
      tools.demo.Demo.main(a.array());
      return 0;
    }
  }

  @Command(name = "bench", mixinStandardHelpOptions = true, description = "Flash-sale benchmark through the real HTTP path on PostgreSQL (see BENCHMARKS.md). Default: "
      + "the buyer-driven sale per webhook delay and stock-sync strategy, side by side. --generator orders: the "
      + "throughput benchmark.")
  static final class Bench implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--generator", paramLabel = "buyers|orders", description = "buyers (default) or orders") String generator;
    @Option(names = "--delays", split = ",", paramLabel = "D", description = "webhook delays (default 300ms,1s,3s)") List<String> delays;
    @Option(names = "--strategies", split = ",", paramLabel = "S", description = "absolute and/or shares (default both)") List<String> strategies;
    @Option(names = "--buyers", paramLabel = "N", description = "buyers (default 2000)") Integer buyers;
    @Option(names = "--shopee-share", paramLabel = "F", description = "share of buyers on Shopee, 0..1") Double shopeeShare;
    @Option(names = "--tiktok-share", paramLabel = "F", description = "share of buyers on TikTok, 0..1") Double tiktokShare;
    @Option(names = "--arrival", paramLabel = "D", description = "how long the buyers take to arrive (default 3s)") String arrival;
    @Option(names = "--hot-share", paramLabel = "F", description = "share of buyers (orders) for the hot SKU, 0..1") Double hotShare;
    @Option(names = "--two-unit-share", paramLabel = "F", description = "share of buyers taking 2 units, 0..1") Double twoUnitShare;
    @Option(names = "--skus", paramLabel = "N", description = "SKUs (default 1000)") Integer skus;
    @Option(names = "--hot-stock", paramLabel = "N", description = "units of the hot SKU") Integer hotStock;
    @Option(names = "--variants", paramLabel = "N", description = "variants per product") Integer variants;
    @Option(names = "--seed", paramLabel = "N", description = "random seed of the sale") Long seed;
    @Option(names = "--jitter", paramLabel = "F", description = "webhook delay jitter, 0..1 (default 0.2)") Double jitter;
    @Option(names = "--orders", paramLabel = "N", description = "orders, --generator orders (default 2000)") Integer orders;
    @Option(names = "--concurrency", paramLabel = "N", description = "requests in flight, --generator orders (default 64)") Integer concurrency;
    @Option(names = "--warmup-orders", paramLabel = "N", description = "warm-up orders, --generator orders (default 2000)") Integer warmupOrders;
    @Option(names = "--nodes", split = ",", paramLabel = "URL", description = "running nodes to use instead of starting one") List<String> nodes;
    @Option(names = "--node-jvm", paramLabel = "OPTS", description = "JVM options of the node started here") String nodeJvm;
    @Option(names = "--json", paramLabel = "FILE", description = "where the JSON results go") String json;
    @Option(names = "--hot-sku", description = "also run the hot-SKU benchmark (--generator orders)") boolean hotSku;
    @Option(names = "--shopee-faults", description = "Shopee with expiring tokens, rate limits and lost pushes (--generator orders)") boolean shopeeFaults;

    @Override
    public Integer call() throws Exception {
      Args a = new Args(spec);
      a.oneOf("--generator", generator, "buyers", "orders").durations("--delays", delays).duration("--arrival", arrival);
      if (strategies != null) for (String s : strategies) a.oneOf("--strategies", s, "absolute", "shares");
      a.list("--strategies", strategies);
      a.positive("--buyers", buyers).positive("--skus", skus).positive("--hot-stock", hotStock)
          .positive("--variants", variants).positive("--orders", orders).positive("--concurrency", concurrency)
          .atLeast("--warmup-orders", warmupOrders, 0)
          .fraction("--shopee-share", shopeeShare).fraction("--tiktok-share", tiktokShare)
          .fraction("--hot-share", hotShare).fraction("--two-unit-share", twoUnitShare).fraction("--jitter", jitter)
          .value("--seed", seed).list("--nodes", nodes).value("--node-jvm", nodeJvm).value("--json", json)
          .flag("--hot-sku", hotSku).flag("--shopee-faults", shopeeFaults);
      tools.bench.FlashSaleBenchmark.main(a.array());
      return 0;
    }
  }

  @Command(name = "bench-sku", mixinStandardHelpOptions = true,
      description = "Reservations/s on one hot SKU vs. a PostgreSQL row-lock baseline (see BENCHMARKS.md).")
  static final class BenchSku implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--clients", paramLabel = "N", description = "concurrent clients (default 64)") Integer clients;
    @Option(names = "--warmup", paramLabel = "S", description = "warm-up seconds (default 5)") Integer warmup;
    @Option(names = "--seconds", paramLabel = "S", description = "measured seconds (default 15)") Integer seconds;
    @Option(names = "--mode", paramLabel = "M", description = "reserve (default) or reserve-release") String mode;
    @Option(names = "--compare-linger", paramLabel = "N", description = "rounds with the linger off and on (default 0)") Integer compareLinger;
    @Option(names = "--linger", paramLabel = "D", description = "batch linger (default 1ms)") String linger;
    @Option(names = "--linger-min-batch", paramLabel = "N", description = "batch size that skips the linger (default 8)") Integer lingerMinBatch;
    @Option(names = "--history", paramLabel = "N", description = "finished reservations kept (default 0)") Integer history;

    @Override
    public Integer call() throws Exception {
      Args a = new Args(spec);
      a.positive("--clients", clients).atLeast("--warmup", warmup, 0).positive("--seconds", seconds)
          .oneOf("--mode", mode, "reserve", "reserve-release").atLeast("--compare-linger", compareLinger, 0)
          .duration("--linger", linger).positive("--linger-min-batch", lingerMinBatch).atLeast("--history", history, 0);
      tools.bench.HotSkuBenchmark.main(a.array());
      return 0;
    }
  }

  @Command(name = "soak", mixinStandardHelpOptions = true,
      description = "A long sale (default 100,000 orders) on one -Xmx512m node: heap after a full GC per chunk, "
          + "0 lost, 0 oversold (see BENCHMARKS.md). ORCH_DB_URL names a disposable database (default "
          + "orchestrator_bench).")
  static final class Soak implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--orders", paramLabel = "N", description = "orders in all (default 100000)") Integer orders;
    @Option(names = "--chunk", paramLabel = "N", description = "orders between heap checkpoints (default 10000)") Integer chunk;
    @Option(names = "--skus", paramLabel = "N", description = "SKUs (default 1000)") Integer skus;
    @Option(names = "--concurrency", paramLabel = "N", description = "requests in flight (default 64)") Integer concurrency;
    @Option(names = "--json", paramLabel = "FILE", description = "where the JSON results go (default bench-results/soak.json)") String json;
    @Option(names = "--quiesce-at", paramLabel = "N,N", description = "orders sent after which the heap is also measured with every order final and out of memory (default 20000 and the last)") String quiesceAt;
    @Option(names = "--no-ship", description = "do not ship the orders (their reservations then stay open)") boolean noShip;
    @Option(names = "--no-restock", description = "do not give every SKU its first stock again before each chunk (most orders then go out of stock)") boolean noRestock;

    @Override
    public Integer call() throws Exception {
      Args a = new Args(spec);
      a.positive("--orders", orders).positive("--chunk", chunk).positive("--skus", skus)
          .positive("--concurrency", concurrency).value("--json", json);
      if (noRestock) a.value("--restock", "false");
      if (noShip) a.value("--ship", "false");
      a.value("--quiesce-at", quiesceAt);
      tools.bench.SoakBenchmark.main(a.array());
      return 0;
    }
  }

  @Command(name = "sandbox", mixinStandardHelpOptions = true,
      description = "Run the local Shopee / TikTok Shop / WhatsApp stand-in (ORCH_SANDBOX_PORT, default 9090).")
  static final class SandboxCommand implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      tools.sandbox.SandboxMain.run(infra.AppConfig.load());
      return 0;
    }
  }

  /** The given options, checked, as the {@code --name value} arguments the tools read. */
  static final class Args {
    private final CommandSpec spec;
    private final List<String> args = new ArrayList<>();

    Args(CommandSpec spec) {
      this.spec = spec;
    }

    private CommandLine.ParameterException bad(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    Args value(String name, Object value) {
      if (value != null) {
        args.add(name);
        args.add(String.valueOf(value));
      }
      return this;
    }

    Args positive(String name, Integer value) {
      return atLeast(name, value, 1);
    }

    Args atLeast(String name, Integer value, int min) {
      if (value != null && value < min) throw bad(name + " must be at least " + min + ", not " + value);
      return value(name, value);
    }

    Args fraction(String name, Double value) {
      if (value != null && !(value >= 0 && value <= 1)) throw bad(name + " must be from 0 to 1, not " + value);
      return value(name, value);
    }

    Args oneOf(String name, String value, String... allowed) {
      if (value != null && !List.of(allowed).contains(value)) {
        throw bad(name + " must be " + String.join(" or ", allowed) + ", not '" + value + "'");
      }
      return name.equals("--strategies") ? this : value(name, value);
    }

    Args duration(String name, String value) {
      checkDuration(name, value);
      return value(name, value);
    }

    /** A list of durations, passed on as one comma-separated value. */
    Args durations(String name, List<String> values) {
      if (values != null) for (String v : values) checkDuration(name, v);
      return list(name, values);
    }

    private void checkDuration(String name, String value) {
      if (value == null) return;
      try {
        ConfigFactory.parseString("d = \"" + value.replace("\"", "") + "\"").getDuration("d");
      } catch (ConfigException e) {
        throw bad(name + " must be a duration such as 300ms, 1s or 2m, not '" + value + "'");
      }
    }

    Args list(String name, List<String> values) {
      return values == null ? this : value(name, String.join(",", values));
    }

    Args flag(String name, boolean on) {
      if (on) args.add(name);
      return this;
    }

    String[] array() {
      return args.toArray(String[]::new);
    }
  }
}
