package common;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** What a failed future failed with. */
public final class Futures {
  private Futures() {}

  /**
   * The cause under the wrappers a CompletableFuture puts around it ({@link CompletionException} from a dependent
   * stage, {@link ExecutionException} from {@code get}), so callers can tell a timeout from a refusal.
   */
  public static Throwable unwrap(Throwable error) {
    Throwable e = error;
    while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
