package tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
import marketplace.MarketplaceConfig;
import order.Phase;
import tools.sandbox.Sandbox;
import tools.sandbox.Storefront;

/**
 * A buyer-driven flash sale: buyers arrive per channel at their rates and buy only what their channel shows. Shopee
 * and TikTok buyers check out on the sandbox's storefront (it refuses what the listing does not show, deducts what it
 * sells and notifies the service after the webhook delay); WhatsApp buyers order from the catalogue when it shows the
 * item in stock and send the order message. Afterwards every order's end is read from the service's ledger and the
 * figures are computed ({@link SaleFigures}) from the orders and the listings' changes the storefront reported.
 */
public final class BuyerSale {
  /** How long the listings get to show what the service says after every order ended. */
  public static final long SETTLE_MILLIS = 20_000;
  /** No stock call for this long: the sync has nothing more to push for now. */
  static final long QUIET_MILLIS = 3_000;
  private static final Set<String> FILLED = Set.of(Phase.CONFIRMED.name());
  private static final Set<String> NOT_FILLED = Set.of(Phase.OUT_OF_STOCK.name(), Phase.CANCELLING.name(),
      Phase.CANCELLED.name());

  /**
   * @param shopeeShare share of the buyers arriving on Shopee; {@code tiktokShare} on TikTok; WhatsApp the rest
   * @param arrival the time over which the buyers arrive (each channel at its buyers / arrival)
   * @param hotShare share of the buyers who want the hot SKU (the others pick one of the other SKUs)
   * @param twoUnitShare share of the buyers who want 2 units (the others 1)
   */
  public record Plan(int buyers, double shopeeShare, double tiktokShare, Duration arrival, double hotShare,
                     double twoUnitShare, int skus, int hotStock, int variantsPerProduct, long seed, String runId) {
    public static Plan defaults(String runId) {
      return new Plan(2000, 0.45, 0.35, Duration.ofSeconds(3), 0.3, 0.1, 1000, 120, 10, 7, runId);
    }

    public Plan withBuyers(int n, int skuCount, int hot) {
      return new Plan(n, shopeeShare, tiktokShare, arrival, hotShare, twoUnitShare, skuCount, hot, variantsPerProduct,
          seed, runId);
    }

    FlashSale.Plan catalogue() {
      return new FlashSale.Plan(buyers, hotShare, skus, variantsPerProduct, 32, seed, runId);
    }
  }

  /** One buyer: when (µs after the start), on which channel, which SKU (index in the catalogue), how many. */
  record Buyer(long atMicros, Channel channel, int skuIndex, int quantity, int number) {}

  /**
   * What the sale measured: the figures, the storefront's own counts, and the stock calls during the sale;
   * {@code settledMillis} -1 and {@code listingsWrongAtEnd} how many listings still differed from what the service
   * says they should show when the listings did not all settle before the stock calls stopped (at most
   * {@link #SETTLE_MILLIS} after every order's end).
   */
  public record Outcome(SaleFigures.Figures figures, Map<Channel, Long> storefrontCancelled,
                        Map<Channel, Long> storefrontRefused, Map<Channel, Integer> pushes,
                        Map<Channel, Integer> reads, long buyersMillis, long allFinalMillis, long settledMillis,
                        int listingsWrongAtEnd) {
    public ObjectNode toJson() {
      return BuyerSaleReport.json(this);
    }
  }

  private final FlashSale sale;
  private final Sandbox sandbox;
  private final String node;
  private final Predicate<String> whatsAppInStock;

  /**
   * @param whatsAppInStock whether the WhatsApp catalogue shows a SKU in stock (what its buyers see)
   */
  public BuyerSale(FlashSale sale, Sandbox sandbox, String node, Predicate<String> whatsAppInStock) {
    this.sale = sale;
    this.sandbox = sandbox;
    this.node = node;
    this.whatsAppInStock = whatsAppInStock;
  }

