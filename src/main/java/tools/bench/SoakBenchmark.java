package tools.bench;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import infra.AppConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import marketplace.MarketplaceConfig;
import tools.sandbox.Sandbox;

/**
 * {@code orchestrator soak}: a long flash sale (default 100,000 orders) on one node started here with -Xmx512m on a
 * fresh PostgreSQL database, through the real HTTP path with the marketplace sandbox, to show that memory is bounded
 * by configuration (passivation), not by the sale. The orders go out in chunks without waiting for them to be final;
 * after each chunk the node's heap is measured after a full GC ({@code jcmd <pid> GC.run}), with the order entities
 * in memory. At the end: every accepted order final and in the ledger (0 lost), 0 oversold, the heap after GC at
 * 20,000 and at the last checkpoint side by side, and the heap peak.
 */
public final class SoakBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();

  private SoakBenchmark() {}

  /** Options: --orders N --chunk N --skus N --concurrency N --json FILE (see {@code orchestrator soak --help}). */
  public static void main(String[] args) throws Exception {
    Map<String, String> o = new java.util.HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    int orders = Integer.parseInt(o.getOrDefault("orders", "100000"));
    int chunk = Integer.parseInt(o.getOrDefault("chunk", "10000"));
    int skus = Integer.parseInt(o.getOrDefault("skus", "1000"));
    int concurrency = Integer.parseInt(o.getOrDefault("concurrency", "64"));
    boolean restock = Boolean.parseBoolean(o.getOrDefault("restock", "true"));
    boolean ship = Boolean.parseBoolean(o.getOrDefault("ship", "true"));
    Set<Integer> quiesceAt = new HashSet<>();
    for (String n : o.getOrDefault("quiesce-at", "20000," + orders).split(",")) quiesceAt.add(Integer.parseInt(n.trim()));
    Path jsonOut = Path.of(o.getOrDefault("json", "bench-results/soak.json"));
    String token = "soak-" + java.util.UUID.randomUUID();
    List<String> nodeJvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(j -> j.startsWith("-XX:")).toList();

    int sandboxPort = infra.FreePorts.next();
    String callback = "http://orchestrator.bench/webhooks/shopee";
    Config config = AppConfig.load(ConfigFactory.parseMap(Map.of("akka.actor.provider", "local",
        "orchestrator.sandbox.port", sandboxPort, "akka.loglevel", "WARNING",
        "orchestrator.marketplaces.shopee.default-shop.callback-url", callback)));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "soak", config);
    Sandbox sandbox = Sandbox.start(system, config);
    String url = FlashSaleBenchmark.env("ORCH_DB_URL", "jdbc:postgresql://127.0.0.1:5432/orchestrator_bench");
    String user = FlashSaleBenchmark.env("ORCH_DB_USER", "postgres");
    String password = FlashSaleBenchmark.env("ORCH_DB_PASSWORD", "");
    FlashSaleBenchmark.freshDatabase(url, user, password);
    int httpPort = infra.FreePorts.next();
    // Absolute stock sync: this generator's orders were never sold by the marketplaces (nothing deducted there), so
    // only absolute values give every listing a right value to check at the end.
    Process process = FlashSaleBenchmark.startNode(url, user, password, httpPort, sandboxPort, callback, token, "",
        nodeJvm, Map.of("ORCH_STOCK_SYNC_STRATEGY", "absolute"));
    String node = "http://127.0.0.1:" + httpPort;
    try {
      FlashSaleBenchmark.awaitHealthy(node);
      System.out.printf("Soak: %,d orders in chunks of %,d on one node (%s, pid %d, PostgreSQL %s)%n", orders, chunk,
          String.join(" ", FlashSaleBenchmark.startOptions(nodeJvm)), process.pid(), url);
      FlashSale sale = new FlashSale(sandbox, MarketplaceConfig.fromConfig(config), List.of(node), token)
          .sharesStrategy(false);
      String runId = "K" + System.currentTimeMillis();
      // One catalogue for the whole sale: the hot SKU gets 60 % of its demand over all the orders.
      FlashSale.Plan whole = new FlashSale.Plan(orders, 0.25, skus, 10, concurrency, 7, runId);
      FlashSale.Catalogue catalogue = sale.setUpCatalogue(whole, n -> { });
      sale.awaitListingsRight(node, catalogue, System.currentTimeMillis() + 120_000, 500);

      Instant saleStart = Instant.now();
      long started = System.currentTimeMillis();
      long accepted = 0;
      Set<String> acceptedIds = new HashSet<>();
      ArrayNode checkpoints = JSON.createArrayNode();
      StringBuilder histograms = new StringBuilder();
      List<FlashSale.Placed> toShip = new ArrayList<>();
      for (int sent = 0, k = 0; sent < orders; k++) {
        int n = Math.min(chunk, orders - sent);
        if (ship) toShip = ship(sandbox, sale, node, toShip);
        FlashSale.Plan part = new FlashSale.Plan(n, 0.25, skus, 10, concurrency, 100 + k, runId + "-" + k);
        if (restock && k > 0) restock(sale, node, catalogue);
        long chunkStart = System.currentTimeMillis();
        FlashSale.Result result = sale.run(part, catalogue, x -> { });
        double chunkSeconds = (System.currentTimeMillis() - chunkStart) / 1000.0;
        sent += n;
        accepted += result.accepted();
        for (FlashSale.Placed p : result.orders()) {
          if (p.status() != 200) continue;
          acceptedIds.add(p.orderId());
          toShip.add(p);
        }
        ObjectNode c = checkpoint(process, sale, node, sent, accepted, started);
        // This chunk's own rate (webhooks answered per second while it was sent), apart from the quiesce pauses.
        c.put("chunkOrdersPerSecond", Math.round(result.accepted() / Math.max(0.001, chunkSeconds) * 10) / 10.0);
        checkpoints.add(c);
        histograms.append("--- ").append(sent).append(" orders sent, ").append(c.path("orderEntities").asInt())
            .append(" order entities in memory\n").append(top(jcmd(process, "GC.class_histogram"), 25));
        System.out.printf("  %,7d orders sent, %,7d accepted, %6.0f s: heap after full GC %d MiB, order entities "
                + "in memory %d, this chunk %.0f orders/s%n", sent, accepted, c.path("seconds").asDouble(),
            c.path("heapAfterGcMib").asLong(), c.path("orderEntities").asInt(),
            c.path("chunkOrdersPerSecond").asDouble());
        if (!quiesceAt.contains(sent)) continue;
        // Like for like: the same heap once this chunk's orders are final and have left memory (what is left is
        // what the sale so far has made the node keep, whatever was in flight when the chunk ended). Orders
        // waiting to retry a marketplace cancellation stay in memory for their timer: wait those out too.
        long quietFrom = System.currentTimeMillis();
        FlashSaleBenchmark.awaitFinal(sale, node, saleStart, accepted, quietFrom + 300_000);
        if (ship) toShip = ship(sandbox, sale, node, toShip);
        ObjectNode q = checkpoint(process, sale, node, sent, accepted, started);
        while (q.path("orderEntities").asInt() > 20 && System.currentTimeMillis() < quietFrom + 600_000) {
          Thread.sleep(5000);
          q = checkpoint(process, sale, node, sent, accepted, started);
        }
        // The whole quiesced histogram, written at once (a stopped run keeps its checkpoints): two of them diffed
        // attribute what the sale made the node keep.
        Files.createDirectories(jsonOut.toAbsolutePath().getParent());
        Files.writeString(jsonOut.resolveSibling("soak-quiesced-" + sent + ".histo"), jcmd(process, "GC.class_histogram"));
        c.put("quiescedHeapAfterGcMib", q.path("heapAfterGcMib").asLong())
            .put("quiescedOrderEntities", q.path("orderEntities").asInt())
            .put("quiescedAfterS", (System.currentTimeMillis() - quietFrom) / 1000.0);
        System.out.printf("          quiesced after %.0f s: heap after full GC %d MiB, order entities in memory %d%n",
            c.path("quiescedAfterS").asDouble(), q.path("heapAfterGcMib").asLong(), q.path("orderEntities").asInt());
      }
      long deadline = System.currentTimeMillis() + 600_000;
      long finalAt = FlashSaleBenchmark.awaitFinal(sale, node, saleStart, accepted, deadline);
      int listingsWrong = awaitListings(sale, node, catalogue);
      int oversold = 0;
      for (String sku : catalogue.skus()) {
        JsonNode state = sale.skuNumbers(node, sku).get();
        oversold += Math.max(0, state.path("reserved").asInt() - state.path("onHand").asInt());
      }
      long[] ledger = ledgerCount(sale, node, saleStart, acceptedIds);
      long inLedger = ledger[0];
      ObjectNode last = checkpoint(process, sale, node, orders, accepted, started);
      if (jsonOut.getParent() != null) Files.createDirectories(jsonOut.getParent());
      Files.writeString(jsonOut.resolveSibling("soak-heap-histograms.txt"), histograms);

      ObjectNode r = JSON.createObjectNode();
      r.put("orders", orders).put("accepted", accepted).put("chunk", chunk).put("skus", skus).put("restock", restock)
          .put("ship", ship)
          .put("concurrency", concurrency).put("nodeJvm", String.join(" ", FlashSaleBenchmark.startOptions(nodeJvm)));
      r.put("allFinalAfterS", finalAt == 0 ? -1 : (finalAt - started) / 1000.0).put("listingsWrong", listingsWrong);
      r.put("oversoldUnits", oversold).put("acknowledgedButLost", accepted - inLedger)
          .put("acceptedNotFinal", inLedger - ledger[1]);
      r.set("checkpoints", checkpoints);
      r.set("afterAllFinal", last);
      JsonNode at20k = null;
      for (JsonNode c : checkpoints) {
        if (at20k == null && c.has("quiescedHeapAfterGcMib") && c.path("ordersSent").asInt() >= Math.min(20_000, orders)) {
          at20k = c;
        }
      }
      JsonNode atEnd = checkpoints.get(checkpoints.size() - 1);
      if (at20k != null) {
        double ratio = atEnd.path("heapAfterGcMib").asDouble() / Math.max(1, at20k.path("heapAfterGcMib").asDouble());
        r.put("quiescedHeapAt20kMib", at20k.path("quiescedHeapAfterGcMib").asLong())
            .put("quiescedHeapAtEndMib", atEnd.path("quiescedHeapAfterGcMib").asLong())
            .put("quiescedEndOver20k", Math.round(atEnd.path("quiescedHeapAfterGcMib").asDouble()
                / Math.max(1, at20k.path("quiescedHeapAfterGcMib").asDouble()) * 1000) / 1000.0);
        r.put("heapAfterGcAt20kMib", at20k.path("heapAfterGcMib").asLong())
            .put("heapAfterGcAtEndMib", atEnd.path("heapAfterGcMib").asLong())
            .put("heapEndOver20k", Math.round(ratio * 1000) / 1000.0);
      }
      r.put("heapPeakMib", last.path("heapPeakMib").asLong());
      r.put("machine", Runtime.getRuntime().availableProcessors() + " cores");
      System.out.println();
      System.out.println("| measure | value |");
      System.out.println("|---|---|");
      r.fields().forEachRemaining(e -> {
        if (!e.getKey().equals("checkpoints")) System.out.println("| " + e.getKey() + " | " + e.getValue() + " |");
      });
      if (jsonOut.getParent() != null) Files.createDirectories(jsonOut.getParent());
      Files.writeString(jsonOut, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(r));
      System.out.println("JSON: " + jsonOut.toAbsolutePath());
    } finally {
      process.destroy();
      process.waitFor(60, TimeUnit.SECONDS);
      sandbox.close();
      system.terminate();
    }
  }

  /**
   * Before each chunk after the first, every SKU gets its first stock available again (on hand = reserved + that),
   * as a seller restocks between waves of a long sale: most orders then confirm, as in the first chunk, instead of
   * ~75 % going out of stock and queueing for marketplace cancellations (the hot SKU gets ~60 % of its demand).
   */
  private static void restock(FlashSale sale, String node, FlashSale.Catalogue catalogue) throws Exception {
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    for (String sku : catalogue.skus()) {
      int first = catalogue.stock().get(sku);
      calls.add(sale.skuNumbers(node, sku).thenCompose(n -> sale.admin("PUT", node + "/admin/skus/" + sku + "/stock",
          "{\"onHand\":" + (n.path("reserved").asInt() + first) + "}")));
      if (calls.size() >= 16) {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
            .get(120, TimeUnit.SECONDS);
        calls.clear();
      }
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
        .get(120, TimeUnit.SECONDS);
  }

  /**
   * Ships the orders a seller would have shipped by now, so their reservations end (committed, a finished key) as in
   * a real shop instead of piling up as an open book: Shopee and TikTok orders by their marketplace's shipped status
   * (an order not yet confirmed ships once it is), WhatsApp orders by the admin API once confirmed. Returns those it
   * could not ship yet (a WhatsApp order still reserving), to be tried with the next batch.
   */
  private static List<FlashSale.Placed> ship(Sandbox sandbox, FlashSale sale, String node,
      List<FlashSale.Placed> placed)
      throws Exception {
    List<FlashSale.Placed> later = Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (FlashSale.Placed p : placed) {
      CompletableFuture<?> call = switch (p.channel()) {
        case "shopee" -> sandbox.sendShopeeOrderStatus(node + "/webhooks/shopee", p.shopId(), p.orderId(),
            "SHIPPED", Sandbox.Redelivery.ONCE).toCompletableFuture();
        case "tiktok" -> sandbox.sendTikTokOrderStatus(node + "/webhooks/tiktok", p.shopId(), p.orderId(),
            "IN_TRANSIT", Sandbox.Redelivery.ONCE).toCompletableFuture();
        default -> sale.admin("POST", node + "/admin/orders/" + p.channel() + "/" + p.shopId() + "/" + p.orderId()
            + "/ship", "{\"trackingNumber\":\"SOAK-" + p.orderId().hashCode() + "\"}").exceptionally(e -> {
              later.add(p); // 409: not confirmed yet (or out of stock: dropped below)
              return null;
            });
      };
      calls.add(call);
      if (calls.size() >= 64) {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
            .exceptionally(e -> null).get(300, TimeUnit.SECONDS);
        calls.clear();
      }
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
        .exceptionally(e -> null).get(300, TimeUnit.SECONDS);
    // Out-of-stock orders are refused for ever: keep only those still reserving (tried once more, then dropped).
    List<FlashSale.Placed> retry = new ArrayList<>();
    for (FlashSale.Placed p : later) {
      JsonNode view = sale.adminJson("GET", node + "/admin/orders/" + p.channel() + "/" + p.shopId() + "/"
          + p.orderId(), null).exceptionally(e -> null).get(60, TimeUnit.SECONDS);
      if (view != null && !view.path("phase").asText().equals("OUT_OF_STOCK")
          && !view.path("phase").asText().equals("SHIPPED")) {
        retry.add(p);
      }
    }
    return retry;
  }

  /** The node's heap after a full GC, its heap peak so far and its order entities in memory. */
  private static ObjectNode checkpoint(Process process, FlashSale sale, String node, int sent, long accepted,
                                       long started) throws Exception {
    jcmd(process, "GC.run");
    JsonNode jvm = sale.adminJson("GET", node + "/admin/health", null).get().path("jvm");
    int orderEntities = 0;
    for (JsonNode type : sale.adminJson("GET", node + "/admin/cluster", null).get().path("sharding")) {
      if (!type.path("entityType").asText().equals("Order")) continue;
      for (JsonNode n : type.path("nodes")) orderEntities += n.path("entities").asInt();
    }
    double seconds = (System.currentTimeMillis() - started) / 1000.0;
    ObjectNode c = JSON.createObjectNode();
    c.put("ordersSent", sent).put("accepted", accepted).put("seconds", Math.round(seconds * 10) / 10.0)
        .put("ordersPerSecond", Math.round(accepted / Math.max(0.001, seconds) * 10) / 10.0)
        .put("heapAfterGcMib", jvm.path("heapUsedMib").asLong()).put("heapPeakMib", jvm.path("heapPeakMib").asLong())
        .put("heapMaxMib", jvm.path("heapMaxMib").asLong()).put("orderEntities", orderEntities);
    return c;
  }

  /** The header and the first {@code classes} rows of a class histogram, and its total. */
  private static String top(String histogram, int classes) {
    List<String> lines = histogram.lines().toList();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(lines.size(), classes + 3); i++) b.append(lines.get(i)).append('\n');
    return b.append(lines.get(lines.size() - 1)).append('\n').toString();
  }

  private static String jcmd(Process process, String command) throws Exception {
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(process.pid()), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("jcmd " + process.pid() + " " + command + " failed: " + out);
    }
    return out;
  }

  /**
   * Listings showing more than their SKU has available (the share sync's rule: together they may show less),
   * polled until there are none or two minutes pass.
   */
  private static int awaitListings(FlashSale sale, String node, FlashSale.Catalogue catalogue) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    int wrong = sale.listingsWrong(node, catalogue);
    while (wrong > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(1000);
      wrong = sale.listingsWrong(node, catalogue);
    }
    return wrong;
  }

  /** How many of the accepted orders the ledger holds, and how many of those are final (confirmed, shipped, out of stock). */
  private static long[] ledgerCount(FlashSale sale, String node, Instant since, Set<String> acceptedIds)
      throws Exception {
    long seen = 0;
    long done = 0;
    for (int offset = 0; ; offset += 500) {
      JsonNode page = sale.adminJson("GET", node + "/admin/orders?from=" + since + "&limit=500&offset=" + offset,
          null).get();
      for (JsonNode row : page.path("orders")) {
        if (!acceptedIds.contains(row.path("orderId").asText())) continue;
        seen++;
        String status = row.path("status").asText();
        if (status.equals("CONFIRMED") || status.equals("SHIPPED") || status.equals("OUT_OF_STOCK")) done++;
      }
      if (page.path("orders").size() < 500) return new long[] {seen, done};
    }
  }
}
