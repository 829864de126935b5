package marketplace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumMap;
import java.util.Map;
import marketplace.stock.StockPushQueue.Handling;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The error table for stock pushes ({@link ShopStock#handling}): one expectation per class, every class covered. */
class FailureHandlingTableTest {
  private static final Map<FailureClass, Handling> EXPECTED = new EnumMap<>(Map.of(
      FailureClass.RETRY, Handling.RETRY,
      FailureClass.UNKNOWN, Handling.RETRY,
      FailureClass.REFRESH_ONCE, Handling.RETRY,
      FailureClass.PAUSE_UNTIL_RESET, Handling.PAUSE,
      FailureClass.PAUSE_SHOP, Handling.PAUSE,
      FailureClass.PERMANENT_LISTING, Handling.BLOCK,
      FailureClass.PERMANENT_CONFIG, Handling.BLOCK));

  @ParameterizedTest
  @EnumSource(FailureClass.class)
  void eachClassHasItsHandling(FailureClass failureClass) {
    // DONE: the platform says the work is done already, so the value counts as acknowledged (no handling)
    assertEquals(EXPECTED.get(failureClass), ShopStock.handling(failureClass), failureClass.name());
  }

  @Test
  void permanentClassesAreExactlyTheBlockedOnes() {
    for (FailureClass c : FailureClass.values()) {
      assertEquals(c.permanent(), ShopStock.handling(c) == Handling.BLOCK, c.name());
    }
  }

  @Test
  void aPausedShopsCallsAreRetryableForOrdersNotPermanent() {
    for (FailureClass c : new FailureClass[] {FailureClass.PAUSE_UNTIL_RESET, FailureClass.PAUSE_SHOP}) {
      MarketCallException paused = new MarketCallException(common.Channel.SHOPEE, "1", "cancel_order", "shop_paused",
          "paused", 0, c, null, null);
      assertEquals(true, MarketCalls.retryable(paused), "an order asks again later, it does not give up: " + c);
    }
    assertEquals(false, MarketCalls.retryable(new MarketCallException(common.Channel.SHOPEE, "1", "cancel_order",
        "order.error_limit", "cannot cancel", 1, FailureClass.PERMANENT_LISTING, null, null)));
  }
}