  /**
   * What WhatsApp buyers see: with a Meta catalogue configured ({@code orchestrator.marketplaces.whatsapp.catalog.id})
   * an item is orderable while the sandbox's catalogue shows it "in stock" (what the service's catalogue sync last
   * wrote); without one, every item.
   */
  public static Predicate<String> whatsAppCatalogue(Sandbox sandbox, MarketplaceConfig shops) {
    return shops.whatsAppCatalog()
        .<Predicate<String>>map(c -> sku -> Boolean.TRUE.equals(sandbox.whatsAppCatalog().inStock(c.catalogId(), sku)))
        .orElse(sku -> true);
  }

  /** The catalogue of the sale, listed on every channel, its listings pushed before the first buyer comes. */
  public FlashSale.Catalogue setUp(Plan plan, IntConsumer progress) throws Exception {
    FlashSale.Catalogue catalogue = sale.setUpCatalogue(plan.catalogue(), plan.hotStock(), progress);
    Storefront storefront = sandbox.storefront();
    for (String sku : catalogue.skus()) { // the seller SKU and price the marketplaces' orders carry
      int n = FlashSale.index(sku);
      storefront.listShopee(catalogue.shopeeItemId(n), catalogue.shopeeModelId(n), sku, new BigDecimal("49000"));
      storefront.listTikTok(catalogue.tiktokProductId(n), catalogue.tiktokSkuId(n), sku, new BigDecimal("3.50"));
    }
    // until the stock calls stop: under shares a listing shows its share (no "right" value to wait for), and the
    // WhatsApp catalogue takes a call every 7.5 s (its limit), so the quiet window is longer than that
    awaitQuiet(9_000, 90_000);
    return catalogue;
  }

  /** The buyers of {@code plan}, in arrival order (the same for the same seed). */
  static List<Buyer> buyers(Plan plan) {
    Random random = new Random(plan.seed() + 1);
    long span = plan.arrival().toNanos() / 1000;
    int shopee = (int) Math.round(plan.buyers() * plan.shopeeShare());
    int tiktok = (int) Math.round(plan.buyers() * plan.tiktokShare());
    List<Buyer> buyers = new ArrayList<>();
    for (int i = 0; i < plan.buyers(); i++) {
      Channel channel = i < shopee ? Channel.SHOPEE : i < shopee + tiktok ? Channel.TIKTOK : Channel.WHATSAPP;
      long at = (long) (random.nextDouble() * span);
      int sku = plan.skus() == 1 || random.nextDouble() < plan.hotShare() ? 0 : 1 + random.nextInt(plan.skus() - 1);
      int quantity = random.nextDouble() < plan.twoUnitShare() ? 2 : 1;
      buyers.add(new Buyer(at, channel, sku, quantity, i));
    }
    buyers.sort(Comparator.comparingLong(Buyer::atMicros));
    return buyers;
  }

  /** A buyer's checkout as it happened, its end read from the ledger later. */
  private record Attempt(Buyer buyer, String sku, Instant at, Storefront.Outcome outcome, String orderId,
                         CompletableFuture<Sandbox.Delivery> whatsApp) {}

