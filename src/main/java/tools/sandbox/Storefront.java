package tools.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import tools.sandbox.Sandbox.Delivery;
import tools.sandbox.Sandbox.Redelivery;

/**
 * The buyer's side of the sandbox marketplaces (reach it as {@code sandbox.storefront()}): a buyer checks out a
 * listing, the marketplace deducts its own stock at once, refuses what it cannot cover, stores the order as its
 * order APIs serve it, and notifies the service later (the webhook delay), as Shopee and TikTok Shop do. The stock is
 * the one update_stock / inventory update writes and the read APIs return. Shopee flash-sale campaigns reserve part
 * of a model's stock (codes 7, 8, 9).
 *
 * <p>Listing ids given to {@link ShownListener}s: Shopee {@code itemId:modelId} ({@link #shopeeListing}), TikTok
 * the sku_id. Checkouts of a listing are atomic under that listing's lock only, so many buyer threads run at once.
 */
public final class Storefront {
  public enum Outcome { ACCEPTED, REFUSED_NO_STOCK, REFUSED_NOT_LISTED }

  /** A checkout's answer; {@code orderId} is the order_sn / order id when accepted, else null. */
  public record Checkout(Outcome outcome, String orderId, Instant at) {}

  /**
   * Told every change of a listing's shown quantity, with the listing's lock held (so one listing's calls come in
   * order): it must be cheap, thread-safe, and must not check out or update stock itself.
   */
  @FunctionalInterface
  public interface ShownListener {
    void shown(Channel channel, String listingId, int shown, Instant at);
  }

  static final Duration DEFAULT_WEBHOOK_DELAY = Duration.ofMillis(300);
  static final double DEFAULT_WEBHOOK_JITTER = 0.3;
  /** A delayed webhook the service does not take (non-2xx) is sent again, a little later, at most this often. */
  private static final Redelivery REDELIVERY = new Redelivery(3, Duration.ofSeconds(1));
  /** Campaign pushes carry a nominal end one hour after the start; the campaign ends when it is ended. */
  private static final long NOMINAL_CAMPAIGN_SECONDS = 3600;
  private static final DateTimeFormatter SN_DATE = DateTimeFormatter.ofPattern("yyMMdd").withZone(ZoneOffset.UTC);

  /** The seller SKU and price a listing's order lines carry (the service maps lines by seller SKU). */
  private record Listing(String sellerSku, BigDecimal price) {}

  /** An order a checkout created, kept until the service cancels it, so the cancel can give its units back. */
  private record Placed(long itemId, long modelId, ShopeeCatalog.Taken shopee, String skuId,
      Map<String, Integer> tiktok) {}

  private final SandboxShops shops;
  private final ShopeeSandbox shopee;
  private final TikTokSandbox tiktok;
  private final Delays delays;
  private final ShownListeners listeners;
  private final Map<String, Listing> listings = new ConcurrentHashMap<>();
  private final Map<String, Placed> placed = new ConcurrentHashMap<>();
  private final Map<Channel, AtomicLong> refused = counters();
  private final Map<Channel, AtomicLong> cancelled = counters();
  private final Map<Channel, AtomicLong> undelivered = counters();
  /** Makes this sandbox's order ids differ from an earlier sandbox's on the same database. */
  private final String instanceTag = Integer.toString(36 * 36 * 36 + ThreadLocalRandom.current()
      .nextInt(35 * 36 * 36 * 36), 36).toUpperCase();
  private final AtomicLong orderNumbers = new AtomicLong();
  /** Bumped by reset: webhooks scheduled before it are dropped, so one test's sale never reaches the next one. */
  private final AtomicLong generation = new AtomicLong();
  private volatile String shopeePushUrl;
  private volatile String tiktokWebhookUrl;
  private volatile Duration configuredDelay = DEFAULT_WEBHOOK_DELAY;
  private volatile double configuredJitter = DEFAULT_WEBHOOK_JITTER;
  private volatile Duration webhookDelay = DEFAULT_WEBHOOK_DELAY;
  private volatile double webhookJitter = DEFAULT_WEBHOOK_JITTER;

  Storefront(SandboxShops shops, ShopeeSandbox shopee, TikTokSandbox tiktok, Delays delays,
      ShownListeners listeners) {
    this.shops = shops;
    this.shopee = shopee;
    this.tiktok = tiktok;
    this.delays = delays;
    this.listeners = listeners;
    shopee.onSellerCancel((shopId, sn) -> cancelled(Channel.SHOPEE, shopId, sn));
    tiktok.onSellerCancel((shopId, id) -> cancelled(Channel.TIKTOK, shopId, id));
  }

