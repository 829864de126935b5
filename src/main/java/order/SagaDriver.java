package order;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import order.OrderEntity.Command;
import order.OrderEntity.PassivateIdle;
import order.OrderEntity.Retry;
import order.OrderEntity.RetryNotifications;
import order.OrderEvents.NotificationKind;
import order.OrderSaga.Outgoing;
import order.OrderState.State;

/**
 * Sends what an order's state waits for ({@link OrderSaga#outstanding}) and keeps the order's timers: the saga's
 * retry round with back-off, the pending buyer notification's own timer (it never delays the saga), and passivation
 * once nothing is outstanding. Belongs to one entity instance and is never persisted: after a crash everything
 * outstanding is sent again.
 */
final class SagaDriver {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(SagaDriver.class);

  private final OrderSaga saga;
  private final OrderSaga.ReplyTo replyTo;
  private final OrderPeers peers;
  private final OrderSettings settings;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final infra.Metrics metrics;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final ActorRef<Command> self;
  private final Duration passivateIdleAfter;

  /** Consecutive retries of the current phase (not persisted: back-off restarts after a crash). */
  private int attempts;
  /** Consecutive retries of the pending buyer notification (own back-off: it never slows the saga). */
  private int notifyAttempts;

  /** Keys sent since the last retry round (not persisted: after a crash everything outstanding is sent again). */
  private final Set<String> sent = new HashSet<>();

  /**
   * Buyer notifications sent and not answered yet, with when they were sent. Unlike SKU commands a WhatsApp message
   * is not idempotent, so a retry tick never re-sends one in flight: only a retryable failure, a reply lost for
   * {@code reply-timeout}, or a restart (the one window where a message can go twice) sends it again.
   */
  private final Map<String, Instant> notifying = new HashMap<>();

  /** The phase this entity was last seen in on this node (metrics count transitions, not replays). */
  private Phase phase;

  /** @param shard null outside cluster sharding (unit tests): then the order never passivates itself */
  SagaDriver(OrderSaga saga, OrderSaga.ReplyTo replyTo, OrderPeers peers, OrderSettings settings, Clock clock,
             TimerScheduler<Command> timers, infra.Metrics metrics, ActorRef<ClusterSharding.ShardCommand> shard,
             ActorRef<Command> self, Duration passivateIdleAfter) {
    this.saga = saga;
    this.replyTo = replyTo;
    this.peers = peers;
    this.settings = settings;
    this.clock = clock;
    this.timers = timers;
    this.metrics = metrics;
    this.shard = shard;
    this.self = self;
    this.passivateIdleAfter = passivateIdleAfter;
  }

  /** After a persisted change: send what the new state waits for and was not sent yet this round. */
  void drive(State state) {
    if (state.phase() != phase) metrics.orderEntered(state.phase().name());
    phase = state.phase();
    dispatch(state);
  }

  /** The order recovered (started, or woken after passivation or a crash): everything outstanding goes again. */
  void recovered(State state) {
    log.debug("Order {} recovered in phase {}", saga.orderKey(), state.phase());
    resend(state);
  }

  /** On recovery and on each retry tick: send everything still outstanding again (receivers are idempotent). */
  void resend(State state) {
    phase = state.phase();
    sent.clear();
    timers.cancel(Retry.INSTANCE);
    dispatch(state);
  }

  /** A peer answered what the phase asked: the next wait starts from the shortest again. */
  void restartBackoff() {
    attempts = 0;
  }

  /** The notification of {@code kind} is no longer in flight: answered, or to be sent again. */
  void notificationAnswered(NotificationKind kind) {
    notifying.remove(OrderSaga.notificationKey(kind));
  }

  /** WhatsApp accepted a notification: the next one starts from the shortest back-off. */
  void notificationSent(NotificationKind kind) {
    notificationAnswered(kind);
    notifyAttempts = 0;
  }

  /** A saga step waits for a peer's answer (a SKU, the shop); buyer notifications have their own retries. */
  boolean awaitsPeer(State state) {
    return saga.outstanding(state, replyTo).stream().anyMatch(o -> !(o instanceof OrderSaga.ToBuyer));
  }

  /** Leave memory (and the shard) when nothing is outstanding any more. */
  void passivateIfIdle(State state) {
    if (shard != null && saga.outstanding(state, replyTo).isEmpty()) {
      shard.tell(new ClusterSharding.Passivate<>(self));
    }
  }

  void dispatch(State state) {
    boolean sagaWaits = false;
    boolean notificationWaits = false;
    for (Outgoing o : saga.outstanding(state, replyTo)) {
      if (o instanceof OrderSaga.ToBuyer) {
        notificationWaits = true;
        Instant now = clock.instant();
        Instant since = notifying.get(o.key());
        if (since == null || !now.isBefore(since.plus(settings.notifications().replyTimeout()))) {
          notifying.put(o.key(), now);
          o.sendVia(peers);
        }
      } else {
        sagaWaits = true;
        if (sent.add(o.key())) o.sendVia(peers);
      }
    }
    if (!sagaWaits) {
      timers.cancel(Retry.INSTANCE);
      sent.clear();
      attempts = 0;
    } else if (!timers.isTimerActive(Retry.INSTANCE)) {
      // an order waiting for an operator (or a new SKU) asks at the mapping pace, without back-off
      Duration delay = state.phase() == Phase.NEEDS_MAPPING
          ? settings.mappingRetry() : saga.backoff(attempts++, Math.random());
      timers.startSingleTimer(Retry.INSTANCE, Retry.INSTANCE, delay);
    }
    if (!notificationWaits) {
      timers.cancel(RetryNotifications.INSTANCE);
      notifying.clear();
      notifyAttempts = 0;
    } else if (!timers.isTimerActive(RetryNotifications.INSTANCE)) {
      timers.startSingleTimer(RetryNotifications.INSTANCE, RetryNotifications.INSTANCE,
          saga.backoff(notifyAttempts++, Math.random()));
    }
    if (sagaWaits || notificationWaits || shard == null) {
      timers.cancel(PassivateIdle.INSTANCE);
    } else if (!timers.isTimerActive(PassivateIdle.INSTANCE)) {
      timers.startSingleTimer(PassivateIdle.INSTANCE, PassivateIdle.INSTANCE, passivateIdleAfter);
    }
  }
}
