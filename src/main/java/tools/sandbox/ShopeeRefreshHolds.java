package tools.sandbox;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Holds Shopee token refreshes ({@code /api/v2/auth/access_token/get}) so a test can kill a node in the middle of
 * one: either before Shopee processed it ({@code processFirst} false: the rotation happens only on release, or never)
 * or after ({@code processFirst} true: the old refresh token is already spent and only the answer is held, which is
 * the case a client must survive without reusing the spent token). Akka HTTP's server request-timeout (20 s by
 * default) answers a request held longer than that with 503 on its own.
 */
final class ShopeeRefreshHolds {
  /** What a held request gets when it is discarded: as if it never reached Shopee, or its answer was lost. */
  static final Answer DISCARDED = new Answer(503,
      ShopeeSandbox.shopeeError("error_server", "The request was not completed, please retry."), "discarded");

  /** {@code work} is null once processed ({@code answer} then holds what it produced). */
  private record Held(Supplier<Answer> work, Answer answer, CompletableFuture<Answer> reply) {}

  private final List<Held> held = new ArrayList<>();
  private boolean holding;
  private boolean processFirst;

  synchronized void hold(boolean processFirst) {
    this.holding = true;
    this.processFirst = processFirst;
  }

  synchronized int count() {
    return held.size();
  }

  /** Runs {@code work} now, or parks it (processed or not, as set) until {@link #release}. */
  CompletionStage<Answer> submit(Supplier<Answer> work) {
    Held h;
    synchronized (this) {
      if (!holding) {
        h = null;
      } else {
        h = processFirst ? new Held(null, work.get(), new CompletableFuture<>())
            : new Held(work, null, new CompletableFuture<>());
        held.add(h);
      }
    }
    return h == null ? CompletableFuture.completedFuture(work.get()) : h.reply();
  }

  /**
   * Ends the hold. {@code answer} true: every held request is answered (processed now if it was not yet), in the
   * order they arrived; false: none is processed any more and each is answered {@link #DISCARDED}.
   */
  void release(boolean answer) {
    List<Held> out;
    synchronized (this) {
      holding = false;
      out = List.copyOf(held);
      held.clear();
    }
    for (Held h : out) {
      if (!answer) {
        h.reply().complete(DISCARDED);
        continue;
      }
      try {
        h.reply().complete(h.work() == null ? h.answer() : h.work().get());
      } catch (RuntimeException e) {
        h.reply().completeExceptionally(e);
      }
    }
  }
}
