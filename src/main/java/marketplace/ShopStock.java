package marketplace;

import static marketplace.MarketCalls.describe;
import static marketplace.MarketCalls.safely;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import marketplace.ShopAdapter.Command;
import marketplace.ShopAdapter.PushDone;
import marketplace.ShopAdapter.PushSlotFree;
import marketplace.ShopAdapter.PushStock;
import marketplace.ShopAdapter.ReconcileStock;
import marketplace.ShopAdapter.PauseCheck;
import marketplace.ShopAdapter.PauseOver;
import marketplace.ShopAdapter.RetryPushes;
import marketplace.ShopAdapter.SpacingPassed;
import marketplace.ShopAdapter.StockRead;
import marketplace.ShopAdapter.StockReconciled;
import marketplace.stock.ListingSyncStore;
import marketplace.stock.ListingSyncWrites;
import marketplace.stock.PushSettings;
import marketplace.stock.StockPushQueue;
import marketplace.stock.StockStaleness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sku.Listing;

/**
 * The stock side of one {@link ShopAdapter}: pushes through its {@link StockPushQueue} and reconciliation against
 * what the marketplace shows. Runs on the actor's thread only: the adapter hands it its stock messages, each handler
 * answers the actor's next behavior (the same), and calls answer as messages to the actor.
 *
 * <p>What a failed push leads to, per error class, is decided in one place: {@link #handling}.
 */
final class ShopStock {
  /** Stock calls in flight at once; more wait here, where their values can still be replaced by newer ones. */
  static final int MAX_PUSH_CALLS_IN_FLIGHT = 8;
  /** The adapter's log: stock warnings read as they did before this part had a file of its own. */
  private static final Logger log = LoggerFactory.getLogger(ShopAdapter.class);

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Channel channel;
  private final String shopId;
  private final ShopApi api;
  private final StockStaleness staleness;
  private final infra.Metrics metrics;
  private final StockPushQueue pushes;
  private final PushSettings settings;
  /** True while the shop's guard holds its calls back (or is not known here): a PAUSE_SHOP ends when it is false. */
  private final java.util.function.BooleanSupplier guardPaused;
  private final ListingSyncWrites syncWrites;
  /** Share pushes waiting for their outcome: listing key to (sequence number asked, who hears). */
  private final Map<String, List<ShareWaiter>> shareWaiters = new HashMap<>();

  private record ShareWaiter(long seq, ActorRef<ShopAdapter.ShareAck> ackTo) {}

  ShopStock(ActorContext<Command> context, TimerScheduler<Command> timers, Channel channel, String shopId,
      ShopApi api, PushSettings settings, ListingSyncStore store, StockStaleness staleness,
      java.util.function.BooleanSupplier guardPaused) {
    this.context = context;
    this.settings = settings;
    this.guardPaused = guardPaused;
    this.timers = timers;
    this.channel = channel;
    this.shopId = shopId;
    this.api = api;
    ActorRef<Command> self = context.getSelf();
    this.syncWrites = new ListingSyncWrites(store::save, () -> self.tell(ShopAdapter.SyncRowsWritten.INSTANCE),
        channel.key() + " " + shopId);
    this.staleness = staleness;
    this.metrics = infra.Metrics.get(context.getSystem());
    this.pushes = new StockPushQueue(settings, MAX_PUSH_CALLS_IN_FLIGHT);
  }

  /**
   * The error table for stock pushes (see {@link FailureClass}): what the queue does with a value refused with
   * each class; null means the platform counts it as done (acknowledged).
   */
  static StockPushQueue.Handling handling(FailureClass failureClass) {
    return switch (failureClass) {
      // transient, or not in the table: back off, at most max-retries times, then marked failed
      case RETRY, UNKNOWN -> StockPushQueue.Handling.RETRY;
      // the client refreshed and retried once already; a later call starts with the new token
      case REFRESH_ONCE -> StockPushQueue.Handling.RETRY;
      // repeating the same value cannot succeed: blocked until a newer value, a listing change or push now
      case PERMANENT_LISTING, PERMANENT_CONFIG -> StockPushQueue.Handling.BLOCK;
      // the shop takes no calls: everything waits for the reset time or an operator's resume
      case PAUSE_UNTIL_RESET, PAUSE_SHOP -> StockPushQueue.Handling.PAUSE;
      case DONE -> null;
    };
  }

