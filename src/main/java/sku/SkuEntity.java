package sku;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import common.CborSerializable;
import common.Channel;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import sku.SkuEvents.AdjustReason;

/**
 * One seller SKU (master SKU code): on-hand stock, reservations by order key, safety stock, the SKU's listings on
 * each channel and the per-channel push rules.
 *
 * <p>The sharded entity is a thin front ({@link SkuFront}) in front of the event-sourced part ({@link SkuBehavior}):
 * the front forwards the first command at once and buffers what arrives while the journal write is in flight, then
 * sends the buffered reservation commands as one {@link Batch}. The persistent part evaluates every item in order
 * against its state, persists the resulting changes as ONE event ({@link SkuEvents.ReservationsApplied}: one journal
 * row and one tag row) and answers each caller after that write is durable. One row per batch instead of one per reservation
 * is what lets a hot SKU take tens of thousands of reservations a second. Past {@code orchestrator.sku.max-buffered} waiting commands the front answers OVERLOADED
 * at once: nothing is dropped silently.
 */
public final class SkuEntity {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Sku");

  /** Every tag an SKU event can carry (projections run one instance per tag). */
  public static final List<String> TAGS = List.of("sku-0", "sku-1", "sku-2", "sku-3");

  /** Error codes at the start of StatusReply error messages of admin commands ("code: text"). */
  public static final String NOT_FOUND = "not_found";
  public static final String CONFLICT = "conflict";
  public static final String INVALID = "invalid";
  public static final String UNAVAILABLE = "unavailable";

  public static final int MAX_SKU_LENGTH = 64;
  public static final int MAX_HISTORY_PAGE = 500;
  public static final int MAX_RESERVATION_PAGE = 1000;
  public static final int ADMIN_RESERVATION_PAGE = 100;
  /** A SKU snapshots at the latest every this many times orchestrator.sku.snapshot-every events. */
  public static final int SNAPSHOT_MAX_FACTOR = 10;

  private SkuEntity() {}

