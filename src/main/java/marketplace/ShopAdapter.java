package marketplace;

import marketplace.shopee.ShopeeClient;
import marketplace.stock.ListingSyncStore;
import marketplace.stock.StockStaleness;
import marketplace.tiktok.TikTokClient;
import stocksync.StockSync;

import common.CborSerializable;
import common.Channel;
import common.OrderDetails;
import sku.Listing;
import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter actor of one (channel, shop): the single place in the cluster that calls that shop's marketplace API,
 * so its credentials, token refresh, rate limit and circuit breaker hold for the whole cluster. Sharded; entity id
 * {@link #entityId}. Not persistent: everything it does is asked again by the persistent order entities when lost.
 *
 * <p>Detail fetches are batched: the first request goes out at once, the ones that arrive while calls are in flight
 * wait and leave together (up to 50 order numbers per call, the platforms' limit), so a flash sale of 2,000 orders
 * costs tens of calls, not thousands, against a per-shop rate limit.
 *
 * <p>Stock pushes ({@link PushStock}) are coalesced, latest value wins: per listing only the newest value (highest
 * SKU event sequence number) waits; a value not newer than the one waiting, in flight or acknowledged is dropped.
 * One call per Shopee item (its waiting models together) or TikTok product is in flight at a time; what arrives
 * meanwhile replaces the waiting value and leaves when the call returns, so 500 changes a second become a few calls
 * and an older value never follows a newer one. Listings that fail (whole call, or Shopee's failure_list / TikTok's
 * data.errors) are retried with back-off per item/product. Sync status goes to {@code listing_sync}
 * ({@link ListingSyncStore}) through one chain of writes per adapter, off the actor's thread.
 */
public final class ShopAdapter extends AbstractBehavior<ShopAdapter.Command> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "ShopAdapter");
  static final int MAX_ORDERS_PER_CALL = 50;
  static final int MAX_CALLS_IN_FLIGHT = 4;
  /** Stock calls in flight at once; more wait here, where their values can still be replaced by newer ones. */
  static final int MAX_PUSH_CALLS_IN_FLIGHT = 8;

  public static String entityId(Channel channel, String shopId) {
    return channel.key() + "|" + shopId;
  }

  public static void init(ActorSystem<?> system) {
    Marketplaces marketplaces = Marketplaces.get(system);
    StockSync.Settings settings = StockSync.Settings.from(system.settings().config());
    ListingSyncStore store = ListingSyncStore.get(system);
    StockStaleness staleness = StockStaleness.get(system);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> {
      String[] parts = ctx.getEntityId().split("\\|", 2);
      return create(Channel.fromKey(parts[0]), parts[1], marketplaces, settings, store, staleness);
    }));
  }

  public static Behavior<Command> create(Channel channel, String shopId, Marketplaces marketplaces,
      StockSync.Settings settings, ListingSyncStore store, StockStaleness staleness) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ShopAdapter(ctx, timers, channel, shopId, marketplaces, settings, store, staleness)));
  }

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  /** Fetch the order's details (lines, buyer, amounts) from the marketplace. */
  public record FetchOrder(String orderId, ActorRef<FetchReply> replyTo) implements Command {}

  public sealed interface FetchReply extends CborSerializable permits OrderFetched, FetchFailed {}

  public record OrderFetched(OrderDetails details) implements FetchReply {}

  /** @param retryable false when asking again cannot help (shop not configured, channel without an API) */
  public record FetchFailed(String orderId, String error, boolean retryable) implements FetchReply {}

  /**
   * Cancel the order on the marketplace (out of stock).
   *
   * @param listingRefs the order's lines as the platform knows them (Shopee {@code itemId:modelId}), which Shopee's
   *     cancel call needs
   */
  public record CancelOrder(String orderId, String reason, List<String> listingRefs, ActorRef<CancelReply> replyTo)
      implements Command {}

  public sealed interface CancelReply extends CborSerializable permits OrderCancelled, CancelFailed {}

  public record OrderCancelled(String orderId) implements CancelReply {}

  public record CancelFailed(String orderId, String error, boolean retryable) implements CancelReply {}

  /**
   * Show {@code quantity} on this listing. Latest value wins by {@code eventSeq} (the SKU's event sequence number);
   * {@code force} also re-pushes a value with the same sequence number (reconciliation, "push now").
   *
   * @param syncKey the SKU listing ({@link StockSync#syncKey}), unique per SKU, channel and shop
   * @param changedAt when the SKU write completed
   * @param live true for a push caused by a live SKU write: only those are measured for staleness
   */
  public record PushStock(String syncKey, String sku, Listing listing, int quantity, long eventSeq,
                          Instant changedAt, boolean live, boolean force) implements Command {}

  /** Read these listings' stock from the marketplace and re-push those that differ from {@code quantity}. */
  public record ReconcileStock(List<PushStock> expected, ActorRef<StockReconciled> replyTo) implements Command {}

  /** @param unreadable listings whose marketplace stock could not be read (the call failed) */
  public record StockReconciled(String channel, String shopId, int checked, int drifted, int unreadable)
      implements CborSerializable {}

  /** Internal: a detail call finished. {@code error} is null on success. */
  record FetchDone(List<String> orderIds, List<OrderDetails> found, String error, boolean retryable)
      implements Command {}

  /** Internal: a stock call for one item/product finished; {@code error} failed it all, else {@code failed} by key. */
  record PushDone(String group, List<Sent> sent, Map<String, String> failed, String error) implements Command {}

  record RetryPushes(String group) implements Command {}

  record SpacingPassed(String group) implements Command {}

  /** Internal: the stock API's rate limit has a token again. */
  enum PushSlotFree implements Command { INSTANCE }

  /** Internal: marketplace stock read per group (target id to quantity), or the group's error. */
  record StockRead(List<PushStock> expected, Map<String, Map<String, Integer>> actual, Map<String, String> errors,
                   ActorRef<StockReconciled> replyTo) implements Command {}

  /** A value sent in a call. {@code since}: the oldest live SKU write it covers not yet acknowledged (nullable). */
  record Sent(String key, int value, long seq, Instant since) {}

  private record Pending(int value, long seq, Instant since) {}

  /** One SKU listing on this shop: what waits, what is in flight, what was acknowledged. */
  private static final class ListingSync {
    final String key;
    String sku;
    Listing listing;
    long seenSeq = -1;
    Pending pending;
    Sent inFlight;
    Integer ackedValue;
    long ackedSeq = -1;
    int attempts;

    ListingSync(String key) {
      this.key = key;
    }
  }

  // ---------------------------------------------------------------- behaviour

  private static final Logger log = LoggerFactory.getLogger(ShopAdapter.class);

  private final Channel channel;
  private final String shopId;
  private final Marketplaces marketplaces;
  private final TimerScheduler<Command> timers;
  private final StockSync.Settings syncSettings;
  private final ListingSyncStore store;
  private final StockStaleness staleness;
  private final infra.Metrics metrics;
  private final Map<String, ListingSync> listings = new HashMap<>();
  /** Item/product group → listing keys with a value waiting. */
  private final Map<String, Set<String>> waitingByGroup = new HashMap<>();
  private final Set<String> groupsInFlight = new HashSet<>();
  /** Groups waiting for their retry timer, and the back-off the next failure will use. */
  private final Set<String> groupsBackingOff = new HashSet<>();
  private final Map<String, Duration> nextBackoff = new HashMap<>();
  /** When each group's last call started (min-push-interval), and groups waiting for that interval to pass. */
  private final Map<String, Long> lastSentNanos = new HashMap<>();
  private final Set<String> groupsSpacing = new HashSet<>();
  /**
   * Groups whose values may leave now, in the order they became ready: they take the stock API's rate-limit tokens
   * in that order. A call starts only when a token is free at once, so no value is committed to a call that then
   * waits in the limiter: until its turn the value can still be replaced by a newer one.
   */
  private final Set<String> readyGroups = new LinkedHashSet<>();
  private int pushCallsInFlight;
  private boolean pushSlotTimerSet;
  private CompletionStage<Done> writes = CompletableFuture.completedFuture(Done.getInstance());
  /** Order id → everyone waiting for it, in arrival order. */
  private final Map<String, List<ActorRef<FetchReply>>> waiting = new LinkedHashMap<>();
  private final Queue<String> queue = new ArrayDeque<>();
  private int callsInFlight;

  private ShopAdapter(ActorContext<Command> context, TimerScheduler<Command> timers, Channel channel, String shopId,
      Marketplaces marketplaces, StockSync.Settings syncSettings, ListingSyncStore store, StockStaleness staleness) {
    super(context);
    this.timers = timers;
    this.channel = channel;
    this.shopId = shopId;
    this.marketplaces = marketplaces;
    this.syncSettings = syncSettings;
    this.store = store;
    this.staleness = staleness;
    this.metrics = infra.Metrics.get(context.getSystem());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FetchOrder.class, this::onFetch)
        .onMessage(FetchDone.class, this::onFetchDone)
        .onMessage(CancelOrder.class, this::onCancel)
        .onMessage(PushStock.class, this::onPushStock)
        .onMessage(PushDone.class, this::onPushDone)
        .onMessage(RetryPushes.class, this::onRetryPushes)
        .onMessage(SpacingPassed.class, this::onSpacingPassed)
        .onMessageEquals(PushSlotFree.INSTANCE, this::onPushSlotFree)
        .onMessage(ReconcileStock.class, this::onReconcile)
        .onMessage(StockRead.class, this::onStockRead)
        .build();
  }

  private Behavior<Command> onFetch(FetchOrder fetch) {
    if (!configured()) {
      fetch.replyTo().tell(new FetchFailed(fetch.orderId(), channel.key() + " shop " + shopId + " is not configured",
          false));
      return this;
    }
    if (channel != Channel.SHOPEE && channel != Channel.TIKTOK) {
      fetch.replyTo().tell(new FetchFailed(fetch.orderId(), channel.key() + " orders carry their details", false));
      return this;
    }
    List<ActorRef<FetchReply>> replyTos = waiting.get(fetch.orderId());
    if (replyTos == null) {
      waiting.put(fetch.orderId(), new ArrayList<>(List.of(fetch.replyTo())));
      queue.add(fetch.orderId());
    } else if (!replyTos.contains(fetch.replyTo())) {
      replyTos.add(fetch.replyTo()); // already queued or in flight: answered with the same call
    }
    flush();
    return this;
  }

  /** Starts calls while there is room: each takes up to 50 queued order ids. */
  private void flush() {
    while (callsInFlight < MAX_CALLS_IN_FLIGHT && !queue.isEmpty()) {
      List<String> ids = new ArrayList<>();
      while (ids.size() < MAX_ORDERS_PER_CALL && !queue.isEmpty()) ids.add(queue.poll());
      callsInFlight++;
      CompletionStage<List<OrderDetails>> call = channel == Channel.SHOPEE
          ? marketplaces.shopee().getOrderDetails(shopId, ids)
          : marketplaces.tiktok().getOrderDetails(shopId, ids);
      getContext().pipeToSelf(call, (found, error) -> error == null
          ? new FetchDone(ids, found, null, true)
          : new FetchDone(ids, List.of(), describe(error), retryable(error)));
    }
  }

  private Behavior<Command> onFetchDone(FetchDone done) {
    callsInFlight--;
    Map<String, OrderDetails> byId = new HashMap<>();
    for (OrderDetails details : done.found()) byId.put(details.orderId(), details);
    for (String id : done.orderIds()) {
      List<ActorRef<FetchReply>> replyTos = waiting.remove(id);
      if (replyTos == null) continue;
      OrderDetails details = byId.get(id);
      FetchReply reply = details != null ? new OrderFetched(details)
          : done.error() != null ? new FetchFailed(id, done.error(), done.retryable())
          // not (yet) visible on the platform: the order entity asks again with back-off
          : new FetchFailed(id, "order not returned by " + channel.key(), true);
      replyTos.forEach(r -> r.tell(reply));
    }
    flush();
    return this;
  }

  private Behavior<Command> onCancel(CancelOrder cancel) {
    if (!configured() || (channel != Channel.SHOPEE && channel != Channel.TIKTOK)) {
      cancel.replyTo().tell(new CancelFailed(cancel.orderId(), channel.key() + " shop " + shopId
          + " cannot cancel orders through an API", false));
      return this;
    }
    CompletionStage<?> call;
    if (channel == Channel.SHOPEE) {
      List<ShopeeClient.ItemModel> items = new ArrayList<>();
      for (String ref : cancel.listingRefs()) {
        String[] ids = ref == null ? new String[0] : ref.split(":");
        if (ids.length == 2) {
          try {
            items.add(new ShopeeClient.ItemModel(Long.parseLong(ids[0]), Long.parseLong(ids[1])));
          } catch (NumberFormatException ignored) {
            // not a Shopee listing reference
          }
        }
      }
      call = marketplaces.shopee().cancelOrder(shopId, cancel.orderId(), items);
    } else {
      call = marketplaces.tiktok().cancelOrder(shopId, cancel.orderId());
    }
    ActorRef<CancelReply> replyTo = cancel.replyTo();
    call.whenComplete((ok, error) -> replyTo.tell(error == null
        ? new OrderCancelled(cancel.orderId())
        : new CancelFailed(cancel.orderId(), describe(error), retryable(error))));
    return this;
  }

  // ---------------------------------------------------------------- stock pushes

  private Behavior<Command> onPushStock(PushStock push) {
    if (channel != Channel.SHOPEE && channel != Channel.TIKTOK) return this; // no stock API (WhatsApp catalog)
    if (push.listing() == null || push.listing().channel() != channel || !push.listing().shopId().equals(shopId)) {
      log.warn("Stock push for {} sent to the adapter of {} {}; ignored", push.syncKey(), channel.key(), shopId);
      return this;
    }
    ListingSync sync = listings.computeIfAbsent(push.syncKey(), ListingSync::new);
    if (push.eventSeq() < sync.seenSeq || (push.eventSeq() == sync.seenSeq && !push.force())) return this;
    sync.sku = push.sku();
    sync.listing = push.listing();
    sync.seenSeq = push.eventSeq();
    if (!configured()) {
      save(List.of(row(sync, push.quantity(), push.eventSeq(), false,
          channel.key() + " shop " + shopId + " is not configured")));
      return this;
    }
    String group = group(push.listing());
    if (group == null) {
      save(List.of(row(sync, push.quantity(), push.eventSeq(), false, "listing ids are not numeric: " + push.listing())));
      return this;
    }
    Instant since = push.live() ? push.changedAt() : null;
    if (sync.pending != null) since = earliest(sync.pending.since(), since);
    sync.pending = new Pending(push.quantity(), push.eventSeq(), since);
    waitingByGroup.computeIfAbsent(group, g -> new LinkedHashSet<>()).add(sync.key);
    sendIfIdle(group);
    return this;
  }

  /** Starts the group's call unless one is in flight or the group is backing off after a failure. */
  private void sendIfIdle(String group) {
    if (groupsInFlight.contains(group) || groupsBackingOff.contains(group) || groupsSpacing.contains(group)) return;
    Set<String> waiting = waitingByGroup.get(group);
    if (waiting == null || waiting.isEmpty()) return;
    Long last = lastSentNanos.get(group);
    long wait = last == null ? 0 : syncSettings.minPushInterval().toNanos() - (System.nanoTime() - last);
    if (wait > 0) {
      groupsSpacing.add(group);
      timers.startSingleTimer("space-" + group, new SpacingPassed(group), Duration.ofNanos(wait));
      return;
    }
    readyGroups.add(group);
    drainPushes();
  }

  /** Starts the ready groups' calls, oldest first, while the rate limit has a token now and calls are below the cap. */
  private void drainPushes() {
    while (!readyGroups.isEmpty() && pushCallsInFlight < MAX_PUSH_CALLS_IN_FLIGHT) {
      Duration wait = pushWait();
      if (wait.compareTo(Duration.ZERO) > 0) {
        if (!pushSlotTimerSet) {
          pushSlotTimerSet = true;
          timers.startSingleTimer("push-slot", PushSlotFree.INSTANCE, wait);
        }
        return;
      }
      var next = readyGroups.iterator();
      String group = next.next();
      next.remove();
      startPush(group);
    }
  }

  private Duration pushWait() {
    return channel == Channel.SHOPEE ? marketplaces.shopee().stockUpdateWait(shopId)
        : marketplaces.tiktok().inventoryUpdateWait(shopId);
  }

  private Behavior<Command> onPushSlotFree() {
    pushSlotTimerSet = false;
    drainPushes();
    return this;
  }

  private void startPush(String group) {
    Set<String> keys = waitingByGroup.remove(group);
    if (keys == null) return;
    List<Sent> sent = new ArrayList<>();
    for (String key : keys) {
      ListingSync sync = listings.get(key);
      if (sync == null || sync.pending == null) continue;
      if (!group.equals(group(sync.listing))) { // the listing moved to another item/product meanwhile
        waitingByGroup.computeIfAbsent(group(sync.listing), g -> new LinkedHashSet<>()).add(key);
        continue;
      }
      Sent s = new Sent(key, sync.pending.value(), sync.pending.seq(), sync.pending.since());
      sync.pending = null;
      sync.inFlight = s;
      sync.attempts++;
      sent.add(s);
    }
    if (sent.isEmpty()) return;
    groupsInFlight.add(group);
    pushCallsInFlight++;
    lastSentNanos.put(group, System.nanoTime());
    Map<String, String> keyByTarget = new HashMap<>();
    for (Sent s : sent) keyByTarget.put(target(listings.get(s.key()).listing), s.key());
    if (channel == Channel.SHOPEE) {
      long itemId = Long.parseLong(listings.get(sent.get(0).key()).listing.itemId());
      List<ShopeeClient.ModelStock> models = sent.stream().map(s -> new ShopeeClient.ModelStock(
          Long.parseLong(listings.get(s.key()).listing.modelId()), s.value())).toList();
      getContext().pipeToSelf(safely(() -> marketplaces.shopee().updateStock(shopId, itemId, models)),
          (result, error) -> {
            if (error != null) return new PushDone(group, sent, Map.of(), describe(error));
            Map<String, String> failed = new HashMap<>();
            for (ShopeeClient.ModelFailure f : result.failed()) {
              String key = keyByTarget.get(Long.toString(f.modelId()));
              if (key != null) failed.put(key, "failure_list: " + f.reason());
            }
            return new PushDone(group, sent, failed, null);
          });
    } else {
      String productId = listings.get(sent.get(0).key()).listing.productId();
      List<TikTokClient.SkuQuantity> skus = sent.stream().map(s -> new TikTokClient.SkuQuantity(
          listings.get(s.key()).listing.skuId(), s.value())).toList();
      getContext().pipeToSelf(safely(() -> marketplaces.tiktok().updateInventory(shopId, productId, skus)),
          (result, error) -> {
            if (error != null) return new PushDone(group, sent, Map.of(), describe(error));
            Map<String, String> failed = new HashMap<>();
            for (TikTokClient.SkuError e : result.errors()) {
              String key = keyByTarget.get(e.skuId());
              if (key != null) failed.put(key, "data.errors " + e.code() + ": " + e.message());
            }
            // An error without a sku_id cannot be placed: the whole call counts as failed.
            if (result.errors().stream().anyMatch(e -> e.skuId() == null)) {
              return new PushDone(group, sent, Map.of(), "data.errors without sku_id: " + result.errors());
            }
            return new PushDone(group, sent, failed, null);
          });
    }
  }

  private Behavior<Command> onPushDone(PushDone done) {
    groupsInFlight.remove(done.group());
    pushCallsInFlight--;
    Instant now = Instant.now();
    List<ListingSyncStore.Row> rows = new ArrayList<>();
    boolean anyFailed = false;
    for (Sent s : done.sent()) {
      ListingSync sync = listings.get(s.key());
      if (sync == null) continue;
      sync.inFlight = null;
      String error = done.error() != null ? done.error() : done.failed().get(s.key());
      if (error == null) {
        sync.ackedValue = s.value();
        sync.ackedSeq = s.seq();
        if (s.since() != null) {
          Duration stale = Duration.between(s.since(), now);
          staleness.record(channel, stale);
          metrics.stockStaleness(channel.key(), stale);
        }
        rows.add(row(sync, s.value(), s.seq(), true, null));
        sync.attempts = 0;
      } else {
        anyFailed = true;
        // Retried unless a newer value is already waiting (it replaces this one, and inherits its oldest write).
        sync.pending = sync.pending == null ? new Pending(s.value(), s.seq(), s.since())
            : new Pending(sync.pending.value(), sync.pending.seq(), earliest(sync.pending.since(), s.since()));
        waitingByGroup.computeIfAbsent(done.group(), g -> new LinkedHashSet<>()).add(s.key());
        rows.add(row(sync, s.value(), s.seq(), false, error));
      }
    }
    save(rows);
    int failedCount = (int) rows.stream().filter(r -> !r.acknowledged()).count();
    metrics.stockPushed(channel.key(), shopId, rows.size() - failedCount, failedCount);
    if (anyFailed) {
      Duration delay = nextBackoff.getOrDefault(done.group(), syncSettings.retryMin());
      nextBackoff.put(done.group(), min(delay.multipliedBy(2), syncSettings.retryMax()));
      groupsBackingOff.add(done.group());
      timers.startSingleTimer("retry-" + done.group(), new RetryPushes(done.group()), delay);
    } else {
      nextBackoff.remove(done.group());
      sendIfIdle(done.group());
    }
    drainPushes();
    return this;
  }

  private Behavior<Command> onRetryPushes(RetryPushes retry) {
    groupsBackingOff.remove(retry.group());
    sendIfIdle(retry.group());
    return this;
  }

  private Behavior<Command> onSpacingPassed(SpacingPassed spacing) {
    groupsSpacing.remove(spacing.group());
    sendIfIdle(spacing.group());
    return this;
  }

  private Behavior<Command> onReconcile(ReconcileStock reconcile) {
    if (!configured() || (channel != Channel.SHOPEE && channel != Channel.TIKTOK)) {
      reconcile.replyTo().tell(new StockReconciled(channel.key(), shopId, 0, 0, reconcile.expected().size()));
      return this;
    }
    Map<String, CompletableFuture<Map<String, Integer>>> reads = new HashMap<>();
    for (PushStock expected : reconcile.expected()) {
      String group = group(expected.listing());
      if (group == null || reads.containsKey(group)) continue;
      CompletionStage<Map<String, Integer>> read;
      if (channel == Channel.SHOPEE) {
        long itemId = Long.parseLong(expected.listing().itemId());
        read = safely(() -> marketplaces.shopee().getModelStocks(shopId, itemId)).thenApply(stocks -> {
          Map<String, Integer> byModel = new HashMap<>();
          stocks.forEach((model, stock) -> byModel.put(Long.toString(model), stock));
          return byModel;
        });
      } else {
        String productId = expected.listing().productId();
        read = safely(() -> marketplaces.tiktok().getSkuQuantities(shopId, productId));
      }
      reads.put(group, read.toCompletableFuture());
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new))
        .exceptionally(e -> null);
    getContext().pipeToSelf(all, (ok, ignored) -> {
      Map<String, Map<String, Integer>> actual = new HashMap<>();
      Map<String, String> errors = new HashMap<>();
      reads.forEach((group, f) -> {
        if (f.isCompletedExceptionally()) errors.put(group, describe(f.handle((v, e) -> e).join()));
        else actual.put(group, f.join());
      });
      return new StockRead(reconcile.expected(), actual, errors, reconcile.replyTo());
    });
    return this;
  }

  private Behavior<Command> onStockRead(StockRead read) {
    int checked = 0;
    int drifted = 0;
    int unreadable = 0;
    for (PushStock expected : read.expected()) {
      String group = group(expected.listing());
      Map<String, Integer> actual = group == null ? null : read.actual().get(group);
      if (actual == null) {
        unreadable++;
        continue;
      }
      checked++;
      ListingSync sync = listings.get(expected.syncKey());
      // A push already on its way, or a newer value than the one expected: nothing to repair now.
      if (sync != null && (sync.pending != null || sync.inFlight != null || sync.seenSeq > expected.eventSeq())) continue;
      Integer shown = actual.get(target(expected.listing()));
      if (shown == null || shown != expected.quantity()) {
        drifted++;
        log.info("Stock drift on {} {} listing {}: marketplace shows {}, should show {}; re-pushing",
            channel.key(), shopId, expected.syncKey(), shown, expected.quantity());
        onPushStock(new PushStock(expected.syncKey(), expected.sku(), expected.listing(), expected.quantity(),
            expected.eventSeq(), expected.changedAt(), false, true));
      }
    }
    read.errors().forEach((group, error) -> log.warn("Stock of {} {} {} could not be read: {}",
        channel.key(), shopId, group, error));
    read.replyTo().tell(new StockReconciled(channel.key(), shopId, checked, drifted, unreadable));
    return this;
  }

  /** One call per Shopee item or TikTok product; null when the listing's ids cannot be sent. */
  private String group(Listing listing) {
    if (listing == null) return null;
    if (channel == Channel.SHOPEE) {
      if (!numeric(listing.itemId()) || !numeric(listing.modelId())) return null;
      return "item:" + listing.itemId();
    }
    if (listing.productId() == null || listing.productId().isBlank() || listing.skuId() == null) return null;
    return "product:" + listing.productId();
  }

  /** The id the marketplace answers per listing within its group: Shopee model id, TikTok SKU id. */
  private String target(Listing listing) {
    return channel == Channel.SHOPEE ? Long.toString(Long.parseLong(listing.modelId())) : listing.skuId();
  }

  private static boolean numeric(String s) {
    if (s == null || s.isBlank()) return false;
    try {
      Long.parseLong(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private ListingSyncStore.Row row(ListingSync sync, int value, long seq, boolean acknowledged, String error) {
    Instant now = Instant.now();
    return new ListingSyncStore.Row(sync.key, sync.sku, channel.key(), shopId, value, seq, now, acknowledged, error,
        Math.max(1, sync.attempts), now);
  }

  /** Chains the write after this adapter's previous one (rows of one listing are written in order). */
  private void save(List<ListingSyncStore.Row> rows) {
    if (rows.isEmpty()) return;
    writes = writes.exceptionally(e -> Done.getInstance()).thenCompose(d -> store.save(rows));
    writes.whenComplete((d, e) -> {
      if (e != null) log.warn("listing_sync not written for {} {}: {}", channel.key(), shopId, e.getMessage());
    });
  }

  private static Instant earliest(Instant a, Instant b) {
    if (a == null) return b;
    if (b == null) return a;
    return a.isBefore(b) ? a : b;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** A client that throws instead of failing its stage still ends in a failed stage. */
  private static <T> CompletionStage<T> safely(java.util.function.Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private boolean configured() {
    MarketplaceConfig config = marketplaces.config();
    return switch (channel) {
      case SHOPEE -> config.shopeeShop(shopId).isPresent();
      case TIKTOK -> config.tiktokShop(shopId).isPresent();
      case WHATSAPP -> config.whatsAppNumber(shopId).isPresent();
      case PHONE -> false;
    };
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }

  private static String describe(Throwable error) {
    Throwable e = unwrap(error);
    return e instanceof MarketCallException m ? m.code() + ": " + m.getMessage() : e.getClass().getSimpleName();
  }

  private static boolean retryable(Throwable error) {
    Throwable e = unwrap(error);
    return !(e instanceof MarketCallException m) || m.retryable();
  }
}
