package sku;

import common.CborSerializable;
import common.Channel;

import akka.actor.typed.ActorRef;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.query.EventEnvelope;
import akka.persistence.query.PersistenceQuery;
import akka.persistence.query.javadsl.CurrentEventsByPersistenceIdQuery;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.SignalHandler;
import akka.stream.javadsl.Sink;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.typesafe.config.Config;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One seller SKU (master SKU code): on-hand stock, reservations by order key, safety stock, the SKU's listings on
 * each channel and the per-channel push rules.
 *
 * <p>The sharded entity is a thin front ({@link Front}) in front of the event-sourced part ({@link Persistent}):
 * the front forwards the first command at once and buffers what arrives while the journal write is in flight, then
 * sends the buffered reservation commands as one {@link Batch}. The persistent part evaluates every item in order
 * against its state, persists the resulting changes as ONE event ({@link ReservationsApplied}: one journal row and
 * one tag row) and answers each caller after that write is durable. One row per batch instead of one per reservation
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
   * SKUs are remembered entities and stay in memory (a catalogue is thousands, not millions): after a crash they
   * start again on their own, so hold-expiry timers re-arm and the stock board and channels hear about expiries
   * without waiting for the next order.
   */
  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY, ctx -> create(ctx.getEntityId()))
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

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }

  private static String error(String code, String text) {
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
      @JsonSubTypes.Type(value = Batch.class, name = "Batch"),
      @JsonSubTypes.Type(value = BatchDone.class, name = "BatchDone"),
      @JsonSubTypes.Type(value = BatchTimedOut.class, name = "BatchTimedOut"),
      @JsonSubTypes.Type(value = ChildReady.class, name = "ChildReady"),
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

  /** Events newest first: {@code offset} events skipped from the newest, at most {@code limit} returned. */
  public record GetHistory(int offset, int limit, ActorRef<StatusReply<HistoryPage>> replyTo)
      implements AdminCommand<HistoryPage> {}

  // Internal messages between the front and the persistent part.

  /** Commands evaluated in order and written in one journal write; {@code ackTo} hears {@link BatchDone}. */
  public record Batch(List<Command> items, long batchId, ActorRef<Command> ackTo) implements Command {}

  public record BatchDone(long batchId) implements Command {}

  public record BatchTimedOut(long batchId) implements Command {}

  /** The persistent part finished a recovery (a second one means it restarted after a journal failure). */
  public record ChildReady() implements Command {}

  public record ExpireHolds() implements Command {}

  /** Front only: the longest linger after write {@code afterBatchId} is over. */
  public record LingerEnded(long afterBatchId) implements Command {}

  // Replies of the hot path.

  public sealed interface ReservationReply extends CborSerializable {
    String sku();

    String orderKey();
  }

  public record Reserved(String sku, String orderKey, int quantity) implements ReservationReply {}

  public record Released(String sku, String orderKey, int quantity /* 0 if nothing was held */)
      implements ReservationReply {}

  public record Committed(String sku, String orderKey, int quantity) implements ReservationReply {}

  public record HoldCleared(String sku, String orderKey) implements ReservationReply {}

  public record Restocked(String sku, String orderKey, int quantity) implements ReservationReply {}

  public record ReservationRefused(String sku, String orderKey, RefusalReason reason, int available, String message)
      implements ReservationReply {}

  public enum RefusalReason { INSUFFICIENT_STOCK, UNKNOWN_SKU, OVERLOADED, INVALID_QUANTITY, NOT_RESERVED, ALREADY_FINISHED }

  public enum AdjustReason {
    RECEIVED, DAMAGED, RETURNED, CORRECTION;

    /** Goods received or returned add stock, damage removes it, a correction goes either way; never zero. */
    public String deltaError(int delta) {
      if (delta == 0) return "delta must not be 0";
      if ((this == RECEIVED || this == RETURNED) && delta < 0) return this + " needs a positive delta";
      if (this == DAMAGED && delta > 0) return "DAMAGED needs a negative delta";
      return null;
    }
  }

  // Values.

  public record Reservation(int quantity, Instant holdUntil /* nullable */) implements CborSerializable {}

  public enum Outcome { RELEASED, COMMITTED, EXPIRED, RETURNED }

  public record Finished(Outcome outcome, int quantity) implements CborSerializable {}

  /**
   * Where this SKU is sold: Shopee item_id/model_id (model_id "0" for an item without models), TikTok
   * product_id/sku_id, each per shop; WhatsApp's catalog uses the SKU code itself (shopId = catalog id).
   */
  public record Listing(Channel channel, String shopId, String itemId, String modelId, String productId,
                        String skuId) implements CborSerializable {
    public static Listing shopee(String shopId, String itemId, String modelId) {
      return new Listing(Channel.SHOPEE, shopId, itemId, modelId == null ? "0" : modelId, null, null);
    }

    public static Listing tiktok(String shopId, String productId, String skuId) {
      return new Listing(Channel.TIKTOK, shopId, null, null, productId, skuId);
    }

    public static Listing whatsapp(String catalogId) {
      return new Listing(Channel.WHATSAPP, catalogId, null, null, null, null);
    }

    /** One listing per channel and shop. */
    public String key() {
      return key(channel, shopId);
    }

    public static String key(Channel channel, String shopId) {
      return channel.key() + ":" + shopId;
    }

    public String validationError() {
      if (channel == null) return "channel is required (shopee, tiktok or whatsapp)";
      if (blank(shopId)) return "shopId is required";
      return switch (channel) {
        case SHOPEE -> blank(itemId) ? "itemId is required for a Shopee listing" : null;
        case TIKTOK -> blank(productId) || blank(skuId) ? "productId and skuId are required for a TikTok listing" : null;
        case WHATSAPP -> null;
        case PHONE -> "phone orders have no listing to show stock on";
      };
    }
  }

  /**
   * How much one channel shows. Every field is optional: showZeroBelow (show 0 while available is below it),
   * percent (of the channel's quantity, rounded down), maxShown (a fixed ceiling), allocation (units kept for this
   * channel; when any channel has one, channels show disjoint parts of available).
   */
  public record ChannelRule(Integer showZeroBelow, Integer percent, Integer maxShown, Integer allocation)
      implements CborSerializable {
    public static final ChannelRule NONE = new ChannelRule(null, null, null, null);

    public String validationError() {
      if (showZeroBelow != null && showZeroBelow < 0) return "showZeroBelow must be >= 0";
      if (percent != null && (percent < 0 || percent > 100)) return "percent must be between 0 and 100";
      if (maxShown != null && maxShown < 0) return "maxShown must be >= 0";
      if (allocation != null && allocation < 0) return "allocation must be >= 0";
      return null;
    }
  }

  public record PushRules(Map<Channel, ChannelRule> channels) implements CborSerializable {
    public static final PushRules NONE = new PushRules(Map.of());

    public PushRules {
      channels = channels == null ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(nonEmpty(channels)));
    }

    private static Map<Channel, ChannelRule> nonEmpty(Map<Channel, ChannelRule> channels) {
      Map<Channel, ChannelRule> copy = new EnumMap<>(Channel.class);
      channels.forEach((c, r) -> { if (c != null && r != null) copy.put(c, r); });
      return copy;
    }

    public ChannelRule rule(Channel channel) {
      return channels.getOrDefault(channel, ChannelRule.NONE);
    }

    public boolean allocationOn() {
      return channels.values().stream().anyMatch(r -> r.allocation() != null);
    }

    public String validationError() {
      for (var e : channels.entrySet()) {
        String error = e.getValue().validationError();
        if (error != null) return e.getKey().key() + ": " + error;
      }
      return null;
    }
  }

  /** {@code reservations}: all of them or one page (see {@link GetSummary}); {@code reservationCount}: all. */
  public record Summary(String sku, boolean exists, int onHand, int reserved, int safetyStock, int available,
                        int reservationCount, Map<String, Reservation> reservations, List<Listing> listings,
                        PushRules pushRules,
                        Map<String, Integer> shown, Instant lastUpdated, long eventSeq,
                        long replayedOnRecovery /* events replayed after the snapshot when this incarnation started */)
      implements CborSerializable {}

  /** Answer to {@link GetStock}. */
  public record Stock(String sku, boolean exists, int onHand, int reserved, int safetyStock, int available,
                      List<Listing> listings, Map<String, Integer> shown, Instant lastUpdated, long eventSeq)
      implements CborSerializable {
    /** The same numbers as a {@link StockChanged} of the SKU's last write (now, if it never wrote). */
    public StockChanged asChanged() {
      return new StockChanged(sku, onHand, reserved, safetyStock, available, listings, shown, eventSeq,
          lastUpdated == null ? Instant.now() : lastUpdated);
    }
  }

  /**
   * Published on the node's event stream after every write that changed the SKU: what each listing should show now.
   * {@code eventSeq} orders them (a listener keeps only the newest); {@code at} is when the write completed.
   */
  public record StockChanged(String sku, int onHand, int reserved, int safetyStock, int available,
                             List<Listing> listings, Map<String, Integer> shown, long eventSeq, Instant at) {}

  /** Answer to SetStock/AdjustStock: a forced change below what is reserved reports the shortfall and the orders. */
  public record StockResult(Summary summary, int shortfall, List<String> shortOrderKeys) implements CborSerializable {}

  public record HistoryEntry(long seq, Instant timestamp, String type, String description, String actor)
      implements CborSerializable {}

  public record HistoryPage(String sku, long total, int offset, int limit, List<HistoryEntry> events)
      implements CborSerializable {}

  // ------------------------------------------------------------------------------------------------ events

  public sealed interface Event extends CborSerializable {
    Instant at();

    /** A sentence for the history page. */
    String describe();

    /** The operator who caused it (null for order-driven events). */
    default String actor() {
      return null;
    }

    /** Its lines on the history page, newest first (one per change for a batch event). */
    default List<HistoryEntry> historyEntries(long seq) {
      return List.of(new HistoryEntry(seq, at(), getClass().getSimpleName(), describe(), actor()));
    }
  }

  /**
   * All reservation changes decided from one batch of commands (or one round of hold expiry), in order: ONE journal
   * row and one tag row per batch whatever its size. akka-persistence-jdbc writes each tagged event with its own
   * INSERT ... RETURNING, so one event per change made a batch of N cost N+1 round trips (see BENCHMARKS.md).
   */
  public record ReservationsApplied(List<Change> changes, Instant at) implements Event {
    public ReservationsApplied {
      changes = List.copyOf(changes);
    }

    public String describe() {
      return changes.size() + " reservation change(s)";
    }

    @Override
    public List<HistoryEntry> historyEntries(long seq) {
      List<HistoryEntry> entries = new ArrayList<>(changes.size());
      for (int i = changes.size() - 1; i >= 0; i--) {
        Change c = changes.get(i);
        entries.add(new HistoryEntry(seq, at, c.historyType(), c.describe(), c.actor()));
      }
      return entries;
    }
  }

  /**
   * One change to the reservations, an element of {@link ReservationsApplied}. Kept small (no timestamp, short
   * type names, no null fields): a batch carries hundreds of them.
   */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = Change.Reserved.class, name = "rs"),
      @JsonSubTypes.Type(value = Change.Released.class, name = "rl"),
      @JsonSubTypes.Type(value = Change.Committed.class, name = "cm"),
      @JsonSubTypes.Type(value = Change.HoldCleared.class, name = "hc"),
      @JsonSubTypes.Type(value = Change.Expired.class, name = "ex"),
      @JsonSubTypes.Type(value = Change.Returned.class, name = "rt")
  })
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public sealed interface Change extends CborSerializable {
    String orderKey();

    /** A sentence for the history page. */
    String describe();

    /** The type shown on the history page (the names of the one-event-per-change era, kept for readers). */
    String historyType();

    default String actor() {
      return null;
    }

    record Reserved(String orderKey, int quantity, Instant holdUntil /* nullable */) implements Change {
      public String describe() {
        return "Reserved " + quantity + " for order " + orderKey + (holdUntil == null ? "" : " (hold until " + holdUntil + ")");
      }

      public String historyType() {
        return "StockReserved";
      }
    }

    record Released(String orderKey, int quantity) implements Change {
      public String describe() {
        // Nothing held: the order was refused here or never reached this SKU; recorded so no late reserve can land.
        return quantity == 0 ? "Order " + orderKey + " ended with nothing held here (a late reservation is refused)"
            : "Released " + quantity + " of order " + orderKey;
      }

      public String historyType() {
        return "ReservationReleased";
      }
    }

    record Committed(String orderKey, int quantity) implements Change {
      public String describe() {
        return "Committed " + quantity + " for order " + orderKey + " (shipped)";
      }

      public String historyType() {
        return "ReservationCommitted";
      }
    }

    record HoldCleared(String orderKey) implements Change {
      public String describe() {
        return "Hold of order " + orderKey + " cleared (paid)";
      }

      public String historyType() {
        return "ReservationHoldCleared";
      }
    }

    record Expired(String orderKey, int quantity, Instant holdUntil) implements Change {
      public String describe() {
        return "Hold of order " + orderKey + " expired at " + holdUntil + ": " + quantity + " released";
      }

      public String historyType() {
        return "ReservationExpired";
      }
    }

    record Returned(String orderKey, int quantity, String actor) implements Change {
      public String describe() {
        return actor + " put " + quantity + " back on hand (order " + orderKey + " returned)";
      }

      public String historyType() {
        return "StockReturned";
      }
    }
  }

  /** Reservation events of the one-event-per-change era: never written any more, still replayed. */
  public sealed interface LegacyChangeEvent extends Event {
    Change change();

    default String describe() {
      return change().describe();
    }
  }

  public record StockReserved(String orderKey, int quantity, Instant holdUntil, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Reserved(orderKey, quantity, holdUntil);
    }
  }

  public record ReservationReleased(String orderKey, int quantity, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Released(orderKey, quantity);
    }
  }

  public record ReservationCommitted(String orderKey, int quantity, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Committed(orderKey, quantity);
    }
  }

  public record ReservationHoldCleared(String orderKey, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.HoldCleared(orderKey);
    }
  }

  public record StockReturned(String orderKey, int quantity, String actor, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Returned(orderKey, quantity, actor);
    }
  }

  public record ReservationExpired(String orderKey, int quantity, Instant holdUntil, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Expired(orderKey, quantity, holdUntil);
    }
  }

  public record StockSet(int onHand, int previousOnHand, int shortfall, List<String> shortOrderKeys, boolean forced,
                         String actor, Instant at) implements Event {
    public String describe() {
      return actor + " set on hand from " + previousOnHand + " to " + onHand
          + (shortfall > 0 ? " (forced; " + shortfall + " short for orders " + shortOrderKeys + ")" : "");
    }
  }

  public record StockAdjusted(int delta, AdjustReason reason, int onHandAfter, int shortfall,
                              List<String> shortOrderKeys, boolean forced, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " adjusted on hand by " + (delta > 0 ? "+" : "") + delta + " (" + reason + ") to " + onHandAfter
          + (shortfall > 0 ? " (forced; " + shortfall + " short for orders " + shortOrderKeys + ")" : "");
    }
  }

  public record SafetyStockSet(int safetyStock, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " set safety stock to " + safetyStock;
    }
  }

  public record ListingPut(Listing listing, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " put listing " + listing;
    }
  }

  public record ListingRemoved(Channel channel, String shopId, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " removed listing " + Listing.key(channel, shopId);
    }
  }

  public record PushRulesSet(PushRules rules, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " set push rules " + rules.channels();
    }
  }

  // ------------------------------------------------------------------------------------------------ state

  /** What the reservation rules read and change; implemented by the state and by a batch's tentative view. */
  interface Book {
    Reservation reservation(String orderKey);

    void putReservation(String orderKey, Reservation reservation);

    void removeReservation(String orderKey);

    Finished finished(String orderKey);

    void putFinished(String orderKey, Finished finished);

    int onHand();

    void onHand(int value);

    int reserved();

    void reserved(int value);
  }

  /** The one place where reservation changes change a book (state or tentative view). */
  static void applyChange(Book book, Change change) {
    if (change instanceof Change.Reserved c) {
      book.putReservation(c.orderKey(), new Reservation(c.quantity(), c.holdUntil()));
      book.reserved(book.reserved() + c.quantity());
    } else if (change instanceof Change.Released c) {
      finish(book, c.orderKey(), Outcome.RELEASED);
    } else if (change instanceof Change.Expired c) {
      finish(book, c.orderKey(), Outcome.EXPIRED);
    } else if (change instanceof Change.Committed c) {
      finish(book, c.orderKey(), Outcome.COMMITTED);
      book.onHand(book.onHand() - c.quantity());
    } else if (change instanceof Change.Returned c) {
      book.onHand(book.onHand() + c.quantity());
      book.putFinished(c.orderKey(), new Finished(Outcome.RETURNED, c.quantity()));
    } else if (change instanceof Change.HoldCleared c) {
      Reservation r = book.reservation(c.orderKey());
      if (r != null) book.putReservation(c.orderKey(), new Reservation(r.quantity(), null));
    }
  }

  private static void finish(Book book, String orderKey, Outcome outcome) {
    Reservation r = book.reservation(orderKey);
    int quantity = r == null ? 0 : r.quantity();
    book.removeReservation(orderKey);
    book.reserved(book.reserved() - quantity);
    book.putFinished(orderKey, new Finished(outcome, quantity));
  }

  /**
   * A SKU's stock numbers without its reservations: what read sides keep (the stock levels table). Follows the same
   * events as {@link State}: admin events carry absolute values, reservation changes carry the quantity they moved
   * (the quantity held when they were decided, which is what {@link #applyChange} finds in the book).
   */
  public record Levels(boolean exists, int onHand, int reserved, int safetyStock, List<Listing> listings,
                       PushRules pushRules) {
    public static Levels empty() {
      return new Levels(false, 0, 0, 0, List.of(), PushRules.NONE);
    }

    public Levels {
      listings = listings == null ? List.of() : List.copyOf(listings);
      pushRules = pushRules == null ? PushRules.NONE : pushRules;
    }

    public int available() {
      return SkuEntity.available(onHand, reserved, safetyStock);
    }

    /** What each listing shows (listing key to quantity), as the entity's summary says. */
    public Map<String, Integer> shown() {
      return shownQuantities(available(), listings, pushRules);
    }

    public Levels after(Event event) {
      if (event instanceof StockSet e) return new Levels(true, e.onHand(), reserved, safetyStock, listings, pushRules);
      if (event instanceof StockAdjusted e) {
        return new Levels(true, e.onHandAfter(), reserved, safetyStock, listings, pushRules);
      }
      if (event instanceof SafetyStockSet e) return new Levels(exists, onHand, reserved, e.safetyStock(), listings, pushRules);
      if (event instanceof ListingPut e) {
        TreeMap<String, Listing> byKey = byKey();
        byKey.put(e.listing().key(), e.listing());
        return new Levels(true, onHand, reserved, safetyStock, List.copyOf(byKey.values()), pushRules);
      }
      if (event instanceof ListingRemoved e) {
        TreeMap<String, Listing> byKey = byKey();
        byKey.remove(Listing.key(e.channel(), e.shopId()));
        return new Levels(exists, onHand, reserved, safetyStock, List.copyOf(byKey.values()), pushRules);
      }
      if (event instanceof PushRulesSet e) return new Levels(exists, onHand, reserved, safetyStock, listings, e.rules());
      int[] counts = {onHand, reserved};
      if (event instanceof ReservationsApplied e) e.changes().forEach(c -> count(counts, c));
      else if (event instanceof LegacyChangeEvent e) count(counts, e.change());
      return new Levels(exists, counts[0], counts[1], safetyStock, listings, pushRules);
    }

    private TreeMap<String, Listing> byKey() {
      TreeMap<String, Listing> byKey = new TreeMap<>();
      listings.forEach(l -> byKey.put(l.key(), l));
      return byKey;
    }

    private static void count(int[] onHandAndReserved, Change change) {
      if (change instanceof Change.Reserved c) {
        onHandAndReserved[1] += c.quantity();
      } else if (change instanceof Change.Released c) {
        onHandAndReserved[1] -= c.quantity();
      } else if (change instanceof Change.Expired c) {
        onHandAndReserved[1] -= c.quantity();
      } else if (change instanceof Change.Committed c) {
        onHandAndReserved[0] -= c.quantity();
        onHandAndReserved[1] -= c.quantity();
      } else if (change instanceof Change.Returned c) {
        onHandAndReserved[0] += c.quantity();
      }
    }
  }

  static int available(int onHand, int reserved, int safetyStock) {
    return Math.max(0, onHand - reserved - safetyStock);
  }

  /**
   * Mutable on purpose: a hot SKU holds many reservations and the last 50,000 finished order keys, and copying
   * them per event would cap throughput. Only the event handler changes it; batches decide against a
   * {@link Tentative} view; snapshots get a deep copy (taken on the actor's thread).
   */
  public static final class State implements CborSerializable, Book {
    @JsonProperty private String sku;
    @JsonProperty private boolean exists;
    @JsonProperty private int onHand;
    @JsonProperty private int reserved;
    @JsonProperty private int safetyStock;
    @JsonProperty private LinkedHashMap<String, Reservation> reservations = new LinkedHashMap<>();
    @JsonProperty private LinkedHashMap<String, Finished> finished = new LinkedHashMap<>();
    @JsonProperty private TreeMap<String, Listing> listings = new TreeMap<>();
    @JsonProperty private PushRules pushRules = PushRules.NONE;
    @JsonProperty private Instant lastUpdated;
    @JsonProperty private long eventSeq;
    /** Lines of the history page: one per admin event, one per reservation change (a batch event has many). */
    @JsonProperty private long historySize;

    /** Holds by expiry, derived from reservations (rebuilt after a snapshot is loaded). */
    @JsonIgnore private TreeSet<Hold> holds;
    @JsonIgnore private int finishedKeysKept = Integer.MAX_VALUE;
    /** Events applied to this object: at the end of recovery, the number replayed after the snapshot. */
    @JsonIgnore private long appliedSinceLoad;
    @JsonIgnore private long replayedOnRecovery;
    /** Events and reservation changes applied since the last snapshot was taken (or loaded): see snapshotDue. */
    @JsonIgnore private long eventsSinceSnapshot;
    @JsonIgnore private long changesSinceSnapshot;
    /**
     * The behavior's empty state, which Akka keeps as one instance for the life of the behavior and recovers from
     * again after every journal-failure restart: it must never be mutated, so the first event applied to it
     * starts a new object. (It was mutated once: after a restart the events were replayed on top of the previous
     * incarnation's state, and every reservation was counted twice in {@code reserved} while the map kept one
     * entry: stock stuck "reserved" after a database outage, found by the PostgreSQL-outage fault test.)
     */
    @JsonIgnore private boolean pristine;

    private State() {}

    public State(String sku) {
      this.sku = sku;
    }

    /** An empty state that stays empty: applying an event to it returns a new state. */
    static State pristine(String sku) {
      State s = new State(sku);
      s.pristine = true;
      return s;
    }

    public String sku() { return sku; }
    public boolean exists() { return exists; }
    public int safetyStock() { return safetyStock; }
    public long eventSeq() { return eventSeq; }
    public long historySize() { return historySize; }
    public int available() { return SkuEntity.available(onHand, reserved, safetyStock); }
    public int reservationCount() { return reservations.size(); }
    public int finishedCount() { return finished.size(); }
    public long replayedOnRecovery() { return replayedOnRecovery; }

    @Override public int onHand() { return onHand; }
    @Override public void onHand(int value) { onHand = value; }
    @Override public int reserved() { return reserved; }
    @Override public void reserved(int value) { reserved = value; }
    @Override public Reservation reservation(String orderKey) { return reservations.get(orderKey); }
    @Override public Finished finished(String orderKey) { return finished.get(orderKey); }

    @Override
    public void putReservation(String orderKey, Reservation reservation) {
      Reservation old = reservations.put(orderKey, reservation);
      if (old != null && old.holdUntil() != null) holds().remove(new Hold(old.holdUntil(), orderKey));
      if (reservation.holdUntil() != null) holds().add(new Hold(reservation.holdUntil(), orderKey));
    }

    @Override
    public void removeReservation(String orderKey) {
      Reservation old = reservations.remove(orderKey);
      if (old != null && old.holdUntil() != null) holds().remove(new Hold(old.holdUntil(), orderKey));
    }

    @Override
    public void putFinished(String orderKey, Finished value) {
      finished.remove(orderKey); // re-insert as the newest
      finished.put(orderKey, value);
      Iterator<String> oldest = finished.keySet().iterator();
      while (finished.size() > finishedKeysKept && oldest.hasNext()) {
        oldest.next();
        oldest.remove();
      }
    }

    private TreeSet<Hold> holds() {
      if (holds == null) {
        holds = new TreeSet<>();
        reservations.forEach((k, r) -> { if (r.holdUntil() != null) holds.add(new Hold(r.holdUntil(), k)); });
      }
      return holds;
    }

    void recoveryCompleted() {
      replayedOnRecovery = appliedSinceLoad;
    }

    /**
     * A snapshot is due after at least {@code minEvents} events, once the reservation changes since the last one
     * reach the reservations a snapshot holds, and at the latest after {@value #SNAPSHOT_MAX_FACTOR} x
     * {@code minEvents} events. A count of events alone makes a hot SKU holding 700k reservations copy and write all
     * of them (a 22 MB snapshot, copied on the entity's thread) every 1,000 writes, about every second in bench-sku;
     * this way the snapshot work stays about one reservation per change, and a recovery replays at most
     * {@value #SNAPSHOT_MAX_FACTOR} x minEvents events. A SKU with a small book (the usual case) still snapshots
     * every minEvents events. The finished keys are left out: finished-keys-kept bounds them.
     */
    boolean snapshotDue(int minEvents) {
      if (eventsSinceSnapshot < minEvents) return false;
      return changesSinceSnapshot >= reservations.size()
          || eventsSinceSnapshot >= (long) SNAPSHOT_MAX_FACTOR * minEvents;
    }

    /** The snapshot of this state is being taken now: counting starts again. */
    void snapshotTaken() {
      eventsSinceSnapshot = 0;
      changesSinceSnapshot = 0;
    }

    Instant earliestHold() {
      TreeSet<Hold> h = holds();
      return h.isEmpty() ? null : h.first().until();
    }

    /** Holds due at {@code now}, earliest first, at most {@code max}. */
    List<Hold> dueHolds(Instant now, int max) {
      List<Hold> due = new ArrayList<>();
      for (Hold h : holds()) {
        if (h.until().isAfter(now) || due.size() >= max) break;
        due.add(h);
      }
      return due;
    }

    /** Newest reservations first until they cover {@code shortfall}: the orders a forced cut leaves short. */
    List<String> newestCovering(int shortfall) {
      List<String> keys = new ArrayList<>(reservations.keySet());
      List<String> result = new ArrayList<>();
      int covered = 0;
      for (int i = keys.size() - 1; i >= 0 && covered < shortfall; i--) {
        result.add(keys.get(i));
        covered += reservations.get(keys.get(i)).quantity();
      }
      return result;
    }

    State apply(Event event, int finishedKeysKept) {
      if (pristine) return new State(sku).apply(event, finishedKeysKept);
      this.finishedKeysKept = finishedKeysKept;
      appliedSinceLoad++;
      eventsSinceSnapshot++;
      changesSinceSnapshot += event instanceof ReservationsApplied e ? e.changes().size() : 1;
      eventSeq++;
      lastUpdated = event.at();
      if (event instanceof StockSet e) {
        onHand = e.onHand();
        exists = true;
      } else if (event instanceof StockAdjusted e) {
        onHand = e.onHandAfter();
        exists = true;
      } else if (event instanceof SafetyStockSet e) {
        safetyStock = e.safetyStock();
      } else if (event instanceof ListingPut e) {
        listings.put(e.listing().key(), e.listing());
        exists = true;
      } else if (event instanceof ListingRemoved e) {
        listings.remove(Listing.key(e.channel(), e.shopId()));
      } else if (event instanceof PushRulesSet e) {
        pushRules = e.rules();
      } else if (event instanceof ReservationsApplied e) {
        for (Change change : e.changes()) applyChange(this, change);
        historySize += e.changes().size() - 1;
      } else if (event instanceof LegacyChangeEvent e) {
        applyChange(this, e.change());
      }
      historySize++;
      return this;
    }

    /** What channels should show now; unlike {@link #summary()} it does not copy the reservations (hot path). */
    StockChanged stockChanged(Instant at) {
      int available = available();
      return new StockChanged(sku, onHand, reserved, safetyStock, available, List.copyOf(listings.values()),
          shownQuantities(available, listings.values(), pushRules), eventSeq, at);
    }

    Stock stock() {
      int available = available();
      return new Stock(sku, exists, onHand, reserved, safetyStock, available, List.copyOf(listings.values()),
          shownQuantities(available, listings.values(), pushRules), lastUpdated, eventSeq);
    }

    Summary summary() {
      return summary(0, Integer.MAX_VALUE);
    }

    /** What an admin write answers: the first page of the reservations, as GET /admin/skus/{sku} shows by default. */
    Summary adminSummary() {
      return summary(0, ADMIN_RESERVATION_PAGE);
    }

    /** With the reservations from {@code offset} (oldest first), at most {@code limit} of them. */
    Summary summary(int offset, int limit) {
      int available = available();
      LinkedHashMap<String, Reservation> page = new LinkedHashMap<>();
      if (offset == 0 && limit >= reservations.size()) {
        page.putAll(reservations);
      } else {
        int i = 0;
        for (Map.Entry<String, Reservation> e : reservations.entrySet()) {
          if (page.size() >= limit) break;
          if (i++ >= offset) page.put(e.getKey(), e.getValue());
        }
      }
      return new Summary(sku, exists, onHand, reserved, safetyStock, available, reservations.size(),
          Collections.unmodifiableMap(page), List.copyOf(listings.values()), pushRules,
          shownQuantities(available, listings.values(), pushRules), lastUpdated, eventSeq, replayedOnRecovery);
    }

    /** A deep copy for snapshots (serialized off the actor's thread while this one keeps changing). */
    State copy() {
      State c = new State(sku);
      c.exists = exists;
      c.onHand = onHand;
      c.reserved = reserved;
      c.safetyStock = safetyStock;
      c.reservations = new LinkedHashMap<>(reservations);
      c.finished = new LinkedHashMap<>(finished);
      c.listings = new TreeMap<>(listings);
      c.pushRules = pushRules;
      c.lastUpdated = lastUpdated;
      c.eventSeq = eventSeq;
      c.historySize = historySize;
      return c;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s && exists == s.exists && onHand == s.onHand && reserved == s.reserved
          && safetyStock == s.safetyStock && eventSeq == s.eventSeq && historySize == s.historySize && Objects.equals(sku, s.sku)
          && reservations.equals(s.reservations) && finished.equals(s.finished) && listings.equals(s.listings)
          && pushRules.equals(s.pushRules) && Objects.equals(lastUpdated, s.lastUpdated);
    }

    @Override
    public int hashCode() {
      return Objects.hash(sku, onHand, reserved, eventSeq);
    }

    @Override
    public String toString() {
      return "State[" + sku + " onHand=" + onHand + " reserved=" + reserved + " reservations=" + reservations.size()
          + " finished=" + finished.size() + " seq=" + eventSeq + "]";
    }
  }

  record Hold(Instant until, String orderKey) implements Comparable<Hold> {
    private static final Comparator<Hold> ORDER =
        Comparator.comparing(Hold::until).thenComparing(Hold::orderKey);

    @Override
    public int compareTo(Hold o) {
      return ORDER.compare(this, o);
    }
  }

  /** The state as it will be after the events decided so far in a batch, without touching the state itself. */
  static final class Tentative implements Book {
    private final State base;
    private int onHand;
    private int reserved;
    private final Map<String, Reservation> reservations = new HashMap<>(); // null value: removed in this batch
    private final Map<String, Finished> finished = new HashMap<>();

    Tentative(State base) {
      this.base = base;
      this.onHand = base.onHand();
      this.reserved = base.reserved();
    }

    @Override public int onHand() { return onHand; }
    @Override public void onHand(int value) { onHand = value; }
    @Override public int reserved() { return reserved; }
    @Override public void reserved(int value) { reserved = value; }

    @Override
    public Reservation reservation(String orderKey) {
      return reservations.containsKey(orderKey) ? reservations.get(orderKey) : base.reservation(orderKey);
    }

    @Override public void putReservation(String orderKey, Reservation r) { reservations.put(orderKey, r); }
    @Override public void removeReservation(String orderKey) { reservations.put(orderKey, null); }

    @Override
    public Finished finished(String orderKey) {
      Finished f = finished.get(orderKey);
      return f != null ? f : base.finished(orderKey);
    }

    @Override public void putFinished(String orderKey, Finished f) { finished.put(orderKey, f); }
  }

  /**
   * Decides one reservation command against {@code book}: appends the resulting change (if any) to {@code changes},
   * applies it to {@code book} and returns the answer for the caller.
   */
  static ReservationReply decide(State state, Book book, ReservationCommand command, List<Change> changes) {
    String sku = state.sku();
    String key = command.orderKey();
    int available = available(book.onHand(), book.reserved(), state.safetyStock());
    Reservation held = key == null ? null : book.reservation(key);
    Finished done = key == null ? null : book.finished(key);
    if (key == null || key.isBlank()) {
      return new ReservationRefused(sku, String.valueOf(key), RefusalReason.INVALID_QUANTITY, available, "order key is empty");
    }
    if (command instanceof Reserve r) {
        if (!state.exists()) {
          return new ReservationRefused(sku, key, RefusalReason.UNKNOWN_SKU, 0, "SKU " + sku + " is not known (no stock set, no listing)");
        }
        if (held != null) return new Reserved(sku, key, held.quantity()); // the original answer, nothing changes
        if (done != null) {
          return new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
              "order " + key + " already " + done.outcome().name().toLowerCase() + " its reservation");
        }
        if (r.quantity() <= 0) {
          return new ReservationRefused(sku, key, RefusalReason.INVALID_QUANTITY, available, "quantity must be positive, was " + r.quantity());
        }
        if (r.quantity() > available) {
          return new ReservationRefused(sku, key, RefusalReason.INSUFFICIENT_STOCK, available,
              "asked " + r.quantity() + ", available " + available);
        }
        return record(book, changes, new Change.Reserved(key, r.quantity(), r.holdUntil()),
            new Reserved(sku, key, r.quantity()));
    } else if (command instanceof Release) {
        if (held == null) {
          if (done != null && done.outcome() == Outcome.COMMITTED) {
            return new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
                "order " + key + " was committed (shipped); a return is a stock adjustment");
          }
          if (done != null || !state.exists()) return new Released(sku, key, 0); // the original answer
          // Nothing known of this order here: the release is recorded all the same (a tombstone), so a reservation
          // still on its way can never land after it. Seen in the PostgreSQL-outage fault test: a journal write that
          // Akka had given up on committed late, after a restarted SKU had answered the order's release "nothing
          // held"; the order ended OUT_OF_STOCK and its units stayed reserved. Now such a late write and the
          // tombstone compete for the same sequence number (one fails and the SKU recovers), and a Reserve retried
          // after the release is refused ALREADY_FINISHED.
          return record(book, changes, new Change.Released(key, 0), new Released(sku, key, 0));
        }
        return record(book, changes, new Change.Released(key, held.quantity()), new Released(sku, key, held.quantity()));
    } else if (command instanceof Commit) {
        if (held == null) {
          if (done != null && done.outcome() == Outcome.COMMITTED) return new Committed(sku, key, done.quantity());
          if (done != null) {
            return new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
                "order " + key + " was " + done.outcome().name().toLowerCase() + ", nothing to commit");
          }
          return new ReservationRefused(sku, key, RefusalReason.NOT_RESERVED, available, "order " + key + " holds no reservation");
        }
        return record(book, changes, new Change.Committed(key, held.quantity()), new Committed(sku, key, held.quantity()));
    } else if (command instanceof ReturnToStock r) {
        if (done != null && done.outcome() == Outcome.RETURNED) return new Restocked(sku, key, done.quantity());
        if (held != null || (done != null && done.outcome() != Outcome.COMMITTED)) {
          return new ReservationRefused(sku, key, RefusalReason.NOT_RESERVED, available,
              "order " + key + " was not shipped from this SKU; nothing to return");
        }
        if (r.quantity() <= 0) {
          return new ReservationRefused(sku, key, RefusalReason.INVALID_QUANTITY, available,
              "quantity must be positive, was " + r.quantity());
        }
        return record(book, changes, new Change.Returned(key, r.quantity(), r.actor()),
            new Restocked(sku, key, r.quantity()));
    } else {
        if (held == null) {
          return done != null
              ? new ReservationRefused(sku, key, RefusalReason.ALREADY_FINISHED, available,
                  "order " + key + " was " + done.outcome().name().toLowerCase())
              : new ReservationRefused(sku, key, RefusalReason.NOT_RESERVED, available, "order " + key + " holds no reservation");
        }
        if (held.holdUntil() == null) return new HoldCleared(sku, key);
        return record(book, changes, new Change.HoldCleared(key), new HoldCleared(sku, key));
    }
  }

  private static ReservationReply record(Book book, List<Change> changes, Change change, ReservationReply reply) {
    changes.add(change);
    applyChange(book, change);
    return reply;
  }

  // ------------------------------------------------------------------------------------------------ push rules

  /**
   * What each listing should show (listing key to quantity). Without allocation every listing shows its channel's
   * rule applied to available. With allocation (any channel has one) available is partitioned: channels with an
   * allocation get up to it (in channel order), the rest is split evenly between the other channels that have
   * listings, each channel's rule can only lower its part, and a channel's part is split between its listings, so
   * the shown quantities never add up to more than available. showZeroBelow compares the SKU's available.
   */
  public static Map<String, Integer> shownQuantities(int available, Collection<Listing> listings, PushRules rules) {
    Map<String, Integer> shown = new TreeMap<>();
    if (listings.isEmpty()) return shown;
    int total = Math.max(0, available);
    Map<Channel, List<Listing>> byChannel = new EnumMap<>(Channel.class);
    listings.stream().sorted(Comparator.comparing(Listing::key))
        .forEach(l -> byChannel.computeIfAbsent(l.channel(), c -> new ArrayList<>()).add(l));
    boolean allocationOn = rules.allocationOn();
    Map<Channel, Integer> part = new EnumMap<>(Channel.class);
    if (!allocationOn) {
      byChannel.keySet().forEach(c -> part.put(c, total));
    } else {
      int remaining = total;
      for (Channel c : Channel.values()) {
        Integer allocation = rules.rule(c).allocation();
        if (allocation == null) continue;
        int kept = Math.min(allocation, remaining);
        remaining -= kept;
        if (byChannel.containsKey(c)) part.put(c, kept); // kept for the channel even without listings
      }
      List<Channel> sharing = byChannel.keySet().stream().filter(c -> rules.rule(c).allocation() == null).toList();
      for (int i = 0; i < sharing.size(); i++) {
        part.put(sharing.get(i), remaining / sharing.size() + (i < remaining % sharing.size() ? 1 : 0));
      }
    }
    byChannel.forEach((channel, channelListings) -> {
      ChannelRule rule = rules.rule(channel);
      int x = part.get(channel);
      if (rule.percent() != null) x = (int) ((long) x * rule.percent() / 100);
      if (rule.maxShown() != null) x = Math.min(x, rule.maxShown());
      if (rule.showZeroBelow() != null && total < rule.showZeroBelow()) x = 0;
      int n = channelListings.size();
      for (int i = 0; i < n; i++) {
        int each = allocationOn ? x / n + (i < x % n ? 1 : 0) : x;
        shown.put(channelListings.get(i).key(), each);
      }
    });
    return shown;
  }

  // ------------------------------------------------------------------------------------------------ settings

  public record Settings(int maxBatchSize, int maxBuffered, int snapshotEvery, int keepSnapshots,
                         int finishedKeysKept, Duration batchTimeout, Duration restartBackoffMin,
                         Duration restartBackoffMax, String readJournal, Linger linger) {
    public static Settings from(Config config) {
      Config c = config.getConfig("orchestrator.sku");
      return new Settings(c.getInt("max-batch-size"), c.getInt("max-buffered"), c.getInt("snapshot-every"),
          c.getInt("keep-snapshots"), c.getInt("finished-keys-kept"), c.getDuration("batch-timeout"),
          c.getDuration("restart-backoff-min"), c.getDuration("restart-backoff-max"), c.getString("read-journal"),
          new Linger(c.getDuration("linger.max"), c.getInt("linger.min-batch")));
    }

    public Settings withLinger(Linger linger) {
      return new Settings(maxBatchSize, maxBuffered, snapshotEvery, keepSnapshots, finishedKeysKept, batchTimeout,
          restartBackoffMin, restartBackoffMax, readJournal, linger);
    }
  }

  /**
   * After a write of at least {@code minBatch} commands (a SKU under load) the front waits up to {@code max} for the
   * callers it just answered before sending the next batch, and stops waiting as soon as as many commands are
   * buffered as were written plus already waiting. Zero {@code max} turns it off.
   */
  public record Linger(Duration max, int minBatch) {
    public static final Linger OFF = new Linger(Duration.ZERO, Integer.MAX_VALUE);

    public boolean on() {
      return !max.isZero() && !max.isNegative();
    }
  }

  // ------------------------------------------------------------------------------------------------ behaviors

  /** The sharded entity: the batching front with the persistent part as its child. */
  public static Behavior<Command> create(String sku) {
    return Behaviors.setup(ctx -> create(sku, Settings.from(ctx.getSystem().settings().config())));
  }

  public static Behavior<Command> create(String sku, Settings settings) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Front(ctx, timers, sku, settings)));
  }

  /** The event-sourced part alone (tests drive it with EventSourcedBehaviorTestKit). */
  public static Behavior<Command> persistent(String sku, Settings settings, ActorRef<Command> front) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Persistent(sku, settings, ctx, timers, front)));
  }

  public static PersistenceId persistenceId(String sku) {
    return PersistenceId.of(ENTITY_TYPE_KEY.name(), sku);
  }

  /**
   * Forwards one batch at a time to the persistent part and buffers everything that arrives meanwhile. Reservation
   * commands are sent together (up to max-batch-size); an admin command or read goes alone, in arrival order.
   * Under load (a write of at least linger.min-batch) it lingers briefly before the next batch so the callers it
   * just answered can join it (see {@link Linger}); an idle SKU sends a command at once.
   */
  static final class Front extends AbstractBehavior<Command> {
    private static final String TIMEOUT = "batch-timeout";
    static final int LINGER_TIMEOUTS_BEFORE_BACKOFF = 3;
    static final int MAX_LINGER_SKIPS = 64;
    private final TimerScheduler<Command> timers;
    private final String sku;
    private final Settings settings;
    private final ActorRef<Command> child;
    private final ArrayDeque<Command> buffer = new ArrayDeque<>();
    private Batch inFlight;
    private long inFlightSince;
    private long batchIds;
    private int recoveries;
    private final infra.Metrics metrics;
    private final LingerClock lingerClock;
    // Lingering: no write in flight, waiting (until lingerExpected commands are buffered or LingerEnded) to send
    // the next batch. lingerExpected is 0 when not lingering.
    private int lingerExpected;
    private ScheduledFuture<?> lingerEnd;
    // Lingers that ran to their max in a row (the callers did not come back: open traffic), and how many large
    // writes to send on without lingering because of them.
    private int lingerTimeouts;
    private int lingerSkips;

    Front(ActorContext<Command> ctx, TimerScheduler<Command> timers, String sku, Settings settings) {
      super(ctx);
      this.timers = timers;
      this.sku = sku;
      this.settings = settings;
      this.child = ctx.spawn(persistent(sku, settings, ctx.getSelf()), "state");
      ctx.watch(child);
      this.metrics = infra.Metrics.get(ctx.getSystem());
      this.lingerClock = settings.linger().on() ? LingerClock.get(ctx.getSystem()) : null;
    }

    @Override
    public Receive<Command> createReceive() {
      return newReceiveBuilder()
          .onMessage(BatchDone.class, this::onBatchDone)
          .onMessage(ChildReady.class, this::onChildReady)
          .onMessage(BatchTimedOut.class, this::onBatchTimedOut)
          .onMessage(Batch.class, b -> this) // only the front sends batches
          .onMessage(ExpireHolds.class, e -> this)
          .onMessage(LingerEnded.class, this::onLingerEnded)
          .onMessage(Command.class, this::onCommand)
          .onSignal(Terminated.class, t -> {
            failAll("the SKU entity stopped; retry");
            return Behaviors.stopped();
          })
          .onSignal(PostStop.class, s -> {
            failAll("the SKU entity stopped; retry");
            return this;
          })
          .build();
    }

    private Behavior<Command> onCommand(Command command) {
      if (inFlight == null && lingerExpected == 0) {
        dispatch(List.of(command));
      } else if (buffer.size() >= settings.maxBuffered()) {
        refuse(command, "SKU " + sku + " has " + buffer.size() + " commands waiting; retry later");
      } else {
        buffer.add(command);
        // Lingering ends once the expected callers are back; an admin command or read goes alone anyway.
        if (lingerExpected > 0 && (buffer.size() >= lingerExpected || !(command instanceof ReservationCommand))) {
          if (buffer.size() >= lingerExpected) lingerTimeouts = 0; // the callers came back: lingering pays
          stopLingering();
          dispatchNext();
        }
      }
      return this;
    }

    private Behavior<Command> onBatchDone(BatchDone done) {
      if (inFlight != null && inFlight.batchId() == done.batchId()) {
        int written = inFlight.items().size();
        metrics.skuBatchWritten(written, System.nanoTime() - inFlightSince);
        inFlight = null;
        timers.cancel(TIMEOUT);
        int expected = Math.min(settings.maxBatchSize(), buffer.size() + written);
        boolean lingerWorth = lingerClock != null && written >= settings.linger().minBatch()
            && buffer.size() < expected && (buffer.isEmpty() || buffer.peek() instanceof ReservationCommand);
        if (lingerWorth && lingerSkips > 0) {
          lingerSkips--;
          dispatchNext();
        } else if (lingerWorth) {
          startLingering(expected, done.batchId());
        } else {
          dispatchNext();
        }
      }
      return this;
    }

    /**
     * The callers just answered (written) will most likely send their next command within a fraction of a
     * millisecond; sending the next batch before they do would keep them out of it until the write after.
     */
    private void startLingering(int expected, long afterBatchId) {
      lingerExpected = expected;
      ActorRef<Command> self = getContext().getSelf();
      lingerEnd = lingerClock.schedule(() -> self.tell(new LingerEnded(afterBatchId)), settings.linger().max());
    }

    private void stopLingering() {
      lingerExpected = 0;
      if (lingerEnd != null) lingerEnd.cancel(false);
      lingerEnd = null;
    }

    private Behavior<Command> onLingerEnded(LingerEnded ended) {
      // A late LingerEnded (the linger already ended early, a write is in flight or another linger began) is ignored.
      if (lingerExpected > 0 && inFlight == null && ended.afterBatchId() == batchIds) {
        // Lingers keep running to their max when the callers are not coming back (independent orders): after
        // LINGER_TIMEOUTS_BEFORE_BACKOFF in a row, skip lingering for 1, 2, 4 ... up to MAX_LINGER_SKIPS large
        // writes, so such traffic soon pays almost nothing for the linger; one linger that ends early resets this.
        lingerTimeouts++;
        if (lingerTimeouts >= LINGER_TIMEOUTS_BEFORE_BACKOFF) {
          lingerSkips = Math.min(MAX_LINGER_SKIPS, 1 << Math.min(6, lingerTimeouts - LINGER_TIMEOUTS_BEFORE_BACKOFF));
        }
        stopLingering();
        dispatchNext();
      }
      return this;
    }

    private Behavior<Command> onChildReady(ChildReady ready) {
      recoveries++;
      // A second recovery means a journal write failed and the persistent part restarted: that batch got no answer.
      if (recoveries > 1 && inFlight != null) {
        failInFlight("journal write failed, outcome unknown; retry with the same order key");
      }
      return this;
    }

    private Behavior<Command> onBatchTimedOut(BatchTimedOut timedOut) {
      if (inFlight != null && inFlight.batchId() == timedOut.batchId()) {
        failInFlight("no answer from the journal within " + settings.batchTimeout().toMillis()
            + " ms, outcome unknown; retry with the same order key");
      }
      return this;
    }

    private void failInFlight(String message) {
      inFlight.items().forEach(c -> refuse(c, message));
      inFlight = null;
      timers.cancel(TIMEOUT);
      dispatchNext();
    }

    private void failAll(String message) {
      stopLingering();
      if (inFlight != null) inFlight.items().forEach(c -> refuse(c, message));
      inFlight = null;
      buffer.forEach(c -> refuse(c, message));
      buffer.clear();
    }

    private void dispatchNext() {
      if (buffer.isEmpty()) return;
      Command first = buffer.poll();
      if (!(first instanceof ReservationCommand)) {
        dispatch(List.of(first));
        return;
      }
      List<Command> items = new ArrayList<>(Math.min(buffer.size() + 1, settings.maxBatchSize()));
      items.add(first);
      while (items.size() < settings.maxBatchSize() && buffer.peek() instanceof ReservationCommand) {
        items.add(buffer.poll());
      }
      dispatch(items);
    }

    private void dispatch(List<Command> items) {
      inFlight = new Batch(items, ++batchIds, getContext().getSelf());
      inFlightSince = System.nanoTime();
      child.tell(inFlight);
      timers.startSingleTimer(TIMEOUT, new BatchTimedOut(inFlight.batchId()), settings.batchTimeout());
    }

    private void refuse(Command command, String message) {
      if (command instanceof ReservationCommand r) {
        r.replyTo().tell(new ReservationRefused(sku, r.orderKey(), RefusalReason.OVERLOADED, 0, message));
      } else if (command instanceof AdminCommand<?> a) {
        failAdmin(a, error(UNAVAILABLE, message));
      }
    }

    private static <T> void failAdmin(AdminCommand<T> command, String message) {
      command.replyTo().tell(StatusReply.error(message));
    }
  }

  /**
   * One scheduler thread per actor system for the fronts' lingers: Akka's scheduler ticks every 10 ms
   * (akka.scheduler.tick-duration), far coarser than a sub-millisecond linger, and a finer tick would wake the
   * whole system's scheduler all the time. This thread sleeps until a linger is due and only tells the front.
   */
  static final class LingerClock implements akka.actor.typed.Extension {
    private static final akka.actor.typed.ExtensionId<LingerClock> ID = new akka.actor.typed.ExtensionId<>() {
      @Override
      public LingerClock createExtension(ActorSystem<?> system) {
        return new LingerClock(system);
      }
    };

    private final ScheduledThreadPoolExecutor executor;

    private LingerClock(ActorSystem<?> system) {
      executor = new ScheduledThreadPoolExecutor(1, r -> {
        Thread t = new Thread(r, system.name() + "-sku-linger");
        t.setDaemon(true);
        return t;
      });
      executor.setRemoveOnCancelPolicy(true); // lingers mostly end early: drop cancelled tasks at once
      system.getWhenTerminated().thenRun(executor::shutdownNow);
    }

    static LingerClock get(ActorSystem<?> system) {
      return ID.apply(system);
    }

    ScheduledFuture<?> schedule(Runnable task, Duration delay) {
      return executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** Result of deciding an admin command: the events to persist and the answer once they are. */
  private record AdminOutcome(List<Event> events, Consumer<State> reply) {
    static AdminOutcome answer(Consumer<State> reply) {
      return new AdminOutcome(List.of(), reply);
    }
  }

  /**
   * Deletes all but the newest {@code keep} snapshots of a SKU after each new one. Akka 2.8 deletes old snapshots
   * only for snapshots taken by {@code RetentionCriteria.snapshotEvery}, not for those of {@code shouldSnapshot}
   * (which {@link State#snapshotDue} needs), so this does it: one DELETE on the JDBC snapshot table, on the blocking
   * JDBC dispatcher, never on the entity's thread. Off for other snapshot stores (the test kit's in-memory one).
   */
  static final class SnapshotPruner implements akka.actor.typed.Extension {
    private static final akka.actor.typed.ExtensionId<SnapshotPruner> ID = new akka.actor.typed.ExtensionId<>() {
      @Override
      public SnapshotPruner createExtension(ActorSystem<?> system) {
        return new SnapshotPruner(system);
      }
    };
    // Keeps the newest `keep` rows of the SKU. Quoted lower-case names: the H2 schema (ddl/h2) creates them quoted,
    // and PostgreSQL's unquoted names are lower case, so the same SQL runs on both.
    private static final String DELETE_OLDER = "DELETE FROM \"snapshot\" WHERE \"persistence_id\" = ? AND "
        + "\"sequence_number\" < (SELECT min(\"sequence_number\") FROM (SELECT \"sequence_number\" FROM \"snapshot\" "
        + "WHERE \"persistence_id\" = ? ORDER BY \"sequence_number\" DESC LIMIT ?) newest)";

    private final ActorSystem<?> system;
    private final boolean jdbc;

    private SnapshotPruner(ActorSystem<?> system) {
      this.system = system;
      this.jdbc = "jdbc-snapshot-store".equals(system.settings().config().getString("akka.persistence.snapshot-store.plugin"));
    }

    static SnapshotPruner get(ActorSystem<?> system) {
      return ID.apply(system);
    }

    void prune(String sku, int keep) {
      if (!jdbc) return;
      String persistenceId = persistenceId(sku).id();
      infra.Database.get(system).withConnection(c -> {
        try (var delete = c.prepareStatement(DELETE_OLDER)) {
          delete.setString(1, persistenceId);
          delete.setString(2, persistenceId);
          delete.setInt(3, Math.max(1, keep));
          return delete.executeUpdate();
        }
      }).whenComplete((deleted, error) -> {
        // A failed prune leaves an old snapshot behind; the next snapshot's prune removes it.
        if (error != null) system.log().warn("Old snapshots of SKU {} not deleted: {}", sku, error.getMessage());
      });
    }
  }

  /** The event-sourced part: evaluates batches, persists each batch in one write, answers after the write. */
  static final class Persistent extends EventSourcedBehaviorWithEnforcedReplies<Command, Event, State> {
    private static final String EXPIRY = "hold-expiry";
    private static final int MAX_EXPIRED_PER_WRITE = 1000;
    private final String sku;
    private final Settings settings;
    private final ActorContext<Command> ctx;
    private final TimerScheduler<Command> timers;
    private final ActorRef<Command> front;
    private Instant armedFor;
    private CurrentEventsByPersistenceIdQuery readJournal;
    private final infra.Metrics metrics;
    private final SnapshotPruner snapshotPruner;

    Persistent(String sku, Settings settings, ActorContext<Command> ctx, TimerScheduler<Command> timers,
               ActorRef<Command> front) {
      super(SkuEntity.persistenceId(sku), SupervisorStrategy.restartWithBackoff(
          settings.restartBackoffMin(), settings.restartBackoffMax(), 0.2));
      this.sku = sku;
      this.settings = settings;
      this.ctx = ctx;
      this.timers = timers;
      this.front = front;
      this.metrics = infra.Metrics.get(ctx.getSystem());
      this.snapshotPruner = SnapshotPruner.get(ctx.getSystem());
    }

    @Override
    public State emptyState() {
      return State.pristine(sku); // Akka reuses this instance for every recovery of this behavior
    }

    @Override
    public CommandHandlerWithReply<Command, Event, State> commandHandler() {
      return newCommandHandlerWithReplyBuilder().forAnyState()
          .onCommand(Batch.class, (state, batch) -> run(state, batch.items(), batch))
          .onCommand(ExpireHolds.class, (state, e) -> expire(state))
          .onCommand(ReservationCommand.class, (state, c) -> run(state, List.of(c), null))
          .onCommand(AdminCommand.class, (state, c) -> run(state, List.of(c), null))
          .onCommand(Command.class, (state, c) -> Effect().noReply())
          .build();
    }

    private ReplyEffect<Event, State> run(State state, List<Command> items, Batch batch) {
      Instant now = Instant.now();
      if (items.size() == 1 && items.get(0) instanceof AdminCommand<?> admin) {
        AdminOutcome outcome = decideAdmin(state, admin, now);
        return persistThen(outcome.events(), s -> {
          acknowledge(batch); // before the reply: see below
          outcome.reply().accept(s);
        });
      }
      Tentative tentative = new Tentative(state);
      List<Change> changes = new ArrayList<>(items.size());
      ReservationReply[] replies = new ReservationReply[items.size()];
      for (int i = 0; i < replies.length; i++) {
        if (!(items.get(i) instanceof ReservationCommand command)) {
          throw new IllegalStateException("a batch mixes admin and reservation commands: " + items.get(i));
        }
        replies[i] = decide(state, tentative, command, changes);
      }
      return persistThen(changes.isEmpty() ? List.of() : List.of(new ReservationsApplied(changes, now)), s -> {
        // The front hears that the write is done before any caller hears its answer: a caller's next command then
        // reaches the front after it (an idle SKU dispatches it at once; under load the front counts it as back).
        acknowledge(batch);
        for (int i = 0; i < replies.length; i++) ((ReservationCommand) items.get(i)).replyTo().tell(replies[i]);
        rearmExpiry(s);
      });
    }

    private ReplyEffect<Event, State> persistThen(List<Event> events, Consumer<State> afterWrite) {
      if (events.isEmpty()) return Effect().none().thenRun(afterWrite::accept).thenNoReply();
      long start = System.nanoTime();
      var effect = events.size() == 1 ? Effect().persist(events.get(0)) : Effect().persist(events);
      return effect.thenRun((State s) -> {
        // the journal write alone (the front's batch timer also counts waiting for the persistent part)
        metrics.skuEventsWritten(System.nanoTime() - start);
        afterWrite.accept(s);
        publish(s);
      }).thenNoReply();
    }

    /**
     * Tells this node's listeners (stock sync, live stock board) what the SKU looks like after a write, straight
     * from the persisted event rather than a polling read side, so channels see a change within milliseconds.
     */
    private void publish(State state) {
      ctx.getSystem().eventStream().tell(new EventStream.Publish<>(state.stockChanged(Instant.now())));
    }

    private void acknowledge(Batch batch) {
      if (batch != null) batch.ackTo().tell(new BatchDone(batch.batchId()));
    }

    /** Due holds are released like a batch: one event for all of them (at most MAX_EXPIRED_PER_WRITE). */
    private ReplyEffect<Event, State> expire(State state) {
      armedFor = null;
      List<Change> changes = new ArrayList<>();
      Instant now = Instant.now();
      for (Hold hold : state.dueHolds(now, MAX_EXPIRED_PER_WRITE)) {
        Reservation r = state.reservation(hold.orderKey());
        changes.add(new Change.Expired(hold.orderKey(), r.quantity(), hold.until()));
      }
      return persistThen(changes.isEmpty() ? List.of() : List.of(new ReservationsApplied(changes, now)),
          this::rearmExpiry);
    }

    private void rearmExpiry(State state) {
      Instant earliest = state.earliestHold();
      if (earliest == null) {
        if (armedFor != null) timers.cancel(EXPIRY);
        armedFor = null;
      } else if (!earliest.equals(armedFor)) {
        Duration delay = Duration.between(Instant.now(), earliest);
        timers.startSingleTimer(EXPIRY, new ExpireHolds(), delay.isNegative() ? Duration.ZERO : delay);
        armedFor = earliest;
      }
    }

    private AdminOutcome decideAdmin(State state, AdminCommand<?> command, Instant now) {
      if (command instanceof GetState c) {
        return AdminOutcome.answer(s -> c.replyTo().tell(StatusReply.success(s.summary())));
      }
      if (command instanceof GetSummary c) {
        if (c.reservationOffset() < 0 || c.reservationLimit() < 0 || c.reservationLimit() > MAX_RESERVATION_PAGE) {
          return refuse(c, INVALID, "reservation offset must be >= 0 and limit between 0 and " + MAX_RESERVATION_PAGE);
        }
        return AdminOutcome.answer(s -> c.replyTo().tell(StatusReply.success(
            s.summary(c.reservationOffset(), c.reservationLimit()))));
      }
      if (command instanceof GetStock c) {
        return AdminOutcome.answer(s -> c.replyTo().tell(StatusReply.success(s.stock())));
      }
      if (command instanceof SetStock c) {
        if (c.onHand() < 0) return refuse(c, INVALID, "onHand must be >= 0, was " + c.onHand());
        int shortfall = state.reserved() - c.onHand();
        List<String> keys = shortfall > 0 ? state.newestCovering(shortfall) : List.of();
        if (shortfall > 0 && !c.force()) return refuse(c, CONFLICT, belowReserved(c.onHand(), state, shortfall, keys));
        int recorded = Math.max(0, shortfall);
        return new AdminOutcome(List.of(new StockSet(c.onHand(), state.onHand(), recorded, keys, c.force(), actor(c.actor()), now)),
            s -> c.replyTo().tell(StatusReply.success(new StockResult(s.adminSummary(), recorded, keys))));
      }
      if (command instanceof AdjustStock c) {
        String invalid = c.reason() == null ? "reason is required" : c.reason().deltaError(c.delta());
        if (invalid != null) return refuse(c, INVALID, invalid);
        if (!state.exists()) return refuse(c, NOT_FOUND, "SKU " + sku + " is not known; set its stock first");
        long after = (long) state.onHand() + c.delta();
        if (after < 0) return refuse(c, CONFLICT, "on hand " + state.onHand() + " adjusted by " + c.delta() + " would be negative");
        if (after > Integer.MAX_VALUE) return refuse(c, INVALID, "on hand would overflow");
        int shortfall = state.reserved() - (int) after;
        List<String> keys = shortfall > 0 ? state.newestCovering(shortfall) : List.of();
        if (shortfall > 0 && !c.force()) return refuse(c, CONFLICT, belowReserved((int) after, state, shortfall, keys));
        int recorded = Math.max(0, shortfall);
        return new AdminOutcome(List.of(new StockAdjusted(c.delta(), c.reason(), (int) after, recorded, keys, c.force(),
            actor(c.actor()), now)),
            s -> c.replyTo().tell(StatusReply.success(new StockResult(s.adminSummary(), recorded, keys))));
      }
      if (command instanceof SetSafetyStock c) {
        if (c.safetyStock() < 0) return refuse(c, INVALID, "safetyStock must be >= 0");
        if (!state.exists()) return refuse(c, NOT_FOUND, "SKU " + sku + " is not known");
        return summaryAfter(c, new SafetyStockSet(c.safetyStock(), actor(c.actor()), now));
      }
      if (command instanceof PutListing c) {
        String invalid = c.listing() == null ? "listing is required" : c.listing().validationError();
        if (invalid != null) return refuse(c, INVALID, invalid);
        if (c.listing().equals(state.listings.get(c.listing().key()))) {
          return AdminOutcome.answer(s -> c.replyTo().tell(StatusReply.success(s.adminSummary())));
        }
        return summaryAfter(c, new ListingPut(c.listing(), actor(c.actor()), now));
      }
      if (command instanceof RemoveListing c) {
        if (c.channel() == null || c.shopId() == null || !state.listings.containsKey(Listing.key(c.channel(), c.shopId()))) {
          return refuse(c, NOT_FOUND, "SKU " + sku + " has no listing " + (c.channel() == null ? "?" : c.channel().key())
              + ":" + c.shopId());
        }
        return summaryAfter(c, new ListingRemoved(c.channel(), c.shopId(), actor(c.actor()), now));
      }
      if (command instanceof SetPushRules c) {
        String invalid = c.rules() == null ? "rules are required" : c.rules().validationError();
        if (invalid != null) return refuse(c, INVALID, invalid);
        if (!state.exists()) return refuse(c, NOT_FOUND, "SKU " + sku + " is not known");
        return summaryAfter(c, new PushRulesSet(c.rules(), actor(c.actor()), now));
      }
      if (command instanceof GetHistory c) {
        if (c.offset() < 0 || c.limit() < 1 || c.limit() > MAX_HISTORY_PAGE) {
          return refuse(c, INVALID, "offset must be >= 0 and limit between 1 and " + MAX_HISTORY_PAGE);
        }
        if (!state.exists() && state.eventSeq() == 0) return refuse(c, NOT_FOUND, "SKU " + sku + " is not known");
        return AdminOutcome.answer(s -> history(s.eventSeq(), s.historySize(), c));
      }
      throw new IllegalArgumentException("unknown admin command " + command);
    }

    private static String belowReserved(int onHand, State state, int shortfall, List<String> keys) {
      return "on hand " + onHand + " would be below reserved " + state.reserved() + " (short " + shortfall
          + " for orders " + keys + "); repeat with force to record the shortfall";
    }

    private static String actor(String actor) {
      return actor == null || actor.isBlank() ? "unknown" : actor;
    }

    private AdminOutcome summaryAfter(AdminCommand<Summary> command, Event event) {
      return new AdminOutcome(List.of(event), s -> command.replyTo().tell(StatusReply.success(s.adminSummary())));
    }

    private static <T> AdminOutcome refuse(AdminCommand<T> command, String code, String text) {
      return AdminOutcome.answer(s -> command.replyTo().tell(StatusReply.error(error(code, text))));
    }

    /**
     * Reads the page from the read journal off the actor's thread and answers the caller directly. The page counts
     * history lines (one per change), so it walks back from the newest event, a window of events at a time, until it
     * has skipped {@code offset} lines and collected {@code limit}.
     */
    private void history(long lastSeq, long total, GetHistory c) {
      if (c.offset() >= total || lastSeq < 1) {
        c.replyTo().tell(StatusReply.success(new HistoryPage(sku, total, c.offset(), c.limit(), List.of())));
        return;
      }
      if (readJournal == null) {
        readJournal = PersistenceQuery.get(akka.actor.typed.javadsl.Adapter.toClassic(ctx.getSystem()))
            .getReadJournalFor(CurrentEventsByPersistenceIdQuery.class, settings.readJournal());
      }
      new HistoryReader(readJournal, ctx.getSystem(), SkuEntity.persistenceId(sku).id(), total, c).readBefore(lastSeq);
    }

    /** One history request in progress (runs on stream threads, touches nothing of the actor). */
    private final class HistoryReader {
      private static final int MAX_EVENTS_PER_READ = 200;
      private final CurrentEventsByPersistenceIdQuery journal;
      private final ActorSystem<?> system;
      private final String persistenceId;
      private final long total;
      private final GetHistory request;
      private final List<HistoryEntry> page = new ArrayList<>();
      private long toSkip;

      HistoryReader(CurrentEventsByPersistenceIdQuery journal, ActorSystem<?> system, String persistenceId, long total,
                    GetHistory request) {
        this.journal = journal;
        this.system = system;
        this.persistenceId = persistenceId;
        this.total = total;
        this.request = request;
        this.toSkip = request.offset();
      }

      /** Every event has at least one line, so reading as many events as lines still wanted never reads too far. */
      void readBefore(long to) {
        long wanted = toSkip + request.limit() - page.size();
        long from = Math.max(1, to - Math.min(wanted, MAX_EVENTS_PER_READ) + 1);
        journal.currentEventsByPersistenceId(persistenceId, from, to)
            .runWith(Sink.seq(), system)
            .whenComplete((envelopes, failure) -> {
              if (failure != null) {
                request.replyTo().tell(StatusReply.error(error(UNAVAILABLE, "history could not be read: " + failure.getMessage())));
                return;
              }
              for (int i = envelopes.size() - 1; i >= 0 && page.size() < request.limit(); i--) {
                EventEnvelope envelope = envelopes.get(i);
                if (!(envelope.event() instanceof Event e)) continue;
                for (HistoryEntry entry : e.historyEntries(envelope.sequenceNr())) {
                  if (toSkip > 0) toSkip--;
                  else if (page.size() < request.limit()) page.add(entry);
                }
              }
              if (page.size() < request.limit() && from > 1) {
                readBefore(from - 1);
              } else {
                request.replyTo().tell(StatusReply.success(
                    new HistoryPage(sku, total, request.offset(), request.limit(), List.copyOf(page))));
              }
            });
      }
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState()
          .onAnyEvent((state, event) -> state.apply(event, settings.finishedKeysKept()));
    }

    @Override
    public SignalHandler<State> signalHandler() {
      return newSignalHandlerBuilder()
          .onSignal(SnapshotCompleted.class, (state, done) -> snapshotPruner.prune(sku, settings.keepSnapshots()))
          .onSignal(RecoveryCompleted.class, (state, signal) -> {
            state.recoveryCompleted();
            ctx.getLog().debug("SKU {} recovered at seq {} ({} events replayed after the snapshot)",
                sku, state.eventSeq(), state.replayedOnRecovery());
            armedFor = null;
            rearmExpiry(state);
            if (front != null) front.tell(new ChildReady());
          })
          .build();
    }

    @Override
    public Set<String> tagsFor(Event event) {
      return Set.of(tagFor(sku));
    }

    /** See {@link State#snapshotDue}; old snapshots are pruned on {@link SnapshotCompleted}. */
    @Override
    public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
      return state.snapshotDue(settings.snapshotEvery());
    }

    @Override
    public SnapshotAdapter<State> snapshotAdapter() {
      return new SnapshotAdapter<>() {
        @Override
        public Object toJournal(State state) {
          state.snapshotTaken(); // called on the actor's thread when Akka takes the snapshot
          return state.copy();
        }

        @Override
        public State fromJournal(Object from) {
          return (State) from;
        }
      };
    }
  }
}
