package tools.sandbox;

import static org.junit.jupiter.api.Assertions.*;
import static tools.sandbox.StorefrontHarness.SHOPEE_SHOP;

import com.fasterxml.jackson.databind.JsonNode;
import common.Channel;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.sandbox.Storefront.Checkout;
import tools.sandbox.Storefront.Outcome;

/**
 * A Shopee flash sale reserves promotion stock (MARKETPLACES.md "Stock: promotions, flash sales and reserved stock",
 * contracts shopee-push-code7/8/9, shopee-get-model-list-response, shopee-update-stock-partial-failure-response).
 */
class ShopeeCampaignTest {
  static final long ITEM = 23456789012L;
  static final long MODEL = 98765432101L;
  static final long PROMOTION = 700123456789012L;
  static StorefrontHarness h;

  @BeforeEach
  void fresh() throws Exception {
    if (h == null) h = new StorefrontHarness();
    h.fresh();
    h.store().setWebhookDelay(Duration.ofMillis(20), 0);
    h.shopeeUpdateStock(ITEM, MODEL, 100);
  }

  @AfterAll
  static void stop() {
    if (h != null) h.close();
  }

  @Test
  void aCampaignReservesStockAndSaysSoWithCodes9Then7() throws Exception {
    assertEquals(30, h.store().startShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION, 30));
    List<JsonNode> pushes = h.awaitShopeePushes(7, 1);
    assertEquals(List.of(9, 7), h.received.stream().map(r -> r.body().path("code").asInt()).toList(),
        "added to the promotion, then its stock locked");
    JsonNode added = h.shopeePushes(9).get(0).path("data");
    assertEquals("added_in_promo", added.path("action").asText());
    assertEquals(PROMOTION, added.path("promotion_id").asLong());
    assertEquals("flash_sale", added.path("promotion_type").asText());
    assertEquals(ITEM, added.path("item_id").asLong());
    assertEquals(MODEL, added.path("variation_id").asLong());
    assertEquals(30, added.path("reserved_stock").asInt());
    assertEquals(1001, added.path("shop_id").asLong());
    assertTrue(added.has("start_time") && added.has("end_time"));
    JsonNode lock = pushes.get(0);
    assertEquals(1001, lock.path("shop_id").asLong());
    for (String field : List.of("shop_id", "item_id", "variation_id", "promotion_type", "promotion_id", "action",
        "update_time", "start_time", "end_time", "reserved_stock")) {
      assertTrue(lock.path("data").has(field), "code 7 has " + field);
    }
    assertEquals("promo_lock_stock", lock.path("data").path("action").asText());
    assertEquals(30, lock.path("data").path("reserved_stock").asInt());

