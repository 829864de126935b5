package marketplace;

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
import org.junit.jupiter.api.Test;

class ResponseParserTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shopeeOrderDetailUsesModelSkuForModelsAndItemSkuOtherwise() {
    List<OrderDetails> orders = ResponseParser.shopeeOrderDetails("77", b("""
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
    var o = ResponseParser.shopeeOrderDetails("77", b("""
        {"response":{"order_list":[{"order_sn":"SN2","order_status":"UNPAID","item_list":[
          {"item_id":1,"item_sku":"ITEM","model_id":5,"model_sku":"","model_quantity_purchased":1}]}]}}""")).get(0);
    assertNull(o.lines().get(0).sellerSku(), "never fall back to the item SKU of a model line");
    assertEquals(MarketStatus.UNPAID, o.marketStatus());
  }

  @Test
  void shopeeMalformed() {
    assertThrows(MarketParseException.class, () -> ResponseParser.shopeeOrderDetails("1", b("{\"response\":{}}")));
    assertTrue(assertThrows(MarketParseException.class, () -> ResponseParser.shopeeOrderDetails("1",
        b("{\"response\":{\"order_list\":[{\"order_sn\":\"S\",\"order_status\":\"UNPAID\",\"item_list\":[{\"item_id\":1}]}]}}"))
    ).getMessage().contains("model_quantity_purchased"));
    assertThrows(MarketParseException.class, () -> ResponseParser.shopeeOrderDetails("1", b("<html>")));
  }

  @Test
  void tiktokGroupsOneLineItemPerUnitBySellerSku() {
    List<OrderDetails> orders = ResponseParser.tiktokOrders("shop-9", b("""
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
    var o = ResponseParser.tiktokOrders("s", b("""
        {"code":0,"data":{"orders":[{"id":"1","status":"UNPAID","line_items":[{"sku_id":"S","seller_sku":"X"}],
          "recipient_address":{"phone_number":"(+1)213*****00"}}]}}""")).get(0);
    assertNull(o.buyerPhone());
    assertNull(o.shippingAddress());
    assertEquals(MarketStatus.UNPAID, o.marketStatus());
    assertEquals(1, o.lines().get(0).quantity());
  }

  @Test
  void tiktokMalformed() {
    assertTrue(assertThrows(MarketParseException.class, () -> ResponseParser.tiktokOrders("s",
        b("{\"data\":{\"orders\":[{\"id\":\"1\",\"line_items\":[]}]}}"))).getMessage().contains("status"));
    assertTrue(assertThrows(MarketParseException.class, () -> ResponseParser.tiktokOrders("s",
        b("{\"data\":{\"orders\":[{\"id\":\"1\",\"status\":\"UNPAID\",\"line_items\":[{\"seller_sku\":\"X\"}]}]}}")))
        .getMessage().contains("sku_id"));
  }
}
