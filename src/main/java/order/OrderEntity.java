package order;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
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
import akka.persistence.typed.SnapshotSelectionCriteria;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import akka.persistence.typed.javadsl.CommandHandlerWithReplyBuilderByState;
import akka.persistence.typed.javadsl.EffectBuilder;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.Recovery;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.SignalHandler;
import common.CborSerializable;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import marketplace.ShopAdapter;
import marketplace.WhatsAppSender;
import order.BuyerNotifications.SendOutcome;
import order.OrderEvents.*;
import order.OrderSaga.Step;
import order.OrderState.*;
import sku.SkuEntity;

/**
 * One marketplace order: the single place that decides what happens to it. Runs the order's state machine and its
 * stock reservation saga (reserve every SKU, or release everything that was reserved), driven by its own persisted
 * state so that a crash at any point resumes where it stopped. Every message to a SKU is idempotent per order key,
 * so re-sending after a crash or a lost reply is safe.
 *
 * <p>Phases ({@link OrderState}): {@link Blank} → {@link Fetching} (details asked from the shop adapter) →
 * {@link Reserving} → {@link Confirmed} | {@link NeedsMapping} (a line's SKU is unknown) | {@link OutOfStock}
 * (compensating, then the marketplace order is cancelled or held for an operator) → {@link Shipping} (committing
 * stock) → {@link Shipped} → {@link Delivered} / {@link Completed}; {@link Cancelling} → {@link Cancelled} before
 * shipping; {@link Returned} after shipping (restock only when an operator confirms). Each phase answers every command
 * with its own handlers; the decisions are {@link OrderSaga}'s and {@link BuyerNotifications}'s, this class turns
 * them into effects.
 */