  /** Runs the sale; {@code progress} hears the number of buyers who came so far. */
  public Outcome run(Plan plan, FlashSale.Catalogue catalogue, IntConsumer progress) throws Exception {
    Storefront storefront = sandbox.storefront();
    storefront.webhookTargets(node + "/webhooks/shopee", node + "/webhooks/tiktok");
    Map<String, String> skuOfListing = listings(catalogue);
    List<SaleFigures.Shown> shown = Collections.synchronizedList(new ArrayList<>());
    Instant start = Instant.now();
    AtomicBoolean recording = new AtomicBoolean(true);
    storefront.addListener((channel, listing, value, at) -> {
      String sku = skuOfListing.get(channel.name() + "|" + listing);
      if (recording.get() && sku != null && !at.isBefore(start)) {
        shown.add(new SaleFigures.Shown(channel, listing, sku, value, at));
      }
    });
    for (int i = 0; i < catalogue.skus().size(); i++) {
      int n = FlashSale.index(catalogue.skus().get(i));
      String sku = catalogue.skus().get(i);
      long item = catalogue.shopeeItemId(n);
      long model = catalogue.shopeeModelId(n);
      shown.add(new SaleFigures.Shown(Channel.SHOPEE, Storefront.shopeeListing(item, model), sku,
          storefront.shopeeShown(item, model), start));
      shown.add(new SaleFigures.Shown(Channel.TIKTOK, catalogue.tiktokSkuId(n), sku,
          storefront.tiktokShown(catalogue.tiktokSkuId(n)), start));
    }
    Map<Channel, Long> cancelledBefore = counts(storefront::cancelledCheckouts);
    Map<Channel, Long> refusedBefore = counts(storefront::refusedCheckouts);

    List<Attempt> attempts = new ArrayList<>();
    long t0 = System.nanoTime();
    int came = 0;
    for (Buyer buyer : buyers(plan)) {
      long wait = t0 + buyer.atMicros() * 1000 - System.nanoTime();
      if (wait > 0) LockSupport.parkNanos(wait);
      attempts.add(buy(storefront, catalogue, buyer));
      progress.accept(++came);
    }
    long buyersMillis = (System.nanoTime() - t0) / 1_000_000;

    long expected = 0;
    for (Attempt a : attempts) {
      if (a.whatsApp() != null) {
        Sandbox.Delivery d = a.whatsApp().get(60, TimeUnit.SECONDS);
        if (d.status() == 200) expected++;
      } else if (a.outcome() == Storefront.Outcome.ACCEPTED) {
        expected++;
      }
    }
    long deadline = System.currentTimeMillis() + 180_000;
    long finalAt = awaitFinal(start, expected, deadline);
    // Today's sync leaves a listing wrong when its marketplace gives a cancelled order's units back (the SKU did not
    // change, so nothing is pushed) until reconciliation: waiting once the stock calls stopped tells nothing.
    long settledAt = awaitSettled(catalogue, SETTLE_MILLIS);
    int wrong = settledAt == 0 ? sale.listingsWrong(node, catalogue) : 0;
    Thread.sleep(100); // the storefront reports a change just after it happened
    recording.set(false);

    Map<String, String> status = ledger(start);
    List<SaleFigures.Order> orders = new ArrayList<>();
    for (Attempt a : attempts) orders.add(order(a, status));
    SaleFigures.Figures figures;
    synchronized (shown) {
      figures = SaleFigures.compute(catalogue.stock(), orders, List.copyOf(shown));
    }
    // The service cancels a forced cancellation on its marketplace after the order ended OUT_OF_STOCK.
    for (long until = System.currentTimeMillis() + 30_000; System.currentTimeMillis() < until; Thread.sleep(100)) {
      Map<Channel, Long> now = counts(storefront::cancelledCheckouts);
      if (now.get(Channel.SHOPEE) - cancelledBefore.get(Channel.SHOPEE) >= figures.forcedCancellations(Channel.SHOPEE)
          && now.get(Channel.TIKTOK) - cancelledBefore.get(Channel.TIKTOK)
              >= figures.forcedCancellations(Channel.TIKTOK)) {
        break;
      }
    }
    Map<Channel, Long> cancelled = new EnumMap<>(Channel.class);
    Map<Channel, Long> refused = new EnumMap<>(Channel.class);
    counts(storefront::cancelledCheckouts).forEach((c, v) -> cancelled.put(c, v - cancelledBefore.get(c)));
    counts(storefront::refusedCheckouts).forEach((c, v) -> refused.put(c, v - refusedBefore.get(c)));
    Map<Channel, Integer> pushes = new EnumMap<>(Channel.class);
    Map<Channel, Integer> reads = new EnumMap<>(Channel.class);
    stockCalls(start, pushes, reads);
    long startMillis = start.toEpochMilli();
    return new Outcome(figures, cancelled, refused, pushes, reads, buyersMillis,
        finalAt == 0 ? -1 : finalAt - startMillis, settledAt == 0 ? -1 : settledAt - startMillis, wrong);
  }