  /** A share push: queued like any push; its sender hears the outcome. */
  Behavior<Command> pushShare(ShopAdapter.PushShare share) {
    PushStock push = share.push();
    shareWaiters.computeIfAbsent(push.syncKey(), k -> new ArrayList<>())
        .add(new ShareWaiter(push.eventSeq(), share.ackTo()));
    push(push);
    if (!pushes.waitingOrInFlight(push.syncKey())) {
      // not queued (no API, not configured, ids not sendable, or not newer than what was sent)
      answerShares(push.syncKey(), push.eventSeq(), push.quantity(), false, true, "not sent");
    }
    return Behaviors.same();
  }

  private void answerShares(String key, long seq, int value, boolean acknowledged, boolean settled, String error) {
    List<ShareWaiter> waiting = shareWaiters.get(key);
    if (waiting == null) return;
    Instant now = Instant.now();
    waiting.removeIf(w -> {
      if (w.seq() > seq) return false;
      w.ackTo().tell(new ShopAdapter.ShareAck(key, seq, value, acknowledged, settled, error, now));
      return settled;
    });
    if (waiting.isEmpty()) shareWaiters.remove(key);
  }

  /** Reads one listing's stock from its marketplace for the share sync. */
  Behavior<Command> readListing(ShopAdapter.ReadListing read) {
    String group = read.listing() == null || read.listing().channel() != channel ? null : group(read.listing());
    if (group == null || !api.configured() || !channel.hasMarketplaceApi()) {
      read.replyTo().tell(new ShopAdapter.ListingStock(read.syncKey(), null, false, "not readable", Instant.now()));
      return Behaviors.same();
    }
    boolean pushBefore = pushes.waitingOrInFlight(read.syncKey());
    String target = api.target(read.listing());
    context.pipeToSelf(safely(() -> api.readStock(group)), (stocks, error) -> error != null
        ? new ShopAdapter.ListingRead(read, null, describe(error), pushBefore)
        : new ShopAdapter.ListingRead(read, stocks.get(target), stocks.containsKey(target) ? null : "not returned",
            pushBefore));
    return Behaviors.same();
  }

  Behavior<Command> listingRead(ShopAdapter.ListingRead done) {
    ShopAdapter.ReadListing read = done.read();
    boolean inFlight = done.pushBefore() || pushes.waitingOrInFlight(read.syncKey());
    read.replyTo().tell(new ShopAdapter.ListingStock(read.syncKey(), done.quantity(), inFlight, done.error(),
        Instant.now()));
    return Behaviors.same();
  }

  /** A value for a listing: queued (latest wins), or written to listing_sync as refused. */
  Behavior<Command> push(PushStock push) {
    if (!api.pushesStock()) return Behaviors.same(); // no stock API (a WhatsApp number without a catalogue)
    if (push.listing() == null || push.listing().channel() != channel || !push.listing().shopId().equals(shopId)) {
      log.warn("Stock push for {} sent to the adapter of {} {}; ignored", push.syncKey(), channel.key(), shopId);
      return Behaviors.same();
    }
    String group = group(push.listing());
    String target = group == null ? null : api.target(push.sku(), push.listing());
    if (!pushes.see(push.syncKey(), push.sku(), push.eventSeq(), push.force(), group, target)) {
      return Behaviors.same();
    }
    if (!api.configured()) {
      save(List.of(row(push.syncKey(), push.sku(), push.quantity(), push.eventSeq(), false,
          channel.key() + " shop " + shopId + " is not configured")));
      return Behaviors.same();
    }
    if (group == null) {
      save(List.of(row(push.syncKey(), push.sku(), push.quantity(), push.eventSeq(), false,
          "listing ids are not numeric: " + push.listing())));
      return Behaviors.same();
    }
    Instant since = push.live() ? push.changedAt() : null;
    next(pushes.offer(push.syncKey(), push.quantity(), push.eventSeq(), since, System.nanoTime()));
    return Behaviors.same();
  }

