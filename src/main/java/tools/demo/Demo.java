package tools.demo;

import app.Node;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import common.Channel;
import infra.AppConfig;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import marketplace.MarketplaceConfig;
import order.Phase;
import tools.bench.BuyerSale;
import tools.bench.BuyerSaleReport;
import tools.bench.FlashSale;
import tools.bench.SaleFigures;
import tools.sandbox.Sandbox;

/**
 * {@code orchestrator demo}: a node on the embedded default with the marketplace sandbox in-process, a sample
 * catalogue listed on every channel, a flash sale of 2,000 buyers who buy what their channel shows (the marketplaces'
 * storefronts, WhatsApp's catalogue; {@code --generator orders}: the old 2,000 invented orders), a readable summary,
 * and then the node keeps serving. Run twice: the second run resumes the data under ./data and adds a new sale.
 */
public final class Demo {
  private static final PrintStream out = System.out;

  private Demo() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    boolean buyerDriven = !options.getOrDefault("generator", "buyers").equals("orders");
    int orders = Integer.parseInt(options.getOrDefault("orders", options.getOrDefault("buyers", "2000")));
    int skus = Integer.parseInt(options.getOrDefault("skus", "200"));
    int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "32"));

    Map<String, Object> overrides = new HashMap<>();
    overrides.put("akka.coordinated-shutdown.exit-jvm", "on");
    overrides.put("akka.loglevel", "WARNING");
    Config base = AppConfig.load();
    int sandboxPort = base.getInt("orchestrator.sandbox.port");
    if (!free(sandboxPort)) {
      sandboxPort = infra.FreePorts.next();
      overrides.put("orchestrator.sandbox.port", sandboxPort);
    }
    // WhatsApp buyers order from a Meta catalogue (the sandbox's) that the service's catalogue sync keeps
    if (base.getString("orchestrator.marketplaces.whatsapp.catalog.id").isBlank()) {
      overrides.put("orchestrator.marketplaces.whatsapp.catalog.id", "demo-catalog");
    }
    int httpPort = base.getInt("orchestrator.http.port");
    overrides.put("orchestrator.marketplaces.shopee.default-shop.callback-url",
        "http://127.0.0.1:" + httpPort + "/webhooks/shopee");
    overrides.put("orchestrator.marketplaces.shopee.app.redirect-url",
        "http://127.0.0.1:" + httpPort + "/shops/shopee/authorized");
    overrides.put("orchestrator.marketplaces.tiktok.app.redirect-url",
        "http://127.0.0.1:" + httpPort + "/shops/tiktok/authorized");
    // No shop is configured: the demo connects the sandbox's shops the way a seller does (onboarding below).
    Config config = AppConfig.load(ConfigFactory.parseString("""
        orchestrator.marketplaces.shopee.shops = []
        orchestrator.marketplaces.tiktok.shops = []
        """).withFallback(ConfigFactory.parseMap(overrides)));

    out.println("Order orchestrator demo: embedded database under " + config.getString("orchestrator.data-dir")
        + ", marketplace sandbox in-process on port " + sandboxPort);
    Node node = Node.start(config);
    Sandbox sandbox = Sandbox.start(node.system(), config);
    String url = "http://127.0.0.1:" + node.httpPort();
    // The sandbox's shops (what its platforms sell under), as the flash sale's buyers order from them.
    MarketplaceConfig shops = MarketplaceConfig.fromConfig(AppConfig.load(ConfigFactory.parseMap(overrides)));
    String token = DemoAccess.operatorToken(node.system());
    for (String channel : List.of("shopee", "tiktok")) out.println(DemoAccess.connect(url, token, channel));
    FlashSale sale = new FlashSale(sandbox, shops, List.of(url), token)
        .sharesStrategy(stocksync.StockSync.Settings.from(config).strategy() == stocksync.StockSync.Strategy.SHARES);

    boolean resumed = exists(sale, url + "/admin/skus/" + FlashSale.sku(0));
    String runId = "DEMO" + Instant.now().getEpochSecond();
    out.println(resumed
        ? "Data: resumed from the previous run (its orders and stock history are kept); this sale's orders are "
            + runId + "-*, and each SKU gets this sale's stock on top of what earlier orders still hold."
        : "Data: fresh. Loading a sample catalogue of " + skus + " SKUs listed on Shopee, TikTok Shop and WhatsApp.");

    if (buyerDriven) {
      BuyerSale.Plan plan = new BuyerSale.Plan(orders, 0.45, 0.35, Duration.ofSeconds(3), 0.3, 0.1, skus,
          Integer.parseInt(options.getOrDefault("hot-stock", String.valueOf(Math.max(1, orders * 3 / 50)))), 10, 42,
          runId);
      BuyerSale buyers = new BuyerSale(sale, sandbox, url, BuyerSale.whatsAppCatalogue(sandbox, shops));
      ProgressBar catalogueBar = new ProgressBar("catalogue", skus);
      FlashSale.Catalogue catalogue = buyers.setUp(plan, catalogueBar::update);
      catalogueBar.done();
      Instant saleStart = Instant.now();
      ProgressBar saleBar = new ProgressBar("buyers", orders);
      BuyerSale.Outcome outcome = buyers.run(plan, catalogue, saleBar::update);
      saleBar.done();
      SaleFigures.Figures f = outcome.figures();
      out.printf("%d buyers came in %.1f s (Shopee %d, TikTok %d, WhatsApp %d), each buying what its channel showed%n",
          orders, outcome.buyersMillis() / 1000.0, buyersOn(f, Channel.SHOPEE), buyersOn(f, Channel.TIKTOK),
          buyersOn(f, Channel.WHATSAPP));
      String listings = outcome.settledMillis() > 0 && sale.sharesStrategy()
          ? String.format("no SKU shows more on Shopee and TikTok together than it has left (each listing shows its "
              + "share), %.1f s after the first buyer", outcome.settledMillis() / 1000.0)
          : outcome.settledMillis() > 0
          ? String.format("every Shopee and TikTok listing shows its SKU's available units, %.1f s after the first "
              + "buyer", outcome.settledMillis() / 1000.0)
          : String.format("%d listings show other than their SKU's available units when the stock calls stopped: "
              + "the share sync splits the units over the channels, or a marketplace gave a cancelled order's units "
              + "back", outcome.listingsWrongAtEnd());
      printSummary(sale, sandbox, url, saleStart, catalogue, listings);
      out.println("The sale in a few lines:");
      BuyerSaleReport.summary(outcome).forEach(line -> out.println("  " + line));
      serving(node, url, catalogue);
      return;
    }
    FlashSale.Plan plan = new FlashSale.Plan(orders, 0.25, skus, 10, concurrency, 42, runId);
    ProgressBar catalogueBar = new ProgressBar("catalogue", skus);
    FlashSale.Catalogue catalogue = sale.setUpCatalogue(plan, catalogueBar::update);
    catalogueBar.done();

    Instant saleStart = Instant.now();
    ProgressBar saleBar = new ProgressBar("flash sale", orders);
    FlashSale.Result result = sale.run(plan, catalogue, saleBar::update);
    saleBar.done();
    out.printf("%d webhooks answered in %.1f s (%d accepted), ack p50 %.1f ms, p99 %.1f ms%n", result.orders().size(),
        (result.endMillis() - result.startMillis()) / 1000.0, result.accepted(),
        result.ackMicros().getValueAtPercentile(50) / 1000.0, result.ackMicros().getValueAtPercentile(99) / 1000.0);

    ProgressBar finalBar = new ProgressBar("orders final", orders);
    awaitFinal(sale, url, saleStart, orders, finalBar);
    finalBar.done();
    // The last stock pushes leave within a rate-limit round of the last order: the marketplaces shown below are synced.
    long syncedAt = sale.awaitListingsRight(url, catalogue, System.currentTimeMillis() + 60_000, 250);
    String listings = syncedAt > 0
        ? String.format("every Shopee and TikTok listing shows its SKU's stock, %.1f s after the sale's first webhook",
            (syncedAt - saleStart.toEpochMilli()) / 1000.0)
        : "some listings still differ from their SKU after 60 s (GET /admin/sync/failing says why)";
    printSummary(sale, sandbox, url, saleStart, catalogue, listings);
    serving(node, url, catalogue);
  }

  private static int buyersOn(SaleFigures.Figures f, Channel channel) {
    SaleFigures.ChannelFigures c = f.channels().get(channel);
    return c == null ? 0 : c.buyers();
  }

  /** The URLs the node keeps serving, an example call, then waits until the node stops. */
  private static void serving(Node node, String url, FlashSale.Catalogue catalogue) {
    out.println();
    out.println("The node keeps serving (Ctrl-C stops it):");
    out.println("  health      " + url + "/health");
    out.println("  dashboard   " + url + "/admin/ui");
    out.println("  orders      " + url + "/admin/orders?limit=20");
    out.println("  ledger CSV  " + url + "/admin/orders.csv");
    out.println("  one SKU     " + url + "/admin/skus/" + catalogue.hotSku());
    out.println("  cluster     " + url + "/admin/cluster");
    out.println("  node health " + url + "/admin/health");
    out.println("Example:");
    out.println("  curl -s -H \"Authorization: Bearer $(cat " + node.system().settings().config()
        .getString("orchestrator.admin.generated-token-file") + ")\" " + url + "/admin/skus/" + catalogue.hotSku()
        + "/history?limit=5");
    out.println("  (the dashboard asks for that token once; it is the operator token generated for this run)");
    node.system().getWhenTerminated().toCompletableFuture().join();
  }

  private static JsonNode awaitFinal(FlashSale sale, String url, Instant since, int orders, ProgressBar bar)
      throws Exception {
    long deadline = System.currentTimeMillis() + Duration.ofMinutes(5).toMillis();
    JsonNode summary = null;
    while (System.currentTimeMillis() < deadline) {
      summary = sale.adminJson("GET", url + "/admin/orders/summary?from=" + since, null).get();
      int finalCount = count(summary, Phase.CONFIRMED.name()) + count(summary, Phase.OUT_OF_STOCK.name())
          + count(summary, Phase.CANCELLED.name());
      bar.update(finalCount);
      if (finalCount >= orders) return summary;
      Thread.sleep(250);
    }
    return summary;
  }

  private static int count(JsonNode summary, String status) {
    JsonNode byStatus = summary.path("byStatus");
    return byStatus.path(status).asInt(0);
  }

  private static void printSummary(FlashSale sale, Sandbox sandbox, String url, Instant since,
                                   FlashSale.Catalogue catalogue, String listings) throws Exception {
    out.println();
    out.println("Orders of this sale by final state and channel:");
    out.printf("  %-10s %10s %13s %10s %8s%n", "channel", Phase.CONFIRMED, Phase.OUT_OF_STOCK, Phase.CANCELLED,
        "other");
    for (String channel : List.of("shopee", "tiktok", "whatsapp")) {
      JsonNode byStatus = sale.adminJson("GET", url + "/admin/orders/summary?from=" + since + "&channel=" + channel,
          null).get().path("byStatus");
      int confirmed = byStatus.path(Phase.CONFIRMED.name()).asInt(0);
      int outOfStock = byStatus.path(Phase.OUT_OF_STOCK.name()).asInt(0);
      int cancelled = byStatus.path(Phase.CANCELLED.name()).asInt(0);
      int total = 0;
      for (JsonNode n : byStatus) total += n.asInt();
      out.printf("  %-10s %10d %13d %10d %8d%n", channel, confirmed, outOfStock, cancelled,
          total - confirmed - outOfStock - cancelled);
    }

    String hot = catalogue.hotSku();
    JsonNode sku = sale.skuNumbers(url, hot).get();
    int heldBefore = catalogue.heldBefore().getOrDefault(hot, 0);
    out.printf("%nThe hot SKU %s: %d units for this sale%s, %d reserved by its confirmed orders, %d available now.%n",
        hot, catalogue.stock().get(hot),
        heldBefore > 0 ? " (on hand " + (heldBefore + catalogue.stock().get(hot)) + ": " + heldBefore
            + " still held by earlier runs' orders)" : "",
        sku.path("reserved").asInt() - heldBefore, sku.path("available").asInt());
    printStory(sale, url, hot, since);

    try {
      JsonNode staleness = sale.adminJson("GET", url + "/admin/sync/staleness", null).get();
      out.println("Stock-sync staleness (SKU write to marketplace acknowledgement):");
      for (JsonNode c : staleness) {
        out.printf("  %-8s p50 %5.0f ms, p99 %5.0f ms, max %5.0f ms over %d pushes%n", c.path("channel").asText(),
            c.path("p50Ms").asDouble(), c.path("p99Ms").asDouble(), c.path("maxMs").asDouble(), c.path("count").asLong());
      }
    } catch (Exception notAvailable) {
      out.println("Stock-sync staleness: not reported by this node.");
    }

    out.println("What each marketplace shows for the first SKUs (sandbox listings; " + listings + "):");
    for (int i = 0; i < Math.min(5, catalogue.skus().size()); i++) {
      String s = catalogue.skus().get(i);
      JsonNode state = sale.skuNumbers(url, s).get();
      Integer shopee = sandbox.shopeeStock(catalogue.shopeeItemId(i), catalogue.shopeeModelId(i));
      Integer tiktok = sandbox.tiktokStock(catalogue.tiktokSkuId(i));
      out.printf("  %s available %3d | Shopee %s | TikTok %s%n", s, state.path("available").asInt(),
          shopee == null ? "-" : shopee, tiktok == null ? "-" : tiktok);
    }
  }

  /** The hot SKU's history during this sale: its first and last reservation, and what else happened to it. */
  private static void printStory(FlashSale sale, String url, String sku, Instant since) throws Exception {
    List<JsonNode> lines = new ArrayList<>(); // this sale's lines, newest first
    for (int offset = 0; ; offset += 500) {
      JsonNode page = sale.adminJson("GET", url + "/admin/skus/" + sku + "/history?limit=500&offset=" + offset, null)
          .get();
      boolean older = false;
      for (JsonNode e : page.path("events")) {
        if (Instant.parse(e.path("timestamp").asText()).isBefore(since)) {
          older = true;
          break;
        }
        lines.add(e);
      }
      if (older || page.path("events").size() < 500) break;
    }
    List<JsonNode> reserved = lines.stream().filter(e -> e.path("type").asText().equals("StockReserved")).toList();
    long released = lines.stream().filter(e -> e.path("type").asText().equals("ReservationReleased")).count();
    out.println("  its story in this sale (GET /admin/skus/" + sku + "/history):");
    if (!reserved.isEmpty()) {
      JsonNode first = reserved.get(reserved.size() - 1);
      JsonNode last = reserved.get(0);
      out.printf("    first reservation %.2f s after the first webhook: %s%n", secondsAfter(since, first),
          first.path("description").asText());
      out.printf("    last reservation  %.2f s after the first webhook: %s%n", secondsAfter(since, last),
          last.path("description").asText());
    }
    out.printf("    %d reservations, %d releases%n", reserved.size(), released);
  }

  private static double secondsAfter(Instant since, JsonNode entry) {
    return Duration.between(since, Instant.parse(entry.path("timestamp").asText())).toMillis() / 1000.0;
  }

  private static boolean exists(FlashSale sale, String skuUrl) {
    try {
      return sale.adminJson("GET", skuUrl, null).get().path("exists").asBoolean(false);
    } catch (Exception e) {
      return false;
    }
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port)) {
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  /**
   * A one-line progress bar redrawn in place, never stepping back: completions arrive from many threads, each with
   * its own count ({@link Progress} prints only a higher percentage than the last).
   */
  static final class ProgressBar {
    private final String label;
    private final int total;
    private final Progress percent;

    ProgressBar(String label, int total) {
      this.label = label;
      this.total = Math.max(1, total);
      this.percent = new Progress(p -> {
        int width = 40;
        int filled = width * p / 100;
        out.printf("\r  %-12s [%s%s] %3d%% (%d/%d)", this.label, "#".repeat(filled), ".".repeat(width - filled), p,
            (long) p * this.total / 100, this.total);
        out.flush();
      });
    }

    void update(int done) {
      percent.report((int) (100L * Math.min(done, total) / total));
    }

    void done() {
      update(total);
      out.println();
    }
  }
}