public final class OrderEntity
    extends EventSourcedBehaviorWithEnforcedReplies<OrderEntity.Command, OrderEvents.Event, OrderState.State> {

  public static final EntityTypeKey<Command> ENTITY_TYPE_KEY = EntityTypeKey.create(Command.class, "Order");
  public static final List<String> TAGS = List.of("order-0", "order-1", "order-2", "order-3");
  /** Error text of every command sent to an order that does not exist. */
  public static final String NOT_FOUND = "order not found";

  /** The journal id of an order: {@code Order|channel|shop|orderId} (PersistenceId.of would refuse the '|'). */
  public static PersistenceId persistenceId(String orderKey) {
    return PersistenceId.ofUniqueId(ENTITY_TYPE_KEY.name() + "|" + orderKey);
  }

  /** Entity id and reservation key of an order: {@code channel|shop|orderId}. */
  public static String orderKey(Channel channel, String shopId, String orderId) {
    return channel.key() + "|" + shopId + "|" + orderId;
  }

  /**
   * An order with nothing outstanding passivates itself after {@code passivate-idle-after}. An order caught with work
   * outstanding when its node crashed is woken by {@code readside.ledger.OrderSweeper} (orders are not remembered entities:
   * writing each new order to the remembered set made a flash-sale burst time out).
   */
  public static void init(ActorSystem<?> system, BuyerDataStore buyerData) {
    OrderSettings settings = OrderSettings.from(system.settings().config());
    Duration idle = system.settings().config().getDuration("orchestrator.orders.passivate-idle-after");
    OrderPeers peers = OrderPeers.sharded(system, buyerData);
    ClusterSharding.get(system).init(Entity.of(ENTITY_TYPE_KEY,
            ctx -> create(ctx.getEntityId(), settings, peers, Clock.systemUTC(), ctx.getShard(), idle))
        .withStopMessage(Stop.INSTANCE));
  }

  public static Behavior<Command> create(String orderKey, OrderSettings settings, OrderPeers peers, Clock clock) {
    return create(orderKey, settings, peers, clock, null, Duration.ofMinutes(1));
  }

  static Behavior<Command> create(String orderKey, OrderSettings settings, OrderPeers peers, Clock clock,
                                  ActorRef<ClusterSharding.ShardCommand> shard, Duration passivateIdleAfter) {
    return infra.LogContext.withMdc(infra.LogContext.order(orderKey), Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new OrderEntity(ctx, timers, orderKey, settings, peers, clock, shard, passivateIdleAfter))));
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

  /** Internal: the buyer's data is stored ({@link BuyerDataIntake}); the webhook's or the shop's details without it. */
  record BuyerDataStored(Notify notification, OrderDetails fetched, OrderEvents.BuyerDataHeld held) implements Command {}

  /** Internal: the buyer's data could not be stored (the webhook was answered with an error). */
  enum BuyerDataFailed implements Command { INSTANCE }

  /** Internal: a peer's answer, through one of the entity's message adapters. */
  private record WrappedSkuReply(SkuEntity.ReservationReply reply) implements Command {}

  private record WrappedFetchReply(ShopAdapter.FetchReply reply) implements Command {}

  private record WrappedCancelReply(ShopAdapter.CancelReply reply) implements Command {}

  private record WrappedSendReply(WhatsAppSender.SendReply reply) implements Command {}

  /** Internal: time to send a pending buyer notification again (its own timer: it never delays the saga). */
  enum RetryNotifications implements Command { INSTANCE }

  /** Internal: nothing was outstanding for a while; leave memory (and the remembered set). */
  enum PassivateIdle implements Command { INSTANCE }

  /**
   * Sharding's stop message (passivation by idle time or the active-entity limit), queued behind the commands
   * already delivered: a webhook's {@code Notify} is answered before the entity stops, also one waiting for its
   * buyer data to be stored (OrderPassivationTest: without both, such Notifies went unanswered).
   */
  enum Stop implements Command { INSTANCE }

  // ---------------------------------------------------------------- behaviour

  private final ActorContext<Command> context;
  private final String orderKey;
  private final Clock clock;
  private final infra.Metrics metrics;
  private final BuyerNotifications notifications;
  private final OrderSaga saga;
  private final SagaDriver driver;
  private final BuyerDataIntake buyerData;
  private boolean stopRequested;

  private OrderEntity(ActorContext<Command> context, TimerScheduler<Command> timers, String orderKey,
                      OrderSettings settings, OrderPeers peers, Clock clock,
                      ActorRef<ClusterSharding.ShardCommand> shard, Duration passivateIdleAfter) {
    super(persistenceId(orderKey),
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2));
    this.context = context;
    this.orderKey = orderKey;
    this.clock = clock;
    this.metrics = infra.Metrics.get(context.getSystem());
    this.notifications = new BuyerNotifications(orderKey, settings.notifications());
    this.buyerData = new BuyerDataIntake(orderKey, peers.buyerData(), clock);
    this.saga = new OrderSaga(orderKey, settings, notifications);
    OrderSaga.ReplyTo replyTo = new OrderSaga.ReplyTo(
        context.messageAdapter(SkuEntity.ReservationReply.class, WrappedSkuReply::new),
        context.messageAdapter(ShopAdapter.FetchReply.class, WrappedFetchReply::new),
        context.messageAdapter(ShopAdapter.CancelReply.class, WrappedCancelReply::new),
        context.messageAdapter(WhatsAppSender.SendReply.class, WrappedSendReply::new));
    this.driver = new SagaDriver(saga, replyTo, peers, settings, clock, timers, metrics, shard, context.getSelf(),
        passivateIdleAfter);
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
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), driver::recovered).build();
  }

  // ---------------------------------------------------------------- commands, per phase

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();

    b.forStateType(Blank.class)
        .onCommand(Notify.class, this::onFirstNotify)
        .onCommand(BuyerDataStored.class, (s, c) -> settled(c.notification() == null ? Effect().noReply()
            : firstNotify(c.notification(), c.held())))
        .onCommand(BuyerDataFailed.class, (s, c) -> settled(Effect().noReply()))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(Cancel.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(Ship.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(Restock.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(MapLine.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        .onCommand(MarkPaid.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error(NOT_FOUND)))
        // a tracking number for an order this service never saw: nothing to attach it to
        .onCommand(RecordTracking.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.ack()))
        .onCommand(Stop.class, (s, c) -> onStop(s))
        .onAnyCommand(c -> Effect().noReply());

    // Each phase lists what it does differently; what it does like most phases is in known() and the Known block
    // below (the first case that matches wins). Akka builds these cases once per entity instance: fewer cases is
    // less heap per order in memory (the 100,000-order soak, BENCHMARKS.md).
    known(b.forStateType(Fetching.class), saga::statusBeforeConfirmation)
        .onCommand(Cancel.class, this::cancelBeforeShipping)
        .onCommand(WrappedFetchReply.class, this::onFetchReply);

    known(b.forStateType(Reserving.class), saga::statusBeforeConfirmation)
        .onCommand(Cancel.class, this::cancelBeforeShipping)
        .onCommand(WrappedSkuReply.class, (s, w) -> take(saga.reserveReply(s.data(), w.reply(), clock.instant())));

    known(b.forStateType(NeedsMapping.class), saga::statusBeforeConfirmation)
        .onCommand(Cancel.class, this::cancelBeforeShipping)
        .onCommand(MapLine.class, this::mapLine)
        .onCommand(WrappedSkuReply.class, (s, w) -> take(saga.reserveReply(s.data(), w.reply(), clock.instant())));

    known(b.forStateType(Confirmed.class), saga::statusWhileConfirmed)
        .onCommand(Cancel.class, this::cancelBeforeShipping)
        .onCommand(Ship.class, this::ship)
        .onCommand(WrappedSkuReply.class, (s, w) -> take(saga.holdReply(s.data(), w.reply(), clock.instant())));

    known(b.forStateType(OutOfStock.class), saga::statusWhileOutOfStock)
        .onCommand(Cancel.class, this::cancelOnMarketplace)
        .onCommand(WrappedSkuReply.class, (s, w) -> s.compensated() ? Effect().noReply()
            : take(saga.releaseWhileOutOfStock(s, w.reply(), clock.instant())))
        .onCommand(WrappedCancelReply.class,
            (s, w) -> take(saga.cancelReplyWhileOutOfStock(s, w.reply(), clock.instant())));

    known(b.forStateType(Shipping.class), saga::statusAfterHandover)
        .onCommand(Ship.class, (s, c) -> view(s, c.replyTo())) // shipping already
        .onCommand(WrappedSkuReply.class, (s, w) -> take(saga.commitReply(s.data(), w.reply(), clock.instant())));

    known(b.forStateType(Shipped.class), saga::statusWhileShipped)
        .onCommand(Ship.class, (s, c) -> view(s, c.replyTo())) // shipped already
        // shipped by the marketplace without a tracking number: the buyer is told now that there is one
        .onCommand(RecordTracking.class, (s, c) -> recordTracking(s, c, true));

    // delivered or completed: the buyer has the goods, so every operator action but tracking is refused
    known(b.forStateType(Delivered.class), saga::statusWhileDelivered);
    known(b.forStateType(Completed.class), saga::statusAfterHandover);

    known(b.forStateType(Cancelling.class), OrderSaga::statusChangesNothing)
        .onCommand(Cancel.class, (s, c) -> view(s, c.replyTo())) // cancelling already
        .onCommand(WrappedSkuReply.class, (s, w) -> take(saga.releaseWhileCancelling(s, w.reply(), clock.instant())));

    known(b.forStateType(Cancelled.class), OrderSaga::statusChangesNothing)
        .onCommand(Cancel.class, (s, c) -> view(s, c.replyTo())); // cancelled already

    known(b.forStateType(Returned.class), OrderSaga::statusChangesNothing)
        .onCommand(Restock.class, this::restock)
        .onCommand(WrappedSkuReply.class, (s, w) -> !s.restocking() ? Effect().noReply()
            : take(saga.restockReply(s.data(), w.reply(), clock.instant())));

    // What every known phase answers alike, unless it said otherwise above.
    b.forStateType(Known.class)
        .onCommand(Cancel.class, this::refuseCancel)
        .onCommand(Ship.class, this::refuseShip)
        .onCommand(Restock.class, this::refuseRestock)
        .onCommand(MapLine.class, this::refuseMapLine)
        .onCommand(RecordTracking.class, this::recordTracking)
        .onCommand(WrappedFetchReply.class, this::nothingToDo)
        .onCommand(WrappedSkuReply.class, this::nothingToDo)
        .onCommand(WrappedCancelReply.class, this::onLateCancelReply)
        .onCommand(BuyerDataFailed.class, (s, c) -> settled(Effect().noReply()))
        .onCommand(Get.class, (s, c) -> view(s, c.replyTo()))
        .onCommand(Retry.class, (s, c) -> Effect().none().thenRun(driver::resend).thenNoReply())
        .onCommand(RetryNotifications.class, (s, c) -> Effect().none().thenRun(driver::dispatch).thenNoReply())
        .onCommand(Wake.class, (s, c) -> Effect().noReply())
        .onCommand(Stop.class, (s, c) -> onStop(s))
        .onCommand(PassivateIdle.class, (s, c) -> {
          driver.passivateIfIdle(s);
          return Effect().noReply();
        })
        .onCommand(WrappedSendReply.class, this::onSendReply);

    return b.build();
  }

  /** What a marketplace status that moves the order forward changes in this phase ({@code reaction}). */
  private <S extends Known> CommandHandlerWithReplyBuilderByState<Command, Event, S, State> known(
      CommandHandlerWithReplyBuilderByState<Command, Event, S, State> phase, OrderSaga.StatusReaction reaction) {
    return phase
        .onCommand(Notify.class, (s, c) -> onNotify(s, c, reaction))
        .onCommand(BuyerDataStored.class, (s, c) -> settled(c.notification() != null
            ? onNotify(s, c.notification(), reaction)
            : s instanceof Fetching f ? take(saga.fetchReply(f, new ShopAdapter.OrderFetched(c.fetched()),
                clock.instant(), c.held())) : Effect().noReply()))
        .onCommand(MarkPaid.class, (s, c) -> onMarkPaid(s, c, reaction));
  }

  /**
   * Passivation waits while a buyer data write or a peer's answer is on its way back (else a webhook goes
   * unanswered, or a SKU's reply is lost and the order waits for the sweeper); sharding stops it anyway after
   * its stop-timeout.
   */
  private ReplyEffect<Event, State> onStop(State state) {
    stopRequested = !buyerData.idle() || (state instanceof Known known && driver.awaitsPeer(known));
    return stopRequested ? Effect().noReply() : Effect().stop().thenNoReply();
  }

  private void stopIfRequested() {
    if (stopRequested) context.getSelf().tell(Stop.INSTANCE);
  }

  /** One buyer data write has ended (a stop that waited for it is tried again). */
  private ReplyEffect<Event, State> settled(ReplyEffect<Event, State> effect) {
    buyerData.settled();
    stopIfRequested();
    return effect;
  }

  // --- notifications from the marketplace

  private ReplyEffect<Event, State> onFirstNotify(Blank state, Notify c) {
    if (buyerData.divert(c.details(), c, context.getSelf())) return Effect().noReply(); // answered once stored
    return firstNotify(c, null);
  }

  private ReplyEffect<Event, State> firstNotify(Notify c, OrderEvents.BuyerDataHeld held) {
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    events.add(new Notified(orderKey, c.channel(), c.shopId(), c.orderId(), c.rawStatus(), c.status(), c.dedupId(),
        now));
    if (c.details() != null) events.add(saga.detailsReceived(c.details(), c.status(), now, held));
    return timedPersist(events).thenRun(driver::drive).thenReply(c.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onNotify(Known state, Notify c, OrderSaga.StatusReaction reaction) {
    List<Event> events = saga.statusReport(state.data(), c.rawStatus(), c.status(), c.dedupId(), reaction,
        clock.instant());
    if (events.isEmpty()) return Effect().reply(c.replyTo(), StatusReply.ack()); // duplicate delivery
    return timedPersist(events).thenRun(driver::drive).thenReply(c.replyTo(), s -> StatusReply.ack());
  }

  private ReplyEffect<Event, State> onMarkPaid(Known state, MarkPaid c, OrderSaga.StatusReaction reaction) {
    List<Event> events = saga.paymentConfirmed(state.data(), c.by(), reaction, clock.instant());
    if (events.isEmpty()) return view(state, c.replyTo()); // paid already
    return timedPersist(events).thenRun(driver::drive)
        .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  private ReplyEffect<Event, State> recordTracking(Known state, RecordTracking c) {
    return recordTracking(state, c, false);
  }

  private ReplyEffect<Event, State> recordTracking(Known state, RecordTracking c, boolean buyerWaitsForIt) {
    List<Event> events = saga.tracking(state.data(), c.trackingNumber(), buyerWaitsForIt, clock.instant());
    if (events.isEmpty()) return Effect().reply(c.replyTo(), StatusReply.ack());
    return timedPersist(events).thenRun(driver::drive).thenReply(c.replyTo(), s -> StatusReply.ack());
  }

  // --- operator commands

  private ReplyEffect<Event, State> view(Known state, ActorRef<StatusReply<OrderView>> replyTo) {
    return Effect().reply(replyTo, StatusReply.success(OrderView.of(state)));
  }

  private ReplyEffect<Event, State> cancelBeforeShipping(Known state, Cancel c) {
    return timedPersist(saga.cancel(state.data(), c.by(), c.reason(), clock.instant())).thenRun(driver::drive)
        .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  private ReplyEffect<Event, State> cancelOnMarketplace(OutOfStock state, Cancel c) {
    if (state.marketplaceCancelled()) return view(state, c.replyTo());
    return timedPersist(new MarketplaceCancelled(orderKey, clock.instant()))
        .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  private ReplyEffect<Event, State> refuseCancel(Known state, Cancel c) {
    return Effect().reply(c.replyTo(), StatusReply.error(
        "order is " + state.phase() + ": it can no longer be cancelled (after shipping it becomes a return)"));
  }

  private ReplyEffect<Event, State> ship(Confirmed state, Ship c) {
    return timedPersist(new ShipRequested(orderKey, c.trackingNumber(), c.by(), clock.instant()))
        .thenRun(driver::drive).thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  private ReplyEffect<Event, State> refuseShip(Known state, Ship c) {
    return Effect().reply(c.replyTo(), StatusReply.error(
        "order is " + state.phase() + ": only a " + Phase.CONFIRMED + " order can be shipped"));
  }

  private ReplyEffect<Event, State> restock(Returned state, Restock c) {
    if (state.restocking()) return view(state, c.replyTo());
    return timedPersist(new RestockRequested(orderKey, c.by(), clock.instant())).thenRun(driver::drive)
        .thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  private ReplyEffect<Event, State> refuseRestock(Known state, Restock c) {
    return Effect().reply(c.replyTo(), StatusReply.error(
        "order is " + state.phase() + ": only a " + Phase.RETURNED + " order can be restocked"));
  }

  private ReplyEffect<Event, State> mapLine(NeedsMapping state, MapLine c) {
    OrderData.Contents contents = state.data().contents();
    if (!contents.unmapped().contains(c.lineRef()) && !contents.unknownSkus().contains(c.lineRef())) {
      return Effect().reply(c.replyTo(), StatusReply.error("no unmapped line '" + c.lineRef() + "' on this order"));
    }
    if (contents.skuLines().containsKey(c.sku()) && !c.sku().equals(c.lineRef())) {
      // a reservation is one quantity per SKU and order: merging into a reserved line would not be idempotent
      return Effect().reply(c.replyTo(), StatusReply.error("SKU " + c.sku() + " is already on this order"));
    }
    return timedPersist(saga.lineMapped(state.data(), c.lineRef(), c.sku(), c.by(), clock.instant()))
        .thenRun(driver::drive).thenReply(c.replyTo(), s -> StatusReply.success(OrderView.of(s)));
  }

  private ReplyEffect<Event, State> refuseMapLine(Known state, MapLine c) {
    return Effect().reply(c.replyTo(), StatusReply.error("order is " + state.phase() + ": nothing to map"));
  }

  // --- replies from peers

  private ReplyEffect<Event, State> nothingToDo() {
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onFetchReply(Fetching state, WrappedFetchReply w) {
    if (w.reply() instanceof ShopAdapter.OrderFetched f && buyerData.divert(f.details(), null, context.getSelf())) {
      return Effect().noReply(); // persisted as BuyerDataStored once the buyer data row is written
    }
    Step step = saga.fetchReply(state, w.reply(), clock.instant());
    if (!step.events().isEmpty()) driver.restartBackoff(); // the details came
    return take(step);
  }

  private ReplyEffect<Event, State> onLateCancelReply(Known state, WrappedCancelReply w) {
    return take(saga.cancelReplyElsewhere(w.reply()));
  }

  /** Logs the step's warning, persists its events, and sends what the new state waits for when the step says so. */
  private ReplyEffect<Event, State> take(Step step) {
    if (step.warning() != null) context.getLog().warn(step.warning());
    if (step.events().isEmpty()) return Effect().noReply();
    EffectBuilder<Event, State> persisted = timedPersist(step.events());
    return (step.thenDrive() ? persisted.thenRun(driver::drive) : persisted).thenRun(s -> stopIfRequested())
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onSendReply(Known state, WrappedSendReply w) {
    SendOutcome outcome = notifications.onSendReply(state.data(), w.reply(), clock.instant());
    if (outcome.warning() != null) context.getLog().warn(outcome.warning());
    switch (outcome.action()) {
      case RECORD_SENT:
        return timedPersist(outcome.event())
            .thenRun(s -> {
              driver.notificationSent(outcome.kind());
              driver.drive(s);
            })
            .thenNoReply();
      case SEND_AGAIN:
        driver.notificationAnswered(outcome.kind()); // the notification timer sends it again with back-off
        return Effect().noReply();
      case RECORD_REFUSED:
        return timedPersist(outcome.event())
            .thenRun(s -> {
              driver.notificationAnswered(outcome.kind());
              driver.drive(s);
            })
            .thenNoReply();
      default:
        return Effect().noReply(); // a late or repeated answer: the outcome is recorded already
    }
  }

  // --- effects

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

  // ---------------------------------------------------------------- events, applied by the states

  @Override
  public EventHandler<State, Event> eventHandler() {
    return OrderState.eventHandler(newEventHandlerBuilder());
  }
}
