package marketplace.stock;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import common.Channel;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * How stale the marketplaces were, per channel, on this node: for every acknowledged push, the time from the
 * oldest SKU write it covered (the first write after the previous acknowledged value) to the marketplace's
 * acknowledgement. Only pushes caused by live SKU writes count; re-pushes (reconciliation, "push now", catch-up
 * after a restart) carry old write times and would measure the repair, not the sync. In memory only.
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

  public synchronized void record(Channel channel, Duration staleness) {
    long micros = Math.max(0, Math.min(HIGHEST_MICROS, staleness.toNanos() / 1000));
    histograms.computeIfAbsent(channel, c -> new Histogram(HIGHEST_MICROS, 3)).recordValue(micros);
  }

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
