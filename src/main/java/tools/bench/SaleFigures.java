package tools.bench;

import common.Channel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures of a buyer-driven sale, computed afterwards from what happened: every buyer's order with its final
 * result, and every change of what a marketplace listing showed (the storefront's listener, plus a snapshot of every
 * listing when the sale started). Pure arithmetic, so a small synthetic sequence tests it.
 */
public final class SaleFigures {

  /** How a buyer's order ended. */
  public enum Result {
    /** Taken by its marketplace (or, on WhatsApp, sent) and confirmed by the service. */
    FILLED,
    /** Accepted by its marketplace, which showed stock the service no longer had: the service cancels it. */
    FORCE_CANCELLED,
    /** The marketplace showed too little at checkout and refused it. */
    REFUSED_AT_CHECKOUT,
    /** The marketplace did not list the SKU. */
    NOT_LISTED,
    /** WhatsApp: the catalogue showed the item out of stock, so the buyer did not order. */
    CATALOGUE_OUT_OF_STOCK,
    /** WhatsApp: the service answered sold out (no marketplace accepted it, so not a forced cancellation). */
    SOLD_OUT_ANSWER,
    /** No final answer from the service by the end of the wait. */
    UNANSWERED;

    /** The buyer's checkout took units at the time of the order (what exposure and sell-out count). */
    public boolean accepted() {
      return this == FILLED || this == FORCE_CANCELLED;
    }
  }

  /** One buyer's order: {@code at} is when its checkout took the units (WhatsApp: when the order was sent). */
  public record Order(Channel channel, String sku, int quantity, Instant at, Result result) {}

  /** What one marketplace listing of {@code sku} showed from {@code at} on ({@code listing} names it). */
  public record Shown(Channel channel, String listing, String sku, int shown, Instant at) {}

  /** Per channel: buyers, orders accepted at checkout, filled, their units, then orders by the other results. */
  public record ChannelFigures(int buyers, int accepted, int filled, int unitsSold, int forcedCancellations,
                               int refusedAtCheckout, int notListed, int catalogueOutOfStock, int soldOutAnswers,
                               int unanswered) {}

  /**
   * @param sellThrough units sold over units available, over the SKUs whose demand reached their stock
   * @param overallSellThrough the same over every SKU of the sale
   * @param lastUnitToZeroMs per sold-out SKU whose listings all reached 0: last unit sold → every listing at 0
   * @param soldOutNotZeroed sold-out SKUs some listing of which never showed 0 within the recorded changes
   * @param maxExposure the largest Σ over SKUs of max(0, units shown on the marketplaces − units still available)
   * @param hotSku the SKU most units were asked for (the sale's hot SKU), with its stock and units sold
   */
  public record Figures(Map<Channel, ChannelFigures> channels, int unitsAvailable, int unitsSold,
                        int demandSkus, int demandUnitsAvailable, int demandUnitsSold, double sellThrough,
                        double overallSellThrough, int soldOutSkus, List<Long> lastUnitToZeroMs,
                        int soldOutNotZeroed, long maxExposure, Instant maxExposureAt,
                        String hotSku, int hotStock, int hotSold) {
    public double hotSellThrough() {
      return ratio(hotSold, hotStock);
    }

    public long lastUnitToZeroPercentile(double percentile) {
      return percentile(lastUnitToZeroMs, percentile);
    }

    public int forcedCancellations(Channel channel) {
      ChannelFigures c = channels.get(channel);
      return c == null ? 0 : c.forcedCancellations();
    }

    public int refusedAtCheckout(Channel channel) {
      ChannelFigures c = channels.get(channel);
      return c == null ? 0 : c.refusedAtCheckout();
    }
  }

  private SaleFigures() {}

