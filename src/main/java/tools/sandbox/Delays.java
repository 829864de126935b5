package tools.sandbox;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Adapter;
import akka.pattern.Patterns;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Work run later on the actor system's scheduler: latency, injected delays and redelivery intervals. */
final class Delays {
  private final ActorSystem<?> system;

  Delays(ActorSystem<?> system) {
    this.system = system;
  }

  <T> CompletionStage<T> after(Duration delay, java.util.function.Supplier<T> work) {
    if (delay.isZero() || delay.isNegative()) {
      return CompletableFuture.completedFuture(null).thenApply(v -> work.get());
    }
    return Patterns.after(delay, Adapter.toClassic(system).scheduler(), system.executionContext(),
        () -> CompletableFuture.completedFuture(work.get()));
  }
}