  private static Map<Channel, AtomicLong> counters() {
    Map<Channel, AtomicLong> m = new EnumMap<>(Channel.class);
    for (Channel c : Channel.values()) m.put(c, new AtomicLong());
    return m;
  }

  /** Back to a fresh storefront: listeners, targets, listings, counters go; the configured webhook delay returns. */
  void reset() {
    generation.incrementAndGet();
    listeners.clear();
    listings.clear();
    placed.clear();
    for (Channel c : Channel.values()) {
      refused.get(c).set(0);
      cancelled.get(c).set(0);
      undelivered.get(c).set(0);
    }
    shopeePushUrl = null;
    tiktokWebhookUrl = null;
    webhookDelay = configuredDelay;
    webhookJitter = configuredJitter;
  }

  /** The delay from config ({@code orchestrator.sandbox.webhook-delay/-jitter}); {@link #reset} returns to it. */
  void configureWebhookDelay(Duration delay, double jitter) {
    setWebhookDelay(delay, jitter);
    configuredDelay = delay;
    configuredJitter = jitter;
  }

  // ------------------------------------------------------------------------------------------------ setup

  /** Where the delayed webhooks go (null: not sent), signed as the sandbox signs every push and notification. */
  public void webhookTargets(String shopeePushUrl, String tiktokWebhookUrl) {
    this.shopeePushUrl = shopeePushUrl;
    this.tiktokWebhookUrl = tiktokWebhookUrl;
  }

  /** Each webhook waits a uniform time in [delay(1-jitter), delay(1+jitter)] after its checkout. */
  public void setWebhookDelay(Duration delay, double jitter) {
    if (delay.isNegative() || jitter < 0 || jitter > 1) {
      throw new IllegalArgumentException("delay must be >= 0 and jitter in [0, 1]");
    }
    webhookDelay = delay;
    webhookJitter = jitter;
  }

  public void addListener(ShownListener listener) {
    listeners.add(listener);
  }

  /**
   * The seller SKU (item_sku of a plain item, model_sku of a model) and unit price the listing's orders carry.
   * Without it a checkout's line has an empty SKU. The stock itself comes from update_stock (or setShopeeStock).
   */
  public void listShopee(long itemId, long modelId, String sellerSku, BigDecimal price) {
    listings.put("shopee/" + shopeeListing(itemId, modelId), new Listing(sellerSku, price));
  }

  /** The seller_sku and sale price of the SKU's order lines; its stock comes from inventory updates. */
  public void listTikTok(String productId, String skuId, String sellerSku, BigDecimal price) {
    listings.put("tiktok/" + skuId, new Listing(sellerSku, price));
  }

  /** The listing id {@link ShownListener}s get for a Shopee model. */
  public static String shopeeListing(long itemId, long modelId) {
    return ShopeeCatalog.key(itemId, modelId);
  }

  // ------------------------------------------------------------------------------------------------ buyers

  /**
   * A Shopee buyer checks out {@code qty} of the model. Accepted: deducted at once (first location with stock, then
   * the next; promotion-reserved units first), stored as a READY_TO_SHIP order for get_order_detail, and push code 3
   * (with code 8 when reserved units were used) sent after the webhook delay.
   */
  public Checkout shopeeCheckout(String shopId, long itemId, long modelId, int qty) {
    shops.shopeeShop(shopId).orElseThrow(() -> new IllegalArgumentException("no Shopee shop " + shopId));
    ShopeeCatalog.Taken taken = shopee.catalog.take(shopId, itemId, modelId, qty);
    Instant at = Instant.now();
    Listing listing = listings.get("shopee/" + shopeeListing(itemId, modelId));
    if (taken.outcome() != Outcome.ACCEPTED) {
      refused.get(Channel.SHOPEE).incrementAndGet();
      // a listing the seller has set up but never stocked shows 0 to buyers: sold out, not missing
      boolean sold = taken.outcome() == Outcome.REFUSED_NOT_LISTED && listing != null
          && shopee.catalog.stock(itemId, modelId) == null;
      return new Checkout(sold ? Outcome.REFUSED_NO_STOCK : taken.outcome(), null, at);
    }
    String sn = SN_DATE.format(at) + instanceTag + pad(Long.toString(orderNumbers.incrementAndGet(), 36), 6)
        .toUpperCase();
    String sku = listing == null ? "" : listing.sellerSku();
    BigDecimal price = listing == null ? new BigDecimal("49000") : listing.price();
    ObjectNode order = ShopeeSandbox.order(sn, "READY_TO_SHIP", List.of(new Sandbox.ShopeeItem(itemId, modelId,
        modelId == 0 ? sku : null, modelId == 0 ? null : sku, qty, price)));
    ObjectNode line = (ObjectNode) order.get("item_list").get(0);
    String location = taken.fromLocations().keySet().iterator().next();
    if (!location.isEmpty()) line.put("product_location_id", location);
    if (taken.reservedUsed() > 0 && taken.promotionId() != 0) {
      line.put("promotion_type", ShopeePromotionPushes.FLASH_SALE).put("promotion_id", taken.promotionId());
    }
    placed.put("shopee/" + shopId + "/" + sn, new Placed(itemId, modelId, taken, null, null));
    shopee.addOrder(shopId, order);
    String target = shopeePushUrl;
    afterDelay(() -> {
      if (taken.reservedUsed() > 0 && taken.promotionId() != 0) {
        push(target, shopId, 8, ShopeePromotionPushes.reservedStockChange(shopId, itemId, modelId,
            taken.promotionId(), "place_order", sn, taken.reservedBefore(), taken.reservedAfter()));
      }
      if (target != null) {
        count(Channel.SHOPEE, shopee.sendOrderStatus(target, shopId, sn, "READY_TO_SHIP", REDELIVERY));
      }
    });
    return new Checkout(Outcome.ACCEPTED, sn, at);
  }

