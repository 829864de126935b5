package order;

import akka.actor.Cancellable;
import akka.actor.typed.ActorSystem;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erases buyer data past its retention every {@code orchestrator.buyer-data.erase-every}. The scheduler only starts
 * the statement, which runs on the database's blocking dispatcher (no actor waits for it), and at most one runs at a
 * time per node. Every node runs it: the UPDATE touches only rows not erased yet, so nodes erasing at once is harmless.
 */
public final class BuyerDataEraser {
  private static final Logger log = LoggerFactory.getLogger(BuyerDataEraser.class);

  private BuyerDataEraser() {}

  public static Cancellable start(ActorSystem<?> system, BuyerDataStore store, Duration every, Clock clock) {
    AtomicBoolean running = new AtomicBoolean();
    return system.scheduler().scheduleWithFixedDelay(Duration.ofSeconds(1), every, () -> {
      if (!running.compareAndSet(false, true)) return;
      store.eraseExpired(clock.instant()).whenComplete((erased, error) -> {
        running.set(false);
        if (error != null) log.warn("Erasing expired buyer data failed (tried again in {}): {}", every, error.toString());
        else if (erased > 0) log.info("Erased the personal data of {} order(s) past their retention", erased);
      });
    }, system.executionContext());
  }
}
