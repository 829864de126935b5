package tools.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import common.Channel;
import java.util.ArrayList;
import java.util.List;

/** A buyer-driven sale's outcome as JSON, as the demo's closing lines, and as rows of the benchmark's table. */
public final class BuyerSaleReport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<Channel> CHANNELS = List.of(Channel.SHOPEE, Channel.TIKTOK, Channel.WHATSAPP);

  private BuyerSaleReport() {}

  static ObjectNode json(BuyerSale.Outcome o) {
    SaleFigures.Figures f = o.figures();
    ObjectNode r = JSON.createObjectNode();
    ObjectNode channels = r.putObject("channels");
    for (Channel c : CHANNELS) {
      SaleFigures.ChannelFigures cf = f.channels().get(c);
      if (cf == null) continue;
      ObjectNode n = channels.putObject(c.key());
      n.put("buyers", cf.buyers()).put("acceptedAtCheckout", cf.accepted()).put("filledOrders", cf.filled())
          .put("unitsSold", cf.unitsSold())
          .put("forcedCancellations", cf.forcedCancellations()).put("refusedAtCheckout", cf.refusedAtCheckout())
          .put("notListed", cf.notListed()).put("unanswered", cf.unanswered());
      if (c == Channel.WHATSAPP) {
        n.put("catalogueOutOfStock", cf.catalogueOutOfStock()).put("soldOutAnswers", cf.soldOutAnswers());
      } else {
        n.put("storefrontCancelled", o.storefrontCancelled().getOrDefault(c, 0L))
            .put("storefrontRefused", o.storefrontRefused().getOrDefault(c, 0L))
            .put("stockPushes", o.pushes().getOrDefault(c, 0)).put("stockReads", o.reads().getOrDefault(c, 0));
      }
    }
    r.put("unitsAvailable", f.unitsAvailable()).put("unitsSold", f.unitsSold())
        .put("overallSellThroughPercent", percent(f.overallSellThrough()))
        .put("skusWhoseDemandReachedStock", f.demandSkus())
        .put("unitsAvailableWhereDemandReachedStock", f.demandUnitsAvailable())
        .put("unitsSoldWhereDemandReachedStock", f.demandUnitsSold())
        .put("sellThroughPercent", percent(f.sellThrough()))
        .put("hotSku", f.hotSku()).put("hotSkuStock", f.hotStock()).put("hotSkuSold", f.hotSold())
        .put("hotSkuSellThroughPercent", percent(f.hotSellThrough()))
        .put("soldOutSkus", f.soldOutSkus())
        .put("lastUnitToAllListingsZeroP50Ms", f.lastUnitToZeroPercentile(50))
        .put("lastUnitToAllListingsZeroP99Ms", f.lastUnitToZeroPercentile(99))
        .put("lastUnitToAllListingsZeroMaxMs", f.lastUnitToZeroPercentile(100))
        .put("soldOutSkusNotZeroed", f.soldOutNotZeroed())
        .put("maxOversellExposureUnits", f.maxExposure())
        .put("maxOversellExposureAt", f.maxExposureAt() == null ? null : f.maxExposureAt().toString())
        .put("buyersArrivedInMs", o.buyersMillis())
        .put("allFinalAfterMs", o.allFinalMillis())
        .put("listingsSettledAfterMs", o.settledMillis())
        .put("listingsWrongAtEnd", o.listingsWrongAtEnd());
    return r;
  }

  /** The demo's closing lines: sold, refused at checkout, forced cancellations, sell-through. */
  public static List<String> summary(BuyerSale.Outcome o) {
    SaleFigures.Figures f = o.figures();
    List<String> lines = new ArrayList<>();
    StringBuilder sold = new StringBuilder();
    StringBuilder refused = new StringBuilder();
    StringBuilder forced = new StringBuilder();
    for (Channel c : CHANNELS) {
      SaleFigures.ChannelFigures cf = f.channels().get(c);
      if (cf == null) continue;
      sold.append(sold.length() == 0 ? "" : ", ").append(name(c)).append(' ').append(cf.unitsSold());
      // a listing never stocked shows nothing to buy: refused too
      int refusals = c == Channel.WHATSAPP ? cf.catalogueOutOfStock() : cf.refusedAtCheckout() + cf.notListed();
      refused.append(refused.length() == 0 ? "" : ", ").append(name(c)).append(' ').append(refusals);
      if (c != Channel.WHATSAPP) {
        forced.append(forced.length() == 0 ? "" : ", ").append(name(c)).append(' ').append(cf.forcedCancellations());
      }
    }
    SaleFigures.ChannelFigures wa = f.channels().get(Channel.WHATSAPP);
    lines.add("Sold: " + f.unitsSold() + " units (" + sold + ")");
    lines.add("Refused at checkout (the channel showed too little): " + refused
        + (wa == null ? "" : "; WhatsApp orders answered sold out: " + wa.soldOutAnswers()));
    lines.add("Forced cancellations (a marketplace accepted what the service could not fill): " + forced);
    lines.add(String.format("Sell-through: %.1f %% of the hot SKU %s (%d of %d units); %.1f %% of the units of the "
        + "%d SKUs whose demand reached their stock (%.1f %% of all %d units); last unit sold to every listing at 0: "
        + "p50 %d ms, p99 %d ms over %d SKUs",
        percent(f.hotSellThrough()), f.hotSku(), f.hotSold(), f.hotStock(),
        percent(f.sellThrough()), f.demandSkus(), percent(f.overallSellThrough()), f.unitsAvailable(),
        f.lastUnitToZeroPercentile(50), f.lastUnitToZeroPercentile(99), f.lastUnitToZeroMs().size()));
    return lines;
  }

  /** The comparison table's header, then one row per run (strategy × webhook delay). */
  public static List<String> tableHeader() {
    return List.of("| strategy | webhook delay | forced cancel Shopee | forced cancel TikTok | refused Shopee "
            + "| refused TikTok | WhatsApp sold out | hot SKU sell-through | sell-through where demand reached stock "
            + "| overall sell-through | last unit → 0 p50/p99 ms "
            + "| max exposure | pushes Shopee/TikTok | reads Shopee/TikTok |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  }

  public static String tableRow(String strategy, String delay, ObjectNode r) {
    var ch = r.path("channels");
    return String.format("| %s | %s | %d | %d | %d | %d | %d | %.1f %% | %.1f %% | %.1f %% | %d / %d | %d | %d / %d "
        + "| %d / %d |",
        strategy, delay, ch.path("shopee").path("forcedCancellations").asInt(),
        ch.path("tiktok").path("forcedCancellations").asInt(), refused(ch.path("shopee")), refused(ch.path("tiktok")),
        ch.path("whatsapp").path("soldOutAnswers").asInt(),
        r.path("hotSkuSellThroughPercent").asDouble(),
        r.path("sellThroughPercent").asDouble(), r.path("overallSellThroughPercent").asDouble(),
        r.path("lastUnitToAllListingsZeroP50Ms").asLong(), r.path("lastUnitToAllListingsZeroP99Ms").asLong(),
        r.path("maxOversellExposureUnits").asLong(), ch.path("shopee").path("stockPushes").asInt(),
        ch.path("tiktok").path("stockPushes").asInt(), ch.path("shopee").path("stockReads").asInt(),
        ch.path("tiktok").path("stockReads").asInt());
  }

  /** Checkouts a marketplace refused: it showed too little, or nothing (a listing never stocked). */
  private static int refused(com.fasterxml.jackson.databind.JsonNode channel) {
    return channel.path("refusedAtCheckout").asInt() + channel.path("notListed").asInt();
  }

  private static String name(Channel c) {
    return switch (c) {
      case SHOPEE -> "Shopee";
      case TIKTOK -> "TikTok";
      case WHATSAPP -> "WhatsApp";
      default -> c.key();
    };
  }

  private static double percent(double ratio) {
    return Math.round(ratio * 1000) / 10.0;
  }
}
