package tools.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import marketplace.MarketplaceConfig;
import tools.sandbox.Sandbox;

/**
 * {@code orchestrator bench} (its default, {@code --generator buyers}): the same buyer-driven sale (same seed) for
 * each webhook delay ({@code --delays 300ms,1s,3s}) and stock-sync strategy ({@code --strategies absolute,shares}),
 * each on a fresh node (ORCH_STOCK_SYNC_STRATEGY) on a fresh database with a fresh sandbox, then a table of the
 * figures side by side; all in the JSON ({@code --json}, default bench-results/buyer-sale.json).
 *
 * <p>No warm-up sale: these figures are about what the marketplaces show and sell, not about the node's speed, and a
 * warm-up would double the run (six nodes on two cores stay under ten minutes without one).
 */
final class BuyerSaleBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CATALOG = "bench-catalog";

  private BuyerSaleBenchmark() {}

  static void run(Map<String, String> o) throws Exception {
    List<String> delays = list(o.getOrDefault("delays", "300ms,1s,3s"));
    List<String> strategies = list(o.getOrDefault("strategies", "absolute,shares"));
    BuyerSale.Plan defaults = BuyerSale.Plan.defaults("B");
    BuyerSale.Plan plan = new BuyerSale.Plan(
        Integer.parseInt(o.getOrDefault("buyers", String.valueOf(defaults.buyers()))),
        Double.parseDouble(o.getOrDefault("shopee-share", String.valueOf(defaults.shopeeShare()))),
        Double.parseDouble(o.getOrDefault("tiktok-share", String.valueOf(defaults.tiktokShare()))),
        duration(o.getOrDefault("arrival", "3s")),
        Double.parseDouble(o.getOrDefault("hot-share", String.valueOf(defaults.hotShare()))),
        Double.parseDouble(o.getOrDefault("two-unit-share", String.valueOf(defaults.twoUnitShare()))),
        Integer.parseInt(o.getOrDefault("skus", String.valueOf(defaults.skus()))),
        Integer.parseInt(o.getOrDefault("hot-stock", String.valueOf(defaults.hotStock()))),
        Integer.parseInt(o.getOrDefault("variants", String.valueOf(defaults.variantsPerProduct()))),
        Long.parseLong(o.getOrDefault("seed", String.valueOf(defaults.seed()))), "B");
    double jitter = Double.parseDouble(o.getOrDefault("jitter", "0.2"));
    List<String> nodeJvmOptions = o.containsKey("node-jvm")
        ? Arrays.stream(o.get("node-jvm").trim().split("\\s+")).filter(j -> !j.isBlank()).toList()
        : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
            .filter(j -> j.startsWith("-XX:")).toList();
    String jsonOut = o.getOrDefault("json", "bench-results/buyer-sale.json");
    String url = FlashSaleBenchmark.env("ORCH_DB_URL", "jdbc:postgresql://127.0.0.1:5432/orchestrator_bench");
    String user = FlashSaleBenchmark.env("ORCH_DB_USER", "postgres");
    String password = FlashSaleBenchmark.env("ORCH_DB_PASSWORD", "");
    String token = "bench-" + java.util.UUID.randomUUID();

    int sandboxPort = infra.FreePorts.next();
    String callback = "http://orchestrator.bench/webhooks/shopee";
    // WhatsApp buyers order from a Meta catalogue the node's catalogue sync keeps (its default rate limits)
    Config config = AppConfig.load(ConfigFactory.parseMap(Map.of("akka.actor.provider", "local",
        "orchestrator.sandbox.port", sandboxPort, "akka.loglevel", "WARNING",
        "orchestrator.marketplaces.shopee.default-shop.callback-url", callback,
        "orchestrator.marketplaces.whatsapp.catalog.id", CATALOG)));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", config);
    MarketplaceConfig shops = MarketplaceConfig.fromConfig(config);

    ObjectNode report = JSON.createObjectNode();
    ObjectNode planJson = report.putObject("plan");
    planJson.put("buyers", plan.buyers()).put("shopeeShare", plan.shopeeShare())
        .put("tiktokShare", plan.tiktokShare()).put("whatsAppShare", 1 - plan.shopeeShare() - plan.tiktokShare())
        .put("arrivalMs", plan.arrival().toMillis()).put("hotShare", plan.hotShare())
        .put("twoUnitShare", plan.twoUnitShare()).put("skus", plan.skus()).put("hotStock", plan.hotStock())
        .put("variantsPerProduct", plan.variantsPerProduct()).put("seed", plan.seed())
        .put("webhookJitter", jitter).put("machine", Runtime.getRuntime().availableProcessors() + " cores");
    ArrayNode runs = report.putArray("runs");
    List<String> rows = new ArrayList<>();
    long begun = System.currentTimeMillis();
    System.out.printf("Buyer-driven sale: %d buyers over %d ms (Shopee %.0f %%, TikTok %.0f %%, WhatsApp the rest), "
            + "%d SKUs, hot SKU %d units wanted by %.0f %% of the buyers; delays %s x strategies %s%n",
        plan.buyers(), plan.arrival().toMillis(), plan.shopeeShare() * 100, plan.tiktokShare() * 100, plan.skus(),
        plan.hotStock(), plan.hotShare() * 100, delays, strategies);
    try {
      for (String delay : delays) {
        for (String strategy : strategies) {
          long t = System.currentTimeMillis();
          ObjectNode result = once(system, config, shops, plan, duration(delay), jitter, strategy, url, user,
              password, token, sandboxPort, callback, nodeJvmOptions);
          result.put("strategy", strategy).put("webhookDelay", delay)
              .put("runSeconds", (System.currentTimeMillis() - t) / 1000.0);
          runs.add(result);
          rows.add(BuyerSaleReport.tableRow(strategy, delay, result));
          System.out.println(rows.get(rows.size() - 1));
        }
      }
    } finally {
      system.terminate();
    }
    report.put("totalSeconds", (System.currentTimeMillis() - begun) / 1000.0);
    System.out.println();
    BuyerSaleReport.tableHeader().forEach(System.out::println);
    rows.forEach(System.out::println);
    Path out = Path.of(jsonOut);
    if (out.getParent() != null) Files.createDirectories(out.getParent());
    Files.writeString(out, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
    System.out.printf("%nJSON: %s (%.0f s in all)%n", out.toAbsolutePath(), report.path("totalSeconds").asDouble());
  }

  /** One sale on a fresh sandbox, database and node. */
  private static ObjectNode once(ActorSystem<Void> system, Config config, MarketplaceConfig shops,
                                 BuyerSale.Plan plan, Duration delay, double jitter, String strategy, String url,
                                 String user, String password, String token, int sandboxPort, String callback,
                                 List<String> jvmOptions) throws Exception {
    Sandbox sandbox = Sandbox.start(system, config);
    Process node = null;
    try {
      FlashSaleBenchmark.freshDatabase(url, user, password);
      int httpPort = infra.FreePorts.next();
      node = FlashSaleBenchmark.startNode(url, user, password, httpPort, sandboxPort, callback, token, "",
          jvmOptions, Map.of("ORCH_STOCK_SYNC_STRATEGY", strategy, "ORCH_WHATSAPP_CATALOG_ID", CATALOG));
      String base = "http://127.0.0.1:" + httpPort;
      FlashSaleBenchmark.awaitHealthy(base);
      FlashSale sale = new FlashSale(sandbox, shops, List.of(base), token).sharesStrategy(strategy.equals("shares"));
      BuyerSale buyers = new BuyerSale(sale, sandbox, base, BuyerSale.whatsAppCatalogue(sandbox, shops));
      System.out.printf("  %s, webhook delay %s: node up, listing %d SKUs...%n", strategy, delay.toMillis() + "ms",
          plan.skus());
      FlashSale.Catalogue catalogue = buyers.setUp(plan, n -> { });
      sandbox.storefront().setWebhookDelay(delay, jitter);
      BuyerSale.Outcome outcome = buyers.run(plan, catalogue, n -> { });
      return outcome.toJson();
    } finally {
      if (node != null) {
        node.destroy();
        if (!node.waitFor(60, TimeUnit.SECONDS)) node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      sandbox.close();
    }
  }

  private static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  static Duration duration(String text) {
    return ConfigFactory.parseString("d = " + text).getDuration("d");
  }
}
