package marketplace.stock;

import common.Channel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Stock-push staleness over the last hour on this node, for the dashboard's sale chart: per 10-second slot and
 * channel the number of pushes, the largest staleness, and up to {@value #SAMPLES} samples (reservoir sampling)
 * for the 99th percentile. A slot holds at most a few kilobytes whatever the sale's size; a percentile of more pushes
 * than that is estimated from the samples, the count and the maximum are exact.
 */
final class StalenessTimeline {
  static final int SLOT_SECONDS = 10;
  static final int SLOTS_KEPT = 360; // one hour
  private static final int SAMPLES = 256;

  /** One channel's pushes of one slot. */
  private static final class Slot {
    long count;
    long maxMs;
    final long[] samples = new long[SAMPLES];

    void add(long ms) {
      if (count < SAMPLES) samples[(int) count] = ms;
      else {
        long i = ThreadLocalRandom.current().nextLong(count + 1);
        if (i < SAMPLES) samples[(int) i] = ms;
      }
      count++;
      maxMs = Math.max(maxMs, ms);
    }

    int held() {
      return (int) Math.min(count, SAMPLES);
    }
  }

  private final TreeMap<Long, Map<Channel, Slot>> slots = new TreeMap<>();

  synchronized void record(Channel channel, long ms, Instant at) {
    long slot = at.getEpochSecond() / SLOT_SECONDS;
    slots.computeIfAbsent(slot, s -> new EnumMap<>(Channel.class)).computeIfAbsent(channel, c -> new Slot()).add(ms);
    while (slots.size() > 0 && slots.firstKey() <= slot - SLOTS_KEPT) slots.pollFirstEntry();
  }

  /** Copies of this node's slots from {@code fromSlot} (inclusive) to {@code toSlot} (exclusive), slot numbers. */
  synchronized List<StalenessSlots.Slot> slots(long fromSlot, long toSlot) {
    List<StalenessSlots.Slot> copies = new ArrayList<>();
    if (fromSlot >= toSlot) return copies;
    for (var entry : slots.subMap(fromSlot, true, toSlot, false).entrySet()) {
      entry.getValue().forEach((channel, slot) -> copies.add(new StalenessSlots.Slot(entry.getKey(), channel.key(),
          slot.count, slot.maxMs, Arrays.copyOf(slot.samples, slot.held()))));
    }
    return copies;
  }

  /** This node's series: see {@link StalenessSlots#series}. */
  List<StockStaleness.ChannelSeries> series(long firstBucket, int bucketSeconds, int buckets) {
    long fromSlot = firstBucket / SLOT_SECONDS;
    long toSlot = (firstBucket + (long) bucketSeconds * buckets) / SLOT_SECONDS;
    return StalenessSlots.series(slots(fromSlot, toSlot), firstBucket, bucketSeconds, buckets);
  }
}
