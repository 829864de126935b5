package support;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling for a condition that becomes true asynchronously (pushes reaching the sandbox, orders confirming). */
public final class Await {
  private Await() {}

  /** Checks {@code condition} every 25 ms until it holds; fails naming {@code what} after {@code timeout}. */
  public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) return;
      Thread.sleep(25);
    }
    throw new AssertionError("timed out waiting for " + what);
  }
}
