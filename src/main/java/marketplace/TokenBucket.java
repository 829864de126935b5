package marketplace;

import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.pattern.Patterns;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A non-blocking token bucket (as GCRA: each caller reserves the next free slot and is told how long to wait). Never
 * sleeps a thread: the wait is a scheduled completion through {@link Patterns#after}.
 */
public final class TokenBucket {
  private final ActorSystem<?> system;
  private final long intervalNanos;
  private final long burstToleranceNanos;
  private long theoreticalArrival = Long.MIN_VALUE;

  public TokenBucket(ActorSystem<?> system, double ratePerSecond, int burst) {
    if (ratePerSecond <= 0) throw new IllegalArgumentException("rate must be positive");
    this.system = system;
    this.intervalNanos = (long) (1_000_000_000L / ratePerSecond);
    this.burstToleranceNanos = intervalNanos * Math.max(0, burst - 1);
  }

  /** Reserves a slot; returns how long the caller must wait before using it (zero when a token is available). */
  synchronized Duration reserve() {
    long now = System.nanoTime();
    long arrival = theoreticalArrival == Long.MIN_VALUE ? now : Math.max(theoreticalArrival, now);
    long wait = arrival - burstToleranceNanos - now;
    theoreticalArrival = arrival + intervalNanos;
    return wait > 0 ? Duration.ofNanos(wait) : Duration.ZERO;
  }

  /** How long a caller arriving now would wait, without reserving anything (zero when a token is free). */
  synchronized Duration untilFree() {
    long now = System.nanoTime();
    if (theoreticalArrival == Long.MIN_VALUE) return Duration.ZERO;
    long wait = Math.max(theoreticalArrival, now) - burstToleranceNanos - now;
    return wait > 0 ? Duration.ofNanos(wait) : Duration.ZERO;
  }

  /** Completes when the caller may send. */
  public CompletionStage<Done> acquire() {
    Duration wait = reserve();
    if (wait.isZero()) return CompletableFuture.completedFuture(Done.getInstance());
    // Done, not null: Patterns.after never completes a stage whose value is null.
    return Patterns.after(wait, Adapter.toClassic(system).scheduler(), system.executionContext(),
        () -> CompletableFuture.completedFuture(Done.getInstance()));
  }
}
