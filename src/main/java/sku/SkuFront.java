package sku;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.pattern.StatusReply;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import sku.SkuEntity.AdminCommand;
import sku.SkuEntity.Batch;
import sku.SkuEntity.BatchDone;
import sku.SkuEntity.BatchTimedOut;
import sku.SkuEntity.ChildReady;
import sku.SkuEntity.IdleCheck;
import sku.SkuEntity.Stop;
import sku.SkuEntity.TimedHolds;
import sku.SkuEntity.Command;
import sku.SkuEntity.ExpireHolds;
import sku.SkuEntity.LingerEnded;
import sku.SkuEntity.RefusalReason;
import sku.SkuEntity.ReservationCommand;
import sku.SkuEntity.ReservationRefused;

/**
 * The sharded SKU entity: the batching front of the event-sourced part ({@link SkuBehavior}, its child). It
 * forwards one batch at a time to the persistent part and buffers everything that arrives meanwhile. Reservation
 * commands are sent together (up to max-batch-size); an admin command or read goes alone, in arrival order.
 * Under load (a write of at least linger.min-batch) it lingers briefly before the next batch so the callers it
 * just answered can join it (see {@link SkuSettings.Linger}); an idle SKU sends a command at once.
 */
final class SkuFront extends AbstractBehavior<Command> {
  private static final String TIMEOUT = "batch-timeout";
  private static final String IDLE_CHECK = "idle-check";
  static final int LINGER_TIMEOUTS_BEFORE_BACKOFF = 3;
  static final int MAX_LINGER_SKIPS = 64;
  private final TimerScheduler<Command> timers;
  private final String sku;
  private final SkuSettings settings;
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
  // Leaving memory when idle: the shard to ask, the last command's time, whether hold expiries are pending (their
  // timer runs only in memory), and sharding's stop message waiting for the write in flight.
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private long lastCommandNanos = System.nanoTime();
  private boolean timedHolds;
  private boolean stopRequested;

  SkuFront(ActorContext<Command> ctx, TimerScheduler<Command> timers, String sku, SkuSettings settings,
           ActorRef<ClusterSharding.ShardCommand> shard) {
    super(ctx);
    this.timers = timers;
    this.sku = sku;
    this.settings = settings;
    this.shard = shard;
    Duration idle = settings.passivateIdleAfter();
    if (shard != null && !idle.isZero() && !idle.isNegative()) {
      Duration every = idle.dividedBy(4).compareTo(Duration.ofMillis(100)) < 0 ? Duration.ofMillis(100) : idle.dividedBy(4);
      timers.startTimerWithFixedDelay(IDLE_CHECK, new IdleCheck(), every);
    }
    this.child = ctx.spawn(SkuEntity.persistent(sku, settings, ctx.getSelf()), "state");
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
        .onMessage(TimedHolds.class, t -> {
          timedHolds = t.any();
          return this;
        })
        .onMessage(IdleCheck.class, this::onIdleCheck)
        .onMessage(Stop.class, this::onStop)
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
    lastCommandNanos = System.nanoTime();
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
    return stopIfAsked();
  }

  /**
   * Idle for passivate-idle-after, nothing in flight or waiting, no hold expiry pending: ask the shard to stop this
   * entity (it then sends {@link Stop}, buffering what arrives meanwhile, and drops it from the remembered set).
   */
  private Behavior<Command> onIdleCheck(IdleCheck check) {
    long idleNanos = System.nanoTime() - lastCommandNanos;
    if (stopRequested || recoveries == 0 || timedHolds || inFlight != null || !buffer.isEmpty() || lingerExpected > 0
        || idleNanos < settings.passivateIdleAfter().toNanos()) {
      return this;
    }
    lastCommandNanos = System.nanoTime(); // asked once per idle period
    shard.tell(new ClusterSharding.Passivate<>(getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onStop(Stop stop) {
    stopRequested = true;
    if (lingerExpected > 0) {
      stopLingering();
      dispatchNext();
    }
    return stopIfAsked();
  }

  /** Stops once sharding asked and no caller waits for an answer. */
  private Behavior<Command> stopIfAsked() {
    return stopRequested && inFlight == null && buffer.isEmpty() ? Behaviors.stopped() : this;
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
    timedHolds = ready.timedHolds();
    // A second recovery means a journal write failed and the persistent part restarted: that batch got no answer.
    if (recoveries > 1 && inFlight != null) {
      failInFlight("journal write failed, outcome unknown; retry with the same order key");
    }
    return stopIfAsked();
  }

  private Behavior<Command> onBatchTimedOut(BatchTimedOut timedOut) {
    if (inFlight != null && inFlight.batchId() == timedOut.batchId()) {
      failInFlight("no answer from the journal within " + settings.batchTimeout().toMillis()
          + " ms, outcome unknown; retry with the same order key");
    }
    return stopIfAsked();
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
      failAdmin(a, SkuEntity.error(SkuEntity.UNAVAILABLE, message));
    }
  }

  private static <T> void failAdmin(AdminCommand<T> command, String message) {
    command.replyTo().tell(StatusReply.error(message));
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
}
