package marketplace.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import common.MarketStatus;
import marketplace.shopee.ShopeeStatus;
import marketplace.tiktok.TikTokStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StatusTablesTest {

  @ParameterizedTest(name = "Shopee {0} -> {1}")
  @CsvSource({
      "UNPAID, UNPAID", "PENDING, UNPAID", "INVOICE_PENDING, PAID", "READY_TO_SHIP, PAID", "PROCESSED, PAID",
      "RETRY_SHIP, PAID", "SHIPPED, SHIPPED", "TO_CONFIRM_RECEIVE, DELIVERED", "COMPLETED, COMPLETED",
      "IN_CANCEL, CANCEL_REQUESTED", "CANCELLED, CANCELLED", "TO_RETURN, RETURN_REQUESTED",
      "SOMETHING_NEW, UNKNOWN", "cancelled, UNKNOWN", "'', UNKNOWN", "CANCEL, UNKNOWN"})
  void shopeeRow(String platform, MarketStatus expected) {
    assertEquals(expected, ShopeeStatus.map(platform));
  }

  @ParameterizedTest(name = "TikTok {0} -> {1}")
  @CsvSource({
      "UNPAID, UNPAID", "ON_HOLD, PAID", "AWAITING_SHIPMENT, PAID", "PARTIALLY_SHIPPING, PAID",
      "AWAITING_COLLECTION, PAID", "IN_TRANSIT, SHIPPED", "DELIVERED, DELIVERED", "COMPLETED, COMPLETED",
      "CANCELLED, CANCELLED", "CANCEL, CANCELLED", "READY_TO_SHIP, UNKNOWN", "'', UNKNOWN"})
  void tiktokRow(String platform, MarketStatus expected) {
    assertEquals(expected, TikTokStatus.map(platform));
  }

  @org.junit.jupiter.api.Test
  void nullIsUnknownAndTablesHaveEveryDocumentedStatus() {
    assertEquals(MarketStatus.UNKNOWN, ShopeeStatus.map(null));
    assertEquals(MarketStatus.UNKNOWN, TikTokStatus.map(null));
    assertEquals(12, ShopeeStatus.TABLE.size());
    assertEquals(10, TikTokStatus.TABLE.size());
  }
}
