package sku;

import static sku.SkuEntity.CONFLICT;
import static sku.SkuEntity.INVALID;
import static sku.SkuEntity.MAX_HISTORY_PAGE;
import static sku.SkuEntity.MAX_RESERVATION_PAGE;
import static sku.SkuEntity.NOT_FOUND;

import akka.actor.typed.ActorRef;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.eventstream.EventStream;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.pattern.StatusReply;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.SnapshotAdapter;
import akka.persistence.typed.SnapshotCompleted;
import akka.persistence.typed.javadsl.CommandHandlerWithReply;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import akka.persistence.typed.javadsl.ReplyEffect;
import akka.persistence.typed.javadsl.SignalHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import sku.SkuEntity.AdjustStock;
import sku.SkuEntity.AdminCommand;
import sku.SkuEntity.Batch;
import sku.SkuEntity.BatchDone;
import sku.SkuEntity.ChildReady;
import sku.SkuEntity.Command;
import sku.SkuEntity.ExpireHolds;
import sku.SkuEntity.GetHistory;
import sku.SkuEntity.GetState;
import sku.SkuEntity.GetStock;
import sku.SkuEntity.GetSummary;
import sku.SkuEntity.PutListing;
import sku.SkuEntity.RemoveListing;
import sku.SkuEntity.Reservation;
import sku.SkuEntity.ReservationCommand;
import sku.SkuEntity.ReservationReply;
import sku.SkuEntity.SetPushRules;
import sku.SkuEntity.SetSafetyStock;
import sku.SkuEntity.SetStock;
import sku.SkuEntity.StockResult;
import sku.SkuEntity.Summary;
import sku.SkuEvents.Change;
import sku.SkuEvents.Event;
import sku.SkuEvents.ListingPut;
import sku.SkuEvents.ListingRemoved;
import sku.SkuEvents.SharesGranted;
import sku.SkuEvents.SharesReleased;
import sku.SkuEntity.GrantShares;
import sku.SkuEntity.ReleaseShares;
import sku.SkuEntity.ShareGrant;
import sku.SkuEvents.PushRulesSet;
import sku.SkuEvents.ReservationsApplied;
import sku.SkuEvents.SafetyStockSet;
import sku.SkuEvents.StockAdjusted;
import sku.SkuEvents.StockSet;
import sku.SkuState.Hold;
import sku.SkuState.State;
import sku.SkuState.Tentative;

/**
 * The SKU entity's event-sourced part, the child of {@link SkuFront}: evaluates batches, persists each batch in one
 * write, answers after the write.
 */
final class SkuBehavior extends EventSourcedBehaviorWithEnforcedReplies<Command, Event, State> {
  private static final String EXPIRY = "hold-expiry";
  private static final int MAX_EXPIRED_PER_WRITE = 1000;
  private final String sku;
  private final SkuSettings settings;
  private final ActorContext<Command> ctx;
  private final TimerScheduler<Command> timers;
  private final ActorRef<Command> front;
  private Instant armedFor;
  /** What the front was last told: a SKU with hold expiries pending must stay in memory for their timer. */
  private boolean reportedTimedHolds;
  private final infra.Metrics metrics;
  private final SnapshotPruner snapshotPruner;
  private final SkuHistory history;

  SkuBehavior(String sku, SkuSettings settings, ActorContext<Command> ctx, TimerScheduler<Command> timers,
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
    this.history = new SkuHistory(sku, ctx.getSystem(), settings.readJournal());
  }

  /** Result of deciding an admin command: the events to persist and the answer once they are. */
  private record AdminOutcome(List<Event> events, Consumer<State> reply) {
    static AdminOutcome answer(Consumer<State> reply) {
      return new AdminOutcome(List.of(), reply);
    }
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
      replies[i] = ReservationRules.decide(state, tentative, command, changes);
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
    if (front != null && (earliest != null) != reportedTimedHolds) {
      reportedTimedHolds = earliest != null;
      front.tell(new SkuEntity.TimedHolds(reportedTimedHolds));
    }
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
    if (command instanceof SkuEntity.Announce c) {
      return AdminOutcome.answer(s -> {
        publish(s);
        c.replyTo().tell(StatusReply.success(s.stock()));
      });
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
      if (c.listing().equals(state.listing(c.listing().key()))) {
        return AdminOutcome.answer(s -> c.replyTo().tell(StatusReply.success(s.adminSummary())));
      }
      return summaryAfter(c, new ListingPut(c.listing(), actor(c.actor()), now));
    }
    if (command instanceof RemoveListing c) {
      if (c.channel() == null || c.shopId() == null || state.listing(Listing.key(c.channel(), c.shopId())) == null) {
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
      return AdminOutcome.answer(s -> history.answer(s.eventSeq(), s.historySize(), c));
    }
    if (command instanceof GrantShares c) {
      Map<String, Integer> granted = ShareRules.grantable(state, c.pushes());
      return shareOutcome(c.replyTo(), granted, granted.isEmpty() ? null : new SharesGranted(granted, now));
    }
    if (command instanceof ReleaseShares c) {
      Map<String, Integer> freed = ShareRules.releasable(state, c.settled(), c.returned());
      return shareOutcome(c.replyTo(), freed,
          freed.isEmpty() ? null : new SharesReleased(freed, c.reason() == null ? "settled" : c.reason(), now));
    }
    throw new IllegalArgumentException("unknown admin command " + command);
  }

  private static AdminOutcome shareOutcome(ActorRef<StatusReply<ShareGrant>> replyTo, Map<String, Integer> changed,
      Event event) {
    return new AdminOutcome(event == null ? List.of() : List.of(event), s -> replyTo.tell(StatusReply.success(
        new ShareGrant(s.sku(), s.eventSeq(), Map.copyOf(changed), Map.copyOf(s.shares().exposures()),
            s.available()))));
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
    return AdminOutcome.answer(s -> command.replyTo().tell(StatusReply.error(SkuEntity.error(code, text))));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onAnyEvent((state, event) -> state.apply(event, settings.finishedKeyBound()));
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
          reportedTimedHolds = state.earliestHold() != null;
          if (front != null) front.tell(new ChildReady(reportedTimedHolds));
        })
        .build();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(SkuEntity.tagFor(sku));
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
