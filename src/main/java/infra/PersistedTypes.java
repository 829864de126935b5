package infra;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The persisted classes that moved, and where they are now. Akka's Jackson serializer writes each event's and
 * snapshot's full class name as its manifest, so a journal written before a move names classes that no longer exist.
 * {@link PersistedTypesSerializer} reads an old name as the class that took its place; the bytes are read exactly
 * as before (Akka's JacksonMigration would re-read them through a JSON tree, which changed BigDecimal amounts such
 * as 30000 into 30000.0: the replay test saw it). New writes carry the new names.
 *
 * <p>Moving a persisted class (an event, or the SKU snapshot) means adding its old name here; the replay test
 * ({@code replay.ReplayFixtureTest}, a journal written by the code of 2026-11-27) and {@code PersistedTypesTest}
 * fail otherwise. Commands that cross nodes are not listed: a move is deployed as a full restart, not a rolling one.
 */
public final class PersistedTypes {
  /** Old full class name (as in existing journals) -> the class that reads it now. */
  public static final Map<String, String> MOVED = moved();

  private PersistedTypes() {}

  /** The manifest to read a stored entry with: its class renamed when it moved, a version suffix kept. */
  public static String current(String manifest) {
    int hash = manifest.indexOf('#');
    String className = hash < 0 ? manifest : manifest.substring(0, hash);
    String now = MOVED.get(className);
    return now == null ? manifest : hash < 0 ? now : now + manifest.substring(hash);
  }
  private static Map<String, String> moved() {
    Map<String, String> m = new LinkedHashMap<>();
    // the SKU entity's events and its snapshot (package actors until 2026-12)
    for (String event : new String[] {"ReservationsApplied", "StockSet", "StockAdjusted", "SafetyStockSet",
        "ListingPut", "ListingRemoved", "PushRulesSet"}) {
      m.put("actors.SkuEntity$" + event, "sku.SkuEvents$" + event);
    }
    // the one-change-per-event events written before reservations were batched (read, never written)
    for (String event : new String[] {"StockReserved", "ReservationReleased", "ReservationCommitted",
        "ReservationHoldCleared", "StockReturned", "ReservationExpired"}) {
      m.put("actors.SkuEntity$" + event, "sku.SkuEvents$" + event);
    }
    m.put("actors.SkuEntity$State", "sku.SkuState$State");
    // the order entity's events (never snapshotted)
    for (String event : new String[] {"Notified", "StatusRecorded", "DetailsReceived", "LineMapped", "SkuReserved",
        "TrackingRecorded", "SkuUnknown", "OrderConfirmed", "OutOfStockDeclared", "SkuReleased",
        "CompensationFinished", "MarketplaceCancelled", "SkuHoldCleared", "ShipRequested", "SkuCommitted",
        "OrderShipped", "OrderDelivered", "OrderCompleted", "CancelRequested", "OrderCancelled", "ReturnRequested",
        "RestockRequested", "SkuRestocked", "BuyerNotificationDue", "BuyerNotified", "BuyerNotificationFailed"}) {
      m.put("actors.OrderEntity$" + event, "order.OrderEvents$" + event);
    }
    return Map.copyOf(m);
  }
}
