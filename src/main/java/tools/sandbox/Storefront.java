package tools.sandbox;

import common.Channel;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * TEMPORARY stand-in with the agreed signatures, until branch i20-sandbox's storefront is merged (then dropped for
 * it): checkouts deduct the sandbox's stock, store the order and send its webhook after the delay; the listener is
 * fed by checkouts and by polling the listings asked about (the real one hears every change).
 */
public final class Storefront {
  public enum Outcome { ACCEPTED, REFUSED_NO_STOCK, REFUSED_NOT_LISTED }

  public record Checkout(Outcome outcome, String orderId, Instant at) {}

  @FunctionalInterface
  public interface ShownListener {
    void shown(Channel channel, String listingId, int shown, Instant at);
  }

  private final Sandbox sandbox;
  private final List<ShownListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, long[]> shopeeListings = new ConcurrentHashMap<>();
  private final Map<String, String> tiktokListings = new ConcurrentHashMap<>();
  private final Map<String, Integer> lastShown = new ConcurrentHashMap<>();
  private final Map<Channel, AtomicLong> refused = new ConcurrentHashMap<>();
  private final AtomicInteger orders = new AtomicInteger();
  private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, r -> {
    Thread t = new Thread(r, "storefront-temp");
    t.setDaemon(true);
    return t;
  });
  private final Random jitterRandom = new Random(1);
  private volatile String shopeeUrl;
  private volatile String tiktokUrl;
  private volatile Duration delay = Duration.ofMillis(300);
  private volatile double jitter;
  private volatile boolean polling;

  Storefront(Sandbox sandbox) {
    this.sandbox = sandbox;
  }

  public synchronized Checkout shopeeCheckout(String shopId, long itemId, long modelId, int qty) {
    Integer shown = shopeeShown(itemId, modelId);
    Instant at = Instant.now();
    if (shown == null || shown < 0) return refuse(Channel.SHOPEE, Outcome.REFUSED_NOT_LISTED, at);
    if (shown < qty) return refuse(Channel.SHOPEE, Outcome.REFUSED_NO_STOCK, at);
    sandbox.setShopeeStock(itemId, modelId, shown - qty);
    fire(Channel.SHOPEE, itemId + ":" + modelId, shown - qty, at);
    String id = "SF" + orders.incrementAndGet();
    String sku = String.format("FS-%04d", modelId != 0 ? modelId - 800000 : itemId - 500000);
    sandbox.addShopeeOrder(shopId, id, "READY_TO_SHIP", List.of(new Sandbox.ShopeeItem(itemId, modelId,
        modelId == 0 ? sku : null, modelId == 0 ? null : sku, qty, new BigDecimal("49000"))));
    later(() -> sandbox.sendShopeeOrderStatus(shopeeUrl, shopId, id, "READY_TO_SHIP",
        new Sandbox.Redelivery(10, Duration.ofMillis(500))));
    return new Checkout(Outcome.ACCEPTED, id, at);
  }

  public synchronized Checkout tiktokCheckout(String shopId, String productId, String skuId, int qty) {
    tiktokListings.put(skuId, productId);
    int shown = tiktokShown(skuId);
    Instant at = Instant.now();
    if (shown < 0) return refuse(Channel.TIKTOK, Outcome.REFUSED_NOT_LISTED, at);
    if (shown < qty) return refuse(Channel.TIKTOK, Outcome.REFUSED_NO_STOCK, at);
    sandbox.setTikTokStock(productId, skuId, shown - qty);
    fire(Channel.TIKTOK, skuId, shown - qty, at);
    String id = "TF" + orders.incrementAndGet();
    String sku = String.format("FS-%04d", Long.parseLong(skuId.substring(1)) - 700000);
    sandbox.addTikTokOrder(shopId, id, "AWAITING_SHIPMENT", List.of(new Sandbox.TikTokItem(productId, skuId, sku, qty,
        new BigDecimal("3.50"))));
    later(() -> sandbox.sendTikTokOrderStatus(tiktokUrl, shopId, id, "AWAITING_SHIPMENT",
        new Sandbox.Redelivery(10, Duration.ofMillis(500))));
    return new Checkout(Outcome.ACCEPTED, id, at);
  }

  public Integer shopeeShown(long itemId, long modelId) {
    shopeeListings.putIfAbsent(itemId + ":" + modelId, new long[] {itemId, modelId});
    Integer stock = sandbox.shopeeStock(itemId, modelId);
    return stock == null ? -1 : stock;
  }

  public int tiktokShown(String skuId) {
    tiktokListings.putIfAbsent(skuId, "");
    Integer stock = sandbox.tiktokStock(skuId);
    return stock == null ? -1 : stock;
  }

  public void webhookTargets(String shopeePushUrl, String tiktokWebhookUrl) {
    this.shopeeUrl = shopeePushUrl;
    this.tiktokUrl = tiktokWebhookUrl;
  }

  public synchronized void addListener(ShownListener l) {
    listeners.add(l);
    if (!polling) {
      polling = true;
      timer.scheduleWithFixedDelay(this::poll, 5, 5, TimeUnit.MILLISECONDS);
    }
  }

  public long cancelledCheckouts(Channel c) {
    return sandbox.calls(c, c == Channel.SHOPEE ? "/order/cancel_order" : "/cancellation").stream()
        .filter(call -> call.outcome().equals("ok")).map(Sandbox.Call::body).distinct().count();
  }

  public long refusedCheckouts(Channel c) {
    return refused.computeIfAbsent(c, k -> new AtomicLong()).get();
  }

  public void setWebhookDelay(Duration d, double jitter) {
    this.delay = d;
    this.jitter = jitter;
  }

  private Checkout refuse(Channel channel, Outcome outcome, Instant at) {
    refused.computeIfAbsent(channel, k -> new AtomicLong()).incrementAndGet();
    return new Checkout(outcome, null, at);
  }

  private void later(Runnable send) {
    double factor;
    synchronized (jitterRandom) {
      factor = 1 + jitter * (2 * jitterRandom.nextDouble() - 1);
    }
    timer.schedule(send, Math.max(0, (long) (delay.toMillis() * factor)), TimeUnit.MILLISECONDS);
  }

  private void fire(Channel channel, String listing, int shown, Instant at) {
    Integer before = lastShown.put(channel.name() + "|" + listing, shown);
    if (before != null && before == shown) return;
    for (ShownListener l : listeners) l.shown(channel, listing, shown, at);
  }

  private synchronized void poll() {
    Instant now = Instant.now();
    shopeeListings.forEach((key, ids) -> {
      Integer s = sandbox.shopeeStock(ids[0], ids[1]);
      if (s != null) fire(Channel.SHOPEE, key, s, now);
    });
    tiktokListings.keySet().forEach(sku -> {
      Integer s = sandbox.tiktokStock(sku);
      if (s != null) fire(Channel.TIKTOK, sku, s, now);
    });
  }
}