  /** Acts on the queue's decision for a group: nothing, a spacing timer, or starting the ready calls. */
  private void next(StockPushQueue.Step step) {
    if (step instanceof StockPushQueue.Space space) {
      timers.startSingleTimer("space-" + space.group(), new SpacingPassed(space.group()), space.delay());
    } else if (step == StockPushQueue.Drain.INSTANCE) {
      drainPushes();
    }
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

  /** The stock API's rate limit has a token again. */
  Behavior<Command> slotFree() {
    pushes.slotFree();
    drainPushes();
    return Behaviors.same();
  }

  Behavior<Command> retryPassed(RetryPushes retry) {
    next(pushes.retryPassed(retry.group(), System.nanoTime()));
    return Behaviors.same();
  }

  Behavior<Command> spacingPassed(SpacingPassed spacing) {
    next(pushes.spacingPassed(spacing.group(), System.nanoTime()));
    return Behaviors.same();
  }

  private void startPush(StockPushQueue.Call call) {
    Map<String, String> keyByTarget = new HashMap<>();
    List<ShopApi.TargetStock> stocks = new ArrayList<>();
    for (StockPushQueue.Sent s : call.sent()) {
      keyByTarget.put(s.target(), s.key());
      stocks.add(new ShopApi.TargetStock(s.target(), s.value()));
    }
    context.pipeToSelf(safely(() -> api.push(call.group(), stocks)), (result, error) -> {
      if (error != null) {
        Throwable e = common.Futures.unwrap(error);
        if (!(e instanceof MarketCallException m)) {
          return new PushDone(call, Map.of(), StockPushQueue.Failure.retry(describe(error)), null, null);
        }
        StockPushQueue.Handling handling = handling(m.failureClass());
        if (handling == null) return new PushDone(call, Map.of(), null, null, null);
        return new PushDone(call, Map.of(), new StockPushQueue.Failure(describe(error), handling,
            m.failureClass().name()), handling == StockPushQueue.Handling.PAUSE ? m.failureClass() : null,
            m.pausedUntil());
      }
      if (result.error() != null) {
        return new PushDone(call, Map.of(), StockPushQueue.Failure.retry(result.error()), null, null);
      }
      Map<String, StockPushQueue.Failure> failed = new HashMap<>();
      FailureClass pause = null;
      for (var refused : result.failed().entrySet()) {
        String key = keyByTarget.get(refused.getKey());
        FailureClass failureClass = refused.getValue().failureClass() == null ? FailureClass.UNKNOWN
            : refused.getValue().failureClass();
        StockPushQueue.Handling handling = handling(failureClass);
        if (key == null || handling == null) continue;
        if (handling == StockPushQueue.Handling.PAUSE) pause = failureClass;
        failed.put(key, new StockPushQueue.Failure(refused.getValue().reason(), handling, failureClass.name()));
      }
      return new PushDone(call, failed, null, pause, null);
    });
  }

  /** A stock call ended: sync rows and meters, then a retry after back-off or the next call. */
  Behavior<Command> pushDone(PushDone done) {
    Instant now = Instant.now();
    StockPushQueue.Finished finished = pushes.finished(done.call(), done.failed(), done.error());
    List<ListingSyncStore.Row> rows = new ArrayList<>();
    for (StockPushQueue.Outcome o : finished.outcomes()) {
      if (o.acknowledged() && o.since() != null) {
        Duration stale = Duration.between(o.since(), now);
        staleness.record(channel, stale);
        metrics.stockStaleness(channel.key(), stale);
      }
      answerShares(o.key(), o.seq(), o.value(), o.acknowledged(),
          o.acknowledged() || o.left() != StockPushQueue.Left.RETRYING, o.error());
      rows.add(row(o.key(), o.sku(), o.value(), o.seq(), o.acknowledged(), o.error(), o.attempts())
          .classified(o.failureClass(), o.left() == null ? null : o.left().name().toLowerCase(java.util.Locale.ROOT)));
    }
    save(rows);
    int failedCount = (int) rows.stream().filter(r -> !r.acknowledged()).count();
    metrics.stockPushed(channel.key(), shopId, rows.size() - failedCount, failedCount);
    String group = done.call().group();
    if (finished.paused()) {
      pauseUntil(done.pause(), done.pausedUntil(), now);
    } else if (finished.retryIn() != null) {
      timers.startSingleTimer("retry-" + group, new RetryPushes(group), finished.retryIn());
    } else {
      next(pushes.afterCall(group, System.nanoTime()));
    }
    drainPushes();
    return Behaviors.same();
  }

  /**
   * The shop's calls are held back: a daily cap ends by itself (a timer at its reset time, when the latest values
   * leave); a shop that is not authorised waits for {@link #resume}.
   */
  private void pauseUntil(FailureClass pause, Instant until, Instant now) {
    if (pause != FailureClass.PAUSE_UNTIL_RESET) {
      log.warn("Stock pushes of {} {} paused until an operator resumes the shop ({})", channel.key(), shopId, pause);
      // the guard's pause may be lifted without this adapter (a new authorisation): look now and then, sending nothing
      timers.startTimerWithFixedDelay("shop-pause-check", PauseCheck.INSTANCE, settings.retryMax());
      return;
    }
    Instant end = until != null ? until : ShopGuard.nextDailyReset(now, ShopGuard.DAILY_RESET_ZONE);
    Duration wait = Duration.between(now, end);
    log.warn("Stock pushes of {} {} paused until {} (daily call cap)", channel.key(), shopId, end);
    timers.startSingleTimer("shop-pause", PauseOver.INSTANCE, wait.isNegative() ? Duration.ZERO : wait);
  }

  /** A de-authorised shop's guard is no longer paused: the stock queue goes again too. */
  Behavior<Command> pauseCheck() {
    return guardPaused.getAsBoolean() ? Behaviors.same() : resume();
  }

  /** The pause is over (its reset time passed, or an operator resumed the shop): the latest values leave. */
  Behavior<Command> resume() {
    timers.cancel("shop-pause");
    timers.cancel("shop-pause-check");
    if (!pushes.paused()) return Behaviors.same();
    pushes.resume(System.nanoTime()).forEach(this::next);
    drainPushes();
    return Behaviors.same();
  }

  boolean paused() {
    return pushes.paused();
  }

  // ---------------------------------------------------------------- reconciliation

  /** Reads the listings' stock from the marketplace, one read per group. */
  Behavior<Command> reconcile(ReconcileStock reconcile) {
    if (!api.configured() || !api.pushesStock()) {
      reconcile.replyTo().tell(new StockReconciled(channel.key(), shopId, 0, 0, reconcile.expected().size()));
      return Behaviors.same();
    }
    Map<String, CompletableFuture<Map<String, Integer>>> reads = new HashMap<>();
    for (PushStock expected : reconcile.expected()) {
      String group = group(expected.listing());
      if (group == null || reads.containsKey(group)) continue;
      reads.put(group, safely(() -> api.readStock(group)).toCompletableFuture());
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new))
        .exceptionally(e -> null);
    context.pipeToSelf(all, (ok, ignored) -> {
      Map<String, Map<String, Integer>> actual = new HashMap<>();
      Map<String, String> errors = new HashMap<>();
      reads.forEach((group, f) -> {
        if (f.isCompletedExceptionally()) errors.put(group, describe(f.handle((v, e) -> e).join()));
        else actual.put(group, f.join());
      });
      return new StockRead(reconcile.expected(), actual, errors, reconcile.replyTo());
    });
    return Behaviors.same();
  }