  /** A TikTok buyer checks out {@code qty} of the SKU; an AWAITING_SHIPMENT order, webhook type 1 after the delay. */
  public Checkout tiktokCheckout(String shopId, String productId, String skuId, int qty) {
    shops.tiktokShop(shopId).orElseThrow(() -> new IllegalArgumentException("no TikTok shop " + shopId));
    TikTokSandboxStock.Taken taken = tiktok.stock.take(productId, skuId, qty);
    Instant at = Instant.now();
    if (taken.outcome() != Outcome.ACCEPTED) {
      refused.get(Channel.TIKTOK).incrementAndGet();
      return new Checkout(taken.outcome(), null, at);
    }
    String id = "57" + pad(Long.toString(Long.parseLong(instanceTag, 36) % 10_000), 4)
        + pad(Long.toString(orderNumbers.incrementAndGet()), 12);
    Listing listing = listings.get("tiktok/" + skuId);
    placed.put("tiktok/" + shopId + "/" + id, new Placed(0, 0, null, skuId, taken.fromWarehouses()));
    tiktok.addOrder(shopId, id, "AWAITING_SHIPMENT", List.of(new Sandbox.TikTokItem(productId, skuId,
        listing == null ? "" : listing.sellerSku(), qty, listing == null ? new BigDecimal("3.50") : listing.price())));
    String target = tiktokWebhookUrl;
    afterDelay(() -> {
      if (target != null) {
        count(Channel.TIKTOK, tiktok.sendOrderStatus(target, shopId, id, "AWAITING_SHIPMENT", REDELIVERY));
      }
    });
    return new Checkout(Outcome.ACCEPTED, id, at);
  }

  /** What the Shopee listing shows buyers: seller_stock over all locations, reserved promotion units included. */
  public int shopeeShown(long itemId, long modelId) {
    return shopee.catalog.shown(itemId, modelId);
  }

  /** The TikTok SKU's quantity summed over its warehouses (0 when unknown). */
  public int tiktokShown(String skuId) {
    Integer total = tiktok.stock.total(skuId);
    return total == null ? 0 : total;
  }

  /** Checkout orders the service then cancelled through the platform's cancel API (seller-fault cancellations). */
  public long cancelledCheckouts(Channel channel) {
    return cancelled.get(channel).get();
  }

  public long refusedCheckouts(Channel channel) {
    return refused.get(channel).get();
  }

  /** Delayed webhooks (checkouts, campaigns) the service did not take after every attempt; lost pushes excluded. */
  public long undeliveredWebhooks(Channel channel) {
    return undelivered.get(channel).get();
  }

  /** Listener calls that threw (they are caught so the marketplace's answer stays the same). */
  public long listenerFailures() {
    return listeners.failures();
  }