  private Attempt buy(Storefront storefront, FlashSale.Catalogue catalogue, Buyer buyer) {
    String sku = catalogue.skus().get(buyer.skuIndex());
    int n = FlashSale.index(sku);
    switch (buyer.channel()) {
      case SHOPEE -> {
        Storefront.Checkout c = storefront.shopeeCheckout(sale.shopeeShop(), catalogue.shopeeItemId(n),
            catalogue.shopeeModelId(n), buyer.quantity());
        return new Attempt(buyer, sku, c.at(), c.outcome(), c.orderId(), null);
      }
      case TIKTOK -> {
        Storefront.Checkout c = storefront.tiktokCheckout(sale.tiktokShop(), catalogue.tiktokProductId(n),
            catalogue.tiktokSkuId(n), buyer.quantity());
        return new Attempt(buyer, sku, c.at(), c.outcome(), c.orderId(), null);
      }
      default -> {
        Instant at = Instant.now();
        if (!whatsAppInStock.test(sku)) return new Attempt(buyer, sku, at, null, null, null);
        CompletableFuture<Sandbox.Delivery> delivery = sandbox.sendWhatsAppOrder(node + "/webhooks/whatsapp",
            sale.whatsAppNumber(), "62813" + (100000 + buyer.number()), "Buyer " + buyer.number(),
            List.of(new Sandbox.WhatsAppItem(sku, buyer.quantity(), new BigDecimal("49000"), "IDR")),
            new Sandbox.Redelivery(10, Duration.ofMillis(300))).toCompletableFuture();
        return new Attempt(buyer, sku, at, Storefront.Outcome.ACCEPTED, null, delivery);
      }
    }
  }

  private static SaleFigures.Order order(Attempt a, Map<String, String> status) throws Exception {
    Buyer b = a.buyer();
    SaleFigures.Result result;
    if (a.outcome() == null) {
      result = SaleFigures.Result.CATALOGUE_OUT_OF_STOCK;
    } else if (a.outcome() == Storefront.Outcome.REFUSED_NO_STOCK) {
      result = SaleFigures.Result.REFUSED_AT_CHECKOUT;
    } else if (a.outcome() == Storefront.Outcome.REFUSED_NOT_LISTED) {
      result = SaleFigures.Result.NOT_LISTED;
    } else {
      String id = a.whatsApp() != null ? a.whatsApp().get().eventId() : a.orderId();
      String s = id == null ? null : status.get(id);
      if (s != null && FILLED.contains(s)) result = SaleFigures.Result.FILLED;
      else if (s != null && NOT_FILLED.contains(s)) {
        result = a.whatsApp() != null ? SaleFigures.Result.SOLD_OUT_ANSWER : SaleFigures.Result.FORCE_CANCELLED;
      } else result = SaleFigures.Result.UNANSWERED;
    }
    return new SaleFigures.Order(b.channel(), a.sku(), b.quantity(), a.at(), result);
  }

  /** The storefront's listing ids (channel|id) to SKUs. */
  private static Map<String, String> listings(FlashSale.Catalogue catalogue) {
    Map<String, String> skus = new HashMap<>();
    for (String sku : catalogue.skus()) {
      int n = FlashSale.index(sku);
      skus.put("SHOPEE|" + Storefront.shopeeListing(catalogue.shopeeItemId(n), catalogue.shopeeModelId(n)), sku);
      skus.put("TIKTOK|" + catalogue.tiktokSkuId(n), sku);
    }
    return skus;
  }

