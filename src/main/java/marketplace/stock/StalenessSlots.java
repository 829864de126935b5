package marketplace.stock;

import common.CborSerializable;
import common.Channel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The sale chart's staleness series from raw 10-second slots, whether of one node ({@link StalenessTimeline}) or
 * of every node of the cluster ({@link StalenessGathering}): pure, no actor. A bucket's count is the sum of its
 * slots' counts, its maximum the largest of their maxima, its p99 the 99th percentile of all their samples pooled.
 */
public final class StalenessSlots {
  private StalenessSlots() {}

  /**
   * One channel's pushes of one 10-second slot on one node: {@code slot} is epoch seconds / 10, {@code samples} the
   * slot's reservoir (at most 256 staleness values in ms; all of them while {@code count} is at most 256).
   */
  public record Slot(long slot, String channel, long count, long maxMs, long[] samples) implements CborSerializable {}

  /**
   * One entry per bucket of {@code bucketSeconds} (a multiple of the slot) from {@code firstBucket} (epoch seconds,
   * aligned), {@code buckets} of them, per channel that pushed in the window; slots outside the window are ignored.
   * Slots of several nodes for the same slot and channel pool like two slots of one bucket.
   */
  public static List<StockStaleness.ChannelSeries> series(Collection<Slot> slots, long firstBucket, int bucketSeconds,
                                                          int buckets) {
    long fromSlot = firstBucket / StalenessTimeline.SLOT_SECONDS;
    long toSlot = (firstBucket + (long) bucketSeconds * buckets) / StalenessTimeline.SLOT_SECONDS;
    Map<Channel, long[][]> byChannel = new EnumMap<>(Channel.class);
    Map<Channel, List<List<long[]>>> samples = new EnumMap<>(Channel.class);
    for (Slot slot : slots) {
      if (slot.slot() < fromSlot || slot.slot() >= toSlot || slot.count() <= 0) continue;
      Channel channel = known(slot.channel());
      if (channel == null) continue; // a newer node's channel this one does not know (a rolling upgrade)
      int bucket = (int) ((slot.slot() * StalenessTimeline.SLOT_SECONDS - firstBucket) / bucketSeconds);
      long[][] figures = byChannel.computeIfAbsent(channel, c -> new long[2][buckets]);
      figures[0][bucket] += slot.count();
      figures[1][bucket] = Math.max(figures[1][bucket], slot.maxMs());
      samples.computeIfAbsent(channel, c -> {
        List<List<long[]>> list = new ArrayList<>();
        for (int i = 0; i < buckets; i++) list.add(new ArrayList<>());
        return list;
      }).get(bucket).add(slot.samples());
    }
    List<StockStaleness.ChannelSeries> result = new ArrayList<>();
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
      result.add(new StockStaleness.ChannelSeries(channel.key(), count, p99, max));
    });
    return result;
  }

  private static Channel known(String key) {
    for (Channel c : Channel.values()) if (c.key().equals(key)) return c;
    return null;
  }

  private static double percentile99(List<long[]> parts) {
    long[] all = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
    if (all.length == 0) return 0;
    return all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)];
  }
}
