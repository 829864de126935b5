package marketplace.stock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.Done;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A burst of listing_sync rows faster than the database: one write at a time, the rows that came meanwhile reduced
 * to the newest per listing and written together next, in the order they last changed.
 */
class ListingSyncWritesTest {
  private final List<List<ListingSyncStore.Row>> writes = new ArrayList<>();
  private final List<CompletableFuture<Done>> pending = new ArrayList<>();
  private int writtenCalls;

  private ListingSyncWrites writes() {
    return new ListingSyncWrites(rows -> {
      writes.add(rows);
      CompletableFuture<Done> f = new CompletableFuture<>();
      pending.add(f);
      return f;
    }, () -> writtenCalls++, "shopee 1");
  }

  private static ListingSyncStore.Row row(String listing, int value) {
    Instant now = Instant.now();
    return new ListingSyncStore.Row(listing, "SKU", "shopee", "1", value, value, now, true, null, 1, now);
  }

  @Test
  void aBurstWaitsForTheWriteOnItsWayAndGoesOutAsTheNewestRowPerListing() {
    ListingSyncWrites w = writes();
    w.save(List.of(row("a", 1)));
    // 1,000 rows for 10 listings while the first write is on its way
    for (int i = 0; i < 1000; i++) w.save(List.of(row("l" + (i % 10), i)));
    assertEquals(1, writes.size(), "one write at a time");
    assertEquals(10, w.waiting(), "only the newest row per listing waits");

    pending.get(0).complete(Done.getInstance());
    assertEquals(1, writtenCalls, "the adapter hears the write ended");
    w.written();
    assertEquals(2, writes.size());
    List<ListingSyncStore.Row> second = writes.get(1);
    assertEquals(10, second.size());
    assertEquals(990, second.get(0).lastValue(), "l0's newest value, in the order they last changed");
    assertEquals(999, second.get(9).lastValue());

    // a failed write does not stop the next ones
    w.save(List.of(row("a", 2)));
    pending.get(1).completeExceptionally(new IllegalStateException("database down"));
    w.written();
    assertEquals(3, writes.size());
    assertEquals(2, writes.get(2).get(0).lastValue());
    assertEquals(0, w.waiting());
  }
}
