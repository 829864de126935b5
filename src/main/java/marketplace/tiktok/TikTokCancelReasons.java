package marketplace.tiktok;

import com.typesafe.config.Config;
import java.util.HashMap;
import java.util.Map;

/**
 * The seller cancel reason for an order's status (MARKETPLACES.md "Cancel"): TikTok refuses a reason that does not
 * match the status with 25001021. UNPAID takes {@code seller_cancel_unpaid_reason_out_of_stock}, ON_HOLD and
 * AWAITING_SHIPMENT {@code seller_cancel_reason_out_of_stock}; UK shops add {@code _uk}. All configurable
 * ({@code orchestrator.marketplaces.tiktok.cancel-reasons}, {@code cancel-reason}, {@code cancel-reason-suffix}).
 */
public record TikTokCancelReasons(Map<String, String> byStatus, String fallback, Map<String, String> suffixByRegion) {
  public static final TikTokCancelReasons DEFAULT = new TikTokCancelReasons(Map.of(
      "UNPAID", "seller_cancel_unpaid_reason_out_of_stock",
      "ON_HOLD", "seller_cancel_reason_out_of_stock",
      "AWAITING_SHIPMENT", "seller_cancel_reason_out_of_stock"),
      "seller_cancel_reason_out_of_stock", Map.of("UK", "_uk"));

  /** From {@code orchestrator.marketplaces.tiktok}; the defaults above for keys that are absent. */
  public static TikTokCancelReasons fromConfig(Config root) {
    String base = "orchestrator.marketplaces.tiktok.";
    Map<String, String> byStatus = new HashMap<>(DEFAULT.byStatus());
    if (root.hasPath(base + "cancel-reasons")) {
      root.getConfig(base + "cancel-reasons").entrySet()
          .forEach(e -> byStatus.put(e.getKey(), String.valueOf(e.getValue().unwrapped())));
    }
    Map<String, String> suffixes = new HashMap<>(DEFAULT.suffixByRegion());
    if (root.hasPath(base + "cancel-reason-suffix")) {
      root.getConfig(base + "cancel-reason-suffix").entrySet()
          .forEach(e -> suffixes.put(e.getKey().toUpperCase(), String.valueOf(e.getValue().unwrapped())));
    }
    String fallback = root.hasPath(base + "cancel-reason") ? root.getString(base + "cancel-reason") : DEFAULT.fallback();
    return new TikTokCancelReasons(Map.copyOf(byStatus), fallback, Map.copyOf(suffixes));
  }

  /** The reason for an order in {@code status} of a shop in {@code region} (blank: no suffix). */
  public String reasonFor(String status, String region) {
    String reason = byStatus.getOrDefault(status == null ? "" : status, fallback);
    String suffix = region == null ? "" : suffixByRegion.getOrDefault(region.toUpperCase(), "");
    return suffix.isEmpty() || reason.endsWith(suffix) ? reason : reason + suffix;
  }
}
