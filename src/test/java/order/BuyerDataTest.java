package order;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import support.Http;
import support.MarketNode;
import support.TestDatabase;
import tools.sandbox.Sandbox;

/**
 * Buyers' personal data on a node with the PostgreSQL journal: kept in buyer_data, never in the journal of a new
 * order, erased after its (here tiny) retention with the order itself unchanged; WhatsApp messages go to WhatsApp
 * buyers only by default (Shopee's terms forbid contacting its buyers), the phone read from the store.
 */
class BuyerDataTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHOP = "1001";
  private static final String NUMBER = "5550001";
  private static MarketNode market;

  @BeforeAll
  static void start() {
    TestDatabase.reset();
    market = MarketNode.start(Map.of("orchestrator.notifications.enabled", true,
        "orchestrator.buyer-data.retention", "6s", "orchestrator.buyer-data.erase-every", "300ms",
        "orchestrator.marketplaces.http.request-timeout", "10s"));
    HttpResponse<String> r = Http.send(HttpRequest.newBuilder(URI.create(market.url("/admin/skus/SKU-BD/stock")))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":100}")).build());
    assertEquals(200, r.statusCode(), r.body());
  }

  @AfterAll
  static void stop() {
    market.close();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static void shopeeOrder(String orderSn, String name, String phone, String address) throws Exception {
    ObjectNode o = market.sandbox.addShopeeOrder(SHOP, orderSn, "READY_TO_SHIP",
        List.of(new Sandbox.ShopeeItem(310, 410, "ITEM-310", "SKU-BD", 2, new BigDecimal("1500"))));
    ((ObjectNode) o.get("recipient_address")).put("name", name).put("phone", phone).put("full_address", address);
    assertEquals(200, await(market.sandbox.sendShopeeOrderStatus(market.url("/webhooks/shopee"), SHOP, orderSn,
        "READY_TO_SHIP", Sandbox.Redelivery.ONCE)).status());
  }

  private static JsonNode awaitPhase(String path, String phase) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      HttpResponse<String> r = Http.get(market.url(path));
      if (r.statusCode() == 200) {
        last = JSON.readTree(r.body());
        if (phase.equals(last.path("phase").asText())) return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(path + " not " + phase + ": " + last);
  }

  /** The ledger's entry of the order, once the projection wrote it. */
  private static JsonNode ledgerEntry(String orderKey, String buyerDataPrefix) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    JsonNode last = null;
    while (System.currentTimeMillis() < deadline) {
      for (JsonNode e : JSON.readTree(Http.get(market.url("/admin/orders?limit=500")).body()).path("orders")) {
        if (orderKey.equals(e.path("orderKey").asText())) {
          last = e;
          if (e.path("buyerData").asText("").startsWith(buyerDataPrefix)) return e;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(orderKey + ": no ledger entry with buyerData " + buyerDataPrefix + "...: " + last);
  }

  private static List<byte[]> journalPayloads(String orderKey) throws Exception {
    List<byte[]> payloads = new ArrayList<>();
    try (Connection c = TestDatabase.connect(); PreparedStatement s = c.prepareStatement(
        "SELECT event_payload FROM event_journal WHERE persistence_id = ? ORDER BY sequence_number")) {
      s.setString(1, "Order|" + orderKey);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) payloads.add(rs.getBytes(1));
      }
    }
    return payloads;
  }

  private static void assertNotInJournal(String orderKey, String... values) throws Exception {
    List<byte[]> payloads = journalPayloads(orderKey);
    assertTrue(payloads.size() >= 3, "the order has its events: " + payloads.size());
    for (byte[] p : payloads) {
      String text = new String(p, StandardCharsets.ISO_8859_1);
      for (String v : values) assertFalse(text.contains(v), "journal of " + orderKey + " contains '" + v + "'");
    }
  }

  private static String[] storedRow(String orderKey) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement s = c.prepareStatement(
        "SELECT buyer_name, buyer_phone, shipping_address, erased_at FROM buyer_data WHERE order_key = ?")) {
      s.setString(1, orderKey);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) return null;
        return new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)};
      }
    }
  }

  private static long messagesTo(String phone) {
    return market.sandbox.whatsAppSent().stream().filter(m -> phone.equals(m.path("to").asText())).count();
  }

  @Test
  void aShopeeBuyersDataStaysOutOfTheJournalIsErasedAfterItsRetentionAndTheOrderStaysTheSame() throws Exception {
    String key = "shopee|" + SHOP + "|BD-1";
    shopeeOrder("BD-1", "Ratna Buyer", "628177700001", "Jl. Rahasia 7, Bandung");
    JsonNode before = awaitPhase("/admin/orders/shopee/" + SHOP + "/BD-1", "CONFIRMED");
    String[] row = storedRow(key);
    assertNotNull(row, "buyer data recorded");
    assertEquals("Ratna Buyer", row[0]);
    assertEquals("628177700001", row[1]);
    assertEquals("Jl. Rahasia 7, Bandung", row[2]);
    assertNotInJournal(key, "Ratna Buyer", "628177700001", "Rahasia");
    JsonNode held = ledgerEntry(key, "held until ");
    assertEquals("Ratna Buyer", held.path("buyerName").asText(), "the ledger shows what is held");
    assertEquals("Ratna Buyer", before.path("buyerName").asText(), "the order page too, from the same store");

    // Shopee buyers get no WhatsApp message by default (ToS §8.2(c)), though the phone is known
    Thread.sleep(1000);
    assertEquals(0, messagesTo("628177700001"));

    JsonNode erased = ledgerEntry(key, "erased ");
    assertTrue(erased.path("buyerName").isNull(), String.valueOf(erased));
    assertTrue(erased.path("buyerPhone").isNull(), String.valueOf(erased));
    row = storedRow(key);
    assertNull(row[0]);
    assertNull(row[1]);
    assertNull(row[2]);
    assertNotNull(row[3], "erased_at says when");
    JsonNode after = JSON.readTree(Http.get(market.url("/admin/orders/shopee/" + SHOP + "/BD-1")).body());
    for (String field : List.of("phase", "lines", "totalAmount", "currency", "marketStatus", "reserved")) {
      assertEquals(before.get(field), after.get(field), field + " unchanged by the erasure");
    }
    assertTrue(after.path("buyerName").isNull(), "erased from the order page: " + after);
    assertEquals("CONFIRMED", erased.path("status").asText());
    assertEquals(1, erased.path("lines").size(), String.valueOf(erased));
    assertEquals("SKU-BD", erased.at("/lines/0/sku").asText());
    assertEquals(2, erased.at("/lines/0/quantity").asInt());
    assertEquals(0, new BigDecimal("3000").compareTo(erased.path("totalAmount").decimalValue()));
    String csv = Http.get(market.url("/admin/orders.csv")).body();
    assertFalse(csv.contains("Ratna Buyer") || csv.contains("628177700001"), "the export holds no erased data");
    assertTrue(csv.lines().anyMatch(l -> l.startsWith(key) && l.contains(",erased ")), "the export says erased");
  }

  /**
   * Orders recorded before buyer_data existed kept the buyer in the ledger's columns, and WhatsApp buyers' texts sit
   * in inbound_messages: both are erased past the retention too, and what is younger stays.
   */
  @Test
  void copiesOlderThanTheRetentionElsewhereAreErasedToo() throws Exception {
    shopeeOrder("BD-OLD", "Old Ledger Buyer", "628555000111", "Jl. Lama 1");
    String key = "shopee|" + SHOP + "|BD-OLD";
    awaitPhase("/admin/orders/shopee/" + SHOP + "/BD-OLD", "CONFIRMED");
    long settle = System.currentTimeMillis() + 20_000;
    while (!"CONFIRMED".equals(ledgerEntry(key, "held until").path("status").asText())
        && System.currentTimeMillis() < settle) {
      Thread.sleep(100);
    }
    Thread.sleep(500); // the ledger has the order's last event: nothing rewrites the row after this
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.executeUpdate("UPDATE orders SET buyer_name = 'Old Ledger Buyer', buyer_phone = '628555000111', "
          + "created_at = now() - interval '1 day' WHERE order_key = '" + key + "'");
      s.executeUpdate("INSERT INTO inbound_messages (message_id, channel, shop_id, from_phone, from_name, body, "
          + "received_at) VALUES ('wamid.OLD', 'whatsapp', '" + NUMBER + "', '628555000222', 'Old Texter', 'hi', "
          + "now() - interval '1 day'), ('wamid.NEW', 'whatsapp', '" + NUMBER + "', '628555000333', 'New Texter', "
          + "'hello', now())");
    }
    long deadline = System.currentTimeMillis() + 10_000;
    String[] row;
    do {
      Thread.sleep(200);
      row = ledgerBuyer(key);
    } while ((row[0] != null || row[1] != null) && System.currentTimeMillis() < deadline);
    assertNull(row[0], "the old ledger copy of the name is erased");
    assertNull(row[1], "the old ledger copy of the phone is erased");
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT message_id FROM inbound_messages WHERE message_id LIKE 'wamid.%' "
             + "ORDER BY message_id")) {
      List<String> left = new ArrayList<>();
      while (rs.next()) left.add(rs.getString(1));
      assertEquals(List.of("wamid.NEW"), left, "the old text is erased, the new one stays");
    }
  }

  private static String[] ledgerBuyer(String orderKey) throws Exception {
    try (Connection c = TestDatabase.connect(); PreparedStatement s = c.prepareStatement(
        "SELECT buyer_name, buyer_phone FROM orders WHERE order_key = ?")) {
      s.setString(1, orderKey);
      try (ResultSet rs = s.executeQuery()) {
        assertTrue(rs.next(), "ledger row of " + orderKey);
        return new String[] {rs.getString(1), rs.getString(2)};
      }
    }
  }

  @Test
  void aWhatsAppBuyerGetsTheMessageFromTheStoredPhoneAndTheJournalHasNone() throws Exception {
    Sandbox.Delivery d = await(market.sandbox.sendWhatsAppOrder(market.url("/webhooks/whatsapp"), NUMBER,
        "628188800002", "Dewi Pembeli", List.of(new Sandbox.WhatsAppItem("SKU-BD", 1, new BigDecimal("1500"), "IDR")),
        Sandbox.Redelivery.ONCE));
    assertEquals(200, d.status());
    String key = "whatsapp|" + NUMBER + "|" + d.eventId();
    assertNotNull(storedRow(key), "stored before the webhook was answered");
    awaitPhase("/admin/orders/whatsapp/" + NUMBER + "/" + d.eventId(), "CONFIRMED");
    long deadline = System.currentTimeMillis() + 20_000;
    while (messagesTo("628188800002") == 0 && System.currentTimeMillis() < deadline) Thread.sleep(100);
    assertEquals(1, messagesTo("628188800002"), "the WhatsApp buyer is told, at the phone from buyer_data");
    assertNotInJournal(key, "Dewi Pembeli", "628188800002");
  }

  @Test
  void theWebhookAnswers503WhileTheBuyerDataStoreIsDown() throws Exception {
    try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE buyer_data RENAME TO buyer_data_away");
    }
    Sandbox.Delivery down;
    try {
      down = await(market.sandbox.sendWhatsAppOrder(market.url("/webhooks/whatsapp"), NUMBER, "628199900003",
          "Budi", List.of(new Sandbox.WhatsAppItem("SKU-BD", 1, new BigDecimal("1500"), "IDR")),
          Sandbox.Redelivery.ONCE));
    } finally {
      try (Connection c = TestDatabase.connect(); Statement s = c.createStatement()) {
        s.execute("ALTER TABLE buyer_data_away RENAME TO buyer_data");
      }
    }
    assertEquals(503, down.status(), "not recorded: the platform retries");
    String key = "whatsapp|" + NUMBER + "|" + down.eventId();
    assertEquals(0, journalPayloads(key).size(), "no event without its buyer data row");
  }
}
