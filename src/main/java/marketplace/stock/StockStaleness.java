package marketplace.stock;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import common.Channel;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * How stale the marketplaces were, per channel, on this node: for every acknowledged push, the time from the
 * oldest SKU write it covered (the first write after the previous acknowledged value) to the marketplace's
 * acknowledgement. Only pushes caused by live SKU writes count; re-pushes (reconciliation, "push now", catch-up
 * after a restart) carry old write times and would measure the repair, not the sync. In memory only; the last
 * hour also per 10-second slot for the dashboard's sale chart ({@link #series}; the whole cluster's:
 * {@link StalenessGathering}).
 */
public final class StockStaleness implements Extension {

  public static final class Id extends ExtensionId<StockStaleness> {
    private static final Id INSTANCE = new Id();

    @Override
    public StockStaleness createExtension(ActorSystem<?> system) {
      return new StockStaleness();
    }
  }

  public static StockStaleness get(ActorSystem<?> system) {
    return Id.INSTANCE.apply(system);
  }

  /** Figures in milliseconds (microsecond resolution). */
  public record Figures(String channel, long count, double p50Ms, double p99Ms, double maxMs) {}

  private static final long HIGHEST_MICROS = Duration.ofHours(1).toNanos() / 1000;
  private final Map<Channel, Histogram> histograms = new EnumMap<>(Channel.class);
  private final StalenessTimeline timeline = new StalenessTimeline();

  public void record(Channel channel, Duration staleness) {
    record(channel, staleness, java.time.Instant.now());
  }

  /** @param at when the push was acknowledged: the slot of the sale chart it counts in */
  public void record(Channel channel, Duration staleness, java.time.Instant at) {
    long micros = Math.max(0, Math.min(HIGHEST_MICROS, staleness.toNanos() / 1000));
    synchronized (this) {
      histograms.computeIfAbsent(channel, c -> new Histogram(HIGHEST_MICROS, 3)).recordValue(micros);
    }
    timeline.record(channel, micros / 1000, at);
  }

  /** The sale chart's staleness of the last hour: {@code buckets} buckets of {@code bucketSeconds} from {@code firstBucket}. */
  public List<ChannelSeries> series(long firstBucket, int bucketSeconds, int buckets) {
    return timeline.series(firstBucket, bucketSeconds, buckets);
  }

  /** This node's raw slots numbered {@code fromSlot} (inclusive) to {@code toSlot} (exclusive): for other nodes. */
  public List<StalenessSlots.Slot> slots(long fromSlot, long toSlot) {
    return timeline.slots(fromSlot, toSlot);
  }

  /** Per bucket: pushes, and their p99 and largest staleness in ms (null for a bucket without a push). */
  public record ChannelSeries(String channel, List<Long> count, List<Double> p99Ms, List<Double> maxMs) {}

  /** The smallest bucket the sale chart can ask of {@link #series}, and how far back it keeps them. */
  public static final int SLOT_SECONDS = StalenessTimeline.SLOT_SECONDS;
  public static final int KEPT_SECONDS = StalenessTimeline.SLOT_SECONDS * StalenessTimeline.SLOTS_KEPT;

  public synchronized Map<String, Figures> figures() {
    Map<String, Figures> all = new java.util.TreeMap<>();
    histograms.forEach((channel, h) -> all.put(channel.key(), new Figures(channel.key(), h.getTotalCount(),
        h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0, h.getMaxValue() / 1000.0)));
    return all;
  }

  public synchronized void reset() {
    histograms.clear();
  }
}
