package tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import common.Futures;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import marketplace.MarketplaceConfig;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import tools.sandbox.Sandbox;

/**
 * A flash sale through the real HTTP path, shared by the demo and the benchmark: a catalogue with listings on every
 * channel, then N orders over Shopee, TikTok Shop and WhatsApp (a share on one hot SKU, some with several lines), each
 * a correctly signed webhook sent by the marketplace sandbox, C at a time; a non-200 is retried like the platforms do.
 */
public final class FlashSale {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param runId makes order ids unique per run, so a second run on the same data adds new orders
   * @param variantsPerProduct SKUs per marketplace product (sizes, colours): a Shopee item's models, a TikTok
   *     product's SKUs. One stock call carries a whole product, so this sets how many calls a sale needs.
   * @param firstSku number of the plan's first SKU ({@code FS-nnnn}), so a second catalogue (the benchmark's warm-up)
   *     has SKUs and listings of its own
   */
  public record Plan(int orders, double hotShare, int skus, int variantsPerProduct, int concurrency, long seed,
                     String runId, int firstSku) {
    public Plan(int orders, double hotShare, int skus, int variantsPerProduct, int concurrency, long seed,
                String runId) {
      this(orders, hotShare, skus, variantsPerProduct, concurrency, seed, runId, 0);
    }
  }

  /**
   * The SKUs, their stock, and where SKU number {@code i} is listed on each marketplace.
   *
   * @param stock units put up for this sale per SKU
   * @param heldBefore units each SKU's earlier orders still held when the sale was set up (0 on a new database):
   *     its on-hand is set to that plus {@code stock}, so a second sale on kept data has the same stock to sell
   */
  public record Catalogue(List<String> skus, String hotSku, Map<String, Integer> stock,
                          Map<String, Integer> heldBefore, int variantsPerProduct) {
    public long shopeeItemId(int i) {
      return 500000 + i / variantsPerProduct;
    }

    /** 0 where an item has no models (one variant per product). */
    public long shopeeModelId(int i) {
      return variantsPerProduct == 1 ? 0 : 800000 + i;
    }

    public String tiktokProductId(int i) {
      return "P" + (700000 + i / variantsPerProduct);
    }

    public String tiktokSkuId(int i) {
      return "S" + (700000 + i);
    }
  }

  /** One order as sent: {@code ackMicros} of the attempt that got the final answer, {@code attempts} made. */
  public record Placed(String channel, String shopId, String orderId, Map<String, Integer> lines, long sentAtMillis,
                       long ackMicros, int status, int attempts) {}

  public record Result(List<Placed> orders, Histogram ackMicros, long startMillis, long endMillis) {
    public long accepted() {
      return orders.stream().filter(o -> o.status() == 200).count();
    }
  }

  private final Sandbox sandbox;
  private final MarketplaceConfig shops;
  private final List<String> nodes;
  private final String adminToken;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** @param nodes base URLs of the nodes' HTTP endpoints; webhooks are spread over them round-robin */
  /**
   * True when the node syncs by shares: a listing then shows its share, not available, and is "right" when the
   * marketplaces together show no more than available (and nothing once it is 0).
   */
  private boolean shares;

  public FlashSale sharesStrategy(boolean on) {
    this.shares = on;
    return this;
  }

  public boolean sharesStrategy() {
    return shares;
  }

  public FlashSale(Sandbox sandbox, MarketplaceConfig shops, List<String> nodes, String adminToken) {
    this.sandbox = sandbox;
    this.shops = shops;
    this.nodes = nodes;
    this.adminToken = adminToken;
  }

  public String shopeeShop() {
    return shops.shopee().get(0).shopId();
  }

  public String tiktokShop() {
    return shops.tiktok().get(0).shopId();
  }

  public String whatsAppNumber() {
    return shops.whatsapp().get(0).phoneNumberId();
  }

  /** Where WhatsApp listings go: the configured catalogue (its items' availability is pushed), else the number. */
  public String whatsAppListingShop() {
    return shops.whatsAppCatalog().map(c -> c.catalogId()).orElseGet(this::whatsAppNumber);
  }

  public static String sku(int i) {
    return String.format("FS-%04d", i);
  }

  /**
   * Stock and listings for {@code plan.skus()} SKUs: the hot SKU gets enough for part of its demand, the others a few
   * units each (so some sell out). Listed on Shopee (as models of items), TikTok (as SKUs of products) and WhatsApp,
   * {@code plan.variantsPerProduct()} SKUs per product.
   */
  public Catalogue setUpCatalogue(Plan plan, IntConsumer progress) throws Exception {
    int hotDemand = (int) Math.round(plan.orders() * plan.hotShare());
    return setUpCatalogue(plan, Math.max(1, hotDemand * 3 / 5), progress);
  }

  /** The same with {@code hotStock} units of the hot SKU. */
  public Catalogue setUpCatalogue(Plan plan, int hotStock, IntConsumer progress) throws Exception {
    Random random = new Random(plan.seed());
    List<String> skus = new ArrayList<>();
    Map<String, Integer> stock = new LinkedHashMap<>();
    for (int i = 0; i < plan.skus(); i++) {
      String sku = sku(plan.firstSku() + i);
      skus.add(sku);
      stock.put(sku, i == 0 ? hotStock : 2 + random.nextInt(12));
    }
    Map<String, Integer> heldBefore = new ConcurrentHashMap<>();
    Catalogue catalogue = new Catalogue(skus, skus.get(0), stock, heldBefore, Math.max(1, plan.variantsPerProduct()));
    String node = nodes.get(0);
    // the catalogue holds every SKU as an item (allow_upsert false: an item it lacks is refused, not created)
    shops.whatsAppCatalog().ifPresent(c -> sandbox.whatsAppCatalog().addItems(c.catalogId(), skus));
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < skus.size(); i++) {
      String sku = skus.get(i);
      int n = plan.firstSku() + i;
      // Listed on every channel first, then stocked, as a seller prepares a sale: the share sync splits the units
      // over every listing (units set before a listing exists were all granted to the listings there were).
      calls.add(held(node, sku)
          .thenCompose(held -> {
            heldBefore.put(sku, held);
            return admin("PUT", node + "/admin/skus/" + sku + "/listings",
                "{\"channel\":\"shopee\",\"shopId\":\"" + shopeeShop() + "\",\"itemId\":\""
                    + catalogue.shopeeItemId(n) + "\",\"modelId\":\"" + catalogue.shopeeModelId(n) + "\"}");
          })
          .thenCompose(v -> admin("PUT", node + "/admin/skus/" + sku + "/listings",
              "{\"channel\":\"tiktok\",\"shopId\":\"" + tiktokShop() + "\",\"productId\":\""
                  + catalogue.tiktokProductId(n) + "\",\"skuId\":\"" + catalogue.tiktokSkuId(n) + "\"}"))
          .thenCompose(v -> admin("PUT", node + "/admin/skus/" + sku + "/listings",
              "{\"channel\":\"whatsapp\",\"shopId\":\"" + whatsAppListingShop() + "\"}"))
          .thenCompose(v -> admin("PUT", node + "/admin/skus/" + sku + "/stock",
              "{\"onHand\":" + (heldBefore.get(sku) + stock.get(sku)) + "}"))
          .thenRun(() -> progress.accept(done.incrementAndGet())));
      if (calls.size() >= 32) {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        calls.clear();
      }
    }
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
    return catalogue;
  }

  /** Sends the sale; {@code progress} hears the number of orders answered so far. */
  public Result run(Plan plan, Catalogue catalogue, IntConsumer progress) throws Exception {
    Random random = new Random(plan.seed() + 1);
    List<Map<String, Integer>> lines = new ArrayList<>();
    for (int i = 0; i < plan.orders(); i++) {
      Map<String, Integer> order = new LinkedHashMap<>();
      if (random.nextDouble() < plan.hotShare()) {
        order.put(catalogue.hotSku(), 1);
      } else {
        int n = random.nextDouble() < 0.3 ? 2 + random.nextInt(2) : 1;
        for (int j = 0; j < n; j++) {
          order.merge(catalogue.skus().get(1 + random.nextInt(catalogue.skus().size() - 1)), 1 + random.nextInt(2),
              Integer::sum);
        }
      }
      lines.add(order);
    }
    // the marketplaces know their orders before they notify us
    for (int i = 0; i < plan.orders(); i++) {
      String id = plan.runId() + "-" + i;
      switch (i % 3) {
        case 0 -> sandbox.addShopeeOrder(shopeeShop(), id, "READY_TO_SHIP", lines.get(i).entrySet().stream()
            .map(e -> new Sandbox.ShopeeItem(catalogue.shopeeItemId(index(e.getKey())),
                catalogue.shopeeModelId(index(e.getKey())),
                catalogue.variantsPerProduct() == 1 ? e.getKey() : null,
                catalogue.variantsPerProduct() == 1 ? null : e.getKey(), e.getValue(),
                new BigDecimal("49000"))).toList());
        case 1 -> sandbox.addTikTokOrder(tiktokShop(), id, "AWAITING_SHIPMENT", lines.get(i).entrySet().stream()
            .map(e -> new Sandbox.TikTokItem(catalogue.tiktokProductId(index(e.getKey())),
                catalogue.tiktokSkuId(index(e.getKey())),
                e.getKey(), e.getValue(), new BigDecimal("3.50"))).toList());
        default -> { }
      }
    }
    Histogram ack = new ConcurrentHistogram(3_600_000_000L, 3);
    List<Placed> placed = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger next = new AtomicInteger();
    AtomicInteger answered = new AtomicInteger();
    long start = System.currentTimeMillis();
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int c = 0; c < plan.concurrency(); c++) {
      clients.add(CompletableFuture.runAsync(() -> {
        int i;
        while ((i = next.getAndIncrement()) < plan.orders()) {
          placed.add(send(plan, i, lines.get(i), ack));
          progress.accept(answered.incrementAndGet());
        }
      }, Executors.CLIENTS));
    }
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
    return new Result(List.copyOf(placed), ack, start, System.currentTimeMillis());
  }

  private Placed send(Plan plan, int i, Map<String, Integer> lines, Histogram ack) {
    String id = plan.runId() + "-" + i;
    String node = nodes.get(i % nodes.size());
    long sentAt = System.currentTimeMillis();
    int attempts = 0;
    while (true) {
      attempts++;
      long t0 = System.nanoTime();
      Sandbox.Delivery delivery;
      try {
        delivery = (switch (i % 3) {
          case 0 -> sandbox.sendShopeeOrderStatus(node + "/webhooks/shopee", shopeeShop(), id, "READY_TO_SHIP",
              Sandbox.Redelivery.ONCE);
          case 1 -> sandbox.sendTikTokOrderStatus(node + "/webhooks/tiktok", tiktokShop(), id, "AWAITING_SHIPMENT",
              Sandbox.Redelivery.ONCE);
          default -> sandbox.sendWhatsAppOrder(node + "/webhooks/whatsapp", whatsAppNumber(), "62812" + (10000 + i),
              "Buyer " + i, lines.entrySet().stream().map(e -> new Sandbox.WhatsAppItem(e.getKey(), e.getValue(),
                  new BigDecimal("49000"), "IDR")).toList(), Sandbox.Redelivery.ONCE);
        }).toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        delivery = new Sandbox.Delivery(0, 1, null);
      }
      long micros = (System.nanoTime() - t0) / 1000;
      ack.recordValue(Math.max(1, micros));
      String orderId = i % 3 == 2 ? delivery.eventId() : id;
      // A push the marketplace lost was still an order it accepted: it reaches us through lost-push recovery.
      if (delivery.lost()) delivery = new Sandbox.Delivery(200, 0, delivery.eventId());
      if (delivery.status() == 200 || attempts >= 20) {
        String channel = i % 3 == 0 ? "shopee" : i % 3 == 1 ? "tiktok" : "whatsapp";
        String shop = i % 3 == 0 ? shopeeShop() : i % 3 == 1 ? tiktokShop() : whatsAppNumber();
        return new Placed(channel, shop, orderId, lines, sentAt, micros, delivery.status(), attempts);
      }
      sleep(200); // the platforms retry a failed delivery later
    }
  }

  /** The number of a SKU named by {@link #sku(int)}: its listings' ids derive from it. */
  static int index(String sku) {
    return Integer.parseInt(sku.substring(3));
  }

  // ---------------------------------------------------------------- admin API

  /** A SKU's numbers and listings, without its reservation book (the hot SKU holds hundreds of reservations). */
  public CompletableFuture<JsonNode> skuNumbers(String node, String sku) {
    return adminJson("GET", node + "/admin/skus/" + sku + "?reservationLimit=0", null);
  }

  /**
   * Whether every Shopee and TikTok listing of the catalogue shows what its SKU says it should now (a WhatsApp
   * catalogue, when configured, is paced at a few calls a minute and not waited for here).
   */
  public boolean allListingsRight(String node, Catalogue catalogue) throws Exception {
    return listingsWrong(node, catalogue) == 0;
  }

  /** How many Shopee and TikTok listings of the catalogue show something else than their SKU says they should. */
  public int listingsWrong(String node, Catalogue catalogue) throws Exception {
    List<CompletableFuture<JsonNode>> states = new ArrayList<>();
    for (String sku : catalogue.skus()) states.add(skuNumbers(node, sku));
    int wrong = 0;
    for (int i = 0; i < catalogue.skus().size(); i++) {
      JsonNode state = states.get(i).get();
      JsonNode shown = state.path("shown");
      int n = index(catalogue.skus().get(i));
      Integer shopee = sandbox.shopeeStock(catalogue.shopeeItemId(n), catalogue.shopeeModelId(n));
      Integer tiktok = sandbox.tiktokStock(catalogue.tiktokSkuId(n));
      if (shares) {
        int available = state.path("available").asInt();
        int showing = (shopee == null ? 0 : shopee) + (tiktok == null ? 0 : tiktok);
        if (showing > available || (available == 0 && showing > 0)) wrong++;
        continue;
      }
      for (var e : (Iterable<Map.Entry<String, JsonNode>>) shown::fields) {
        if (e.getKey().startsWith("whatsapp")) continue;
        Integer actual = e.getKey().startsWith("shopee") ? shopee : e.getKey().startsWith("tiktok") ? tiktok : null;
        if (actual == null || actual != e.getValue().asInt()) wrong++;
      }
    }
    return wrong;
  }

  /**
   * Polls {@link #allListingsRight} every {@code pollMillis} until it holds or {@code deadlineMillis} (epoch millis)
   * passes; answers when it held (epoch millis), or 0 when it never did.
   */
  public long awaitListingsRight(String node, Catalogue catalogue, long deadlineMillis, long pollMillis)
      throws Exception {
    if (shares) {
      // This generator sends orders the marketplaces never sold (they deduct nothing): under shares their listings
      // keep their shares while the SKUs count the orders, so there is no right value to wait for. Let the first
      // pushes go out, and report none.
      Thread.sleep(Math.min(5_000, Math.max(0, deadlineMillis - System.currentTimeMillis())));
      return 0;
    }
    while (true) {
      if (allListingsRight(node, catalogue)) return System.currentTimeMillis();
      if (System.currentTimeMillis() >= deadlineMillis) return 0;
      Thread.sleep(pollMillis);
    }
  }

  /** Units a SKU holds for orders now: 0 when it is not known yet. */
  private CompletableFuture<Integer> held(String node, String sku) {
    return skuNumbers(node, sku).handle((json, error) -> {
      if (error == null) return json.path("reserved").asInt();
      if (Futures.unwrap(error) instanceof NotFound) return 0;
      throw new CompletionException(Futures.unwrap(error));
    });
  }

  public CompletableFuture<Void> admin(String method, String url, String body) {
    return adminJson(method, url, body).thenApply(r -> null);
  }

  /** A 404: nothing there (yet). */
  static final class NotFound extends RuntimeException {
    NotFound(String message) {
      super(message);
    }
  }

  /** A 503: the node could not do it now and says to retry. */
  static final class Unavailable extends RuntimeException {
    Unavailable(String message) {
      super(message);
    }
  }

  /** Admin calls here are idempotent (absolute values): a failed connection or a 503 is tried again. */
  public CompletableFuture<JsonNode> adminJson(String method, String url, String body) {
    CompletableFuture<JsonNode> result = new CompletableFuture<>();
    adminAttempt(method, url, body, 1, result);
    return result;
  }

  private void adminAttempt(String method, String url, String body, int attempt, CompletableFuture<JsonNode> result) {
    adminOnce(method, url, body).whenComplete((json, error) -> {
      Throwable cause = Futures.unwrap(error);
      if (error == null) result.complete(json);
      else if (attempt < 8 && (cause instanceof java.io.IOException || cause instanceof Unavailable)) {
        CompletableFuture.delayedExecutor(200L * attempt, TimeUnit.MILLISECONDS)
            .execute(() -> adminAttempt(method, url, body, attempt + 1, result));
      } else result.completeExceptionally(error);
    });
  }

  private CompletableFuture<JsonNode> adminOnce(String method, String url, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (adminToken != null) b.header("Authorization", "Bearer " + adminToken);
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
      if (r.statusCode() == 503) throw new Unavailable(method + " " + url + " answered 503: " + r.body());
      if (r.statusCode() == 404) throw new NotFound(method + " " + url + " answered 404: " + r.body());
      if (r.statusCode() >= 300) {
        throw new IllegalStateException(method + " " + url + " answered " + r.statusCode() + ": " + r.body());
      }
      try {
        return r.body().isEmpty() ? JSON.nullNode() : JSON.readTree(r.body());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The blocking client loops run on their own threads, never on an actor dispatcher. */
  static final class Executors {
    static final java.util.concurrent.ExecutorService CLIENTS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "flash-sale-client");
      t.setDaemon(true);
      return t;
    });
  }
}
