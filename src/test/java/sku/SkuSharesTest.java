package sku;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.pattern.StatusReply;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import sku.SkuEntity.*;
import sku.SkuEvents.Event;
import sku.SkuState.State;

/** The SKU's share book: grants within the free units, sales and releases, WhatsApp orders within their share. */
class SkuSharesTest {
  static final akka.actor.testkit.typed.javadsl.ActorTestKit kit =
      akka.actor.testkit.typed.javadsl.ActorTestKit.create(SkuEntityTest.CONFIG);

  @org.junit.jupiter.api.AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private final EventSourcedBehaviorTestKit<Command, Event, State> entity = EventSourcedBehaviorTestKit.create(
      kit.system(), SkuEntity.persistent("SHARES-" + UUID.randomUUID(), SkuEntityTest.SETTINGS, null));

  private void setUp(int onHand) {
    entity.<StatusReply<StockResult>>runCommand(r -> new SetStock(onHand, false, "t", r));
    for (Listing l : new Listing[] {Listing.shopee("1", "100", "0"), Listing.whatsapp("cat")}) {
      entity.<StatusReply<Summary>>runCommand(r -> new PutListing(l, "t", r));
    }
  }

  private ShareGrant grant(Map<String, Integer> pushes) {
    return entity.<StatusReply<ShareGrant>>runCommand(r -> new GrantShares(pushes, r)).reply().getValue();
  }

  private ReservationReply reserve(String key, int quantity) {
    return entity.<ReservationReply>runCommand(r -> new Reserve(key, quantity, null, r)).reply();
  }

  @Test
  void aGrantBeyondTheFreeUnitsIsCutAndAZeroAlwaysFits() {
    setUp(10);
    Map<String, Integer> asked = new LinkedHashMap<>();
    asked.put("shopee:1", 8);
    asked.put("whatsapp:cat", 5);
    ShareGrant g = grant(asked);
    assertEquals(Map.of("shopee:1", 8, "whatsapp:cat", 2), g.changed(), "only 2 were left for WhatsApp");
    assertEquals(Map.of("shopee:1", 0), grant(Map.of("shopee:1", 0)).changed());
    assertEquals(Map.of(), grant(Map.of("shopee:1", 3)).changed(), "nothing free: a raise is left out");
  }

  @Test
  void aWhatsAppOrderTakesItsShareThenUnsharedUnitsNeverAMarketplacesShare() {
    setUp(10);
    grant(Map.of("shopee:1", 6, "whatsapp:cat", 3));
    // WhatsApp orders are keyed by the business number that took them; the listing by the catalogue
    assertInstanceOf(ReserveAccepted.class, reserve("whatsapp|5550001|a", 3), "its share");
    assertInstanceOf(ReserveAccepted.class, reserve("whatsapp|5550001|b", 1), "the one unshared unit");
    ReservationRefused refused = assertInstanceOf(ReservationRefused.class, reserve("whatsapp|5550001|c", 1));
    assertEquals(RefusalReason.INSUFFICIENT_STOCK, refused.reason(), "the rest is Shopee's");
    assertInstanceOf(ReserveAccepted.class, reserve("shopee|1|s1", 2), "a marketplace order always lands");
    Stock stock = entity.<StatusReply<Stock>>runCommand(GetStock::new).reply().getValue();
    assertEquals(4, stock.exposure().get("shopee:1"));
    assertEquals(0, stock.exposure().get("whatsapp:cat"));
    assertEquals(4, stock.available());
    entity.<ReservationReply>runCommand(r -> new Release("shopee|1|s1", r));
    assertEquals(6, entity.<StatusReply<Stock>>runCommand(GetStock::new).reply().getValue().exposure().get("shopee:1"),
        "a released marketplace order is back on its shelf: exposure again");
  }
}
