package marketplace.stock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import common.Channel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * The merge of raw staleness slots into the sale chart's series, without actors: two nodes' slots of one bucket
 * sum their counts, keep the largest maximum and pool their samples for the p99 (exact while a slot holds at most
 * 256 pushes), exactly as one node's two slots of one bucket do.
 */
class StalenessSlotsTest {
  private static final long FIRST = 1_800_000_000L; // epoch seconds, a multiple of 60

  private static StalenessSlots.Slot slot(long epochSecond, Channel channel, long... ms) {
    return new StalenessSlots.Slot(epochSecond / 10, channel.key(), ms.length, LongStream.of(ms).max().orElse(0), ms);
  }

  private static StockStaleness.ChannelSeries of(List<StockStaleness.ChannelSeries> all, Channel channel) {
    return all.stream().filter(s -> s.channel().equals(channel.key())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + channel.key() + " in " + all));
  }

  @Test
  void twoNodesSlotsOfOneBucketSumCountsKeepTheLargestMaximumAndPoolSamples() {
    // Node A: pushes of 1..150 ms in the bucket's first slot; node B: 151..200 ms in the same slot and another one.
    long[] a = LongStream.rangeClosed(1, 150).toArray();
    long[] b1 = LongStream.rangeClosed(151, 180).toArray();
    long[] b2 = LongStream.rangeClosed(181, 200).toArray();
    List<StalenessSlots.Slot> slots = List.of(
        slot(FIRST + 60, Channel.TIKTOK, a),
        slot(FIRST + 60, Channel.TIKTOK, b1),
        slot(FIRST + 110, Channel.TIKTOK, b2),
        slot(FIRST + 120, Channel.SHOPEE, 40, 7),
        slot(FIRST + 120, Channel.SHOPEE, 90));
    List<StockStaleness.ChannelSeries> series = StalenessSlots.series(slots, FIRST, 60, 3);
    assertEquals(List.of("shopee", "tiktok"), series.stream().map(StockStaleness.ChannelSeries::channel).toList(),
        "one series per channel that pushed, in the channels' order");
    StockStaleness.ChannelSeries tiktok = of(series, Channel.TIKTOK);
    assertEquals(List.of(0L, 200L, 0L), tiktok.count());
    assertEquals(200.0, tiktok.maxMs().get(1));
    // 200 pooled samples 1..200: the 99th percentile is the 198th (A alone would say 149, B alone 200).
    assertEquals(198.0, tiktok.p99Ms().get(1));
    assertNull(tiktok.p99Ms().get(0), "no push in the bucket: null, not 0");
    assertNull(tiktok.maxMs().get(2));
    StockStaleness.ChannelSeries shopee = of(series, Channel.SHOPEE);
    assertEquals(List.of(0L, 0L, 3L), shopee.count());
    assertEquals(90.0, shopee.maxMs().get(2), "the larger of the two nodes' maxima");
    assertEquals(90.0, shopee.p99Ms().get(2));
  }

  @Test
  void slotsOutsideTheWindowAndOfUnknownChannelsAreLeftOut() {
    List<StalenessSlots.Slot> slots = List.of(
        slot(FIRST - 10, Channel.TIKTOK, 999),
        slot(FIRST + 180, Channel.TIKTOK, 888), // the window's end: exclusive
        slot(FIRST, Channel.TIKTOK, 5),
        new StalenessSlots.Slot(FIRST / 10, "a-channel-of-a-newer-node", 1, 7, new long[] {7}));
    List<StockStaleness.ChannelSeries> series = StalenessSlots.series(slots, FIRST, 60, 3);
    assertEquals(1, series.size(), series.toString());
    assertEquals(List.of(1L, 0L, 0L), series.get(0).count());
    assertEquals(5.0, series.get(0).maxMs().get(0));
  }

  @Test
  void mergingTwoTimelinesSlotsGivesTheSeriesOfOneTimelineThatRecordedBoth() {
    StalenessTimeline nodeA = new StalenessTimeline();
    StalenessTimeline nodeB = new StalenessTimeline();
    StalenessTimeline both = new StalenessTimeline();
    for (int i = 0; i < 120; i++) {
      Instant at = Instant.ofEpochSecond(FIRST + (i % 7) * 10);
      Channel channel = i % 3 == 0 ? Channel.SHOPEE : Channel.TIKTOK;
      long ms = (i * 37) % 101;
      (i % 2 == 0 ? nodeA : nodeB).record(channel, ms, at);
      both.record(channel, ms, at);
    }
    List<StalenessSlots.Slot> slots = new ArrayList<>(nodeA.slots(FIRST / 10, FIRST / 10 + 9));
    slots.addAll(nodeB.slots(FIRST / 10, FIRST / 10 + 9));
    assertEquals(both.series(FIRST, 30, 3), StalenessSlots.series(slots, FIRST, 30, 3));
  }
}
