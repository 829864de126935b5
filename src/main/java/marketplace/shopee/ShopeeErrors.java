package marketplace.shopee;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Set;
import marketplace.FailureClass;

/**
 * Shopee's whole error table (docs/MARKETPLACES.md, "Error table", Shopee rows) in one place: (error code, message)
 * to {@link FailureClass}. Codes are matched exactly ({@code order.error_limit} is not the daily cap
 * {@code error_limit}); {@code error_auth} is overloaded, so its message decides. Also used for the
 * {@code failed_reason} of update_stock's failure_list, which is free text.
 */
public final class ShopeeErrors {
  private ShopeeErrors() {}

  /** Shopee's daily cap resets at 00:00 in UTC+8. */
  static final ZoneOffset RESET_ZONE = ZoneOffset.ofHours(8);

  private static final Set<String> RETRY = Set.of("error_rate_limit", "error_system_busy", "error_inner",
      "error_network", "error_server");
  private static final Set<String> TOKEN = Set.of("invalid_acceess_token", "invalid_access_token");
  private static final Set<String> PAUSE_SHOP = Set.of("shop_banned", "shop_no_linked", "partner_shop_no_link",
      "refresh_token_expired", "error_shop_refresh_token", "shop_access_expired", "invalid_code");
  private static final Set<String> CONFIG = Set.of("error_sign", "error_partner_key_expired",
      "source_ip_undeclared", "error_api_permission", "error_api_call_restricted", "api_suspended",
      "error_partner_id", "error_timestamp");
  private static final Set<String> PROMOTION_LOCK = Set.of("error_cannt_edit_stock_in_promotion",
      "error_promotion_cantnot_update_stock", "error_model_update_stock_model_in_promotion");
  private static final Set<String> LISTING = Set.of("error_holiday_mode_change_stock", "error_item_not_found",
      "error_item_not_belong_shop", "error_item_uneditable", "error_edit_item_stock_for_item_has_model",
      "error_in_item_promotion_nomodel_to_models", "error_wms_shop_block_upate_stock", "error_busi_cannot_edit_vsku",
      "error_seller_under_penalty", "order.error_limit");

  /** True for the codes that mean "refresh the access token once and retry once". */
  public static boolean tokenExpired(String code, String message) {
    if (code == null) return false;
    if (TOKEN.contains(code)) return true;
    return code.equals("error_auth") && has(message, "invalid access_token", "invalid access token",
        "invalid_access_token", "access_token expired") && !has(message, "refresh_token");
  }

  /** The class of one envelope error (or failed_reason text, with {@code code} null or the envelope's code). */
  public static FailureClass classify(String code, String message) {
    String c = code == null ? "" : code.trim();
    // Message-driven rows first: they reuse generic codes (error_auth, error_param, error_inner, error_busi).
    if (has(message, "refresh_token")) return FailureClass.PAUSE_SHOP;
    if (has(message, "location id", "location_id", "different stock structure", "stock location", "multi warehouse")) {
      return FailureClass.PERMANENT_CONFIG;
    }
    if (has(message, "less than reserved stock", "more than reserved stock", "reserved stock", "holiday mode",
        "in promotion", "promotion")) {
      return FailureClass.PERMANENT_LISTING;
    }
    if (has(message, "item not found", "model not found", "no model", "has model", "not belong", "uneditable", "not editable")) {
      return FailureClass.PERMANENT_LISTING;
    }
    if (c.equals("error_limit")) return FailureClass.PAUSE_UNTIL_RESET;
    if (RETRY.contains(c)) return FailureClass.RETRY;
    if (tokenExpired(c, message)) return FailureClass.REFRESH_ONCE;
    if (PAUSE_SHOP.contains(c)) return FailureClass.PAUSE_SHOP;
    if (CONFIG.contains(c)) return FailureClass.PERMANENT_CONFIG;
    if (PROMOTION_LOCK.contains(c) || LISTING.contains(c)) return FailureClass.PERMANENT_LISTING;
    if (c.equals("error_auth")) {
      if (has(message, "system error", "try again later")) return FailureClass.RETRY;
      // "No permission to current api", app deleted/restricted, or an unrecognised error_auth: not a token problem.
      return FailureClass.PERMANENT_CONFIG;
    }
    if (c.equals("error_param") && has(message, "timestamp", "partner_id", "partner id", "sign")) {
      return FailureClass.PERMANENT_CONFIG;
    }
    if (c.equals("warehouse.error_not_in_whitelist")) return FailureClass.DONE;
    return FailureClass.UNKNOWN;
  }

  /** The end of a daily-cap pause: the next 00:00 in UTC+8 after {@code now}. */
  public static Instant nextDailyReset(Instant now) {
    LocalDate today = now.atOffset(RESET_ZONE).toLocalDate();
    return today.plusDays(1).atStartOfDay().toInstant(RESET_ZONE);
  }

  private static boolean has(String message, String... parts) {
    if (message == null || message.isBlank()) return false;
    String m = message.toLowerCase(Locale.ROOT);
    for (String p : parts) if (m.contains(p)) return true;
    return false;
  }
}
