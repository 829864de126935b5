package marketplace;

import static marketplace.MarketCalls.describe;
import static marketplace.MarketCalls.retryable;

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
import common.CborSerializable;
import common.Channel;
import common.OrderDetails;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import marketplace.stock.ListingSyncStore;
import marketplace.stock.PushSettings;
import marketplace.stock.StockPushQueue;
import marketplace.stock.StockStaleness;
import sku.Listing;

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
 * <p>Stock pushes ({@link PushStock}, handled by {@link ShopStock}) are coalesced, latest value wins
 * ({@link StockPushQueue}): per listing only the newest value (highest SKU event sequence number) waits; a value not
 * newer than the one waiting, in flight or acknowledged is dropped. One call per Shopee item (its waiting models
 * together) or TikTok product is in flight at a time; what arrives meanwhile replaces the waiting value and leaves
 * when the call returns, so 500 changes a second become a few calls and an older value never follows a newer one.
 * Listings that fail (whole call, or Shopee's failure_list / TikTok's data.errors) are retried with back-off per
 * item/product. Sync status goes to {@code listing_sync} ({@link ListingSyncStore}) through one chain of writes per
 * adapter, off the actor's thread.
 */
public final class ShopAdapter extends AbstractBehavior<ShopAdapter.Command> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "ShopAdapter");
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
      return create(channel, parts[1], marketplaces.shopApi(channel, parts[1]), settings, store, staleness,
          marketplaces.outcomes(), marketplaces.directory());
    }));
  }

  public static Behavior<Command> create(Channel channel, String shopId, ShopApi api, PushSettings settings,
      ListingSyncStore store, StockStaleness staleness) {
    return create(channel, shopId, api, settings, store, staleness, new CallOutcomes());
  }

  /** @param outcomes the node's call outcomes, which hold each shop's guard (to lift its pause) */
  public static Behavior<Command> create(Channel channel, String shopId, ShopApi api, PushSettings settings,
      ListingSyncStore store, StockStaleness staleness, CallOutcomes outcomes) {
    return create(channel, shopId, api, settings, store, staleness, outcomes, ShopDirectory.NONE);
  }

  /** @param directory the shops' connections: a shop not connected holds its stock queue until it is again */
  public static Behavior<Command> create(Channel channel, String shopId, ShopApi api, PushSettings settings,
      ListingSyncStore store, StockStaleness staleness, CallOutcomes outcomes, ShopDirectory directory) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new ShopAdapter(ctx, timers, channel, shopId, api, settings, store, staleness, outcomes, directory)));
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

  public sealed interface CancelReply extends CborSerializable permits CancelAccepted, CancelFailed {}

  public record CancelAccepted(String orderId) implements CancelReply {}

  /**
   * @param queueFull refused before it was sent: the shop's rate limit is booked beyond {@code max-queue-wait}
   *     ({@link ShopGuard}), the expected answer under a peak, asked again later by the order's back-off
   */
  public record CancelFailed(String orderId, String error, boolean retryable, boolean queueFull)
      implements CancelReply {
    public CancelFailed(String orderId, String error, boolean retryable) {
      this(orderId, error, retryable, false);
    }
  }

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

  /**
   * Share stock sync: {@code push} as {@link PushStock}, and {@code ackTo} hears how it ended ({@link ShareAck}):
   * acknowledged, retrying, or given up. A value replaced by a newer one before it left is answered with the
   * newer one's outcome.
   */
  public record PushShare(PushStock push, ActorRef<ShareAck> ackTo) implements Command {}

  /**
   * @param value the value the marketplace was sent (the newest at or after the one asked)
   * @param settled false while the value is being retried: another answer follows
   */
  public record ShareAck(String syncKey, long seq, int value, boolean acknowledged, boolean settled, String error,
                         Instant at) implements CborSerializable {}

  /** Share stock sync: what the marketplace shows on this listing now (one read call, counted as a call). */
  public record ReadListing(String syncKey, Listing listing, ActorRef<ListingStock> replyTo) implements Command {}

  /**
   * @param quantity null when the read failed ({@code error}) or the marketplace did not name the listing
   * @param pushInFlight a push to the listing was waiting or in flight at some point of the read: the quantity may
   *     be from before or after it
   */
  public record ListingStock(String syncKey, Integer quantity, boolean pushInFlight, String error, Instant readAt)
      implements CborSerializable {}

  /** Read these listings' stock from the marketplace and re-push those that differ from {@code quantity}. */
  public record ReconcileStock(List<PushStock> expected, ActorRef<StockReconciled> replyTo) implements Command {}

  /** @param unreadable listings whose marketplace stock could not be read (the call failed) */
  public record StockReconciled(String channel, String shopId, int checked, int drifted, int unreadable)
      implements CborSerializable {}

  /** Internal: a share read finished. */
  record ListingRead(ReadListing read, Integer quantity, String error, boolean pushBefore) implements Command {}

  /** Internal: a detail call finished. {@code error} is null on success. */
  record FetchDone(List<String> orderIds, List<OrderDetails> found, String error, boolean retryable)
      implements Command {}

  /**
   * Internal: a stock call for one item/product finished; {@code error} failed it all, else {@code failed} by key.
   * {@code pause} is the class that paused the shop (null when none), {@code pausedUntil} its end if known.
   */
  record PushDone(StockPushQueue.Call call, Map<String, StockPushQueue.Failure> failed, StockPushQueue.Failure error,
                  FailureClass pause, Instant pausedUntil) implements Command {}

  /** Internal: a daily-cap pause of the shop's stock pushes reached its reset time. */
  enum PauseOver implements Command { INSTANCE }

  /** Internal: is the shop's guard still paused (it may be lifted elsewhere, e.g. by a new authorisation)? */
  enum PauseCheck implements Command { INSTANCE }

  /** Lift the shop's pause (an operator saw to it): its calls and waiting stock values go out again. */
  public record ResumeShop(ActorRef<ShopResumed> replyTo) implements Command {}

  /** @param wasPaused true when the shop's calls or its stock pushes were held back */
  public record ShopResumed(String channel, String shopId, boolean wasPaused) implements CborSerializable {}

  record RetryPushes(String group) implements Command {}

  record SpacingPassed(String group) implements Command {}

  /** Internal: the adapter's last listing_sync write ended; the rows that came meanwhile go next. */
  enum SyncRowsWritten implements Command { INSTANCE }

  /** Internal: the stock API's rate limit has a token again. */
  enum PushSlotFree implements Command { INSTANCE }

  /** Internal: marketplace stock read per group (target id to quantity), or the group's error. */
  record StockRead(List<PushStock> expected, Map<String, Map<String, Integer>> actual, Map<String, String> errors,
                   ActorRef<StockReconciled> replyTo) implements Command {}

  // ---------------------------------------------------------------- behaviour

  private final Channel channel;
  private final String shopId;
  private final ShopApi api;
  private final OrderFetchBatcher fetches = new OrderFetchBatcher();
  private final ShopStock stock;
  private final CallOutcomes outcomes;

  private ShopAdapter(ActorContext<Command> context, TimerScheduler<Command> timers, Channel channel, String shopId,
      ShopApi api, PushSettings settings, ListingSyncStore store, StockStaleness staleness, CallOutcomes outcomes,
      ShopDirectory directory) {
    super(context);
    this.outcomes = outcomes;
    this.channel = channel;
    this.shopId = shopId;
    this.api = api;
    this.stock = new ShopStock(context, timers, channel, shopId, api, settings, store, staleness,
        () -> outcomes.pausedOrUnknown(channel, shopId)
            || directory.shop(channel, shopId).map(c -> !c.usable()).orElse(false));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FetchOrder.class, this::onFetch)
        .onMessage(FetchDone.class, this::onFetchDone)
        .onMessage(CancelOrder.class, this::onCancel)
        .onMessage(PushStock.class, stock::push)
        .onMessage(PushShare.class, stock::pushShare)
        .onMessage(ReadListing.class, stock::readListing)
        .onMessage(ListingRead.class, stock::listingRead)
        .onMessage(PushDone.class, stock::pushDone)
        .onMessage(RetryPushes.class, stock::retryPassed)
        .onMessage(SpacingPassed.class, stock::spacingPassed)
        .onMessage(SyncRowsWritten.class, stock::syncRowsWritten)
        .onMessageEquals(PushSlotFree.INSTANCE, stock::slotFree)
        .onMessage(ReconcileStock.class, stock::reconcile)
        .onMessage(StockRead.class, stock::stockRead)
        .onMessageEquals(PauseOver.INSTANCE, stock::resume)
        .onMessageEquals(PauseCheck.INSTANCE, stock::pauseCheck)
        .onMessage(ResumeShop.class, this::onResume)
        .build();
  }

  private Behavior<Command> onResume(ResumeShop resume) {
    boolean guardPaused = outcomes.resume(channel, shopId);
    boolean stockPaused = stock.paused();
    stock.resume();
    resume.replyTo().tell(new ShopResumed(channel.key(), shopId, guardPaused || stockPaused));
    return this;
  }

  private Behavior<Command> onFetch(FetchOrder fetch) {
    if (!api.configured()) {
      fetch.replyTo().tell(new FetchFailed(fetch.orderId(), channel.key() + " shop " + shopId + " is not configured",
          false));
      return this;
    }
    if (!channel.hasMarketplaceApi()) {
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
    if (!api.configured() || !channel.hasMarketplaceApi()) {
      cancel.replyTo().tell(new CancelFailed(cancel.orderId(), channel.key() + " shop " + shopId
          + " cannot cancel orders through an API", false));
      return this;
    }
    ActorRef<CancelReply> replyTo = cancel.replyTo();
    api.cancel(cancel.orderId(), cancel.listingRefs()).whenComplete((ok, error) -> replyTo.tell(error == null
        ? new CancelAccepted(cancel.orderId())
        : new CancelFailed(cancel.orderId(), describe(error), retryable(error), MarketCalls.queueFull(error))));
    return this;
  }
}