    JsonNode model = h.shopeeModel(ITEM, MODEL);
    assertEquals(30, model.path("stock_info_v2").path("summary_info").path("total_reserved_stock").asInt());
    assertEquals(100, model.path("stock_info_v2").path("seller_stock").path(0).path("stock").asInt(),
        "reserved units stay part of seller_stock");
    assertTrue(model.path("has_promotion").asBoolean());
    assertEquals(PROMOTION, model.path("promotion_id").asLong());
    assertEquals(100, h.store().shopeeShown(ITEM, MODEL));
  }

  @Test
  void aCampaignReservesAtMostTheStock() {
    h.sandbox().setShopeeStock(ITEM, MODEL, 12);
    assertEquals(12, h.store().startShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION, 50));
    assertEquals(12, h.store().shopeeReserved(ITEM, MODEL));
    assertThrows(IllegalStateException.class,
        () -> h.store().startShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION + 1, 5));
  }

  @Test
  void checkoutsUseReservedUnitsFirstAndEachSendsCode8BesidesCode3() throws Exception {
    h.store().startShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION, 3);
    h.awaitShopeePushes(7, 1);
    Checkout first = h.store().shopeeCheckout(SHOPEE_SHOP, ITEM, MODEL, 2);
    Checkout second = h.store().shopeeCheckout(SHOPEE_SHOP, ITEM, MODEL, 2);
    assertEquals(0, h.store().shopeeReserved(ITEM, MODEL));
    assertEquals(96, h.store().shopeeShown(ITEM, MODEL));
    List<JsonNode> changes = h.awaitShopeePushes(8, 2);
    assertEquals(2, changes.size());
    JsonNode a = changes.stream().filter(p -> p.path("data").path("ordersn").asText().equals(first.orderId()))
        .findFirst().orElseThrow().path("data");
    assertEquals("place_order", a.path("action").asText());
    assertEquals("reserved_stock", a.path("changed_values").path(0).path("name").asText());
    assertEquals(3, a.path("changed_values").path(0).path("old").asInt());
    assertEquals(1, a.path("changed_values").path(0).path("new").asInt());
    assertEquals(PROMOTION, a.path("promotion_id").asLong());
    assertEquals(MODEL, a.path("variation_id").asLong());
    JsonNode b = changes.stream().filter(p -> p.path("data").path("ordersn").asText().equals(second.orderId()))
        .findFirst().orElseThrow().path("data");
    assertEquals(1, b.path("changed_values").path(0).path("old").asInt());
    assertEquals(0, b.path("changed_values").path(0).path("new").asInt(), "the last reserved unit, then normal stock");
    assertEquals(2, h.awaitShopeePushes(3, 2).size(), "every order still comes through code 3");
    JsonNode line = h.shopeeOrder(first.orderId()).path("item_list").path(0);
    assertEquals("flash_sale", line.path("promotion_type").asText());

    Checkout third = h.store().shopeeCheckout(SHOPEE_SHOP, ITEM, MODEL, 1);
    h.awaitShopeePushes(3, 3);
    Thread.sleep(100);
    assertEquals(2, h.shopeePushes(8).size(), "no reserved units left: no code 8 for " + third.orderId());
  }

  @Test
  void anUpdateBelowTheReservedUnitsIsRefusedAsShopeeRefusesIt() throws Exception {
    h.store().startShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION, 50);
    h.store().shopeeCheckout(SHOPEE_SHOP, ITEM, MODEL, 5);                // reserved 45
    JsonNode refused = h.shopeeUpdateStock(ITEM, MODEL, 44);
    assertEquals("error_busi_update_stock_failed", refused.path("error").asText());
    JsonNode failure = refused.path("response").path("failure_list").path(0);
    assertEquals(MODEL, failure.path("model_id").asLong());
    assertTrue(failure.path("failed_reason").asText().contains("less than reserved stock"), refused.toString());
    assertEquals(95, h.store().shopeeShown(ITEM, MODEL), "a refused update changes nothing");
    assertEquals("", h.shopeeUpdateStock(ITEM, MODEL, 45).path("error").asText(), "the floor itself is accepted");
    assertEquals(45, h.store().shopeeShown(ITEM, MODEL));
  }

  @Test
  void theEndSendsPromoEndAndTheUnsoldReservedUnitsStayInNormalStock() throws Exception {
    h.store().startShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION, 20);
    h.store().shopeeCheckout(SHOPEE_SHOP, ITEM, MODEL, 8);
    assertEquals(12, h.store().endShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION));
    assertEquals(-1, h.store().endShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION), "ended once");
    List<JsonNode> sevens = h.awaitShopeePushes(7, 2);
    JsonNode end = sevens.stream().filter(p -> p.path("data").path("action").asText().equals("promo_end"))
        .findFirst().orElseThrow().path("data");
    assertEquals(0, end.path("reserved_stock").asInt());
    assertEquals(PROMOTION, end.path("promotion_id").asLong());
    assertEquals(0, h.store().shopeeReserved(ITEM, MODEL));
    assertEquals(92, h.store().shopeeShown(ITEM, MODEL));
    JsonNode model = h.shopeeModel(ITEM, MODEL);
    assertEquals(0, model.path("stock_info_v2").path("summary_info").path("total_reserved_stock").asInt());
    assertFalse(model.path("has_promotion").asBoolean());
    assertEquals("", h.shopeeUpdateStock(ITEM, MODEL, 3).path("error").asText(), "no floor any more");
  }

  @Test
  void cancellingACampaignOrderGivesTheReservedUnitsBackWithCode8CancelOrder() throws Exception {
    h.store().startShopeeCampaign(SHOPEE_SHOP, ITEM, MODEL, PROMOTION, 10);
    Checkout c = h.store().shopeeCheckout(SHOPEE_SHOP, ITEM, MODEL, 4);
    assertEquals(6, h.store().shopeeReserved(ITEM, MODEL));
    h.shopeeCancel(c.orderId(), ITEM, MODEL);
    assertEquals(10, h.store().shopeeReserved(ITEM, MODEL));
    assertEquals(100, h.store().shopeeShown(ITEM, MODEL));
    assertEquals(1, h.store().cancelledCheckouts(Channel.SHOPEE));
    List<JsonNode> changes = h.awaitShopeePushes(8, 2);
    JsonNode back = changes.stream().filter(p -> p.path("data").path("action").asText().equals("cancel_order"))
        .findFirst().orElseThrow().path("data");
    assertEquals(6, back.path("changed_values").path(0).path("old").asInt());
    assertEquals(10, back.path("changed_values").path(0).path("new").asInt());
    assertEquals(c.orderId(), back.path("ordersn").asText());
  }

  @Test
  void theLegacyReservedStockSetterStillSetsTheFloor() throws Exception {
    h.sandbox().setShopeeReservedStock(ITEM, MODEL, 40);
    assertEquals("error_busi_update_stock_failed", h.shopeeUpdateStock(ITEM, MODEL, 39).path("error").asText());
    assertEquals(Outcome.ACCEPTED, h.store().shopeeCheckout(SHOPEE_SHOP, ITEM, MODEL, 1).outcome());
    assertEquals(39, h.store().shopeeReserved(ITEM, MODEL));
    Thread.sleep(100);
    assertTrue(h.shopeePushes(8).isEmpty(), "no promotion, no code 8");
  }
}