  /** Re-pushes the listings the marketplace shows wrong, and answers how many were checked and drifted. */
  Behavior<Command> stockRead(StockRead read) {
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
      // A push already on its way, or a newer value than the one expected: nothing to repair now. A blocked listing
      // is refused for good: repeating it would only erode the platform's success rate.
      if (pushes.busyOrNewer(expected.syncKey(), expected.eventSeq()) || pushes.blocked(expected.syncKey())) continue;
      Integer shown = actual.get(api.target(expected.sku(), expected.listing()));
      if (shown == null || shown != expected.quantity()) {
        drifted++;
        log.info("Stock drift on {} {} listing {}: marketplace shows {}, should show {}; re-pushing",
            channel.key(), shopId, expected.syncKey(), shown, expected.quantity());
        push(new PushStock(expected.syncKey(), expected.sku(), expected.listing(), expected.quantity(),
            expected.eventSeq(), expected.changedAt(), false, true));
      }
    }
    read.errors().forEach((group, error) -> log.warn("Stock of {} {} {} could not be read: {}",
        channel.key(), shopId, group, error));
    read.replyTo().tell(new StockReconciled(channel.key(), shopId, checked, drifted, unreadable));
    return Behaviors.same();
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

  private void save(List<ListingSyncStore.Row> rows) {
    if (!rows.isEmpty()) syncWrites.save(rows);
  }

  Behavior<Command> syncRowsWritten(ShopAdapter.SyncRowsWritten written) {
    syncWrites.written();
    return Behaviors.same();
  }
}
