package marketplace.shopee;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import marketplace.MarketParseException;
import marketplace.WebhookEvent;
import org.junit.jupiter.api.Test;

/** Shopee pushes 7, 8 and 9 beyond the contract examples: the variants MARKETPLACES.md says to accept. */
class ShopeePromotionPushesTest {
  private static WebhookEvent.PromotionStock read(String json) {
    return assertInstanceOf(WebhookEvent.PromotionStock.class,
        ShopeePushes.read(json.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void promotionEndAndCancelEndTheReservation() {
    for (String action : new String[] {"promo_end", "promo_cancelled"}) {
      var e = read("{\"code\":7,\"shop_id\":7,\"timestamp\":9,\"data\":{\"item_id\":5,\"variation_id\":6,"
          + "\"promotion_id\":11,\"promotion_type\":\"flash_sale\",\"action\":\"" + action + "\","
          + "\"update_time\":100,\"reserved_stock\":0}}");
      assertTrue(e.ended(), action);
      assertEquals(0, e.reservedStock());
      assertEquals(Instant.ofEpochSecond(100), e.at());
    }
  }

  @Test
  void reservedStockGivenBackByACancelledOrderWithAStringUpdateTime() {
    var e = read("{\"code\":8,\"shop_id\":7,\"timestamp\":9,\"data\":{\"item_id\":5,\"variation_id\":6,"
        + "\"changed_values\":[{\"name\":\"other\",\"old\":1,\"new\":2},{\"name\":\"reserved_stock\",\"old\":49,\"new\":50}],"
        + "\"promotion_type\":\"flash_sale\",\"promotion_id\":11,\"action\":\"cancel_order\",\"ordersn\":\"S1\","
        + "\"update_time\":\"1735826460\"}}");
    assertEquals(50, e.reservedStock());
    assertEquals("cancel_order", e.action());
    assertFalse(e.ended(), "an order's cancellation gives units back to the promotion, it does not end it");
    assertEquals(Instant.ofEpochSecond(1735826460L), e.at());
  }

  @Test
  void codeNineWithoutReservedStockAndTheMisspeltVariationField() {
    var e = read("{\"code\":9,\"shop_id\":7,\"timestamp\":9,\"data\":{\"shop_id\":7,\"promotion_id\":11,"
        + "\"promotion_type\":\"seller_discount\",\"action\":\"removed_from_promo\",\"item_id\":5,\"veriation_id\":6}}");
    assertNull(e.reservedStock(), "a promotion without reserved stock says none");
    assertEquals("6", e.modelId());
    assertTrue(e.ended());
    assertEquals(Instant.ofEpochSecond(9), e.at(), "no update_time: the push's timestamp");
    var whole = read("{\"code\":9,\"shop_id\":7,\"data\":{\"promotion_id\":11,\"action\":\"promo_time_updated\","
        + "\"item_id\":5}}");
    assertEquals("0", whole.modelId(), "no variation: the whole item");
    assertFalse(whole.ended());
  }

  @Test
  void deduplicationKeys() {
    String body = "{\"code\":8,\"shop_id\":7,\"data\":{\"item_id\":5,\"variation_id\":6,\"promotion_id\":11,"
        + "\"action\":\"place_order\",\"ordersn\":\"%s\",\"update_time\":100,"
        + "\"changed_values\":[{\"name\":\"reserved_stock\",\"old\":3,\"new\":2}]}}";
    assertEquals(read(body.formatted("A")).dedupKey(), read(body.formatted("A")).dedupKey());
    assertNotEquals(read(body.formatted("A")).dedupKey(), read(body.formatted("B")).dedupKey(),
        "two orders in the same second are two changes");
    var withMsgId = read("{\"code\":7,\"shop_id\":7,\"msg_id\":\"m-9\",\"data\":{\"item_id\":5,\"promotion_id\":11,"
        + "\"action\":\"promo_lock_stock\",\"reserved_stock\":3}}");
    assertEquals("shopee:m-9", withMsgId.dedupKey());
  }

  @Test
  void missingItemOrPromotionIsMalformed() {
    assertTrue(assertThrows(MarketParseException.class, () -> read("{\"code\":7,\"shop_id\":7,\"data\":"
        + "{\"promotion_id\":11,\"action\":\"promo_end\"}}")).getMessage().contains("'item_id'"));
    assertTrue(assertThrows(MarketParseException.class, () -> read("{\"code\":9,\"shop_id\":7,\"data\":"
        + "{\"item_id\":5,\"action\":\"added_in_promo\"}}")).getMessage().contains("'promotion_id'"));
  }
}
