package marketplace;

import marketplace.stock.ListingSyncStore;
import marketplace.stock.PushSettings;
import marketplace.stock.StockPushQueue;
import marketplace.stock.StockStaleness;

import common.CborSerializable;
import common.Channel;
import common.OrderDetails;
import sku.SkuEntity.Listing;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The adapter actor of one (channel, shop): the single place in the cluster that calls that shop's marketplace API
 * ({@link ShopApi}), so its credentials, token refresh, rate limit and circuit breaker hold for the whole cluster.
 * Sharded; entity id {@link #entityId}. Not persistent: everything it does is asked again by the persistent order
 * entities when lost.
 *
 * <p>Detail fetches are batched ({@link OrderFetchBatcher}): the first request goes out at once, the ones that arrive
 * while calls are in flight wait and leave together (up to 50 order numbers per call, the platforms' limit), so a
 * flash sale of 2,000 orders costs tens of calls, not thousands, against a per-shop rate limit.
 *
 * <p>Stock pushes ({@link PushStock}) are coalesced, latest value wins ({@link StockPushQueue}): per listing only the
 * newest value (highest SKU event sequence number) waits; a value not newer than the one waiting, in flight or
 * acknowledged is dropped. One call per Shopee item (its waiting models together) or TikTok product is in flight at a
 * time; what arrives meanwhile replaces the waiting value and leaves when the call returns, so 500 changes a second
 * become a few calls and an older value never follows a newer one. Listings that fail (whole call, or Shopee's
 * failure_list / TikTok's data.errors) are retried with back-off per item/product. Sync status goes to
 * {@code listing_sync} ({@link ListingSyncStore}) through one chain of writes per adapter, off the actor's thread.
 */
public final class ShopAdapter extends AbstractBehavior<ShopAdapter.Command> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "ShopAdapter");
  /** Stock calls in flight at once; more wait here, where their values can still be replaced by newer ones. */
  static final int MAX_PUSH_CALLS_IN_FLIGHT = 8;

  public static String entityId(Channel channel, String shopId) {
    return channel.key() + "|" + shopId;
  }

  public static void init(ActorSystem<?> system, MarketplaceApis marketplaces) {
    PushSettings settings = PushSettings.from(system.settings().config());
    ListingSyncStore store = ListingSyncStore.get(system);
    StockStaleness staleness = StockStaleness.get(system);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> {
      String[] parts = ctx.getEntityId().split("\\|", 2);
      Channel channel = Channel.fromKey(parts[0]);
      return create(channel, parts[1], marketplaces.shopApi(channel, parts[1]), settings, store, staleness);
    }));
  }

  public static Behavior<Command> create(Channel channel, String shopId, ShopApi api, PushSettings settings,
      ListingSyncStore store, StockStaleness staleness) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ShopAdapter(ctx, timers, channel, shopId, api, settings, store, staleness)));
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
   * @param syncKey the SKU listing ({@code stocksync.StockSync#syncKey}), unique per SKU, channel and shop
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
  record PushDone(StockPushQueue.Call call, Map<String, String> failed, String error) implements Command {}

  record RetryPushes(String group) implements Command {}

  record SpacingPassed(String group) implements Command {}

  /** Internal: the stock API's rate limit has a token again. */
  enum PushSlotFree implements Command { INSTANCE }

  /** Internal: marketplace stock read per group (target id to quantity), or the group's error. */
  record StockRead(List<PushStock> expected, Map<String, Map<String, Integer>> actual, Map<String, String> errors,
                   ActorRef<StockReconciled> replyTo) implements Command {}

  // ---------------------------------------------------------------- behaviour

  private static final Logger log = LoggerFactory.getLogger(ShopAdapter.class);

  private final Channel channel;
  private final String shopId;
  private final ShopApi api;
  private final TimerScheduler<Command> timers;
  private final ListingSyncStore store;
  private final StockStaleness staleness;
  private final infra.Metrics metrics;
  private final OrderFetchBatcher fetches = new OrderFetchBatcher();
  private final StockPushQueue pushes;
  private CompletionStage<Done> writes = CompletableFuture.completedFuture(Done.getInstance());

  private ShopAdapter(ActorContext<Command> context, TimerScheduler<Command> timers, Channel channel, String shopId,
      ShopApi api, PushSettings settings, ListingSyncStore store, StockStaleness staleness) {
    super(context);
    this.timers = timers;
    this.channel = channel;
    this.shopId = shopId;
    this.api = api;
    this.pushes = new StockPushQueue(settings, MAX_PUSH_CALLS_IN_FLIGHT);
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
        .onMessage(RetryPushes.class, r -> next(pushes.retryPassed(r.group(), System.nanoTime())))
        .onMessage(SpacingPassed.class, s -> next(pushes.spacingPassed(s.group(), System.nanoTime())))
        .onMessageEquals(PushSlotFree.INSTANCE, this::onPushSlotFree)
        .onMessage(ReconcileStock.class, this::onReconcile)
        .onMessage(StockRead.class, this::onStockRead)
        .build();
  }

  private Behavior<Command> onFetch(FetchOrder fetch) {
    if (!api.configured()) {
      fetch.replyTo().tell(new FetchFailed(fetch.orderId(), channel.key() + " shop " + shopId + " is not configured",
          false));
      return this;
    }
    if (!api.hasApi()) {
      fetch.replyTo().tell(new FetchFailed(fetch.orderId(), channel.key() + " orders carry their details", false));
      return this;
    }
    fetches.add(fetch.orderId(), fetch.replyTo());
    flush();
    return this;
  }

  /** Starts calls while there is room: each takes up to 50 queued order ids. */
  private void flush() {
    for (var next = fetches.nextCall(); next.isPresent(); next = fetches.nextCall()) {
      List<String> ids = next.get();
      getContext().pipeToSelf(api.fetchOrders(ids), (found, error) -> error == null
          ? new FetchDone(ids, found, null, true)
          : new FetchDone(ids, List.of(), describe(error), retryable(error)));
    }
  }

  private Behavior<Command> onFetchDone(FetchDone done) {
    Map<String, OrderDetails> byId = new HashMap<>();
    for (OrderDetails details : done.found()) byId.put(details.orderId(), details);
    fetches.callEnded(done.orderIds()).forEach((id, replyTos) -> {
      OrderDetails details = byId.get(id);
      FetchReply reply = details != null ? new OrderFetched(details)
          : done.error() != null ? new FetchFailed(id, done.error(), done.retryable())
          // not (yet) visible on the platform: the order entity asks again with back-off
          : new FetchFailed(id, "order not returned by " + channel.key(), true);
      replyTos.forEach(r -> r.tell(reply));
    });
    flush();
    return this;
  }

  private Behavior<Command> onCancel(CancelOrder cancel) {
    if (!api.configured() || !api.hasApi()) {
      cancel.replyTo().tell(new CancelFailed(cancel.orderId(), channel.key() + " shop " + shopId
          + " cannot cancel orders through an API", false));
      return this;
    }
    ActorRef<CancelReply> replyTo = cancel.replyTo();
    api.cancel(cancel.orderId(), cancel.listingRefs()).whenComplete((ok, error) -> replyTo.tell(error == null
        ? new OrderCancelled(cancel.orderId())
        : new CancelFailed(cancel.orderId(), describe(error), retryable(error))));
    return this;
  }

  // ---------------------------------------------------------------- stock pushes

  private Behavior<Command> onPushStock(PushStock push) {
    if (!api.hasApi()) return this; // no stock API (WhatsApp catalog)
    if (push.listing() == null || push.listing().channel() != channel || !push.listing().shopId().equals(shopId)) {
      log.warn("Stock push for {} sent to the adapter of {} {}; ignored", push.syncKey(), channel.key(), shopId);
      return this;
    }
    String group = group(push.listing());
    String target = group == null ? null : api.target(push.listing());
    if (!pushes.see(push.syncKey(), push.sku(), push.eventSeq(), push.force(), group, target)) return this;
    if (!api.configured()) {
      save(List.of(row(push.syncKey(), push.sku(), push.quantity(), push.eventSeq(), false,
          channel.key() + " shop " + shopId + " is not configured")));
      return this;
    }
    if (group == null) {
      save(List.of(row(push.syncKey(), push.sku(), push.quantity(), push.eventSeq(), false,
          "listing ids are not numeric: " + push.listing())));
      return this;
    }
    Instant since = push.live() ? push.changedAt() : null;
    return next(pushes.offer(push.syncKey(), push.quantity(), push.eventSeq(), since, System.nanoTime()));
  }

  /** Acts on the queue's decision for a group: nothing, a spacing timer, or starting the ready calls. */
  private Behavior<Command> next(StockPushQueue.Step step) {
    if (step instanceof StockPushQueue.Space space) {
      timers.startSingleTimer("space-" + space.group(), new SpacingPassed(space.group()), space.delay());
    } else if (step == StockPushQueue.Drain.INSTANCE) {
      drainPushes();
    }
    return this;
  }

  /** Starts the ready groups' calls, oldest first, while the rate limit has a token now and calls are below the cap. */
  private void drainPushes() {
    while (pushes.canStart()) {
      Duration wait = api.pushWait();
      if (wait.compareTo(Duration.ZERO) > 0) {
        if (pushes.needsSlotTimer()) timers.startSingleTimer("push-slot", PushSlotFree.INSTANCE, wait);
        return;
      }
      pushes.nextCall(System.nanoTime()).ifPresent(this::startPush);
    }
  }

  private Behavior<Command> onPushSlotFree() {
    pushes.slotFree();
    drainPushes();
    return this;
  }

  private void startPush(StockPushQueue.Call call) {
    Map<String, String> keyByTarget = new HashMap<>();
    List<ShopApi.TargetStock> stocks = new ArrayList<>();
    for (StockPushQueue.Sent s : call.sent()) {
      keyByTarget.put(s.target(), s.key());
      stocks.add(new ShopApi.TargetStock(s.target(), s.value()));
    }
    getContext().pipeToSelf(safely(() -> api.push(call.group(), stocks)), (result, error) -> {
      if (error != null) return new PushDone(call, Map.of(), describe(error));
      if (result.error() != null) return new PushDone(call, Map.of(), result.error());
      Map<String, String> failed = new HashMap<>();
      result.failed().forEach((target, why) -> {
        String key = keyByTarget.get(target);
        if (key != null) failed.put(key, why);
      });
      return new PushDone(call, failed, null);
    });
  }

  private Behavior<Command> onPushDone(PushDone done) {
    Instant now = Instant.now();
    StockPushQueue.Finished finished = pushes.finished(done.call(), done.failed(), done.error());
    List<ListingSyncStore.Row> rows = new ArrayList<>();
    for (StockPushQueue.Outcome o : finished.outcomes()) {
      if (o.acknowledged() && o.since() != null) {
        Duration stale = Duration.between(o.since(), now);
        staleness.record(channel, stale);
        metrics.stockStaleness(channel.key(), stale);
      }
      rows.add(row(o.key(), o.sku(), o.value(), o.seq(), o.acknowledged(), o.error(), o.attempts()));
    }
    save(rows);
    int failedCount = (int) rows.stream().filter(r -> !r.acknowledged()).count();
    metrics.stockPushed(channel.key(), shopId, rows.size() - failedCount, failedCount);
    String group = done.call().group();
    if (finished.retryIn() != null) {
      timers.startSingleTimer("retry-" + group, new RetryPushes(group), finished.retryIn());
    } else {
      next(pushes.afterCall(group, System.nanoTime()));
    }
    drainPushes();
    return this;
  }

  // ---------------------------------------------------------------- reconciliation

  private Behavior<Command> onReconcile(ReconcileStock reconcile) {
    if (!api.configured() || !api.hasApi()) {
      reconcile.replyTo().tell(new StockReconciled(channel.key(), shopId, 0, 0, reconcile.expected().size()));
      return this;
    }
    Map<String, CompletableFuture<Map<String, Integer>>> reads = new HashMap<>();
    for (PushStock expected : reconcile.expected()) {
      String group = group(expected.listing());
      if (group == null || reads.containsKey(group)) continue;
      reads.put(group, safely(() -> api.readStock(group)).toCompletableFuture());
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
      // A push already on its way, or a newer value than the one expected: nothing to repair now.
      if (pushes.busyOrNewer(expected.syncKey(), expected.eventSeq())) continue;
      Integer shown = actual.get(api.target(expected.listing()));
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

  // ---------------------------------------------------------------- helpers

  /** One call per Shopee item or TikTok product; null when the listing's ids cannot be sent. */
  private String group(Listing listing) {
    return listing == null ? null : api.group(listing);
  }

  private ListingSyncStore.Row row(String key, String sku, int value, long seq, boolean acknowledged, String error) {
    return row(key, sku, value, seq, acknowledged, error, Math.max(1, pushes.attempts(key)));
  }

  private ListingSyncStore.Row row(String key, String sku, int value, long seq, boolean acknowledged, String error,
      int attempts) {
    Instant now = Instant.now();
    return new ListingSyncStore.Row(key, sku, channel.key(), shopId, value, seq, now, acknowledged, error, attempts,
        now);
  }

  /** Chains the write after this adapter's previous one (rows of one listing are written in order). */
  private void save(List<ListingSyncStore.Row> rows) {
    if (rows.isEmpty()) return;
    writes = writes.exceptionally(e -> Done.getInstance()).thenCompose(d -> store.save(rows));
    writes.whenComplete((d, e) -> {
      if (e != null) log.warn("listing_sync not written for {} {}: {}", channel.key(), shopId, e.getMessage());
    });
  }

  /** A client that throws instead of failing its stage still ends in a failed stage. */
  private static <T> CompletionStage<T> safely(java.util.function.Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
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
