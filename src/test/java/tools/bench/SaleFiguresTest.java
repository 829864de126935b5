package tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import common.Channel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.bench.SaleFigures.Order;
import tools.bench.SaleFigures.Result;
import tools.bench.SaleFigures.Shown;

/**
 * The buyer-driven sale's figures on a small sequence worked out by hand: SKU A (2 units) shown in full on both
 * marketplaces (today's sync) and oversold once, B (5 units) barely sold, C (1 unit) shown on Shopee only.
 */
class SaleFiguresTest {
  private static final Instant T0 = Instant.parse("2026-12-02T10:00:00Z");

  private static Instant at(long ms) {
    return T0.plusMillis(ms);
  }

  private static Shown shopee(String sku, int shown, long ms) {
    return new Shown(Channel.SHOPEE, "item-" + sku, sku, shown, at(ms));
  }

  private static Shown tiktok(String sku, int shown, long ms) {
    return new Shown(Channel.TIKTOK, "sku-" + sku, sku, shown, at(ms));
  }

  private static Order order(Channel channel, String sku, int qty, long ms, Result result) {
    return new Order(channel, sku, qty, at(ms), result);
  }

  private static SaleFigures.Figures figures() {
    Map<String, Integer> stock = new LinkedHashMap<>(Map.of("A", 2, "B", 5, "C", 1));
    List<Shown> shown = new ArrayList<>(List.of(
        shopee("A", 2, 0), tiktok("A", 2, 0), shopee("B", 5, 0), tiktok("B", 5, 0), shopee("C", 1, 0),
        tiktok("C", 0, 0),
        shopee("A", 1, 100),             // Shopee checkout of A deducts its listing
        shopee("C", 0, 150),             // Shopee checkout of C: its last unit, nothing shown anywhere now
        tiktok("A", 1, 200),             // TikTok checkout of A: A's last unit
        tiktok("A", 0, 300),             // a TikTok buyer takes the unit TikTok still showed: forced cancellation
        shopee("A", 0, 400), shopee("B", 3, 400), tiktok("B", 3, 400))); // the service's pushes
    List<Order> orders = List.of(
        order(Channel.SHOPEE, "A", 1, 100, Result.FILLED),
        order(Channel.SHOPEE, "C", 1, 150, Result.FILLED),
        order(Channel.TIKTOK, "A", 1, 200, Result.FILLED),
        order(Channel.WHATSAPP, "B", 2, 250, Result.FILLED),
        order(Channel.TIKTOK, "A", 1, 300, Result.FORCE_CANCELLED),
        order(Channel.SHOPEE, "A", 1, 500, Result.REFUSED_AT_CHECKOUT),
        order(Channel.WHATSAPP, "A", 1, 600, Result.SOLD_OUT_ANSWER),
        order(Channel.WHATSAPP, "B", 1, 700, Result.CATALOGUE_OUT_OF_STOCK));
    return SaleFigures.compute(stock, orders, shown);
  }

  @Test
  void countsPerChannel() {
    SaleFigures.Figures f = figures();
    assertEquals(new SaleFigures.ChannelFigures(3, 2, 2, 2, 0, 1, 0, 0, 0, 0), f.channels().get(Channel.SHOPEE));
    assertEquals(new SaleFigures.ChannelFigures(2, 2, 1, 1, 1, 0, 0, 0, 0, 0), f.channels().get(Channel.TIKTOK));
    assertEquals(new SaleFigures.ChannelFigures(3, 1, 1, 2, 0, 0, 0, 1, 1, 0), f.channels().get(Channel.WHATSAPP));
    assertEquals(1, f.forcedCancellations(Channel.TIKTOK));
    assertEquals(1, f.refusedAtCheckout(Channel.SHOPEE));
  }

  @Test
  void sellThroughCountsFilledUnitsOverTheStockOfSkusWhoseDemandReachedIt() {
    SaleFigures.Figures f = figures();
    // demand: A 5 units (≥ 2), C 1 (≥ 1), B 3 (< 5)
    assertEquals(2, f.demandSkus());
    assertEquals(3, f.demandUnitsAvailable());
    assertEquals(3, f.demandUnitsSold());
    assertEquals(1.0, f.sellThrough(), 1e-9);
    assertEquals(8, f.unitsAvailable());
    assertEquals(5, f.unitsSold());
    assertEquals(5 / 8.0, f.overallSellThrough(), 1e-9);
  }

  @Test
  void lastUnitToEveryListingAtZero() {
    SaleFigures.Figures f = figures();
    assertEquals(2, f.soldOutSkus());
    // C: nothing shown from its last unit on (0 ms); A: last unit at 200, TikTok 0 at 300, Shopee 0 at 400
    assertEquals(List.of(0L, 200L), f.lastUnitToZeroMs());
    assertEquals(0, f.lastUnitToZeroPercentile(50));
    assertEquals(200, f.lastUnitToZeroPercentile(99));
    assertEquals(0, f.soldOutNotZeroed());
  }

  @Test
  void largestExposureIsWhatTheMarketplacesShowBeyondWhatIsLeft() {
    SaleFigures.Figures f = figures();
    // at the start A shows 4 of 2 (2 too many), B 10 of 5 (5): 7; after WhatsApp took 2 of B at 250, B shows
    // 10 of 3 (7) and A 1 + 1 of 0 (2): 9, the largest; the pushes at 400 bring it down to 3.
    assertEquals(9, f.maxExposure());
    assertEquals(at(250), f.maxExposureAt());
  }

  @Test
  void aSoldOutSkuWhoseListingNeverReachesZeroIsCountedApart() {
    SaleFigures.Figures f = SaleFigures.compute(Map.of("A", 1),
        List.of(order(Channel.SHOPEE, "A", 1, 10, Result.FILLED)),
        List.of(shopee("A", 1, 0), tiktok("A", 1, 0), shopee("A", 0, 10)));
    assertEquals(1, f.soldOutSkus());
    assertEquals(1, f.soldOutNotZeroed());
    assertEquals(List.of(), f.lastUnitToZeroMs());
    // at the start 2 shown of 1; after the sale TikTok still shows 1 of 0
    assertEquals(1, f.maxExposure());
  }

  @Test
  void nearestRankPercentiles() {
    List<Long> values = new ArrayList<>();
    for (long v = 10; v <= 1000; v += 10) values.add(v);
    assertEquals(500, SaleFigures.percentile(values, 50));
    assertEquals(990, SaleFigures.percentile(values, 99));
    assertEquals(1000, SaleFigures.percentile(values, 100));
    assertEquals(0, SaleFigures.percentile(List.of(), 50));
  }
}
