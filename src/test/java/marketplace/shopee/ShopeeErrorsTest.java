package marketplace.shopee;

import static marketplace.FailureClass.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import marketplace.FailureClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Every Shopee row of docs/MARKETPLACES.md's error table, through the one class that holds it. */
class ShopeeErrorsTest {
  @ParameterizedTest(name = "{0} / {1} -> {2}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "error_rate_limit | Too many requests. You have reached the rate limit. | RETRY",
      "error_server | Internal error | RETRY",
      "error_system_busy | System busy | RETRY",
      "error_inner | inner call failed | RETRY",
      "error_network | network error | RETRY",
      "error_auth | System error, please try again later | RETRY",
      "invalid_acceess_token | Invalid access_token, please have a check. | REFRESH_ONCE",
      "invalid_access_token | - | REFRESH_ONCE",
      "error_auth | Invalid access_token. | REFRESH_ONCE",
      "error_auth | No permission to current api | PERMANENT_CONFIG",
      "refresh_token_expired | - | PAUSE_SHOP",
      "error_shop_refresh_token | - | PAUSE_SHOP",
      "shop_access_expired | - | PAUSE_SHOP",
      "error_auth | Invalid refresh_token. | PAUSE_SHOP",
      "invalid_code | Invalid code | PAUSE_SHOP",
      "error_limit | The total API call number made by your APP has reached the daily API call limit | PAUSE_UNTIL_RESET",
      "shop_banned | - | PAUSE_SHOP",
      "shop_no_linked | - | PAUSE_SHOP",
      "partner_shop_no_link | - | PAUSE_SHOP",
      "error_sign | Wrong sign. | PERMANENT_CONFIG",
      "error_param | Invalid timestamp. | PERMANENT_CONFIG",
      "error_param | partner_id is invalid | PERMANENT_CONFIG",
      "error_partner_key_expired | - | PERMANENT_CONFIG",
      "source_ip_undeclared | - | PERMANENT_CONFIG",
      "error_api_permission | - | PERMANENT_CONFIG",
      "error_api_call_restricted | - | PERMANENT_CONFIG",
      "api_suspended | - | PERMANENT_CONFIG",
      "error_cannt_edit_stock_in_promotion | - | PERMANENT_LISTING",
      "error_promotion_cantnot_update_stock | - | PERMANENT_LISTING",
      "error_model_update_stock_model_in_promotion | - | PERMANENT_LISTING",
      "- | Can not update item with stock less than reserved stock | PERMANENT_LISTING",
      "error_param | Total stock must be more than reserved stock | PERMANENT_LISTING",
      "error.param | Total stock must be more than reserved stock | PERMANENT_LISTING",
      "error_auth | stock less than reserved stock | PERMANENT_LISTING",
      "error_holiday_mode_change_stock | - | PERMANENT_LISTING",
      "error_auth | Shop is in holiday mode | PERMANENT_LISTING",
      "error_busi | The merchant/shop has multi warehouse, please input location id | PERMANENT_CONFIG",
      "error_auth | Lack of location_id | PERMANENT_CONFIG",
      "error_auth | location_id input is not matched | PERMANENT_CONFIG",
      "error_param | Can not use different stock structure in one request. | PERMANENT_CONFIG",
      "error_inner | Invalid stock location ID | PERMANENT_CONFIG",
      "error_item_not_found | - | PERMANENT_LISTING",
      "error_item_not_belong_shop | - | PERMANENT_LISTING",
      "error_item_uneditable | - | PERMANENT_LISTING",
      "error_edit_item_stock_for_item_has_model | - | PERMANENT_LISTING",
      "error_in_item_promotion_nomodel_to_models | - | PERMANENT_LISTING",
      "error_wms_shop_block_upate_stock | - | PERMANENT_LISTING",
      "error_busi_cannot_edit_vsku | - | PERMANENT_LISTING",
      "error_seller_under_penalty | - | PERMANENT_LISTING",
      "order.error_limit | Can not cancel this order | PERMANENT_LISTING",
      "warehouse.error_not_in_whitelist | - | DONE",
      "- | Model not found, this item has no model | PERMANENT_LISTING",
      "something_new | never seen | UNKNOWN",
  })
  void classifies(String code, String message, FailureClass expected) {
    assertEquals(expected, ShopeeErrors.classify(code, message));
  }

  @Test
  void onlyTheTokenCodesMeanRefresh() {
    assertTrue(ShopeeErrors.tokenExpired("invalid_acceess_token", null));
    assertTrue(ShopeeErrors.tokenExpired("error_auth", "Invalid access_token."));
    assertFalse(ShopeeErrors.tokenExpired("error_auth", "Invalid refresh_token."));
    assertFalse(ShopeeErrors.tokenExpired("error_auth", "No permission to current api"));
  }

  @Test
  void theDailyResetIsTheNextMidnightInUtcPlus8() {
    // 2026-01-01 15:59:59Z is 23:59:59 in UTC+8: the reset is one second later.
    assertEquals(Instant.parse("2026-01-01T16:00:00Z"), ShopeeErrors.nextDailyReset(Instant.parse("2026-01-01T15:59:59Z")));
    assertEquals(Instant.parse("2026-01-02T16:00:00Z"), ShopeeErrors.nextDailyReset(Instant.parse("2026-01-01T16:00:00Z")));
  }
}
