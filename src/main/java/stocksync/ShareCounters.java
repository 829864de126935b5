package stocksync;

import common.Channel;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** What the share stock sync of a node did, per channel: pushes (raises and lowerings) and stock reads. */
public final class ShareCounters {
  private final Map<Channel, LongAdder> raises = adders();
  private final Map<Channel, LongAdder> lowerings = adders();
  private final Map<Channel, LongAdder> reads = adders();
  private final Map<Channel, LongAdder> readsEmpty = adders();

  private static Map<Channel, LongAdder> adders() {
    Map<Channel, LongAdder> m = new EnumMap<>(Channel.class);
    for (Channel c : Channel.values()) m.put(c, new LongAdder());
    return m;
  }

  void push(Channel channel, boolean lowering) {
    (lowering ? lowerings : raises).get(channel).increment();
  }

  void read(Channel channel) {
    reads.get(channel).increment();
  }

  void readEmpty(Channel channel) {
    readsEmpty.get(channel).increment();
  }

  /** Channel key to {raises, lowerings, reads, readsEmpty}. */
  public Map<String, Map<String, Long>> snapshot() {
    Map<String, Map<String, Long>> out = new java.util.TreeMap<>();
    for (Channel c : Channel.values()) {
      long total = raises.get(c).sum() + lowerings.get(c).sum() + reads.get(c).sum();
      if (total == 0) continue;
      out.put(c.key(), Map.of("raises", raises.get(c).sum(), "lowerings", lowerings.get(c).sum(),
          "reads", reads.get(c).sum(), "readsEmpty", readsEmpty.get(c).sum()));
    }
    return out;
  }
}