  /** @param stock units put up for this sale per SKU */
  public static Figures compute(Map<String, Integer> stock, List<Order> orders, List<Shown> shown) {
    Map<Channel, int[]> perChannel = new EnumMap<>(Channel.class);
    Map<String, Integer> demand = new HashMap<>();
    Map<String, Integer> sold = new HashMap<>();
    Map<String, Instant> lastFilled = new HashMap<>();
    for (Order o : orders) {
      // buyers, accepted, filled, then per result from FILLED (its units) on, in ChannelFigures' order
      int[] c = perChannel.computeIfAbsent(o.channel(), k -> new int[3 + Result.values().length]);
      c[0]++;
      if (o.result().accepted()) c[1]++;
      if (o.result() == Result.FILLED) c[2]++;
      c[3 + o.result().ordinal()] += o.result() == Result.FILLED ? o.quantity() : 1;
      demand.merge(o.sku(), o.quantity(), Integer::sum);
      if (o.result() == Result.FILLED) {
        sold.merge(o.sku(), o.quantity(), Integer::sum);
        lastFilled.merge(o.sku(), o.at(), (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    Map<Channel, ChannelFigures> channels = new EnumMap<>(Channel.class);
    perChannel.forEach((channel, c) -> channels.put(channel,
        new ChannelFigures(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9])));

    int available = 0;
    int unitsSold = 0;
    int demandSkus = 0;
    int demandAvailable = 0;
    int demandSold = 0;
    for (Map.Entry<String, Integer> e : stock.entrySet()) {
      int s = sold.getOrDefault(e.getKey(), 0);
      available += e.getValue();
      unitsSold += s;
      if (demand.getOrDefault(e.getKey(), 0) >= e.getValue()) {
        demandSkus++;
        demandAvailable += e.getValue();
        demandSold += s;
      }
    }

    Map<String, List<Shown>> shownBySku = new HashMap<>();
    for (Shown s : sortedShown(shown)) shownBySku.computeIfAbsent(s.sku(), k -> new ArrayList<>()).add(s);
    List<Long> toZero = new ArrayList<>();
    int soldOut = 0;
    int notZeroed = 0;
    for (Map.Entry<String, Integer> e : stock.entrySet()) {
      if (e.getValue() <= 0 || sold.getOrDefault(e.getKey(), 0) < e.getValue()) continue;
      soldOut++;
      Instant zeroAt = firstAllZero(shownBySku.getOrDefault(e.getKey(), List.of()), lastFilled.get(e.getKey()));
      if (zeroAt == null) notZeroed++;
      else toZero.add(Duration.between(lastFilled.get(e.getKey()), zeroAt).toMillis());
    }
    toZero.sort(null);

    Exposure exposure = exposure(stock, orders, shown);
    String hot = demand.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
    return new Figures(channels, available, unitsSold, demandSkus, demandAvailable, demandSold,
        ratio(demandSold, demandAvailable), ratio(unitsSold, available), soldOut, List.copyOf(toZero), notZeroed,
        exposure.max, exposure.at, hot, hot == null ? 0 : stock.getOrDefault(hot, 0),
        hot == null ? 0 : sold.getOrDefault(hot, 0));
  }

  /**
   * The first moment from {@code from} on when every listing of the SKU shows 0 (null: never in these changes).
   * A listing's last change at or before {@code from} is what it showed then.
   */
  static Instant firstAllZero(List<Shown> changes, Instant from) {
    Map<String, Integer> state = new HashMap<>();
    int i = 0;
    for (; i < changes.size() && !changes.get(i).at().isAfter(from); i++) state.put(key(changes.get(i)), changes.get(i).shown());
    if (!state.isEmpty() && allZero(state)) return from;
    for (; i < changes.size(); i++) {
      state.put(key(changes.get(i)), changes.get(i).shown());
      if (allZero(state)) return changes.get(i).at();
    }
    return null;
  }

  private record Exposure(long max, Instant at) {}

  /**
   * Replays orders and listing changes in time order (an order before a change at the same instant) and, after
   * every change and every WhatsApp order, sums per SKU max(0, units shown − max(0, stock − units accepted so far)).
   * A marketplace checkout is not a moment of its own: its own listing's deduction follows as a change.
   */
  private static Exposure exposure(Map<String, Integer> stock, List<Order> orders, List<Shown> shown) {
    List<Order> taking = orders.stream().filter(o -> o.result().accepted())
        .sorted(Comparator.comparing(Order::at)).toList();
    List<Shown> changes = sortedShown(shown);
    Map<String, Integer> listingShown = new HashMap<>();
    Map<String, Integer> shownSum = new HashMap<>();
    Map<String, Integer> accepted = new HashMap<>();
    Map<String, Long> perSku = new HashMap<>();
    long total = 0;
    long max = 0;
    Instant maxAt = null;
    int o = 0;
    int c = 0;
    while (o < taking.size() || c < changes.size()) {
      boolean orderNext = c >= changes.size()
          || (o < taking.size() && !taking.get(o).at().isAfter(changes.get(c).at()));
      String sku;
      Instant at;
      boolean moment;
      if (orderNext) {
        Order order = taking.get(o++);
        sku = order.sku();
        at = order.at();
        accepted.merge(sku, order.quantity(), Integer::sum);
        moment = order.channel() == Channel.WHATSAPP;
      } else {
        Shown change = changes.get(c++);
        sku = change.sku();
        at = change.at();
        Integer before = listingShown.put(key(change), change.shown());
        shownSum.merge(sku, Math.max(0, change.shown()) - (before == null ? 0 : Math.max(0, before)), Integer::sum);
        moment = true;
      }
      long remaining = Math.max(0, stock.getOrDefault(sku, 0) - accepted.getOrDefault(sku, 0));
      long now = Math.max(0, shownSum.getOrDefault(sku, 0) - remaining);
      Long was = perSku.put(sku, now);
      total += now - (was == null ? 0 : was);
      if (moment && total > max) {
        max = total;
        maxAt = at;
      }
    }
    return new Exposure(max, maxAt);
  }

  private static List<Shown> sortedShown(List<Shown> shown) {
    return shown.stream().sorted(Comparator.comparing(Shown::at)).toList(); // stable: same-instant order kept
  }

  private static String key(Shown s) {
    return s.channel().name() + "|" + s.listing();
  }

  private static boolean allZero(Map<String, Integer> state) {
    return state.values().stream().allMatch(v -> v <= 0);
  }

  private static double ratio(int a, int b) {
    return b == 0 ? 0 : (double) a / b;
  }

  /** Nearest-rank percentile of sorted values (0 when none). */
  static long percentile(List<Long> sorted, double percentile) {
    if (sorted.isEmpty()) return 0;
    int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
