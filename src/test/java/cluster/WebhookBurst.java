package cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import tools.sandbox.Sandbox;

/**
 * A flash sale sent as the marketplaces send it: a catalogue of SKUs listed on Shopee and TikTok Shop, then orders the
 * sandbox knows, each notified by a correctly signed webhook through the load balancer, {@code concurrency} at a
 * time. Like the real platforms, every non-200 (503, 502, a timeout, a refused connection) is delivered again,
 * {@code retryEvery} later, until a 200 or the deadline. Every attempt is recorded with its time and status.
 * (WhatsApp is left out: the sandbox gives every send a new message id, so a retry would be a different order.)
 */
final class WebhookBurst {
  static final String SHOPEE_SHOP = "1001";
  static final String TIKTOK_SHOP = "7001";

  record Attempt(long atMillis, int status) {}

  /** One order of the sale: its lines, and every delivery attempt of its webhook. */
  record Order(int index, String channel, String shop, String orderId, Map<String, Integer> lines,
               List<Attempt> attempts) {
    boolean accepted() {
      return attempts.stream().anyMatch(a -> a.status() == 200);
    }

    String path() {
      return "/admin/orders/" + channel + "/" + shop + "/" + orderId;
    }
  }

  final Sandbox sandbox;
  final String lbUrl;
  final List<String> skus = new ArrayList<>();
  final Map<String, Integer> stock = new LinkedHashMap<>();
  final List<Order> orders = new CopyOnWriteArrayList<>();
  final AtomicInteger answered = new AtomicInteger();
  private final ExecutorService clients = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "webhook-burst");
    t.setDaemon(true);
    return t;
  });

  WebhookBurst(Sandbox sandbox, String lbUrl) {
    this.sandbox = sandbox;
    this.lbUrl = lbUrl;
  }

  /**
   * The same sale (its catalogue), its webhooks sent to {@code url} instead: to one node, as a marketplace that
   * resolved one address keeps sending there.
   */
  WebhookBurst sendingTo(String url) {
    WebhookBurst other = new WebhookBurst(sandbox, url);
    other.skus.addAll(skus);
    other.stock.putAll(stock);
    return other;
  }

  static String sku(int i) {
    return String.format("FT-%03d", i);
  }

  static long shopeeItem(int i) {
    return 500000 + i;
  }

  static String tiktokSku(int i) {
    return "S" + (700000 + i);
  }

  /** {@code count} SKUs: the first is hot (stock for part of its demand), the others 2-13 units; listed on both. */
  void catalogue(int count, int hotStock, long seed) throws Exception {
    Random random = new Random(seed);
    for (int i = 0; i < count; i++) {
      String sku = sku(i);
      skus.add(sku);
      stock.put(sku, i == 0 ? hotStock : 2 + random.nextInt(12));
      String base = lbUrl + "/admin/skus/" + sku;
      FaultCluster.adminSend("PUT", base + "/stock", "{\"onHand\":" + stock.get(sku) + "}");
      FaultCluster.adminSend("PUT", base + "/listings", "{\"channel\":\"shopee\",\"shopId\":\"" + SHOPEE_SHOP
          + "\",\"itemId\":\"" + shopeeItem(i) + "\",\"modelId\":\"0\"}");
      FaultCluster.adminSend("PUT", base + "/listings", "{\"channel\":\"tiktok\",\"shopId\":\"" + TIKTOK_SHOP
          + "\",\"productId\":\"P" + (700000 + i) + "\",\"skuId\":\"" + tiktokSku(i) + "\"}");
    }
  }

  /** Plans {@code count} orders (a third on the hot SKU, the rest 1-3 lines), registered in the sandbox. */
  List<Order> plan(String runId, int count, long seed) {
    Random random = new Random(seed);
    List<Order> planned = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Map<String, Integer> lines = new LinkedHashMap<>();
      if (random.nextDouble() < 0.33) {
        lines.put(skus.get(0), 1);
      } else {
        int n = random.nextDouble() < 0.3 ? 2 + random.nextInt(2) : 1;
        for (int j = 0; j < n; j++) {
          lines.merge(skus.get(1 + random.nextInt(skus.size() - 1)), 1 + random.nextInt(2), Integer::sum);
        }
      }
      String id = runId + "-" + i;
      boolean shopee = i % 2 == 0;
      if (shopee) {
        sandbox.addShopeeOrder(SHOPEE_SHOP, id, "READY_TO_SHIP", lines.entrySet().stream()
            .map(e -> new Sandbox.ShopeeItem(shopeeItem(skus.indexOf(e.getKey())), 0, e.getKey(), null, e.getValue(),
                new BigDecimal("49000"))).toList());
      } else {
        sandbox.addTikTokOrder(TIKTOK_SHOP, id, "AWAITING_SHIPMENT", lines.entrySet().stream()
            .map(e -> new Sandbox.TikTokItem("P" + (700000 + skus.indexOf(e.getKey())),
                tiktokSku(skus.indexOf(e.getKey())), e.getKey(), e.getValue(), new BigDecimal("3.50"))).toList());
      }
      planned.add(new Order(i, shopee ? "shopee" : "tiktok", shopee ? SHOPEE_SHOP : TIKTOK_SHOP, id, lines,
          new CopyOnWriteArrayList<>()));
    }
    return planned;
  }

  /**
   * Sends the planned orders in the background, each client pausing {@code pace} between its orders (zero: as fast
   * as answers come); the future ends when every order got a 200 or its deadline.
   */
  Future<?> send(List<Order> planned, int concurrency, Duration pace, Duration retryEvery, Duration deadlinePerOrder) {
    orders.addAll(planned);
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> workers = new ArrayList<>();
    for (int c = 0; c < concurrency; c++) {
      workers.add(clients.submit(() -> {
        int i;
        while ((i = next.getAndIncrement()) < planned.size()) {
          deliver(planned.get(i), retryEvery, deadlinePerOrder);
          answered.incrementAndGet();
          if (!pace.isZero()) Thread.sleep(pace.toMillis());
        }
        return null;
      }));
    }
    return clients.submit(() -> {
      for (Future<?> w : workers) w.get();
      return null;
    });
  }

  private void deliver(Order o, Duration retryEvery, Duration deadlinePerOrder) throws InterruptedException {
    long deadline = System.currentTimeMillis() + deadlinePerOrder.toMillis();
    while (true) {
      long at = System.currentTimeMillis();
      int status;
      try {
        Sandbox.Delivery d = (o.channel().equals("shopee")
            ? sandbox.sendShopeeOrderStatus(lbUrl + "/webhooks/shopee", o.shop(), o.orderId(), "READY_TO_SHIP",
                Sandbox.Redelivery.ONCE)
            : sandbox.sendTikTokOrderStatus(lbUrl + "/webhooks/tiktok", o.shop(), o.orderId(), "AWAITING_SHIPMENT",
                Sandbox.Redelivery.ONCE)).toCompletableFuture().get(15, TimeUnit.SECONDS);
        status = d.status();
      } catch (Exception e) {
        status = 0;
      }
      o.attempts().add(new Attempt(at, status));
      if (status == 200 || System.currentTimeMillis() > deadline) return;
      Thread.sleep(retryEvery.toMillis());
    }
  }

  // ------------------------------------------------------------------------------------------------ outcomes

  static final java.util.Set<String> FINAL = java.util.Set.of("CONFIRMED", "OUT_OF_STOCK", "CANCELLED");

  /** Each accepted order's view from the entity (through the load balancer), by order id; null when not found. */
  Map<String, JsonNode> views(List<Order> accepted) throws Exception {
    Map<String, JsonNode> views = new ConcurrentHashMap<>();
    List<Future<?>> calls = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (Order o : accepted) {
        calls.add(pool.submit(() -> {
          try {
            views.put(o.orderId(), FaultCluster.adminJson(lbUrl + o.path(), Duration.ofSeconds(10)));
          } catch (Exception e) {
            // not answered now: counted as not final
          }
          return null;
        }));
      }
      for (Future<?> f : calls) f.get();
    } finally {
      pool.shutdown();
    }
    return views;
  }

  /** Polls until every accepted order is in a final phase (an out-of-stock one with nothing reserved or releasing). */
  Map<String, JsonNode> awaitFinal(List<Order> accepted, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, JsonNode> views = Map.of();
    while (System.nanoTime() < deadline) {
      views = views(accepted);
      if (notFinal(accepted, views).isEmpty()) return views;
      Thread.sleep(1000);
    }
    return views;
  }

  static List<String> notFinal(List<Order> accepted, Map<String, JsonNode> views) {
    List<String> pending = new ArrayList<>();
    for (Order o : accepted) {
      JsonNode v = views.get(o.orderId());
      String phase = v == null ? "no answer" : v.path("phase").asText();
      // An out-of-stock order is done once every SKU confirmed the release: a reservation whose reply was lost
      // (a write that timed out during an outage, then committed) is not in its "reserved", only the SKU knows it.
      boolean done = FINAL.contains(phase) && (phase.equals("CONFIRMED")
          || (v.path("reserved").isEmpty() && !v.path("releasing").asBoolean(false)));
      if (!done) pending.add(o.orderId() + "=" + phase);
    }
    return pending;
  }

  /**
   * Units sold beyond stock, summed over SKUs: what the confirmed orders hold per SKU above the SKU's stock. Also
   * checks each SKU against the orders: what it has reserved must be exactly what the confirmed orders hold.
   */
  Outcome outcome(List<Order> accepted, Map<String, JsonNode> views) throws Exception {
    Map<String, Integer> confirmedUnits = new LinkedHashMap<>();
    int confirmed = 0;
    for (Order o : accepted) {
      JsonNode v = views.get(o.orderId());
      if (v == null || !v.path("phase").asText().equals("CONFIRMED")) continue;
      confirmed++;
      v.path("reserved").fields().forEachRemaining(e -> confirmedUnits.merge(e.getKey(), e.getValue().asInt(),
          Integer::sum));
    }
    int oversold = 0;
    List<String> mismatches = new ArrayList<>();
    for (String sku : skus) {
      JsonNode s = FaultCluster.adminJson(lbUrl + "/admin/skus/" + sku + "?reservationLimit=1000",
          Duration.ofSeconds(10));
      int sold = confirmedUnits.getOrDefault(sku, 0);
      oversold += Math.max(0, sold - stock.get(sku)) + Math.max(0, s.path("reserved").asInt() - s.path("onHand").asInt());
      if (s.path("reserved").asInt() != sold || s.path("onHand").asInt() != stock.get(sku)) {
        // who holds the units no confirmed order accounts for, and what those orders say of themselves
        List<String> holders = new ArrayList<>();
        s.path("reservations").fields().forEachRemaining(e -> {
          String orderId = e.getKey().substring(e.getKey().lastIndexOf('|') + 1);
          JsonNode view = views.get(orderId);
          int viewQuantity = view == null ? -1 : view.path("reserved").path(sku).asInt(-1);
          if (view == null || !view.path("phase").asText().equals("CONFIRMED")
              || viewQuantity != e.getValue().path("quantity").asInt(-2)) {
            holders.add(e.getKey() + "=" + e.getValue() + " order " + (view == null ? "unknown"
                : view.path("phase").asText() + " reserved " + view.path("reserved") + " releasing "
                    + view.path("releasing") + " lines " + view.path("lines")));
          }
        });
        int[] mapSum = {0};
        s.path("reservations").fields().forEachRemaining(e -> mapSum[0] += e.getValue().path("quantity").asInt());
        mismatches.add(sku + ": reserved " + s.path("reserved").asInt() + " (its reservations add up to " + mapSum[0]
            + " in " + s.path("reservations").size() + " of " + s.path("reservationCount").asInt() + " orders) onHand " + s.path("onHand").asInt()
            + ", confirmed orders hold " + sold + " of stock " + stock.get(sku) + "; held outside confirmed orders: "
            + holders.subList(0, Math.min(5, holders.size())) + " (" + holders.size() + ")");
      }
    }
    return new Outcome(confirmed, oversold, mismatches);
  }

  record Outcome(int confirmed, int oversold, List<String> mismatches) {}

  /** Listings whose sandbox stock differs from what the service says they should show (GET /admin/skus/{sku}). */
  List<String> listingDifferences() throws Exception {
    List<String> diffs = new ArrayList<>();
    for (int i = 0; i < skus.size(); i++) {
      JsonNode shown = FaultCluster.adminJson(lbUrl + "/admin/skus/" + skus.get(i), Duration.ofSeconds(10))
          .path("shown");
      Integer shopee = sandbox.shopeeStock(shopeeItem(i), 0);
      Integer tiktok = sandbox.tiktokStock(tiktokSku(i));
      int checked = 0;
      for (var it = shown.fields(); it.hasNext(); ) {
        var e = it.next();
        Integer actual = e.getKey().startsWith("shopee") ? shopee : e.getKey().startsWith("tiktok") ? tiktok : null;
        if (actual == null && !e.getKey().startsWith("shopee") && !e.getKey().startsWith("tiktok")) continue;
        checked++;
        if (actual == null || actual != e.getValue().asInt()) {
          diffs.add(skus.get(i) + " " + e.getKey() + ": service " + e.getValue().asInt() + ", sandbox " + actual);
        }
      }
      if (checked != 2) diffs.add(skus.get(i) + ": expected a Shopee and a TikTok listing in " + shown);
    }
    return diffs;
  }

  /** Waits until every listing in the sandbox shows what the service says; returns the last differences. */
  List<String> awaitListings(Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> diffs = List.of("not checked");
    while (System.nanoTime() < deadline) {
      diffs = listingDifferences();
      if (diffs.isEmpty()) return diffs;
      Thread.sleep(1000);
    }
    return diffs;
  }

  void close() {
    clients.shutdownNow();
  }
}
