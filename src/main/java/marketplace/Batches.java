package marketplace;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Joins the answers of a request the platforms take in batches (50 order ids per call). */
public final class Batches {
  private Batches() {}

  /** The batches' lists, in batch order; fails when any batch fails. */
  public static <T> CompletionStage<List<T>> concat(List<CompletionStage<List<T>>> stages) {
    CompletionStage<List<T>> all = CompletableFuture.completedFuture(new ArrayList<>());
    for (CompletionStage<List<T>> stage : stages) {
      all = all.thenCombine(stage, (acc, next) -> {
        List<T> merged = new ArrayList<>(acc);
        merged.addAll(next);
        return merged;
      });
    }
    return all.thenApply(List::copyOf);
  }
}
