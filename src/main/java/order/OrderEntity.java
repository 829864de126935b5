package order;

import common.CborSerializable;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import sku.SkuEntity;

import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.RecipientRef;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.pattern.StatusReply;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.EffectBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventHandlerBuilder;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.Recovery;
import akka.persistence.typed.SnapshotSelectionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import com.typesafe.config.Config;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One marketplace order: the single place that decides what happens to it. Runs the order's state machine and its
 * stock reservation saga (reserve every SKU, or release everything that was reserved), driven by its own persisted
 * state so that a crash at any point resumes where it stopped. Every message to a SKU is idempotent per order key,
 * so re-sending after a crash or a lost reply is safe.
 *
 * <p>Phases: {@link Blank} → {@link Fetching} (details asked from the shop adapter) → {@link Reserving} →
 * {@link Confirmed} | {@link NeedsMapping} (a line's SKU is unknown) | {@link OutOfStock} (compensating, then the
 * marketplace order is cancelled or held for an operator) → {@link Shipping} (committing stock) → {@link Shipped} →
 * {@link Delivered} / {@link Completed}; {@link Cancelling} → {@link Cancelled} before shipping; {@link Returned}
 * after shipping (restock only when an operator confirms).
 */
public final class OrderEntity
    extends EventSourcedBehaviorWithEnforcedReplies<OrderEntity.Command, OrderEntity.Event, OrderEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Order");
  public static final List<String> TAGS = List.of("order-0", "order-1", "order-2", "order-3");
  /** Error text of every command sent to an order that does not exist. */
  public static final String NOT_FOUND = "order not found";
  private static final int DEDUP_IDS_KEPT = 64;

  /** The journal id of an order: {@code Order|channel|shop|orderId} (PersistenceId.of would refuse the '|'). */
  public static PersistenceId persistenceId(String orderKey) {
    return PersistenceId.ofUniqueId(ENTITY_TYPE_KEY.name() + "|" + orderKey);
  }

  /** Entity id and reservation key of an order: {@code channel|shop|orderId}. */
  public static String orderKey(Channel channel, String shopId, String orderId) {
    return channel.key() + "|" + shopId + "|" + orderId;
  }

  // ---------------------------------------------------------------- settings and collaborators

  /** @param cancelOutOfStock cancel an out-of-stock order on the marketplace (else hold it for an operator) */
  public record Settings(Duration unpaidHold, Duration retryMin, Duration retryMax, Duration mappingRetry,
                         boolean cancelOutOfStock, NotificationSettings notifications) {
    /** Without buyer notifications. */
    public Settings(Duration unpaidHold, Duration retryMin, Duration retryMax, Duration mappingRetry,
                    boolean cancelOutOfStock) {
      this(unpaidHold, retryMin, retryMax, mappingRetry, cancelOutOfStock, NotificationSettings.DISABLED);
    }

    public static Settings from(Config config) {
      Config c = config.getConfig("orchestrator.orders");
      return new Settings(c.getDuration("unpaid-hold"), c.getDuration("retry-min"), c.getDuration("retry-max"),
          c.getDuration("mapping-retry"), c.getBoolean("cancel-out-of-stock"), NotificationSettings.from(config));
    }
  }

  /**
   * Buyer WhatsApp notifications ({@code orchestrator.notifications}, notifications.conf).
   *
   * @param phoneNumberId the business number that sends them
   * @param replyTimeout how long a send may stay unanswered before it is sent again; longer than the client's whole
   *     retry loop, so that only a lost reply (sender's node gone) leads to a second send
   */
  public record NotificationSettings(boolean enabled, String phoneNumberId, String confirmedTemplate,
                                     String shippedTemplate, String language, Duration replyTimeout) {
    public static final NotificationSettings DISABLED =
        new NotificationSettings(false, "", "order_confirmed", "order_shipped", "en", Duration.ofMinutes(2));

    public static NotificationSettings from(Config config) {
      Config c = config.getConfig("orchestrator.notifications");
      List<String> numbers = config.getConfigList("orchestrator.marketplaces.whatsapp.numbers").stream()
          .map(n -> n.getString("phone-number-id")).toList();
      String sender = c.getString("phone-number-id");
      if (sender.isBlank()) sender = numbers.isEmpty() ? "" : numbers.get(0);
      boolean enabled = c.getBoolean("enabled");
      if (enabled && !numbers.contains(sender)) {
        throw new IllegalArgumentException("orchestrator.notifications.phone-number-id '" + sender
            + "' is not a configured WhatsApp number (orchestrator.marketplaces.whatsapp.numbers)");
      }
      return new NotificationSettings(enabled, sender, c.getString("confirmed-template"),
          c.getString("shipped-template"), c.getString("language"), c.getDuration("reply-timeout"));
    }
  }

  /** Where the order sends its messages: the sharded SKU and shop adapter entities (probes in unit tests). */
  public interface Peers {
    RecipientRef<SkuEntity.Command> sku(String sku);

    RecipientRef<ShopAdapter.Command> shop(Channel channel, String shopId);

    RecipientRef<WhatsAppSender.Command> whatsApp(String phoneNumberId);

    static Peers sharded(ActorSystem<?> system) {
      ClusterSharding sharding = ClusterSharding.get(system);
      return new Peers() {
        @Override
        public RecipientRef<SkuEntity.Command> sku(String sku) {
          return sharding.entityRefFor(SkuEntity.ENTITY_TYPE_KEY, sku);
        }

        @Override
        public RecipientRef<ShopAdapter.Command> shop(Channel channel, String shopId) {
          return sharding.entityRefFor(ShopAdapter.ENTITY_TYPE_KEY, ShopAdapter.entityId(channel, shopId));
        }

        @Override
        public RecipientRef<WhatsAppSender.Command> whatsApp(String phoneNumberId) {
          return sharding.entityRefFor(WhatsAppSender.ENTITY_TYPE_KEY, phoneNumberId);
        }
      };
    }
  }

  /**
   * An order with nothing outstanding passivates itself after {@code passivate-idle-after}. An order caught with work
   * outstanding when its node crashed is woken by {@code readside.ledger.OrderSweeper} (orders are not remembered entities:
   * writing each new order to the remembered set made a flash-sale burst time out).
   */
  public static void init(ActorSystem<?> system) {
    Settings settings = Settings.from(system.settings().config());
    Duration idle = system.settings().config().getDuration("orchestrator.orders.passivate-idle-after");
    Peers peers = Peers.sharded(system);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY,
            ctx -> create(ctx.getEntityId(), settings, peers, Clock.systemUTC(), ctx.getShard(), idle)));
  }

  public static Behavior<Command> create(String orderKey, Settings settings, Peers peers, Clock clock) {
    return create(orderKey, settings, peers, clock, null, Duration.ofMinutes(1));
  }

  static Behavior<Command> create(String orderKey, Settings settings, Peers peers, Clock clock,
                                  ActorRef<ClusterSharding.ShardCommand> shard, Duration passivateIdleAfter) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new OrderEntity(ctx, timers, orderKey, settings, peers, clock, shard, passivateIdleAfter)));
  }

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  /**
   * A marketplace said the order exists or changed status. Answered once the notification is durably recorded (the
   * webhook answers 200 only then). {@code details} is given when the webhook carries the whole order (WhatsApp).
   *
   * @param dedupId the platform's delivery id (Shopee msg_id, TikTok tts_notification_id, WhatsApp message id);
   *     null when the platform gives none
   */
  public record Notify(Channel channel, String shopId, String orderId, String rawStatus, MarketStatus status,
                       String dedupId, Instant updatedAt, OrderDetails details, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /** Operator or marketplace cancellation before shipping. */
  public record Cancel(String by, String reason, ActorRef<StatusReply<OrderView>> replyTo) implements Command {}

  /** Operator ships the order with a tracking number: stock is committed. */
  public record Ship(String trackingNumber, String by, ActorRef<StatusReply<OrderView>> replyTo) implements Command {}

  /** Operator confirms returned goods are back: they go back on hand. */
  public record Restock(String by, ActorRef<StatusReply<OrderView>> replyTo) implements Command {}

  /** Operator maps a line without a known SKU onto a master SKU; the order resumes. */
  public record MapLine(String lineRef, String sku, String by, ActorRef<StatusReply<OrderView>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<OrderView>> replyTo) implements Command {}

  /** The marketplace reported the parcel's tracking number (Shopee push code 4). */
  public record RecordTracking(String trackingNumber, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Wakes the entity up (recovery re-sends whatever it still waits for); answered with nothing. */
  public enum Wake implements Command { INSTANCE }

  /** Operator confirms payment arranged outside a marketplace (WhatsApp, phone): the unpaid hold is cleared. */
  public record MarkPaid(String by, ActorRef<StatusReply<OrderView>> replyTo) implements Command {}

  /** Internal: time to re-send what the current phase is waiting for. */
  enum Retry implements Command { INSTANCE }

  record WrappedSkuReply(SkuEntity.ReservationReply reply) implements Command {}

  record WrappedFetchReply(ShopAdapter.FetchReply reply) implements Command {}

  record WrappedCancelReply(ShopAdapter.CancelReply reply) implements Command {}

  record WrappedSendReply(WhatsAppSender.SendReply reply) implements Command {}

  /** Internal: time to send a pending buyer notification again (its own timer: it never delays the saga). */
  enum RetryNotifications implements Command { INSTANCE }

  /** Internal: nothing was outstanding for a while; leave memory (and the remembered set). */
  enum PassivateIdle implements Command { INSTANCE }

  // ---------------------------------------------------------------- events

  /** Every event names its order and when it happened; tagged for the read side. */
  public sealed interface Event extends CborSerializable {
    String orderKey();

    Instant at();
  }

  public record Notified(String orderKey, Channel channel, String shopId, String orderId, String rawStatus,
                         MarketStatus status, String dedupId, Instant at) implements Event {}

  /** A later status report. {@code acted} is false when it did not move the order forward (duplicate, late). */
  public record StatusRecorded(String orderKey, String rawStatus, MarketStatus status, String dedupId,
                               boolean acted, Instant at) implements Event {}

  /**
   * Details known: lines grouped per master SKU; {@code unmapped} lists line references without a SKU code.
   * {@code holdUntil} is set for unpaid orders: their reservations expire unless payment arrives.
   */
  public record DetailsReceived(String orderKey, OrderDetails details, Map<String, Integer> skuLines,
                                List<String> unmapped, Instant holdUntil, Instant at) implements Event {}

  public record LineMapped(String orderKey, String lineRef, String sku, int quantity, String by, Instant at)
      implements Event {}

  public record SkuReserved(String orderKey, String sku, int quantity, Instant at) implements Event {}

  public record TrackingRecorded(String orderKey, String trackingNumber, Instant at) implements Event {}

  public record SkuUnknown(String orderKey, String sku, Instant at) implements Event {}

  /**
   * Every line holds its reservation: this records the last line's (the ones before have a {@link SkuReserved}
   * each; journals written before this rule have one for the last line too, which changes nothing).
   */
  public record OrderConfirmed(String orderKey, Channel channel, Map<String, Integer> skuLines, String buyerPhone,
                          Instant holdUntil, Instant at) implements Event {}

  /** A line could not be reserved: compensation releases every SKU of the order. */
  public record OutOfStockDeclared(String orderKey, String sku, int requested, int available, String reason,
                                   Instant at) implements Event {}

  public record SkuReleased(String orderKey, String sku, int quantity, Instant at) implements Event {}

  /** Compensation done. {@code action}: what happens to the marketplace order. */
  public record CompensationFinished(String orderKey, OutOfStockAction action, Instant at) implements Event {}

  public record MarketplaceCancelled(String orderKey, Instant at) implements Event {}

  public record SkuHoldCleared(String orderKey, String sku, Instant at) implements Event {}

  public record ShipRequested(String orderKey, String trackingNumber, String by, Instant at) implements Event {}

  public record SkuCommitted(String orderKey, String sku, int quantity, Instant at) implements Event {}

  public record OrderShipped(String orderKey, Channel channel, String trackingNumber, String buyerPhone,
                        Map<String, Integer> skuLines, Instant at) implements Event {}

  public record OrderDelivered(String orderKey, Instant at) implements Event {}

  public record OrderCompleted(String orderKey, Instant at) implements Event {}

  public record CancelRequested(String orderKey, String by, String reason, Instant at) implements Event {}

  public record OrderCancelled(String orderKey, String by, String reason, Map<String, Integer> skuLines, Instant at)
      implements Event {}

  public record ReturnRequested(String orderKey, String by, Instant at) implements Event {}

  public record RestockRequested(String orderKey, String by, Instant at) implements Event {}

  public record SkuRestocked(String orderKey, String sku, int quantity, Instant at) implements Event {}

  public enum OutOfStockAction { CANCEL_ON_MARKETPLACE, HOLD_FOR_OPERATOR }

  /**
   * The buyer is to get a WhatsApp template message about {@code kind}. Persisted with the event it announces, so
   * the message is fixed once (a configuration change later does not re-notify old orders); sent until
   * {@link BuyerNotified} or {@link BuyerNotificationFailed} is persisted.
   *
   * @param to the buyer's phone number, digits only
   */
  public record BuyerNotificationDue(String orderKey, NotificationKind kind, String phoneNumberId, String to,
                                     String template, String language, List<String> parameters, Instant at)
      implements Event {}

  /** WhatsApp accepted the message: {@code wamid} is its id, which delivery statuses name. */
  public record BuyerNotified(String orderKey, NotificationKind kind, String wamid, Instant at) implements Event {}

  /** WhatsApp refused the message for good (e.g. 131026 undeliverable): never sent again. */
  public record BuyerNotificationFailed(String orderKey, NotificationKind kind, String code, String reason,
                                        Instant at) implements Event {}

  public enum NotificationKind { CONFIRMED, SHIPPED }

  public enum NotificationStatus { PENDING, SENT, FAILED }

  /** A buyer notification as the order knows it: what to send, and what came of it. */
  public record Notification(NotificationKind kind, String phoneNumberId, String to, String template,
                             String language, List<String> parameters, NotificationStatus status, String wamid,
                             String error, Instant dueAt, Instant at) implements CborSerializable {
    static Notification due(BuyerNotificationDue e) {
      return new Notification(e.kind(), e.phoneNumberId(), e.to(), e.template(), e.language(), e.parameters(),
          NotificationStatus.PENDING, null, null, e.at(), e.at());
    }

    Notification settled(NotificationStatus outcome, String messageId, String errorText, Instant when) {
      return new Notification(kind, phoneNumberId, to, template, language, parameters, outcome, messageId,
          errorText, dueAt, when);
    }
  }

  // ---------------------------------------------------------------- state

  /** What every phase knows about the order. Immutable; {@code with*} methods return copies. */
  public record OrderData(
      String orderKey, Channel channel, String shopId, String orderId,
      String rawStatus, MarketStatus marketStatus, List<String> recentDedupIds,
      OrderDetails details, Map<String, Integer> skuLines, List<String> unmapped, Set<String> unknownSkus,
      Map<String, Integer> reserved, Set<String> released, Set<String> holdCleared, Set<String> committed,
      Set<String> restocked, Instant holdUntil, String trackingNumber, String problem, Instant createdAt,
      Instant updatedAt, List<Notification> notifications) implements CborSerializable {

    static OrderData create(Notified e) {
      return new OrderData(e.orderKey(), e.channel(), e.shopId(), e.orderId(), e.rawStatus(), e.status(),
          e.dedupId() == null ? List.of() : List.of(e.dedupId()), null, Map.of(), List.of(), Set.of(), Map.of(),
          Set.of(), Set.of(), Set.of(), Set.of(), null, null, null, e.at(), e.at(), List.of());
    }

    OrderData touch(Instant at) {
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, reserved, released, holdCleared, committed, restocked, holdUntil,
          trackingNumber, problem, createdAt, at, notifications);
    }

    OrderData withStatus(String raw, MarketStatus status, String dedupId, boolean acted, Instant at) {
      List<String> ids = new ArrayList<>(recentDedupIds);
      if (dedupId != null) ids.add(dedupId);
      while (ids.size() > DEDUP_IDS_KEPT) ids.remove(0);
      MarketStatus highest = acted && status.rank() > marketStatus.rank() ? status : marketStatus;
      return new OrderData(orderKey, channel, shopId, orderId, raw, highest, List.copyOf(ids), details, skuLines,
          unmapped, unknownSkus, reserved, released, holdCleared, committed, restocked, holdUntil, trackingNumber,
          problem, createdAt, at, notifications);
    }

    OrderData withDetails(DetailsReceived e) {
      MarketStatus fetched = e.details().marketStatus();
      MarketStatus highest = fetched != null && fetched.rank() > marketStatus.rank() ? fetched : marketStatus;
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, highest, recentDedupIds, e.details(),
          e.skuLines(), e.unmapped(), Set.of(), reserved, released, holdCleared, committed, restocked,
          e.holdUntil(), trackingNumber, problem, createdAt, e.at(), notifications);
    }

    OrderData withMapped(LineMapped e) {
      List<String> stillUnmapped = new ArrayList<>(unmapped);
      stillUnmapped.remove(e.lineRef());
      Set<String> unknown = new TreeSet<>(unknownSkus);
      unknown.remove(e.lineRef());
      Map<String, Integer> lines = new TreeMap<>(skuLines);
      if (unknownSkus.contains(e.lineRef())) lines.remove(e.lineRef()); // the unknown code is replaced
      lines.merge(e.sku(), e.quantity(), Integer::sum);
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          Map.copyOf(lines), List.copyOf(stillUnmapped), Set.copyOf(unknown), reserved, released, holdCleared,
          committed, restocked, holdUntil, trackingNumber, problem, createdAt, e.at(), notifications);
    }

    OrderData withReserved(String sku, int quantity, Instant at) {
      Map<String, Integer> r = new TreeMap<>(reserved);
      r.put(sku, quantity);
      Set<String> unknown = new TreeSet<>(unknownSkus);
      unknown.remove(sku);
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, Set.copyOf(unknown), Map.copyOf(r), released, holdCleared, committed, restocked,
          holdUntil, trackingNumber, problem, createdAt, at, notifications);
    }

    /** Every line reserved (an {@link OrderConfirmed}); lines reserved before keep their recorded quantity. */
    OrderData withAllReserved(Map<String, Integer> lines, Instant at) {
      Map<String, Integer> r = new TreeMap<>(lines);
      r.putAll(reserved);
      Set<String> unknown = new TreeSet<>(unknownSkus);
      unknown.removeAll(lines.keySet());
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, Set.copyOf(unknown), Map.copyOf(r), released, holdCleared, committed, restocked,
          holdUntil, trackingNumber, problem, createdAt, at, notifications);
    }

    OrderData withUnknown(String sku, Instant at) {
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, add(unknownSkus, sku), reserved, released, holdCleared, committed, restocked,
          holdUntil, trackingNumber, "unknown SKU " + sku, createdAt, at, notifications);
    }

    OrderData withProblem(String text, Instant at) {
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, reserved, released, holdCleared, committed, restocked, holdUntil,
          trackingNumber, text, createdAt, at, notifications);
    }

    OrderData withReleased(String sku, Instant at) {
      Map<String, Integer> r = new TreeMap<>(reserved);
      r.remove(sku);
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, Map.copyOf(r), add(released, sku), holdCleared, committed, restocked,
          holdUntil, trackingNumber, problem, createdAt, at, notifications);
    }

    OrderData withHoldCleared(String sku, Instant at) {
      Set<String> cleared = add(holdCleared, sku);
      Instant hold = cleared.containsAll(skuLines.keySet()) ? null : holdUntil;
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, reserved, released, cleared, committed, restocked, hold, trackingNumber,
          problem, createdAt, at, notifications);
    }

    OrderData withTracking(String tracking, Instant at) {
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, reserved, released, holdCleared, committed, restocked, holdUntil,
          tracking != null ? tracking : trackingNumber, problem, createdAt, at, notifications);
    }

    OrderData withCommitted(String sku, Instant at) {
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, reserved, released, holdCleared, add(committed, sku), restocked,
          holdUntil, trackingNumber, problem, createdAt, at, notifications);
    }

    OrderData withRestocked(String sku, Instant at) {
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, reserved, released, holdCleared, committed, add(restocked, sku),
          holdUntil, trackingNumber, problem, createdAt, at, notifications);
    }

    OrderData withNotification(Notification n) {
      List<Notification> list = new ArrayList<>();
      boolean replaced = false;
      for (Notification old : notifications) {
        if (old.kind() == n.kind()) {
          list.add(n);
          replaced = true;
        } else {
          list.add(old);
        }
      }
      if (!replaced) list.add(n);
      return new OrderData(orderKey, channel, shopId, orderId, rawStatus, marketStatus, recentDedupIds, details,
          skuLines, unmapped, unknownSkus, reserved, released, holdCleared, committed, restocked, holdUntil,
          trackingNumber, problem, createdAt, updatedAt, List.copyOf(list));
    }

    Notification notification(NotificationKind kind) {
      return notifications.stream().filter(n -> n.kind() == kind).findFirst().orElse(null);
    }

    boolean seen(String dedupId) {
      return dedupId != null && recentDedupIds.contains(dedupId);
    }

    /** SKUs with a line but no reservation yet (and not known to be unknown). */
    Set<String> pendingReservations() {
      Set<String> pending = new TreeSet<>(skuLines.keySet());
      pending.removeAll(reserved.keySet());
      pending.removeAll(unknownSkus);
      return pending;
    }

    boolean allReserved() {
      return unmapped.isEmpty() && unknownSkus.isEmpty() && reserved.keySet().containsAll(skuLines.keySet());
    }

    String buyerPhone() {
      return details == null ? null : details.buyerPhone();
    }

    private static Set<String> add(Set<String> set, String value) {
      Set<String> copy = new TreeSet<>(set);
      copy.add(value);
      return Set.copyOf(copy);
    }
  }

  /** The order's phase. Each phase carries the same {@link OrderData}. */
  public sealed interface State extends CborSerializable {
    OrderData data();

    /** Name of the phase as the admin API shows it. */
    String phase();

    /** Same phase, new data. */
    State withData(OrderData data);
  }

  public record Blank() implements State {
    @Override public OrderData data() { return null; }
    @Override public String phase() { return "NONE"; }
    @Override public State withData(OrderData data) { return this; }
  }

  public record Fetching(OrderData data) implements State {
    @Override public String phase() { return "NOTIFIED"; }
    @Override public State withData(OrderData d) { return new Fetching(d); }
  }

  public record Reserving(OrderData data) implements State {
    @Override public String phase() { return "RESERVING"; }
    @Override public State withData(OrderData d) { return new Reserving(d); }
  }

  public record NeedsMapping(OrderData data) implements State {
    @Override public String phase() { return "NEEDS_MAPPING"; }
    @Override public State withData(OrderData d) {
      return d.unknownSkus().isEmpty() && d.unmapped().isEmpty() ? new Reserving(d) : new NeedsMapping(d);
    }
  }

  public record Confirmed(OrderData data) implements State {
    @Override public String phase() { return "CONFIRMED"; }
    @Override public State withData(OrderData d) { return new Confirmed(d); }
  }

  /**
   * A line could not be reserved. {@code compensated} once every SKU of the order was released; then {@code action}
   * says what happens on the marketplace, {@code marketplaceCancelled} once the adapter confirmed.
   */
  public record OutOfStock(OrderData data, boolean compensated, OutOfStockAction action,
                           boolean marketplaceCancelled) implements State {
    @Override public String phase() { return "OUT_OF_STOCK"; }
    @Override public State withData(OrderData d) { return new OutOfStock(d, compensated, action, marketplaceCancelled); }
  }

  public record Shipping(OrderData data) implements State {
    @Override public String phase() { return "SHIPPING"; }
    @Override public State withData(OrderData d) { return new Shipping(d); }
  }

  public record Shipped(OrderData data) implements State {
    @Override public String phase() { return "SHIPPED"; }
    @Override public State withData(OrderData d) { return new Shipped(d); }
  }

  public record Delivered(OrderData data) implements State {
    @Override public String phase() { return "DELIVERED"; }
    @Override public State withData(OrderData d) { return new Delivered(d); }
  }

  public record Completed(OrderData data) implements State {
    @Override public String phase() { return "COMPLETED"; }
    @Override public State withData(OrderData d) { return new Completed(d); }
  }

  public record Cancelling(OrderData data, String by, String reason) implements State {
    @Override public String phase() { return "CANCELLING"; }
    @Override public State withData(OrderData d) { return new Cancelling(d, by, reason); }
  }

  public record Cancelled(OrderData data, String by, String reason) implements State {
    @Override public String phase() { return "CANCELLED"; }
    @Override public State withData(OrderData d) { return new Cancelled(d, by, reason); }
  }

  /** Goods on their way back. {@code restocking} once an operator confirmed; done when every SKU is restocked. */
  public record Returned(OrderData data, boolean restocking) implements State {
    @Override public String phase() { return "RETURNED"; }
    @Override public State withData(OrderData d) { return new Returned(d, restocking); }
  }

  // ---------------------------------------------------------------- read model for the admin API

  /**
   * @param releasing the order is giving its stock back (out of stock, or cancelled) and not every SKU has
   *     confirmed yet: {@code reserved} may be empty while a SKU still holds units whose reply was lost
   */
  public record OrderView(String orderKey, Channel channel, String shopId, String orderId, String phase,
                          String marketStatusRaw, MarketStatus marketStatus, Map<String, Integer> lines,
                          Map<String, Integer> reserved, boolean releasing, List<String> unmapped,
                          Set<String> unknownSkus,
                          Instant holdUntil, String trackingNumber, String problem, String buyerName,
                          String currency, java.math.BigDecimal totalAmount, Instant createdAt, Instant updatedAt,
                          List<NotificationView> notifications)
      implements CborSerializable {
    static OrderView of(State state) {
      OrderData d = state.data();
      OrderDetails details = d.details();
      return new OrderView(d.orderKey(), d.channel(), d.shopId(), d.orderId(), state.phase(), d.rawStatus(),
          d.marketStatus(), d.skuLines(), d.reserved(),
          (state instanceof OutOfStock o && !o.compensated()) || state instanceof Cancelling,
          d.unmapped(), d.unknownSkus(), d.holdUntil(),
          d.trackingNumber(), d.problem(), details == null ? null : details.buyerName(),
          details == null ? null : details.currency(), details == null ? null : details.totalAmount(),
          d.createdAt(), d.updatedAt(), d.notifications().stream().map(NotificationView::of).toList());
    }

    public OrderView withNotifications(List<NotificationView> views) {
      return new OrderView(orderKey, channel, shopId, orderId, phase, marketStatusRaw, marketStatus, lines, reserved,
          releasing, unmapped, unknownSkus, holdUntil, trackingNumber, problem, buyerName, currency, totalAmount, createdAt,
          updatedAt, List.copyOf(views));
    }
  }

  /**
   * A buyer notification in the admin view. {@code status} is the order's record (PENDING, SENT, FAILED);
   * {@code delivery*} is WhatsApp's latest delivery status of the message, filled in by the admin route from the
   * outbound_messages table (null until a status arrived).
   */
  public record NotificationView(NotificationKind kind, NotificationStatus status, String wamid, String error,
                                 Instant at, String deliveryStatus, Instant deliveryAt, String deliveryErrors)
      implements CborSerializable {
    static NotificationView of(Notification n) {
      return new NotificationView(n.kind(), n.status(), n.wamid(), n.error(), n.at(), null, null, null);
    }

    public NotificationView withDelivery(String status, Instant statusAt, String errors) {
      return new NotificationView(kind, this.status, wamid, error, at, status, statusAt, errors);
    }
  }

  // ---------------------------------------------------------------- behaviour

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String orderKey;
  private final Settings settings;
  private final Peers peers;
  private final Clock clock;
  private final ActorRef<SkuEntity.ReservationReply> skuReplies;
  private final ActorRef<ShopAdapter.FetchReply> fetchReplies;
  private final ActorRef<ShopAdapter.CancelReply> cancelReplies;
  private final ActorRef<WhatsAppSender.SendReply> sendReplies;
  /** Consecutive retries of the current phase (not persisted: back-off restarts after a crash). */
  private int attempts;
  /** Consecutive retries of the pending buyer notification (own back-off: it never slows the saga). */
  private int notifyAttempts;

  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Duration passivateIdleAfter;
  private final infra.Metrics metrics;

  private OrderEntity(ActorContext<Command> context, TimerScheduler<Command> timers, String orderKey,
                      Settings settings, Peers peers, Clock clock, ActorRef<ClusterSharding.ShardCommand> shard,
                      Duration passivateIdleAfter) {
    super(persistenceId(orderKey),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.timers = timers;
    this.orderKey = orderKey;
    this.settings = settings;
    this.peers = peers;
    this.clock = clock;
    this.shard = shard;
    this.passivateIdleAfter = passivateIdleAfter;
    this.metrics = infra.Metrics.get(context.getSystem());
    this.skuReplies = context.messageAdapter(SkuEntity.ReservationReply.class, WrappedSkuReply::new);
    this.fetchReplies = context.messageAdapter(ShopAdapter.FetchReply.class, WrappedFetchReply::new);
    this.cancelReplies = context.messageAdapter(ShopAdapter.CancelReply.class, WrappedCancelReply::new);
    this.sendReplies = context.messageAdapter(WhatsAppSender.SendReply.class, WrappedSendReply::new);
  }

  @Override
  public State emptyState() {
    return new Blank();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAGS.get(Math.abs(orderKey.hashCode() % TAGS.size())));
  }

  /**
   * An order has a few dozen events at most: replaying them is cheaper than looking for a snapshot, and in a burst
   * of new orders every saved query per recovery counts.
   */
  @Override
  public Recovery recovery() {
    return Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
  }

  @Override
  public SignalHandler<State> signalHandler() {
    // The saga resumes from the recovered state: re-send whatever the phase waits for.
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), this::resend).build();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();

    b.forStateType(Blank.class)
        .onCommand(Notify.class, this::onFirstNotify)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(Cancel.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(Ship.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(Restock.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(MapLine.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(MarkPaid.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        // a tracking number for an order this service never saw: nothing to attach it to
        .onCommand(RecordTracking.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.ack()))
        .onAnyCommand(c -> Effect().noReply());

    b.forAnyState()
        .onCommand(Notify.class, this::onNotify)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(OrderView.of(s))))
        .onCommand(Cancel.class, this::onCancel)
        .onCommand(Ship.class, this::onShip)
        .onCommand(Restock.class, this::onRestock)
        .onCommand(MapLine.class, this::onMapLine)
        .onCommand(RecordTracking.class, this::onTracking)
        .onCommand(MarkPaid.class, this::onMarkPaid)
        .onCommand(Retry.class, (s, c) -> Effect().none().thenRun(this::resend).thenNoReply())
        .onCommand(WrappedFetchReply.class, this::onFetchReply)
        .onCommand(WrappedSkuReply.class, this::onSkuReply)
        .onCommand(WrappedCancelReply.class, this::onCancelReply)
        .onCommand(RetryNotifications.class, (s, c) -> Effect().none().thenRun(this::dispatch).thenNoReply())
        .onCommand(Wake.class, (s, c) -> Effect().noReply())
        .onCommand(PassivateIdle.class, (s, c) -> {
          if (shard != null && outstanding(s).isEmpty()) shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
          return Effect().noReply();
        })
        .onCommand(WrappedSendReply.class, this::onSendReply);
    return b.build();
  }

  // --- notifications

  private ReplyEffect<Event, State> onFirstNotify(Blank state, Notify c) {
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    events.add(new Notified(orderKey, c.channel(), c.shopId(), c.orderId(), c.rawStatus(), c.status(), c.dedupId(),
        now));
    if (c.details() != null) events.add(detailsReceived(c.details(), c.status(), now));
    return timedPersist(events).thenRun(this::drive).thenReply(c.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onNotify(State state, Notify c) {
    OrderData d = state.data();
    boolean sameStatusAgain = c.dedupId() == null && c.rawStatus() != null && c.rawStatus().equals(d.rawStatus());
    if (d.seen(c.dedupId()) || sameStatusAgain) {
      return Effect().reply(c.replyTo(), StatusReply.ack()); // duplicate delivery: changes nothing
    }
    Instant now = clock.instant();
    boolean forward = c.status().rank() > d.marketStatus().rank()
        || (c.status() == MarketStatus.PAID && d.holdUntil() != null);
    List<Event> events = new ArrayList<>();
    events.add(new StatusRecorded(orderKey, c.rawStatus(), c.status(), c.dedupId(), forward, now));
    if (forward) events.addAll(reactToStatus(state, c.status(), now));
    return timedPersist(events).thenRun(this::drive).thenReply(c.replyTo(), s -> StatusReply.ack());
  }

  /** What a marketplace status that moves the order forward changes right away. */
  private List<Event> reactToStatus(State state, MarketStatus status, Instant now) {
    boolean shippedAlready = state instanceof Shipped || state instanceof Delivered || state instanceof Completed
        || state instanceof Shipping;
    if (status == MarketStatus.CANCELLED || status == MarketStatus.RETURN_REQUESTED) {
      if (shippedAlready) return List.of(new ReturnRequested(orderKey, "marketplace", now));
      if (state instanceof Fetching || state instanceof Reserving || state instanceof NeedsMapping
          || state instanceof Confirmed) {
        return cancel(state, "marketplace", "cancelled on the marketplace", now);
      }
      if (state instanceof OutOfStock) return List.of(new MarketplaceCancelled(orderKey, now));
      return List.of();
    }
    if (status.rank() >= MarketStatus.SHIPPED.rank() && state instanceof Confirmed) {
      return List.of(new ShipRequested(orderKey, null, "marketplace", now));
    }
    if (state instanceof Shipped && status == MarketStatus.DELIVERED) return List.of(new OrderDelivered(orderKey, now));
    if ((state instanceof Shipped || state instanceof Delivered) && status == MarketStatus.COMPLETED) {
      return List.of(new OrderCompleted(orderKey, now));
    }
    return List.of(); // PAID clears holds (drive), SHIPPED before confirmation waits for it
  }

  /** Cancel before shipping: release what may be held, or finish at once when nothing can be held yet. */
  private List<Event> cancel(State state, String by, String reason, Instant now) {
    List<Event> events = new ArrayList<>();
    events.add(new CancelRequested(orderKey, by, reason, now));
    if (allSkus(state.data()).isEmpty()) {
      events.add(new OrderCancelled(orderKey, by, reason, state.data().skuLines(), now));
    }
    return events;
  }

  private DetailsReceived detailsReceived(OrderDetails details, MarketStatus status, Instant now) {
    Map<String, Integer> lines = new TreeMap<>();
    List<String> unmapped = new ArrayList<>();
    for (int i = 0; i < details.lines().size(); i++) {
      OrderDetails.Line line = details.lines().get(i);
      if (line.quantity() <= 0) continue;
      if (line.sellerSku() == null || line.sellerSku().isBlank()) {
        unmapped.add(line.listingRef() != null ? line.listingRef() : "line-" + i);
      } else {
        lines.merge(line.sellerSku(), line.quantity(), Integer::sum);
      }
    }
    MarketStatus effective = details.marketStatus() != null && details.marketStatus().rank() > status.rank()
        ? details.marketStatus() : status;
    Instant hold = effective == MarketStatus.UNPAID ? now.plus(settings.unpaidHold()) : null;
    return new DetailsReceived(orderKey, details, Map.copyOf(lines), List.copyOf(unmapped), hold, now);
  }

  private ReplyEffect<Event, State> onTracking(State state, RecordTracking c) {
    if (c.trackingNumber() == null || c.trackingNumber().equals(state.data().trackingNumber())) {
      return Effect().reply(c.replyTo(), StatusReply.ack());
    }
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    events.add(new TrackingRecorded(orderKey, c.trackingNumber(), now));
    if (state instanceof Shipped) {
      // shipped by the marketplace without a tracking number: the buyer is told now that there is one
      notificationDue(state.data(), NotificationKind.SHIPPED, c.trackingNumber(), now).ifPresent(events::add);
    }
    return timedPersist(events).thenRun(this::drive).thenReply(c.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onMarkPaid(State state, MarkPaid c) {
    OrderData d = state.data();
    if (d.marketStatus() != MarketStatus.UNPAID) {
      return Effect().reply(c.replyTo(), StatusReply.success(OrderView.of(state))); // paid already
    }
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    events.add(new StatusRecorded(orderKey, "PAID (confirmed by " + c.by() + ")", MarketStatus.PAID, null, true, now));
    events.addAll(reactToStatus(state, MarketStatus.PAID, now));
    return timedPersist(events).thenRun(this::drive)
        .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  // --- operator commands

  private ReplyEffect<Event, State> onCancel(State state, Cancel c) {
    Instant now = clock.instant();
    if (state instanceof Cancelled || state instanceof Cancelling) {
      return Effect().reply(c.replyTo(), StatusReply.success(OrderView.of(state)));
    }
    if (state instanceof OutOfStock oos) {
      if (oos.marketplaceCancelled()) return Effect().reply(c.replyTo(), StatusReply.success(OrderView.of(state)));
      return timedPersist(new MarketplaceCancelled(orderKey, now))
          .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
    }
    if (state instanceof Fetching || state instanceof Reserving || state instanceof NeedsMapping
        || state instanceof Confirmed) {
      return timedPersist(cancel(state, c.by(), c.reason(), now)).thenRun(this::drive)
          .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
    }
    return Effect().reply(c.replyTo(), StatusReply.error(
        "order is " + state.phase() + ": it can no longer be cancelled (after shipping it becomes a return)"));
  }

  private ReplyEffect<Event, State> onShip(State state, Ship c) {
    if (state instanceof Confirmed) {
      return timedPersist(new ShipRequested(orderKey, c.trackingNumber(), c.by(), clock.instant()))
          .thenRun(this::drive).thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
    }
    if (state instanceof Shipping || state instanceof Shipped) {
      return Effect().reply(c.replyTo(), StatusReply.success(OrderView.of(state)));
    }
    return Effect().reply(c.replyTo(), StatusReply.error(
        "order is " + state.phase() + ": only a CONFIRMED order can be shipped"));
  }

  private ReplyEffect<Event, State> onRestock(State state, Restock c) {
    if (state instanceof Returned r) {
      if (r.restocking()) return Effect().reply(c.replyTo(), StatusReply.success(OrderView.of(state)));
      return timedPersist(new RestockRequested(orderKey, c.by(), clock.instant())).thenRun(this::drive)
          .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
    }
    return Effect().reply(c.replyTo(), StatusReply.error(
        "order is " + state.phase() + ": only a RETURNED order can be restocked"));
  }

  private ReplyEffect<Event, State> onMapLine(State state, MapLine c) {
    OrderData d = state.data();
    if (!(state instanceof NeedsMapping)) {
      return Effect().reply(c.replyTo(), StatusReply.error("order is " + state.phase() + ": nothing to map"));
    }
    if (!d.unmapped().contains(c.lineRef()) && !d.unknownSkus().contains(c.lineRef())) {
      return Effect().reply(c.replyTo(), StatusReply.error("no unmapped line '" + c.lineRef() + "' on this order"));
    }
    if (d.skuLines().containsKey(c.sku()) && !c.sku().equals(c.lineRef())) {
      // a reservation is one quantity per SKU and order: merging into a reserved line would not be idempotent
      return Effect().reply(c.replyTo(), StatusReply.error("SKU " + c.sku() + " is already on this order"));
    }
    int quantity = d.unknownSkus().contains(c.lineRef())
        ? d.skuLines().getOrDefault(c.lineRef(), 0)
        : quantityOfUnmapped(d, c.lineRef());
    Instant now = clock.instant();
    LineMapped mapped = new LineMapped(orderKey, c.lineRef(), c.sku(), quantity, c.by(), now);
    List<Event> events = new ArrayList<>();
    events.add(mapped);
    if (d.withMapped(mapped).allReserved()) { // confirmed by this mapping (see the LineMapped event handler)
      notificationDue(d, NotificationKind.CONFIRMED, null, now).ifPresent(events::add);
    }
    return timedPersist(events)
        .thenRun(this::drive).thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  private static int quantityOfUnmapped(OrderData d, String lineRef) {
    if (d.details() == null) return 0;
    int total = 0;
    for (int i = 0; i < d.details().lines().size(); i++) {
      OrderDetails.Line line = d.details().lines().get(i);
      String ref = line.listingRef() != null ? line.listingRef() : "line-" + i;
      if (ref.equals(lineRef) && (line.sellerSku() == null || line.sellerSku().isBlank())) total += line.quantity();
    }
    return total;
  }

  // --- replies from peers

  private ReplyEffect<Event, State> onFetchReply(State state, WrappedFetchReply w) {
    if (!(state instanceof Fetching)) return Effect().noReply();
    if (w.reply() instanceof ShopAdapter.OrderFetched fetched) {
      attempts = 0;
      Instant now = clock.instant();
      DetailsReceived received = detailsReceived(fetched.details(), state.data().marketStatus(), now);
      List<Event> events = new ArrayList<>();
      events.add(received);
      if (fetched.details().marketStatus() == MarketStatus.CANCELLED
          || state.data().marketStatus() == MarketStatus.CANCELLED) {
        // cancelled before we reserved anything: nothing to release
        events.add(new CancelRequested(orderKey, "marketplace", "cancelled on the marketplace", now));
        events.add(new OrderCancelled(orderKey, "marketplace", "cancelled on the marketplace", Map.of(), now));
      }
      return timedPersist(events).thenRun(this::drive).thenNoReply();
    }
    ShopAdapter.FetchFailed failed = (ShopAdapter.FetchFailed) w.reply();
    context.getLog().warn("Fetching order {} failed: {}", orderKey, failed.error());
    return Effect().noReply(); // the retry timer asks again with back-off
  }

  private ReplyEffect<Event, State> onSkuReply(State state, WrappedSkuReply w) {
    SkuEntity.ReservationReply reply = w.reply();
    if (!orderKey.equals(reply.orderKey())) return Effect().noReply();
    OrderData d = state.data();
    Instant now = clock.instant();
    String sku = reply.sku();
    if (state instanceof Reserving || state instanceof NeedsMapping) {
      return onReserveReply(d, reply, now);
    }
    if ((state instanceof OutOfStock o && !o.compensated()) || state instanceof Cancelling) {
      if (isReleaseOutcome(reply) && !d.released().contains(sku)) return persistRelease(state, sku, reply, now);
      return Effect().noReply();
    }
    if (state instanceof Confirmed) {
      if (reply instanceof SkuEntity.HoldCleared && !d.holdCleared().contains(sku)) {
        return timedPersist(new SkuHoldCleared(orderKey, sku, now)).thenNoReply();
      }
      if (reply instanceof SkuEntity.ReservationRefused r && d.holdUntil() != null
          && (r.reason() == SkuEntity.RefusalReason.NOT_RESERVED
              || r.reason() == SkuEntity.RefusalReason.ALREADY_FINISHED)) {
        // The unpaid hold expired at the SKU before payment arrived: the units are gone.
        return timedPersist(new OutOfStockDeclared(orderKey, sku, d.skuLines().getOrDefault(sku, 0),
            r.available(), "hold expired before payment", now)).thenRun(this::drive).thenNoReply();
      }
      return Effect().noReply();
    }
    if (state instanceof Shipping) {
      if (reply instanceof SkuEntity.Committed committed && !d.committed().contains(sku)) {
        List<Event> events = new ArrayList<>();
        events.add(new SkuCommitted(orderKey, sku, committed.quantity(), now));
        Set<String> done = new TreeSet<>(d.committed());
        done.add(sku);
        if (done.containsAll(d.skuLines().keySet())) {
          events.add(new OrderShipped(orderKey, d.channel(), d.trackingNumber(), d.buyerPhone(), d.skuLines(), now));
          notificationDue(d, NotificationKind.SHIPPED, d.trackingNumber(), now).ifPresent(events::add);
          // statuses that arrived while committing
          if (d.marketStatus().rank() >= MarketStatus.DELIVERED.rank()) events.add(new OrderDelivered(orderKey, now));
          if (d.marketStatus() == MarketStatus.COMPLETED) events.add(new OrderCompleted(orderKey, now));
          if (d.marketStatus() == MarketStatus.CANCELLED || d.marketStatus() == MarketStatus.RETURN_REQUESTED) {
            events.add(new ReturnRequested(orderKey, "marketplace", now));
          }
        }
        return timedPersist(events).thenRun(this::drive).thenNoReply();
      }
      return Effect().noReply();
    }
    if (state instanceof Returned r && r.restocking()
        && reply instanceof SkuEntity.Restocked restocked && !d.restocked().contains(sku)) {
      return timedPersist(new SkuRestocked(orderKey, sku, restocked.quantity(), now)).thenRun(this::drive)
          .thenNoReply();
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onReserveReply(OrderData d, SkuEntity.ReservationReply reply, Instant now) {
    String sku = reply.sku();
    if (reply instanceof SkuEntity.Reserved reserved) {
      if (d.reserved().containsKey(sku)) return Effect().noReply();
      List<Event> events = new ArrayList<>();
      OrderData after = d.withReserved(sku, reserved.quantity(), now);
      if (!after.allReserved()) {
        events.add(new SkuReserved(orderKey, sku, reserved.quantity(), now));
      } else {
        // The last line's reservation is recorded by the confirmation itself (it reserves every line): one
        // journal row less per order, which every projection would read back too.
        events.add(new OrderConfirmed(orderKey, d.channel(), d.skuLines(), d.buyerPhone(), d.holdUntil(), now));
        notificationDue(d, NotificationKind.CONFIRMED, null, now).ifPresent(events::add);
        if (d.marketStatus().rank() >= MarketStatus.SHIPPED.rank() && d.marketStatus().rank() < 5) {
          events.add(new ShipRequested(orderKey, null, "marketplace", now)); // shipped before we confirmed
        }
      }
      return timedPersist(events).thenRun(this::drive).thenNoReply();
    }
    if (reply instanceof SkuEntity.ReservationRefused refused) {
      if (refused.reason() == SkuEntity.RefusalReason.UNKNOWN_SKU) {
        if (d.unknownSkus().contains(sku)) return Effect().noReply();
        return timedPersist(new SkuUnknown(orderKey, sku, now)).thenRun(this::drive).thenNoReply();
      }
      if (refused.reason() == SkuEntity.RefusalReason.OVERLOADED) {
        return Effect().noReply(); // asked again by the retry timer
      }
      return timedPersist(new OutOfStockDeclared(orderKey, sku, d.skuLines().getOrDefault(sku, 0),
          refused.available(), refused.reason() + ": " + refused.message(), now)).thenRun(this::drive)
          .thenNoReply();
    }
    return Effect().noReply();
  }

  private static boolean isReleaseOutcome(SkuEntity.ReservationReply reply) {
    return reply instanceof SkuEntity.Released
        || (reply instanceof SkuEntity.ReservationRefused r
            && (r.reason() == SkuEntity.RefusalReason.UNKNOWN_SKU
                || r.reason() == SkuEntity.RefusalReason.NOT_RESERVED
                || r.reason() == SkuEntity.RefusalReason.ALREADY_FINISHED));
  }

  private ReplyEffect<Event, State> persistRelease(State state, String sku, SkuEntity.ReservationReply reply,
                                                   Instant now) {
    OrderData d = state.data();
    int quantity = reply instanceof SkuEntity.Released released ? released.quantity() : 0;
    List<Event> events = new ArrayList<>();
    events.add(new SkuReleased(orderKey, sku, quantity, now));
    Set<String> released = new TreeSet<>(d.released());
    released.add(sku);
    if (released.containsAll(allSkus(d))) events.add(releaseFinished(state, now));
    return timedPersist(events).thenRun(this::drive).thenNoReply();
  }

  private Event releaseFinished(State state, Instant now) {
    if (state instanceof Cancelling c) {
      return new OrderCancelled(orderKey, c.by(), c.reason(), state.data().skuLines(), now);
    }
    return new CompensationFinished(orderKey,
        settings.cancelOutOfStock() ? OutOfStockAction.CANCEL_ON_MARKETPLACE : OutOfStockAction.HOLD_FOR_OPERATOR,
        now);
  }

  /** Every SKU this order may hold stock on: lines (mapped or not yet known) and anything reserved. */
  private static Set<String> allSkus(OrderData d) {
    Set<String> all = new TreeSet<>(d.skuLines().keySet());
    all.addAll(d.reserved().keySet());
    return all;
  }

  private ReplyEffect<Event, State> onCancelReply(State state, WrappedCancelReply w) {
    if (state instanceof OutOfStock oos && oos.compensated() && !oos.marketplaceCancelled()
        && w.reply() instanceof ShopAdapter.OrderCancelled) {
      return timedPersist(new MarketplaceCancelled(orderKey, clock.instant())).thenNoReply();
    }
    if (w.reply() instanceof ShopAdapter.CancelFailed failed) {
      context.getLog().warn("Cancelling order {} on the marketplace failed: {}", orderKey, failed.error());
      if (!failed.retryable() && state instanceof OutOfStock) {
        return timedPersist(new CompensationFinished(orderKey, OutOfStockAction.HOLD_FOR_OPERATOR,
            clock.instant())).thenNoReply();
      }
    }
    return Effect().noReply();
  }

  // --- buyer notifications

  /**
   * The notification that {@code kind} is due, when notifications are on, the buyer's phone is known and the buyer
   * was not notified of {@code kind} yet. SHIPPED needs the tracking number; without it the notification becomes due
   * when the tracking number arrives.
   */
  private Optional<Event> notificationDue(OrderData d, NotificationKind kind, String trackingNumber, Instant now) {
    NotificationSettings n = settings.notifications();
    String to = d.buyerPhone() == null ? "" : d.buyerPhone().replaceAll("[^0-9]", "");
    if (!n.enabled() || to.isEmpty() || d.notification(kind) != null) return Optional.empty();
    if (kind == NotificationKind.SHIPPED && (trackingNumber == null || trackingNumber.isBlank())) {
      return Optional.empty();
    }
    List<String> parameters = kind == NotificationKind.CONFIRMED
        ? List.of(d.orderId()) : List.of(d.orderId(), trackingNumber);
    String template = kind == NotificationKind.CONFIRMED ? n.confirmedTemplate() : n.shippedTemplate();
    return Optional.of(new BuyerNotificationDue(orderKey, kind, n.phoneNumberId(), to, template, n.language(),
        parameters, now));
  }

  private ReplyEffect<Event, State> onSendReply(State state, WrappedSendReply w) {
    WhatsAppSender.SendReply reply = w.reply();
    OrderData d = state.data();
    if (d == null || !orderKey.equals(reply.orderKey())) return Effect().noReply();
    NotificationKind kind;
    try {
      kind = NotificationKind.valueOf(reply.kind());
    } catch (IllegalArgumentException e) {
      return Effect().noReply();
    }
    Notification n = d.notification(kind);
    String key = NOTIFY + kind;
    if (n == null || n.status() != NotificationStatus.PENDING) {
      if (reply instanceof WhatsAppSender.Sent sent && n != null && !sent.wamid().equals(n.wamid())) {
        context.getLog().warn("Order {}: a second {} notification was sent ({}), {} was recorded", orderKey, kind,
            sent.wamid(), n.wamid());
      }
      return Effect().noReply(); // a late or repeated answer: the outcome is recorded already
    }
    Instant now = clock.instant();
    if (reply instanceof WhatsAppSender.Sent sent) {
      return timedPersist(new BuyerNotified(orderKey, kind, sent.wamid(), now))
          .thenRun(s -> {
            notifying.remove(key);
            notifyAttempts = 0;
            drive(s);
          })
          .thenNoReply();
    }
    WhatsAppSender.SendFailed failed = (WhatsAppSender.SendFailed) reply;
    if (failed.retryable()) {
      context.getLog().warn("Order {}: {} notification failed, sent again later: {}", orderKey, kind,
          failed.code());
      notifying.remove(key); // the notification timer sends it again with back-off
      return Effect().noReply();
    }
    context.getLog().warn("Order {}: {} notification refused for good: {} {}", orderKey, kind, failed.code(),
        failed.reason());
    return timedPersist(new BuyerNotificationFailed(orderKey, kind, failed.code(), failed.reason(), now))
        .thenRun(s -> {
          notifying.remove(key);
          drive(s);
        })
        .thenNoReply();
  }

  // --- the saga driver

  /** A message the current state waits to have answered; {@code key} names it so it is sent once per round. */
  private record Outgoing(String key, Runnable send) {}

  /** Keys sent since the last retry round (not persisted: after a crash everything outstanding is sent again). */
  private final Set<String> sent = new HashSet<>();

  private static final String NOTIFY = "notify:";

  /**
   * Buyer notifications sent and not answered yet, with when they were sent. Unlike SKU commands a WhatsApp message
   * is not idempotent, so a retry tick never re-sends one in flight: only a retryable failure, a reply lost for
   * {@code reply-timeout}, or a restart (the one window where a message can go twice) sends it again.
   */
  private final Map<String, Instant> notifying = new java.util.HashMap<>();

  /**
   * {@code Effect().persist} with the journal write timed: from here (the command handler) until Akka runs the
   * effect's callbacks, i.e. the events are in the journal. This callback is the first one, so what follows
   * (drive, replies) is not counted.
   */
  private EffectBuilder<Event, State> timedPersist(Event event) {
    long start = System.nanoTime();
    return Effect().persist(event).thenRun(s -> metrics.orderEventsWritten(System.nanoTime() - start));
  }

  private EffectBuilder<Event, State> timedPersist(List<Event> events) {
    if (events.isEmpty()) return Effect().persist(events); // nothing written: nothing to time
    long start = System.nanoTime();
    return Effect().persist(events).thenRun(s -> metrics.orderEventsWritten(System.nanoTime() - start));
  }

  /** The phase this entity was last seen in on this node (metrics count transitions, not replays). */
  private String phase;

  /** After a persisted change: send what the new state waits for and was not sent yet this round. */
  private void drive(State state) {
    if (!state.phase().equals(phase)) metrics.orderEntered(state.phase());
    phase = state.phase();
    dispatch(state);
  }

  /** On recovery and on each retry tick: send everything still outstanding again (receivers are idempotent). */
  private void resend(State state) {
    phase = state.phase();
    sent.clear();
    timers.cancel(Retry.INSTANCE);
    dispatch(state);
  }

  private void dispatch(State state) {
    boolean sagaWaits = false;
    boolean notificationWaits = false;
    for (Outgoing o : outstanding(state)) {
      if (o.key().startsWith(NOTIFY)) {
        notificationWaits = true;
        Instant now = clock.instant();
        Instant since = notifying.get(o.key());
        if (since == null || !now.isBefore(since.plus(settings.notifications().replyTimeout()))) {
          notifying.put(o.key(), now);
          o.send().run();
        }
      } else {
        sagaWaits = true;
        if (sent.add(o.key())) o.send().run();
      }
    }
    if (!sagaWaits) {
      timers.cancel(Retry.INSTANCE);
      sent.clear();
      attempts = 0;
    } else if (!timers.isTimerActive(Retry.INSTANCE)) {
      Duration delay = state instanceof NeedsMapping ? settings.mappingRetry() : backoff(attempts++);
      timers.startSingleTimer(Retry.INSTANCE, Retry.INSTANCE, delay);
    }
    if (!notificationWaits) {
      timers.cancel(RetryNotifications.INSTANCE);
      notifying.clear();
      notifyAttempts = 0;
    } else if (!timers.isTimerActive(RetryNotifications.INSTANCE)) {
      timers.startSingleTimer(RetryNotifications.INSTANCE, RetryNotifications.INSTANCE, backoff(notifyAttempts++));
    }
    if (sagaWaits || notificationWaits || shard == null) {
      timers.cancel(PassivateIdle.INSTANCE);
    } else if (!timers.isTimerActive(PassivateIdle.INSTANCE)) {
      timers.startSingleTimer(PassivateIdle.INSTANCE, PassivateIdle.INSTANCE, passivateIdleAfter);
    }
  }

  /** What {@code state} waits for; empty when it waits for nothing. */
  private List<Outgoing> outstanding(State state) {
    OrderData d = state.data();
    List<Outgoing> out = new ArrayList<>();
    if (state instanceof Fetching) {
      out.add(new Outgoing("fetch", () -> peers.shop(d.channel(), d.shopId())
          .tell(new ShopAdapter.FetchOrder(d.orderId(), fetchReplies))));
    } else if (state instanceof Reserving || state instanceof NeedsMapping) {
      Set<String> toReserve = new TreeSet<>(d.pendingReservations());
      toReserve.addAll(d.unknownSkus()); // an unknown SKU may exist by now
      for (String sku : toReserve) {
        int quantity = d.skuLines().getOrDefault(sku, 0);
        out.add(new Outgoing("reserve:" + sku, () -> peers.sku(sku)
            .tell(new SkuEntity.Reserve(orderKey, quantity, d.holdUntil(), skuReplies))));
      }
    } else if (state instanceof Confirmed) {
      if (d.marketStatus() != MarketStatus.UNPAID && d.holdUntil() != null) {
        for (String sku : d.skuLines().keySet()) {
          if (!d.holdCleared().contains(sku)) {
            out.add(new Outgoing("clear:" + sku, () -> peers.sku(sku)
                .tell(new SkuEntity.ClearHold(orderKey, skuReplies))));
          }
        }
      }
    } else if (state instanceof OutOfStock o) {
      if (!o.compensated()) {
        releaseAll(d, out);
      } else if (o.action() == OutOfStockAction.CANCEL_ON_MARKETPLACE && !o.marketplaceCancelled()
          && (d.channel() == Channel.SHOPEE || d.channel() == Channel.TIKTOK)) {
        out.add(new Outgoing("cancel-on-marketplace", () -> peers.shop(d.channel(), d.shopId())
            .tell(new ShopAdapter.CancelOrder(d.orderId(), "OUT_OF_STOCK", listingRefs(d), cancelReplies))));
      }
    } else if (state instanceof Cancelling) {
      releaseAll(d, out);
    } else if (state instanceof Shipping) {
      for (String sku : d.skuLines().keySet()) {
        if (!d.committed().contains(sku)) {
          out.add(new Outgoing("commit:" + sku, () -> peers.sku(sku)
              .tell(new SkuEntity.Commit(orderKey, skuReplies))));
        }
      }
    } else if (state instanceof Returned r && r.restocking()) {
      for (Map.Entry<String, Integer> line : d.skuLines().entrySet()) {
        String sku = line.getKey();
        if (!d.restocked().contains(sku)) {
          out.add(new Outgoing("restock:" + sku, () -> peers.sku(sku)
              .tell(new SkuEntity.ReturnToStock(orderKey, line.getValue(), "order " + orderKey, skuReplies))));
        }
      }
    }
    // Blank, Shipped, Delivered, Completed, Cancelled and a Returned order awaiting an operator wait for nothing
    // from the saga. Whatever the phase, the oldest pending buyer notification is sent (one at a time, so the
    // buyer never hears "shipped" before "confirmed").
    if (d != null) {
      d.notifications().stream().filter(n -> n.status() == NotificationStatus.PENDING).findFirst().ifPresent(n ->
          out.add(new Outgoing(NOTIFY + n.kind(), () -> peers.whatsApp(n.phoneNumberId())
              .tell(new WhatsAppSender.SendTemplate(orderKey, n.kind().name(), n.to(), n.template(), n.language(),
                  n.parameters(), sendReplies)))));
    }
    return out;
  }

  private static List<String> listingRefs(OrderData d) {
    if (d.details() == null) return List.of();
    return d.details().lines().stream().map(OrderDetails.Line::listingRef).filter(r -> r != null).toList();
  }

  private void releaseAll(OrderData d, List<Outgoing> out) {
    for (String sku : allSkus(d)) {
      if (!d.released().contains(sku)) {
        out.add(new Outgoing("release:" + sku, () -> peers.sku(sku)
            .tell(new SkuEntity.Release(orderKey, skuReplies))));
      }
    }
  }

  private Duration backoff(int attemptsSoFar) {
    long min = settings.retryMin().toMillis();
    long delay = Math.min(settings.retryMax().toMillis(), min << Math.min(attemptsSoFar, 10));
    long jitter = (long) (delay * 0.2 * Math.random());
    return Duration.ofMillis(delay + jitter);
  }

  // ---------------------------------------------------------------- events applied to state

  @Override
  public EventHandler<State, Event> eventHandler() {
    EventHandlerBuilder<State, Event> b = newEventHandlerBuilder();
    b.forStateType(Blank.class)
        .onEvent(Notified.class, (s, e) -> new Fetching(OrderData.create(e)));
    b.forAnyState()
        .onEvent(StatusRecorded.class, (s, e) ->
            s.withData(s.data().withStatus(e.rawStatus(), e.status(), e.dedupId(), e.acted(), e.at())))
        .onEvent(DetailsReceived.class, (s, e) -> {
          OrderData d = s.data().withDetails(e);
          return d.unmapped().isEmpty() ? new Reserving(d) : new NeedsMapping(d);
        })
        .onEvent(LineMapped.class, (s, e) -> {
          OrderData d = s.data().withMapped(e);
          if (d.allReserved()) return new Confirmed(d);
          return d.unmapped().isEmpty() && d.unknownSkus().isEmpty() ? new Reserving(d) : new NeedsMapping(d);
        })
        .onEvent(SkuReserved.class, (s, e) -> s.withData(s.data().withReserved(e.sku(), e.quantity(), e.at())))
        .onEvent(TrackingRecorded.class, (s, e) -> s.withData(s.data().withTracking(e.trackingNumber(), e.at())))
        .onEvent(SkuUnknown.class, (s, e) -> new NeedsMapping(s.data().withUnknown(e.sku(), e.at())))
        .onEvent(OrderConfirmed.class, (s, e) -> new Confirmed(s.data().withAllReserved(e.skuLines(), e.at())))
        .onEvent(OutOfStockDeclared.class, (s, e) -> new OutOfStock(
            s.data().withProblem("out of stock: " + e.sku() + " requested " + e.requested() + ", available "
                + e.available() + " (" + e.reason() + ")", e.at()), false, null, false))
        .onEvent(SkuReleased.class, (s, e) -> s.withData(s.data().withReleased(e.sku(), e.at())))
        .onEvent(CompensationFinished.class, (s, e) ->
            new OutOfStock(s.data().touch(e.at()), true, e.action(), false))
        .onEvent(MarketplaceCancelled.class, (s, e) -> s instanceof OutOfStock o
            ? new OutOfStock(o.data().touch(e.at()), o.compensated(), o.action(), true) : s)
        .onEvent(SkuHoldCleared.class, (s, e) -> s.withData(s.data().withHoldCleared(e.sku(), e.at())))
        .onEvent(ShipRequested.class, (s, e) -> new Shipping(s.data().withTracking(e.trackingNumber(), e.at())))
        .onEvent(SkuCommitted.class, (s, e) -> s.withData(s.data().withCommitted(e.sku(), e.at())))
        .onEvent(OrderShipped.class, (s, e) -> new Shipped(s.data().touch(e.at())))
        .onEvent(OrderDelivered.class, (s, e) -> new Delivered(s.data().touch(e.at())))
        .onEvent(OrderCompleted.class, (s, e) -> new Completed(s.data().touch(e.at())))
        .onEvent(CancelRequested.class, (s, e) -> new Cancelling(s.data().touch(e.at()), e.by(), e.reason()))
        .onEvent(OrderCancelled.class, (s, e) -> new Cancelled(s.data().touch(e.at()), e.by(), e.reason()))
        .onEvent(ReturnRequested.class, (s, e) -> new Returned(s.data().touch(e.at()), false))
        .onEvent(RestockRequested.class, (s, e) -> new Returned(s.data().touch(e.at()), true))
        .onEvent(SkuRestocked.class, (s, e) -> s.withData(s.data().withRestocked(e.sku(), e.at())))
        .onEvent(BuyerNotificationDue.class, (s, e) ->
            s.withData(s.data().withNotification(Notification.due(e))))
        .onEvent(BuyerNotified.class, (s, e) -> s.withData(s.data().withNotification(
            s.data().notification(e.kind()).settled(NotificationStatus.SENT, e.wamid(), null, e.at()))))
        .onEvent(BuyerNotificationFailed.class, (s, e) -> s.withData(s.data().withNotification(
            s.data().notification(e.kind()).settled(NotificationStatus.FAILED, null, e.code() + ": " + e.reason(),
                e.at()))))
        .onEvent(Notified.class, (s, e) -> s);
    return b.build();
  }
}
