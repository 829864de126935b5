package marketplace.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import marketplace.MarketParseException;
import marketplace.WebhookEvent;
import org.junit.jupiter.api.Test;

class WebhookParserTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shopeeOrderStatusPush() {
    var e = (WebhookEvent.ShopeeOrderStatus) WebhookParser.shopee(b("""
        {"data":{"ordersn":"2208ABC","status":"READY_TO_SHIP","completed_scenario":"","update_time":1660123120,"items":[]},
         "shop_id":77,"code":3,"timestamp":1660123127,"msg_id":"m-1"}"""));
    assertEquals("77", e.shopId());
    assertEquals("2208ABC", e.orderSn());
    assertEquals("READY_TO_SHIP", e.status());
    assertEquals(MarketStatus.PAID, e.marketStatus());
    assertEquals(Instant.ofEpochSecond(1660123120), e.updatedAt());
    assertEquals("shopee:m-1", e.dedupKey());
    assertEquals(Channel.SHOPEE, e.channel());
  }

  @Test
  void shopeePushWithoutMsgIdDedupsOnOrderStatusAndTime() {
    var a = WebhookParser.shopee(b("{\"data\":{\"ordersn\":\"S1\",\"status\":\"UNPAID\",\"update_time\":5},\"shop_id\":7,\"code\":3}"));
    var again = WebhookParser.shopee(b("{\"shop_id\":7,\"code\":3,\"data\":{\"update_time\":5,\"status\":\"UNPAID\",\"ordersn\":\"S1\"}}"));
    var later = WebhookParser.shopee(b("{\"data\":{\"ordersn\":\"S1\",\"status\":\"READY_TO_SHIP\",\"update_time\":6},\"shop_id\":7,\"code\":3}"));
    assertEquals(a.dedupKey(), again.dedupKey());
    assertFalse(a.dedupKey().equals(later.dedupKey()));
  }

  @Test
  void shopeeVerificationTrackingAndIgnoredCodes() {
    var v = assertInstanceOf(WebhookEvent.ShopeeVerification.class,
        WebhookParser.shopee(b("{\"code\":0,\"data\":{\"verify_info\":\"hello\"}}")));
    assertEquals("hello", v.verifyInfo());
    var t = assertInstanceOf(WebhookEvent.ShopeeTracking.class, WebhookParser.shopee(
        b("{\"code\":4,\"shop_id\":7,\"data\":{\"ordersn\":\"S1\",\"tracking_no\":\"TN9\"}}")));
    assertEquals("TN9", t.trackingNumber());
    var ignored = assertInstanceOf(WebhookEvent.Ignored.class,
        WebhookParser.shopee(b("{\"code\":5,\"shop_id\":7,\"data\":{},\"msg_id\":\"x\"}")));
    assertEquals("code 5", ignored.kind());
    assertEquals("shopee:x", ignored.dedupKey());
  }

  @Test
  void shopeeMalformedInput() {
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.shopee(b("{not json")))
        .getMessage().contains("malformed JSON"));
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.shopee(b("")))
        .getMessage().contains("empty"));
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.shopee(b("{\"shop_id\":1}")))
        .getMessage().contains("'code'"));
    assertTrue(assertThrows(MarketParseException.class,
        () -> WebhookParser.shopee(b("{\"code\":3,\"shop_id\":1,\"data\":{\"status\":\"UNPAID\"}}")))
        .getMessage().contains("'ordersn'"));
    assertTrue(assertThrows(MarketParseException.class,
        () -> WebhookParser.shopee(b("{\"code\":3,\"data\":{\"ordersn\":\"S\",\"status\":\"UNPAID\"}}")))
        .getMessage().contains("'shop_id'"));
    assertThrows(MarketParseException.class, () -> WebhookParser.shopee(b("[1,2]")));
  }

  @Test
  void shopeeLostPushDataIsTheWholeEnvelopeAsAJsonString() throws Exception {
    // MARKETPLACES.md "Lost pushes": data holds the whole push envelope, with its own nested data.
    var envelope = "{\"data\":{\"ordersn\":\"L1\",\"status\":\"CANCELLED\",\"update_time\":8},"
        + "\"shop_id\":7,\"code\":3,\"timestamp\":9}";
    var message = new ObjectMapper().createObjectNode().put("shop_id", 7).put("code", 3).put("timestamp", 9)
        .put("data", envelope);
    var e = assertInstanceOf(WebhookEvent.ShopeeOrderStatus.class, WebhookParser.shopeeLostPush(message));
    assertEquals("L1", e.orderSn());
    assertEquals(MarketStatus.CANCELLED, e.marketStatus());
  }

  @Test
  void tiktokOrderStatusAndCancellation() {
    var s = assertInstanceOf(WebhookEvent.TikTokOrderStatus.class, WebhookParser.tiktok(b("""
        {"type":1,"tts_notification_id":"n-1","shop_id":"shop-9","timestamp":1700000000,
         "data":{"order_id":"576","order_status":"CANCEL","is_on_hold_order":false,"update_time":1699999999}}""")));
    assertEquals("576", s.orderId());
    assertEquals(MarketStatus.CANCELLED, s.marketStatus());
    assertEquals("tiktok:n-1", s.dedupKey());
    assertEquals(Instant.ofEpochSecond(1699999999), s.updatedAt());
    var c = assertInstanceOf(WebhookEvent.TikTokCancellation.class, WebhookParser.tiktok(b("""
        {"type":11,"tts_notification_id":"n-2","shop_id":"shop-9","timestamp":1700000000,
         "data":{"order_id":"576","cancel_status":"CANCELLATION_REQUEST_PENDING","cancellations_role":"BUYER","cancel_id":"c1"}}""")));
    assertEquals("BUYER", c.cancellationsRole());
    assertEquals("CANCELLATION_REQUEST_PENDING", c.cancelStatus());
    var ignored = assertInstanceOf(WebhookEvent.Ignored.class,
        WebhookParser.tiktok(b("{\"type\":5,\"tts_notification_id\":\"n-3\",\"shop_id\":\"s\",\"data\":{}}")));
    assertEquals("tiktok:n-3", ignored.dedupKey());
  }

  @Test
  void tiktokMalformedInput() {
    assertThrows(MarketParseException.class, () -> WebhookParser.tiktok(b("{\"type\":1,")));
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.tiktok(
        b("{\"type\":1,\"shop_id\":\"s\",\"data\":{\"order_id\":\"1\",\"order_status\":\"UNPAID\"}}")))
        .getMessage().contains("tts_notification_id"));
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.tiktok(
        b("{\"type\":1,\"tts_notification_id\":\"n\",\"shop_id\":\"s\",\"data\":{\"order_id\":\"1\"}}")))
        .getMessage().contains("order_status"));
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.tiktok(b("{\"type\":\"one\"}")))
        .getMessage().contains("integer"));
  }

  static final String WA_BATCH = """
      {"object":"whatsapp_business_account","entry":[
        {"id":"WABA","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
          "metadata":{"display_phone_number":"15550001111","phone_number_id":"PN1"},
          "contacts":[{"profile":{"name":"Ana"},"wa_id":"6281234"}],
          "messages":[
            {"from":"6281234","id":"wamid.ORDER1","timestamp":"1700000000","type":"order",
             "order":{"catalog_id":"CAT","text":"fast please","product_items":[
               {"product_retailer_id":"SKU-RED","quantity":2,"item_price":12.50,"currency":"IDR"},
               {"product_retailer_id":"SKU-BLUE","quantity":"1","item_price":"3.25","currency":"IDR"}]}},
            {"from":"6281234","id":"wamid.TEXT1","timestamp":"1700000001","type":"text","text":{"body":"hi"}}]}}]},
        {"id":"WABA","changes":[{"field":"messages","value":{"messaging_product":"whatsapp",
          "metadata":{"display_phone_number":"15550001111","phone_number_id":"PN1"},
          "statuses":[{"id":"wamid.OUT1","status":"failed","timestamp":"1700000002","recipient_id":"6281234",
                       "errors":[{"code":131026,"title":"Message undeliverable"}]},
                      {"id":"wamid.OUT2","status":"read","timestamp":"1700000003","recipient_id":"6281234"}]}}]}]}""";

  @Test
  void whatsAppBatchOfOrderTextAndStatuses() {
    List<WebhookEvent> events = WebhookParser.whatsApp(b(WA_BATCH));
    assertEquals(4, events.size());
    var order = assertInstanceOf(WebhookEvent.WhatsAppOrder.class, events.get(0));
    assertEquals("wamid.ORDER1", order.messageId());
    assertEquals("6281234", order.buyerPhone());
    assertEquals("Ana", order.buyerName());
    assertEquals("PN1", order.phoneNumberId());
    assertEquals("IDR", order.currency());
    assertEquals(List.of(
        new OrderDetails.Line("SKU-RED", 2, new BigDecimal("12.50"), null, "CAT/SKU-RED"),
        new OrderDetails.Line("SKU-BLUE", 1, new BigDecimal("3.25"), null, "CAT/SKU-BLUE")), order.lines());
    OrderDetails details = order.toOrderDetails();
    assertEquals(0, new BigDecimal("28.25").compareTo(details.totalAmount()));
    assertEquals(MarketStatus.UNPAID, details.marketStatus());
    assertEquals(Channel.WHATSAPP, details.channel());
    assertFalse(order.toString().contains("6281234"), "toString must not leak the buyer's phone");

    var text = assertInstanceOf(WebhookEvent.WhatsAppText.class, events.get(1));
    assertEquals("hi", text.body());
    var failed = assertInstanceOf(WebhookEvent.WhatsAppDelivery.class, events.get(2));
    assertEquals("failed", failed.status());
    assertEquals(131026, failed.errors().get(0).code());
    var read = assertInstanceOf(WebhookEvent.WhatsAppDelivery.class, events.get(3));
    assertEquals("whatsapp:wamid.OUT2:read", read.dedupKey());
    assertEquals(Instant.ofEpochSecond(1700000003), read.at());
  }

  @Test
  void whatsAppUnknownMessageTypeIsIgnored() {
    var events = WebhookParser.whatsApp(b("""
        {"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{
          "metadata":{"phone_number_id":"PN1"},"messages":[{"from":"1","id":"wamid.I","timestamp":"1","type":"image"}]}}]}]}"""));
    assertEquals(1, events.size());
    assertInstanceOf(WebhookEvent.Ignored.class, events.get(0));
  }

  @Test
  void whatsAppMalformedInput() {
    assertThrows(MarketParseException.class, () -> WebhookParser.whatsApp(b("nope")));
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.whatsApp(b("{\"object\":\"page\",\"entry\":[]}")))
        .getMessage().contains("whatsapp_business_account"));
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.whatsApp(b("{\"object\":\"whatsapp_business_account\"}")))
        .getMessage().contains("'entry'"));
    String noSku = WA_BATCH.replace("\"product_retailer_id\":\"SKU-RED\",", "");
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.whatsApp(b(noSku)))
        .getMessage().contains("product_retailer_id"));
    String zeroQty = WA_BATCH.replace("\"quantity\":2", "\"quantity\":0");
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.whatsApp(b(zeroQty)))
        .getMessage().contains("quantity"));
    String badPrice = WA_BATCH.replace("12.50", "\"twelve\"");
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.whatsApp(b(badPrice)))
        .getMessage().contains("item_price"));
    String noId = WA_BATCH.replace("\"id\":\"wamid.TEXT1\",", "");
    assertTrue(assertThrows(MarketParseException.class, () -> WebhookParser.whatsApp(b(noId)))
        .getMessage().contains("'id'"));
  }

  @Test
  void nullFieldsAreAbsent() {
    var v = (WebhookEvent.ShopeeVerification) WebhookParser.shopee(b("{\"code\":0,\"data\":{}}"));
    assertNull(v.verifyInfo());
  }
}
