package marketplace;

import common.Futures;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** How a shop adapter reads the failure of a marketplace call, for its replies and sync rows. */
final class MarketCalls {
  private MarketCalls() {}

  /** A client that throws instead of failing its stage still ends in a failed stage. */
  static <T> CompletionStage<T> safely(Supplier<CompletionStage<T>> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The marketplace's code and message, or the kind of failure (a timeout, a refused connection). */
  static String describe(Throwable error) {
    Throwable e = Futures.unwrap(error);
    return e instanceof MarketCallException m ? m.code() + ": " + m.getMessage() : e.getClass().getSimpleName();
  }

  /** The call was refused before it was sent because the shop's rate limit is booked beyond max-queue-wait. */
  static boolean queueFull(Throwable error) {
    return Futures.unwrap(error) instanceof MarketCallException m && ShopGuard.QUEUE_FULL.equals(m.code());
  }

  /** False only when the marketplace said asking again cannot help (a paused shop will answer again later). */
  static boolean retryable(Throwable error) {
    Throwable e = Futures.unwrap(error);
    return !(e instanceof MarketCallException m) || m.retryable()
        || m.failureClass() == FailureClass.PAUSE_UNTIL_RESET || m.failureClass() == FailureClass.PAUSE_SHOP;
  }

}
