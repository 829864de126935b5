package infra;

import akka.actor.typed.BackoffSupervisorStrategy;
import akka.actor.typed.SupervisorStrategy;
import java.time.Duration;

/** How the node's long-lived helpers (singletons, daemons, subscribers) come back after a failure. */
public final class Restarts {
  private Restarts() {}

  /**
   * Restart with back-off from 1 s to 30 s (20 % jitter): a database or marketplace outage is waited out without
   * a restart storm, and the helper is back within 30 s of it ending.
   */
  public static BackoffSupervisorStrategy withBackoff() {
    return SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
  }
}
