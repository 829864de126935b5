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

  /** Per channel: one bucket's push count, and its p99 and maximum in ms (null when it had no push). */
  record Series(String channel, List<Long> count, List<Double> p99Ms, List<Double> maxMs) {}

  private final TreeMap<Long, Map<Channel, Slot>> slots = new TreeMap<>();

  synchronized void record(Channel channel, long ms, Instant at) {
    long slot = at.getEpochSecond() / SLOT_SECONDS;
    slots.computeIfAbsent(slot, s -> new EnumMap<>(Channel.class)).computeIfAbsent(channel, c -> new Slot()).add(ms);
    while (slots.size() > 0 && slots.firstKey() <= slot - SLOTS_KEPT) slots.pollFirstEntry();
  }

  /**
   * One entry per bucket of {@code bucketSeconds} (a multiple of the slot) from {@code firstBucket} (epoch
   * seconds, aligned), {@code buckets} of them, per channel that pushed in the window.
   */
  synchronized List<Series> series(long firstBucket, int bucketSeconds, int buckets) {
    Map<Channel, long[][]> byChannel = new EnumMap<>(Channel.class);
    long fromSlot = firstBucket / SLOT_SECONDS;
    long toSlot = (firstBucket + (long) bucketSeconds * buckets) / SLOT_SECONDS;
    Map<Channel, List<List<long[]>>> samples = new EnumMap<>(Channel.class);
    for (var entry : slots.subMap(fromSlot, true, toSlot, false).entrySet()) {
      int bucket = (int) ((entry.getKey() * SLOT_SECONDS - firstBucket) / bucketSeconds);
      entry.getValue().forEach((channel, slot) -> {
        long[][] figures = byChannel.computeIfAbsent(channel, c -> new long[2][buckets]);
        figures[0][bucket] += slot.count;
        figures[1][bucket] = Math.max(figures[1][bucket], slot.maxMs);
        List<List<long[]>> perBucket = samples.computeIfAbsent(channel, c -> {
          List<List<long[]>> list = new ArrayList<>();
          for (int i = 0; i < buckets; i++) list.add(new ArrayList<>());
          return list;
        });
        perBucket.get(bucket).add(Arrays.copyOf(slot.samples, slot.held()));
      });
    }
    List<Series> result = new ArrayList<>();
    byChannel.forEach((channel, figures) -> {
      List<Long> count = new ArrayList<>();
      List<Double> p99 = new ArrayList<>();
      List<Double> max = new ArrayList<>();
      for (int b = 0; b < buckets; b++) {
        count.add(figures[0][b]);
        boolean any = figures[0][b] > 0;
        max.add(any ? (double) figures[1][b] : null);
        p99.add(any ? percentile99(samples.get(channel).get(b)) : null);
      }
      result.add(new Series(channel.key(), count, p99, max));
    });
    return result;
  }

  private static double percentile99(List<long[]> parts) {
    long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    if (all.length == 0) return 0;
    return all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)];
  }
}
