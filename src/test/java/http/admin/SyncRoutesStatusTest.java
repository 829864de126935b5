package http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import com.fasterxml.jackson.databind.JsonNode;
import http.Json;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import marketplace.stock.ListingSyncStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import sku.Listing;
import sku.SkuEntity;
import stocksync.StockSync;

/**
 * {@code GET /admin/skus/{sku}/sync} per listing: blocked, failed (with its handling) or in sync, with reason, class
 * and attempts; rows written before the error classes answer exactly as before (no new fields).
 */
class SyncRoutesStatusTest {
  private static final ActorTestKit kit = ActorTestKit.create("sync-status");
  private static final Json json = new Json(kit.system());
  private static final Instant AT = Instant.parse("2026-02-01T10:00:00Z");
  private static final Listing SHOPEE = Listing.shopee("1001", "500", "1");
  private static final Listing TIKTOK = Listing.tiktok("7001", "P-1", "S-1");
  private static final Listing SECOND = Listing.shopee("1002", "600", "0");

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  private static ListingSyncStore.Row row(Listing listing, boolean ack, String error, int attempts) {
    return new ListingSyncStore.Row(StockSync.syncKey("S", listing), "S", listing.channel().key(), listing.shopId(), 4,
        7, AT, ack, error, attempts, AT);
  }

  private static JsonNode answer(List<ListingSyncStore.Row> rows) {
    SkuEntity.Stock stock = new SkuEntity.Stock("S", true, 4, 0, 0, 4, List.of(SHOPEE, TIKTOK, SECOND),
        Map.of(SHOPEE.key(), 4, TIKTOK.key(), 4, SECOND.key(), 4), AT, 7);
    return json.mapper().valueToTree(SyncRoutes.merge(stock, rows, l -> l.channel().hasMarketplaceApi()));
  }

  private static JsonNode listing(JsonNode sync, Listing listing) {
    for (JsonNode l : sync.get("listings")) {
      if (l.get("listingKey").asText().equals(StockSync.syncKey("S", listing))) return l;
    }
    throw new AssertionError(listing + " not in " + sync);
  }

  @Test
  void blockedFailedAndAcknowledgedListingsShowTheirStateReasonClassAndAttempts() {
    JsonNode sync = answer(List.of(
        row(SHOPEE, false, "failure_list: error_cannt_edit_stock_in_promotion", 1)
            .classified("PERMANENT_LISTING", "blocked"),
        row(TIKTOK, false, "http_503: unavailable", 21).classified("RETRY", "failed"),
        row(SECOND, true, null, 1)));
    JsonNode blocked = listing(sync, SHOPEE);
    assertEquals("blocked", blocked.get("status").asText());
    assertEquals("PERMANENT_LISTING", blocked.get("failureClass").asText());
    assertEquals("blocked", blocked.get("handling").asText());
    assertTrue(blocked.get("lastError").asText().contains("promotion"));
    assertEquals(1, blocked.get("attempts").asInt());

    JsonNode failed = listing(sync, TIKTOK);
    assertEquals("failed", failed.get("status").asText(), "gave up after max-retries: still failed, surfaced");
    assertEquals("failed", failed.get("handling").asText());
    assertEquals("RETRY", failed.get("failureClass").asText());
    assertEquals(21, failed.get("attempts").asInt());

    JsonNode ok = listing(sync, SECOND);
    assertEquals("in_sync", ok.get("status").asText());
    assertFalse(ok.has("failureClass"), ok.toString());
    assertFalse(ok.has("handling"), ok.toString());
  }

  @Test
  void rowsWithoutAClassAnswerAsBefore() {
    JsonNode sync = answer(List.of(row(SHOPEE, false, "failure_list: model is locked", 3), row(TIKTOK, true, null, 1)));
    JsonNode failed = listing(sync, SHOPEE);
    assertEquals("failed", failed.get("status").asText());
    List<String> fields = new java.util.ArrayList<>();
    failed.fieldNames().forEachRemaining(fields::add);
    assertEquals(List.of("listingKey", "channel", "shopId", "expected", "expectedEventSeq", "lastValue", "lastEventSeq",
        "pushedAt", "acknowledged", "lastError", "attempts", "status"), fields, "the answer's fields are unchanged");
    assertEquals("pending", listing(sync, SECOND).get("status").asText());
    JsonNode row = json.mapper().valueToTree(row(SHOPEE, false, "x", 1));
    assertFalse(row.has("failureClass") || row.has("handling"), "GET /admin/sync/failing rows too: " + row);
  }
}
