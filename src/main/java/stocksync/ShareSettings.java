package stocksync;

import com.typesafe.config.Config;
import common.Channel;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/** {@code orchestrator.stock-sync.shares}: how the share stock sync hands out and takes back units (see stock-sync.conf). */
public record ShareSettings(int lastUnits, Duration settle, Duration readInterval, Duration tick, Duration giverIdle,
                            Duration rateWindow, Map<Channel, Double> weights, int maxReadsPerTick) {

  public static ShareSettings from(Config config) {
    Config c = config.getConfig("orchestrator.stock-sync.shares");
    Map<Channel, Double> weights = new EnumMap<>(Channel.class);
    for (Channel channel : Channel.values()) {
      String path = "channel-weights." + channel.key();
      weights.put(channel, c.hasPath(path) ? c.getDouble(path) : 1.0);
    }
    return new ShareSettings(c.getInt("last-units"), c.getDuration("settle"), c.getDuration("read-interval"),
        c.getDuration("tick"), c.getDuration("giver-idle"), c.getDuration("rate-window"), weights,
        c.getInt("max-reads-per-tick"));
  }

  public double weight(Channel channel) {
    return weights.getOrDefault(channel, 1.0);
  }
}
