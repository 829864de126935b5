package common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelTest {
  @Test
  void onlyTheMarketplacesTakeStockPushesAndCancellations() {
    assertEquals(List.of(Channel.SHOPEE, Channel.TIKTOK),
        Arrays.stream(Channel.values()).filter(Channel::hasMarketplaceApi).toList());
  }

  @Test
  void eachChannelNamesTheListingIdsItNeeds() {
    assertEquals("itemId is required for a Shopee listing", Channel.SHOPEE.listingError(" ", "p", "s"));
    assertNull(Channel.SHOPEE.listingError("123", null, null));
    assertEquals("productId and skuId are required for a TikTok listing", Channel.TIKTOK.listingError("1", "p", null));
    assertNull(Channel.TIKTOK.listingError(null, "p", "s"));
    assertNull(Channel.WHATSAPP.listingError(null, null, null));
    assertEquals("phone orders have no listing to show stock on", Channel.PHONE.listingError("1", "p", "s"));
  }
}
