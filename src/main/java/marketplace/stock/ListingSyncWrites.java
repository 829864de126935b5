package marketplace.stock;

import akka.Done;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One shop adapter's listing_sync writes, one at a time. Rows that come while a write is on its way wait here, the
 * newest per listing only (the table keeps a listing's last state), and go out together in the next write: a
 * burst of pushes faster than the database costs one write per round, not a chain of writes that grows with the
 * sale (the 100,000-order soak found 55,000 rows and 190,000 futures waiting in such a chain, BENCHMARKS.md).
 * Not thread-safe: used on the adapter's thread; {@code written} is how a finished write gets back there.
 */
public final class ListingSyncWrites {
  private static final Logger log = LoggerFactory.getLogger(ListingSyncWrites.class);

  private final Function<List<ListingSyncStore.Row>, CompletionStage<Done>> write;
  private final Runnable written;
  private final String shop;
  private final Map<String, ListingSyncStore.Row> waiting = new LinkedHashMap<>();
  private boolean writing;

  /**
   * @param write writes rows in order (ListingSyncStore::save)
   * @param written called on the write's thread when it ends: must bring {@link #written()} to the adapter's thread
   */
  public ListingSyncWrites(Function<List<ListingSyncStore.Row>, CompletionStage<Done>> write, Runnable written,
                           String shop) {
    this.write = write;
    this.written = written;
    this.shop = shop;
  }

  public void save(List<ListingSyncStore.Row> rows) {
    for (ListingSyncStore.Row row : rows) {
      waiting.remove(row.listingKey()); // re-inserted last: rows go out in the order they last changed
      waiting.put(row.listingKey(), row);
    }
    if (!writing) next();
  }

  /** The write on its way ended (on the adapter's thread): the rows that came meanwhile go next. */
  public void written() {
    writing = false;
    next();
  }

  /** Rows waiting for the write on its way to end. */
  public int waiting() {
    return waiting.size();
  }

  private void next() {
    if (writing || waiting.isEmpty()) return;
    writing = true;
    List<ListingSyncStore.Row> batch = List.copyOf(waiting.values());
    waiting.clear();
    write.apply(batch).whenComplete((d, e) -> {
      if (e != null) log.warn("listing_sync not written for {}: {}", shop, e.getMessage());
      written.run();
    });
  }
}