  /**
   * SKUs are remembered entities: after a crash they start again on their own, so hold-expiry timers re-arm and the
   * stock board and channels hear about expiries without waiting for the next order. A SKU idle for
   * {@code passivate-idle-after} with no hold expiry pending leaves memory (and the remembered set: nothing of it
   * needs a timer) and comes back from its snapshot on its next message (Akka passivates no remembered entity by
   * itself).
   */
  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId(), ctx.getShard()))
        .withStopMessage(new Stop())
        .withSettings(akka.cluster.sharding.typed.ClusterShardingSettings.create(system).withRememberEntities(true)));
  }

  public static String tagFor(String sku) {
    return "sku-" + (Math.abs(sku.hashCode()) % 4);
  }

  /** SKU codes are path segments and entity ids: non-blank, at most 64 characters, no control characters. */
  public static String skuError(String sku) {
    if (sku == null || sku.isBlank()) return "SKU code is empty";
    if (sku.length() > MAX_SKU_LENGTH) return "SKU code is longer than " + MAX_SKU_LENGTH + " characters";
    if (sku.chars().anyMatch(Character::isISOControl)) return "SKU code contains control characters";
    return null;
  }

  /** The code of an admin error message ("conflict: ..." gives "conflict"). */
  public static String errorCode(String message) {
    int colon = message == null ? -1 : message.indexOf(": ");
    return colon < 0 ? CONFLICT : message.substring(0, colon);
  }

  public static String errorText(String message) {
    int colon = message == null ? -1 : message.indexOf(": ");
    return colon < 0 ? String.valueOf(message) : message.substring(colon + 2);
  }

  static String error(String code, String text) {
    return code + ": " + text;
  }

  // ------------------------------------------------------------------------------------------------ protocol

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = Reserve.class, name = "Reserve"),
      @JsonSubTypes.Type(value = Release.class, name = "Release"),
      @JsonSubTypes.Type(value = Commit.class, name = "Commit"),
      @JsonSubTypes.Type(value = ClearHold.class, name = "ClearHold"),
      @JsonSubTypes.Type(value = ReturnToStock.class, name = "ReturnToStock"),
      @JsonSubTypes.Type(value = GetState.class, name = "GetState"),
      @JsonSubTypes.Type(value = GetSummary.class, name = "GetSummary"),
      @JsonSubTypes.Type(value = GetStock.class, name = "GetStock"),
      @JsonSubTypes.Type(value = SetStock.class, name = "SetStock"),
      @JsonSubTypes.Type(value = AdjustStock.class, name = "AdjustStock"),
      @JsonSubTypes.Type(value = SetSafetyStock.class, name = "SetSafetyStock"),
      @JsonSubTypes.Type(value = PutListing.class, name = "PutListing"),
      @JsonSubTypes.Type(value = RemoveListing.class, name = "RemoveListing"),
      @JsonSubTypes.Type(value = SetPushRules.class, name = "SetPushRules"),
      @JsonSubTypes.Type(value = GetHistory.class, name = "GetHistory"),
      @JsonSubTypes.Type(value = GrantShares.class, name = "GrantShares"),
      @JsonSubTypes.Type(value = Announce.class, name = "Announce"),
      @JsonSubTypes.Type(value = ReleaseShares.class, name = "ReleaseShares"),
      @JsonSubTypes.Type(value = Batch.class, name = "Batch"),
      @JsonSubTypes.Type(value = BatchDone.class, name = "BatchDone"),
      @JsonSubTypes.Type(value = BatchTimedOut.class, name = "BatchTimedOut"),
      @JsonSubTypes.Type(value = ChildReady.class, name = "ChildReady"),
      @JsonSubTypes.Type(value = TimedHolds.class, name = "TimedHolds"),
      @JsonSubTypes.Type(value = IdleCheck.class, name = "IdleCheck"),
      @JsonSubTypes.Type(value = Stop.class, name = "Stop"),
      @JsonSubTypes.Type(value = ExpireHolds.class, name = "ExpireHolds"),
      @JsonSubTypes.Type(value = LingerEnded.class, name = "LingerEnded")
  })
  public sealed interface Command extends CborSerializable {}

  /** The hot path: batched together while a journal write is in flight. */
  public sealed interface ReservationCommand extends Command {
    String orderKey();

    ActorRef<ReservationReply> replyTo();
  }

  /** Operator commands and reads: answered with StatusReply, each written on its own. */
  public sealed interface AdminCommand<T> extends Command {
    ActorRef<StatusReply<T>> replyTo();
  }

  /** Reserve {@code quantity} for the order, all or nothing. Idempotent on the order key. */
  public record Reserve(String orderKey, int quantity, Instant holdUntil /* nullable */,
                        ActorRef<ReservationReply> replyTo) implements ReservationCommand {}

  /** Order cancelled: the reservation is given back. Idempotent. */
  public record Release(String orderKey, ActorRef<ReservationReply> replyTo) implements ReservationCommand {}

  /** Order shipped: on hand and reserved both drop. Idempotent. */
  public record Commit(String orderKey, ActorRef<ReservationReply> replyTo) implements ReservationCommand {}

  /** Order paid: the reservation no longer expires. */
  public record ClearHold(String orderKey, ActorRef<ReservationReply> replyTo) implements ReservationCommand {}

  /**
   * Goods of a shipped (committed) order came back and an operator confirmed it: on hand grows by {@code quantity}.
   * Idempotent on the order key: a second return of the same order changes nothing.
   */
  public record ReturnToStock(String orderKey, int quantity, String actor, ActorRef<ReservationReply> replyTo)
      implements ReservationCommand {}

  /** Everything, with every reservation: for checks inside the service and its tests, not for the admin API. */
  public record GetState(ActorRef<StatusReply<Summary>> replyTo) implements AdminCommand<Summary> {}

  /**
   * The admin API's view: everything, with one page of the reservations (oldest first) and their count. A hot SKU
   * can hold hundreds of thousands of reservations; copying them all for every look would be work in the wrong
   * place.
   */
  public record GetSummary(int reservationOffset, int reservationLimit, ActorRef<StatusReply<Summary>> replyTo)
      implements AdminCommand<Summary> {}

  /**
   * The SKU's numbers and what each listing should show, without the reservations: what stock sync, the board and
   * order validation need. {@link GetState} copies every reservation (a hot SKU holds hundreds of thousands), which
   * made the stock-sync catch-up's reads ~2/3 of the CPU samples of a hot-SKU benchmark run.
   */
  public record GetStock(ActorRef<StatusReply<Stock>> replyTo) implements AdminCommand<Stock> {}

  /**
   * Like {@link GetStock}, and the SKU also publishes its {@link StockChanged} on its own node's event stream, as
   * after a write: the share stock sync's catch-up and "push now" wake the SKU's allocator where the SKU lives.
   */
  public record Announce(ActorRef<StatusReply<Stock>> replyTo) implements AdminCommand<Stock> {}

  public record SetStock(int onHand, boolean force, String actor, ActorRef<StatusReply<StockResult>> replyTo)
      implements AdminCommand<StockResult> {}

  public record AdjustStock(int delta, AdjustReason reason, boolean force, String actor,
                            ActorRef<StatusReply<StockResult>> replyTo) implements AdminCommand<StockResult> {}

  public record SetSafetyStock(int safetyStock, String actor, ActorRef<StatusReply<Summary>> replyTo)
      implements AdminCommand<Summary> {}

  /** Adds or changes the listing of this SKU on one shop of one channel. */
  public record PutListing(Listing listing, String actor, ActorRef<StatusReply<Summary>> replyTo)
      implements AdminCommand<Summary> {}

  public record RemoveListing(Channel channel, String shopId, String actor, ActorRef<StatusReply<Summary>> replyTo)
      implements AdminCommand<Summary> {}

  public record SetPushRules(PushRules rules, String actor, ActorRef<StatusReply<Summary>> replyTo)
      implements AdminCommand<Summary> {}

  /**
   * Share stock sync (stocksync.shares): these pushes are about to leave; each value is added to its listing's
   * exposure first. A raise beyond the free units is cut to what is free (in the order given) or left out; a 0
   * (a listing lowered) always fits. Listings the SKU does not have are left out.
   */
  public record GrantShares(Map<String, Integer> pushes, ActorRef<StatusReply<ShareGrant>> replyTo)
      implements AdminCommand<ShareGrant> {}

  /**
   * Share stock sync: frees exposure known to be slack. {@code settled}: listing to the sequence number of the grant
   * (a push of 0) it settles, whose whole remaining exposure is freed unless a newer grant came since;
   * {@code returned}: units given back by listings whose sales reach the SKU at once (WhatsApp), at most their
   * exposure.
   */
  public record ReleaseShares(Map<String, Long> settled, Map<String, Integer> returned, String reason,
                              ActorRef<StatusReply<ShareGrant>> replyTo) implements AdminCommand<ShareGrant> {}

  /** Answer to GrantShares/ReleaseShares: what was granted (or freed), at which event, and the book after it. */
  public record ShareGrant(String sku, long eventSeq, Map<String, Integer> changed, Map<String, Integer> exposure,
                           int available) implements CborSerializable {}

  /** Events newest first: {@code offset} events skipped from the newest, at most {@code limit} returned. */
  public record GetHistory(int offset, int limit, ActorRef<StatusReply<HistoryPage>> replyTo)
      implements AdminCommand<HistoryPage> {}

  // Internal messages between the front and the persistent part, and their timers: never sent to another node (the
  // front and its child live together). Listed in Command's subtypes all the same, for the test kit's serialization
  // checks.

  /** Commands evaluated in order and written in one journal write; {@code ackTo} hears {@link BatchDone}. */
  record Batch(List<Command> items, long batchId, ActorRef<Command> ackTo) implements Command {}

  record BatchDone(long batchId) implements Command {}

  record BatchTimedOut(long batchId) implements Command {}

  /**
   * The persistent part finished a recovery (a second one means it restarted after a journal failure), and whether
   * it holds reservations with a hold expiry (timers that only run while the entity is in memory).
   */
  record ChildReady(boolean timedHolds) implements Command {}

  /** Persistent part to front: whether it now holds reservations with a hold expiry (sent when that changes). */
  record TimedHolds(boolean any) implements Command {}

  /** Front only: check whether the SKU has been idle long enough to leave memory. */
  record IdleCheck() implements Command {}

  /**
   * Sharding's stop message (passivation, hand-over): the front stops once no write is in flight and nothing
   * waits, so no caller loses its answer.
   */
  record Stop() implements Command {}

  record ExpireHolds() implements Command {}

  /** Front only: the longest linger after write {@code afterBatchId} is over. */
  record LingerEnded(long afterBatchId) implements Command {}

  // Replies of the hot path: each command's own "Accepted" reply, or ReservationRefused.

  public sealed interface ReservationReply extends CborSerializable {
    String sku();

    String orderKey();
  }

  /** Answer to {@link Reserve}: {@code quantity} is held for the order. */
  public record ReserveAccepted(String sku, String orderKey, int quantity) implements ReservationReply {}

  /** Answer to {@link Release}: {@code quantity} given back. */
  public record ReleaseAccepted(String sku, String orderKey, int quantity /* 0 if nothing was held */)
      implements ReservationReply {}

  /** Answer to {@link Commit}: {@code quantity} left the stock. */
  public record CommitAccepted(String sku, String orderKey, int quantity) implements ReservationReply {}

  /** Answer to {@link ClearHold}: the reservation no longer expires. */
  public record ClearHoldAccepted(String sku, String orderKey) implements ReservationReply {}

  /** Answer to {@link ReturnToStock}: {@code quantity} is on hand again. */
  public record ReturnToStockAccepted(String sku, String orderKey, int quantity) implements ReservationReply {}

  public record ReservationRefused(String sku, String orderKey, RefusalReason reason, int available, String message)
      implements ReservationReply {}

  public enum RefusalReason { INSUFFICIENT_STOCK, UNKNOWN_SKU, OVERLOADED, INVALID_QUANTITY, NOT_RESERVED, ALREADY_FINISHED }

  // Values.

  public record Reservation(int quantity, Instant holdUntil /* nullable */) implements CborSerializable {}

  /** {@code reservations}: all of them or one page (see {@link GetSummary}); {@code reservationCount}: all. */
  public record Summary(String sku, boolean exists, int onHand, int reserved, int safetyStock, int available,
                        int reservationCount, Map<String, Reservation> reservations, List<Listing> listings,
                        PushRules pushRules,
                        Map<String, Integer> shown, Instant lastUpdated, long eventSeq,
                        long replayedOnRecovery /* events replayed after the snapshot when this incarnation started */,
                        Map<String, Integer> exposure /* share sync: per listing, units it may still sell unheard */)
      implements CborSerializable {}

  /** Answer to {@link GetStock}. */
  public record Stock(String sku, boolean exists, int onHand, int reserved, int safetyStock, int available,
                      List<Listing> listings, Map<String, Integer> shown, Instant lastUpdated, long eventSeq,
                      Map<String, Integer> exposure /* listing key to share exposure ({@link Shares}) */,
                      Map<String, Long> sharesSold /* listing key to units sold through it ({@link Shares#sold}) */)
      implements CborSerializable {
    public Stock(String sku, boolean exists, int onHand, int reserved, int safetyStock, int available,
                 List<Listing> listings, Map<String, Integer> shown, Instant lastUpdated, long eventSeq) {
      this(sku, exists, onHand, reserved, safetyStock, available, listings, shown, lastUpdated, eventSeq, Map.of(),
          Map.of());
    }

    /** The same numbers as a {@link StockChanged} of the SKU's last write (now, if it never wrote). */
    public StockChanged asChanged() {
      return new StockChanged(sku, onHand, reserved, safetyStock, available, listings, shown, eventSeq,
          lastUpdated == null ? Instant.now() : lastUpdated, exposure == null ? Map.of() : exposure,
          sharesSold == null ? Map.of() : sharesSold);
    }
  }

  /**
   * Published on the node's event stream after every write that changed the SKU: what each listing should show now.
   * {@code eventSeq} orders them (a listener keeps only the newest); {@code at} is when the write completed.
   */
  public record StockChanged(String sku, int onHand, int reserved, int safetyStock, int available,
                             List<Listing> listings, Map<String, Integer> shown, long eventSeq, Instant at,
                             Map<String, Integer> exposure, Map<String, Long> sharesSold) {
    public StockChanged(String sku, int onHand, int reserved, int safetyStock, int available, List<Listing> listings,
                        Map<String, Integer> shown, long eventSeq, Instant at) {
      this(sku, onHand, reserved, safetyStock, available, listings, shown, eventSeq, at, Map.of(), Map.of());
    }

    /** Available less every listing's share exposure: what the share sync may still give out. */
    public int free() {
      return available - exposure.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /** Answer to SetStock/AdjustStock: a forced change below what is reserved reports the shortfall and the orders. */
  public record StockResult(Summary summary, int shortfall, List<String> shortOrderKeys) implements CborSerializable {}

  public record HistoryEntry(long seq, Instant timestamp, String type, String description, String actor)
      implements CborSerializable {}

  public record HistoryPage(String sku, long total, int offset, int limit, List<HistoryEntry> events)
      implements CborSerializable {}

  // ------------------------------------------------------------------------------------------------ behaviors

  /** The sharded entity: the batching front with the persistent part as its child. */
  public static Behavior<Command> create(String sku) {
    return create(sku, (ActorRef<ClusterSharding.ShardCommand>) null);
  }

  /** @param shard where the SKU asks to leave memory when idle (null: it never does) */
  static Behavior<Command> create(String sku, ActorRef<ClusterSharding.ShardCommand> shard) {
    return Behaviors.setup(ctx -> create(sku, SkuSettings.from(ctx.getSystem().settings().config()), shard));
  }

  public static Behavior<Command> create(String sku, SkuSettings settings) {
    return create(sku, settings, null);
  }

  static Behavior<Command> create(String sku, SkuSettings settings, ActorRef<ClusterSharding.ShardCommand> shard) {
    return infra.LogContext.withMdc(infra.LogContext.sku(sku),
        Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new SkuFront(ctx, timers, sku, settings, shard))));
  }

  /** The event-sourced part alone (tests drive it with EventSourcedBehaviorTestKit). */
  public static Behavior<Command> persistent(String sku, SkuSettings settings, ActorRef<Command> front) {
    return infra.LogContext.withMdc(infra.LogContext.sku(sku),
        Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new SkuBehavior(sku, settings, ctx, timers, front))));
  }

  public static PersistenceId persistenceId(String sku) {
    return PersistenceId.of(ENTITY_TYPE_KEY.name(), sku);
  }
}
