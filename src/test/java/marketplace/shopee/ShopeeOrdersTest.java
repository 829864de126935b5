package marketplace.shopee;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import marketplace.MarketParseException;
import org.junit.jupiter.api.Test;

class ShopeeOrdersTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shopeeOrderDetailUsesModelSkuForModelsAndItemSkuOtherwise() {
    List<OrderDetails> orders = ShopeeOrders.read("77", b("""
        {"request_id":"r","error":"","message":"","response":{"order_list":[{
          "order_sn":"SN1","order_status":"READY_TO_SHIP","create_time":1700000000,"update_time":1700000100,
          "currency":"MYR","cod":false,"total_amount":45.5,"pay_time":1700000050,"buyer_username":"ana_b",
          "recipient_address":{"name":"Ana","phone":"+60 12-345","full_address":"1 Jalan"},
          "item_list":[
            {"item_id":10,"item_name":"Shirt","item_sku":"SHIRT","model_id":101,"model_name":"Red L","model_sku":"SHIRT-RED-L",
             "model_quantity_purchased":2,"model_discounted_price":15.0,"order_item_id":10},
            {"item_id":20,"item_name":"Mug","item_sku":"MUG","model_id":0,"model_name":"","model_sku":"",
             "model_quantity_purchased":1,"model_discounted_price":15.5,"order_item_id":20}]}]}}"""));
    assertEquals(1, orders.size());
    OrderDetails o = orders.get(0);
    assertEquals(Channel.SHOPEE, o.channel());
    assertEquals("77", o.shopId());
    assertEquals("SN1", o.orderId());
    assertEquals(MarketStatus.PAID, o.marketStatus());
    assertEquals("6012345", o.buyerPhone());
    assertEquals("1 Jalan", o.shippingAddress());
    assertEquals("MYR", o.currency());
    assertEquals(0, new BigDecimal("45.5").compareTo(o.totalAmount()));
    assertEquals(Instant.ofEpochSecond(1700000000), o.createdAt());
    assertEquals(List.of(
        new OrderDetails.Line("SHIRT-RED-L", 2, new BigDecimal("15.0"), "Shirt / Red L", "10:101"),
        new OrderDetails.Line("MUG", 1, new BigDecimal("15.5"), "Mug", "20:0")), o.lines());
  }

  @Test
  void shopeeModelWithoutSkuLeavesSkuEmptyForMapping() {
    var o = ShopeeOrders.read("77", b("""
        {"response":{"order_list":[{"order_sn":"SN2","order_status":"UNPAID","item_list":[
          {"item_id":1,"item_sku":"ITEM","model_id":5,"model_sku":"","model_quantity_purchased":1}]}]}}""")).get(0);
    assertNull(o.lines().get(0).sellerSku(), "never fall back to the item SKU of a model line");
    assertEquals(MarketStatus.UNPAID, o.marketStatus());
  }

  @Test
  void shopeeMalformed() {
    assertThrows(MarketParseException.class, () -> ShopeeOrders.read("1", b("{\"response\":{}}")));
    assertTrue(assertThrows(MarketParseException.class, () -> ShopeeOrders.read("1",
        b("{\"response\":{\"order_list\":[{\"order_sn\":\"S\",\"order_status\":\"UNPAID\",\"item_list\":[{\"item_id\":1}]}]}}"))
    ).getMessage().contains("model_quantity_purchased"));
    assertThrows(MarketParseException.class, () -> ShopeeOrders.read("1", b("<html>")));
  }
}
