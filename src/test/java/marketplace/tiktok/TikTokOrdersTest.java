package marketplace.tiktok;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import marketplace.MarketParseException;
import org.junit.jupiter.api.Test;

class TikTokOrdersTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void tiktokGroupsOneLineItemPerUnitBySellerSku() {
    List<OrderDetails> orders = TikTokOrders.read("shop-9", b("""
        {"code":0,"message":"Success","request_id":"r","data":{"orders":[{
          "id":"576","status":"AWAITING_SHIPMENT","create_time":1700000000,"update_time":1700000200,"paid_time":1700000100,
          "payment":{"currency":"USD","total_amount":"30.00"},
          "recipient_address":{"name":"Bo","phone_number":"(+1)2135550100","full_address":"LA"},
          "line_items":[
            {"id":"l1","sku_id":"S1","product_id":"P1","product_name":"Cap","sku_name":"Black","seller_sku":"CAP-BLK","sale_price":"10.00"},
            {"id":"l2","sku_id":"S2","product_id":"P2","product_name":"Pin","sku_name":"","seller_sku":"PIN","sale_price":"10.00"},
            {"id":"l3","sku_id":"S1","product_id":"P1","product_name":"Cap","sku_name":"Black","seller_sku":"CAP-BLK","sale_price":"10.00"}]}]}}"""));
    OrderDetails o = orders.get(0);
    assertEquals(MarketStatus.PAID, o.marketStatus());
    assertEquals("USD", o.currency());
    assertEquals(0, new BigDecimal("30").compareTo(o.totalAmount()));
    assertEquals("12135550100", o.buyerPhone());
    assertEquals(List.of(
        new OrderDetails.Line("CAP-BLK", 2, new BigDecimal("10.00"), "Cap / Black", "P1:S1"),
        new OrderDetails.Line("PIN", 1, new BigDecimal("10.00"), "Pin", "P2:S2")), o.lines());
  }

  @Test
  void tiktokUnpaidHasNoAddressAndMaskedPhoneIsDropped() {
    var o = TikTokOrders.read("s", b("""
        {"code":0,"data":{"orders":[{"id":"1","status":"UNPAID","line_items":[{"sku_id":"S","seller_sku":"X"}],
          "recipient_address":{"phone_number":"(+1)213*****00"}}]}}""")).get(0);
    assertNull(o.buyerPhone());
    assertNull(o.shippingAddress());
    assertEquals(MarketStatus.UNPAID, o.marketStatus());
    assertEquals(1, o.lines().get(0).quantity());
  }

  @Test
  void tiktokMalformed() {
    assertTrue(assertThrows(MarketParseException.class, () -> TikTokOrders.read("s",
        b("{\"data\":{\"orders\":[{\"id\":\"1\",\"line_items\":[]}]}}"))).getMessage().contains("status"));
    assertTrue(assertThrows(MarketParseException.class, () -> TikTokOrders.read("s",
        b("{\"data\":{\"orders\":[{\"id\":\"1\",\"status\":\"UNPAID\",\"line_items\":[{\"seller_sku\":\"X\"}]}]}}")))
        .getMessage().contains("sku_id"));
  }
}