  private static Map<Channel, Long> counts(java.util.function.ToLongFunction<Channel> count) {
    Map<Channel, Long> m = new EnumMap<>(Channel.class);
    for (Channel c : List.of(Channel.SHOPEE, Channel.TIKTOK)) m.put(c, count.applyAsLong(c));
    return m;
  }

  /** Stock pushes and stock reads the marketplaces received since {@code since}. */
  private void stockCalls(Instant since, Map<Channel, Integer> pushes, Map<Channel, Integer> reads) {
    for (Channel c : List.of(Channel.SHOPEE, Channel.TIKTOK)) {
      int push = 0;
      int read = 0;
      for (Sandbox.Call call : sandbox.calls(c, "/product/")) {
        if (call.at().isBefore(since)) continue;
        String p = call.path();
        if (p.endsWith("/update_stock") || p.endsWith("/inventory/update")) push++;
        else if (p.contains("get_item_base_info") || p.contains("get_model_list")
            || (c == Channel.TIKTOK && call.method().equals("GET") && p.contains("/product/202309/products/"))) {
          read++;
        }
      }
      pushes.put(c, push);
      reads.put(c, read);
    }
  }

  /**
   * Until every listing shows what the service says (answers when, epoch ms), or no stock call has reached the
   * marketplaces for {@link #QUIET_MILLIS} or {@code maxMillis} passed (answers 0).
   */
  private long awaitSettled(FlashSale.Catalogue catalogue, long maxMillis) throws Exception {
    long start = System.currentTimeMillis();
    long calls = stockCallCount();
    long changed = start;
    while (true) {
      if (sale.allListingsRight(node, catalogue)) return System.currentTimeMillis();
      long now = System.currentTimeMillis();
      long c = stockCallCount();
      if (c != calls) {
        calls = c;
        changed = now;
      }
      if (now - changed >= QUIET_MILLIS || now - start >= maxMillis) return 0;
      Thread.sleep(250);
    }
  }

  /** Until no stock call for {@code quietMillis} (at most {@code maxMillis}). */
  private void awaitQuiet(long quietMillis, long maxMillis) throws InterruptedException {
    long start = System.currentTimeMillis();
    long calls = stockCallCount();
    long changed = start;
    while (true) {
      long now = System.currentTimeMillis();
      long c = stockCallCount();
      if (c != calls) {
        calls = c;
        changed = now;
      }
      if (now - changed >= quietMillis || now - start >= maxMillis) return;
      Thread.sleep(250);
    }
  }

  private long stockCallCount() {
    return sandbox.calls(Channel.SHOPEE, "/product/").size() + sandbox.calls(Channel.TIKTOK, "/product/").size()
        + sandbox.calls(Channel.WHATSAPP, "items_batch").size();
  }

  /** When the orders created since {@code since} were all final (epoch ms), or 0 if not by the deadline. */
  private long awaitFinal(Instant since, long expected, long deadline) throws Exception {
    while (System.currentTimeMillis() < deadline) {
      JsonNode byStatus = sale.adminJson("GET", node + "/admin/orders/summary?from=" + since, null).get()
          .path("byStatus");
      long done = 0;
      for (String s : FILLED) done += byStatus.path(s).asLong();
      for (String s : NOT_FILLED) done += byStatus.path(s).asLong();
      if (done >= expected) return System.currentTimeMillis();
      Thread.sleep(100);
    }
    return 0;
  }

  /** The status of every order created since {@code since}, by order id. */
  private Map<String, String> ledger(Instant since) throws Exception {
    Map<String, String> status = new HashMap<>();
    for (int offset = 0; ; offset += 500) {
      JsonNode page = sale.adminJson("GET", node + "/admin/orders?from=" + since + "&limit=500&offset=" + offset,
          null).get();
      for (JsonNode row : page.path("orders")) status.put(row.path("orderId").asText(), row.path("status").asText());
      if (page.path("orders").size() < 500) break;
    }
    return status;
  }
}