  /**
   * ASSUMPTION (MARKETPLACES.md is silent, UNSURE): a seller cancel of a checkout's order gives its units back to the
   * listing, to the locations they came from, and its reserved units back to a still running campaign (code 8
   * cancel_order).
   */
  private void cancelled(Channel channel, String shopId, String orderId) {
    Placed p = placed.remove(channel.name().toLowerCase() + "/" + shopId + "/" + orderId);
    if (p == null) return;
    if (channel == Channel.SHOPEE) {
      int[] reserved = shopee.catalog.giveBack(p.itemId(), p.modelId(), p.shopee());
      if (reserved[1] != reserved[0]) {
        String target = shopeePushUrl;
        afterDelay(() -> push(target, shopId, 8, ShopeePromotionPushes.reservedStockChange(shopId, p.itemId(), p.modelId(),
            p.shopee().promotionId(), "cancel_order", orderId, reserved[0], reserved[1])));
      }
    } else {
      tiktok.stock.giveBack(p.skuId(), p.tiktok());
    }
    cancelled.get(channel).incrementAndGet();
  }

  // ------------------------------------------------------------------------------------------------ campaigns

  /**
   * A Shopee flash sale starts on the model and reserves min(reserve, stock) units (they stay part of seller_stock
   * and show as total_reserved_stock); pushes code 9 added_in_promo, then code 7 promo_lock_stock, at once.
   * Returns the reserved units.
   */
  public int startShopeeCampaign(String shopId, long itemId, long modelId, long promotionId, int reserve) {
    shops.shopeeShop(shopId).orElseThrow(() -> new IllegalArgumentException("no Shopee shop " + shopId));
    long now = Instant.now().getEpochSecond();
    int units = shopee.catalog.startCampaign(shopId, itemId, modelId, promotionId, reserve, now,
        now + NOMINAL_CAMPAIGN_SECONDS);
    ShopeeCatalog.Campaign c = shopee.catalog.campaign(itemId, modelId);
    // code 7 follows code 9 whatever became of it, as the platform sends both
    String target = shopeePushUrl;
    long scheduledIn = generation.get();
    push(target, shopId, 9, ShopeePromotionPushes.addedInPromo(shopId, itemId, modelId, c, units))
        .handle((d, e) -> d).thenCompose(d -> generation.get() != scheduledIn ? CompletableFuture.completedFuture(d)
            : push(target, shopId, 7, ShopeePromotionPushes.itemPromotion(shopId, itemId, modelId, c,
            "promo_lock_stock", c.endTime(), units)));
    return units;
  }

  /**
   * The flash sale ends: reserved becomes 0, the unsold reserved units stay in normal stock; pushes code 7
   * promo_end. Returns the unsold reserved units (-1 when that promotion was not running on the model).
   */
  public int endShopeeCampaign(String shopId, long itemId, long modelId, long promotionId) {
    int unsold = shopee.catalog.reservedNow(itemId, modelId);
    ShopeeCatalog.Campaign c = shopee.catalog.endCampaign(itemId, modelId, promotionId);
    if (c == null) return -1;
    push(shopeePushUrl, shopId, 7, ShopeePromotionPushes.itemPromotion(shopId, itemId, modelId, c, "promo_end",
        Instant.now().getEpochSecond(), 0));
    return unsold;
  }

  /** Units the model's running promotion still reserves (total_reserved_stock). */
  public int shopeeReserved(long itemId, long modelId) {
    return shopee.catalog.reservedNow(itemId, modelId);
  }

  // ------------------------------------------------------------------------------------------------ webhooks

  /**
   * Runs {@code send} once the webhook delay has passed, on the scheduler (no thread waits for it), unless the
   * sandbox was reset meanwhile. Targets are taken at the checkout, as the platform's subscription was then.
   */
  private void afterDelay(Runnable send) {
    long scheduledIn = generation.get();
    Duration d = webhookDelay;
    double j = webhookJitter;
    long nanos = (long) (d.toNanos() * (1 - j + 2 * j * ThreadLocalRandom.current().nextDouble()));
    delays.after(Duration.ofNanos(nanos), () -> {
      if (generation.get() == scheduledIn) send.run();
      return null;
    });
  }

  private CompletionStage<Delivery> push(String target, String shopId, int code, ObjectNode data) {
    if (target == null) return CompletableFuture.completedFuture(new Delivery(0, 0, null));
    CompletionStage<Delivery> sent = shopee.sendPush(target, shopId, code, data, REDELIVERY);
    count(Channel.SHOPEE, sent);
    return sent;
  }

  private void count(Channel channel, CompletionStage<Delivery> sent) {
    sent.whenComplete((d, e) -> {
      if (e != null || (!d.lost() && (d.status() < 200 || d.status() >= 300))) {
        undelivered.get(channel).incrementAndGet();
      }
    });
  }

  private static String pad(String s, int width) {
    return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
  }
}
