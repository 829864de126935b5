package sku;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import common.CborSerializable;
import common.Channel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import sku.SkuEntity.HistoryEntry;

/**
 * What a SKU's journal holds. Each event's full class name is its manifest in the journal and its fields are the
 * stored JSON: a rename or move needs its old name in {@code infra.PersistedTypes}, and field names never change.
 */
public final class SkuEvents {
  private SkuEvents() {}

  public sealed interface Event extends CborSerializable {
    Instant at();

    /** A sentence for the history page. */
    String describe();

    /** The operator who caused it (null for order-driven events). */
    default String actor() {
      return null;
    }

    /** Its lines on the history page, newest first (one per change for a batch event). */
    default List<HistoryEntry> historyEntries(long seq) {
      return List.of(new HistoryEntry(seq, at(), getClass().getSimpleName(), describe(), actor()));
    }
  }

  /**
   * All reservation changes decided from one batch of commands (or one round of hold expiry), in order: ONE journal
   * row and one tag row per batch whatever its size. akka-persistence-jdbc writes each tagged event with its own
   * INSERT ... RETURNING, so one event per change made a batch of N cost N+1 round trips (see BENCHMARKS.md).
   */
  public record ReservationsApplied(List<Change> changes, Instant at) implements Event {
    public ReservationsApplied {
      changes = List.copyOf(changes);
    }

    public String describe() {
      return changes.size() + " reservation change(s)";
    }

    @Override
    public List<HistoryEntry> historyEntries(long seq) {
      List<HistoryEntry> entries = new ArrayList<>(changes.size());
      for (int i = changes.size() - 1; i >= 0; i--) {
        Change c = changes.get(i);
        entries.add(new HistoryEntry(seq, at, c.historyType(), c.describe(), c.actor()));
      }
      return entries;
    }
  }

  /**
   * One change to the reservations, an element of {@link ReservationsApplied}. Kept small (no timestamp, short
   * type names, no null fields): a batch carries hundreds of them.
   */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
      @JsonSubTypes.Type(value = Change.Reserved.class, name = "rs"),
      @JsonSubTypes.Type(value = Change.Released.class, name = "rl"),
      @JsonSubTypes.Type(value = Change.Committed.class, name = "cm"),
      @JsonSubTypes.Type(value = Change.HoldCleared.class, name = "hc"),
      @JsonSubTypes.Type(value = Change.Expired.class, name = "ex"),
      @JsonSubTypes.Type(value = Change.Returned.class, name = "rt")
  })
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public sealed interface Change extends CborSerializable {
    String orderKey();

    /** A sentence for the history page. */
    String describe();

    /** The type shown on the history page (the names of the one-event-per-change era, kept for readers). */
    String historyType();

    default String actor() {
      return null;
    }

    record Reserved(String orderKey, int quantity, Instant holdUntil /* nullable */) implements Change {
      public String describe() {
        return "Reserved " + quantity + " for order " + orderKey + (holdUntil == null ? "" : " (hold until " + holdUntil + ")");
      }

      public String historyType() {
        return "StockReserved";
      }
    }

    record Released(String orderKey, int quantity) implements Change {
      public String describe() {
        // Nothing held: the order was refused here or never reached this SKU; recorded so no late reserve can land.
        return quantity == 0 ? "Order " + orderKey + " ended with nothing held here (a late reservation is refused)"
            : "Released " + quantity + " of order " + orderKey;
      }

      public String historyType() {
        return "ReservationReleased";
      }
    }

    record Committed(String orderKey, int quantity) implements Change {
      public String describe() {
        return "Committed " + quantity + " for order " + orderKey + " (shipped)";
      }

      public String historyType() {
        return "ReservationCommitted";
      }
    }

    record HoldCleared(String orderKey) implements Change {
      public String describe() {
        return "Hold of order " + orderKey + " cleared (paid)";
      }

      public String historyType() {
        return "ReservationHoldCleared";
      }
    }

    record Expired(String orderKey, int quantity, Instant holdUntil) implements Change {
      public String describe() {
        return "Hold of order " + orderKey + " expired at " + holdUntil + ": " + quantity + " released";
      }

      public String historyType() {
        return "ReservationExpired";
      }
    }

    record Returned(String orderKey, int quantity, String actor) implements Change {
      public String describe() {
        return actor + " put " + quantity + " back on hand (order " + orderKey + " returned)";
      }

      public String historyType() {
        return "StockReturned";
      }
    }
  }

  /** Reservation events of the one-event-per-change era: never written any more, still replayed. */
  public sealed interface LegacyChangeEvent extends Event {
    Change change();

    default String describe() {
      return change().describe();
    }
  }

  public record StockReserved(String orderKey, int quantity, Instant holdUntil, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Reserved(orderKey, quantity, holdUntil);
    }
  }

  public record ReservationReleased(String orderKey, int quantity, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Released(orderKey, quantity);
    }
  }

  public record ReservationCommitted(String orderKey, int quantity, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Committed(orderKey, quantity);
    }
  }

  public record ReservationHoldCleared(String orderKey, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.HoldCleared(orderKey);
    }
  }

  public record StockReturned(String orderKey, int quantity, String actor, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Returned(orderKey, quantity, actor);
    }
  }

  public record ReservationExpired(String orderKey, int quantity, Instant holdUntil, Instant at) implements LegacyChangeEvent {
    public Change change() {
      return new Change.Expired(orderKey, quantity, holdUntil);
    }
  }

  public record StockSet(int onHand, int previousOnHand, int shortfall, List<String> shortOrderKeys, boolean forced,
                         String actor, Instant at) implements Event {
    public String describe() {
      return actor + " set on hand from " + previousOnHand + " to " + onHand
          + (shortfall > 0 ? " (forced; " + shortfall + " short for orders " + shortOrderKeys + ")" : "");
    }
  }

  public record StockAdjusted(int delta, AdjustReason reason, int onHandAfter, int shortfall,
                              List<String> shortOrderKeys, boolean forced, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " adjusted on hand by " + (delta > 0 ? "+" : "") + delta + " (" + reason + ") to " + onHandAfter
          + (shortfall > 0 ? " (forced; " + shortfall + " short for orders " + shortOrderKeys + ")" : "");
    }
  }

  public record SafetyStockSet(int safetyStock, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " set safety stock to " + safetyStock;
    }
  }

  public record ListingPut(Listing listing, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " put listing " + listing;
    }
  }

  public record ListingRemoved(Channel channel, String shopId, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " removed listing " + Listing.key(channel, shopId);
    }
  }

  public record PushRulesSet(PushRules rules, String actor, Instant at) implements Event {
    public String describe() {
      return actor + " set push rules " + rules.channels();
    }
  }

  /**
   * Share stock sync: these listings are about to be pushed these values, each added to the listing's exposure
   * ({@link Shares}) before the push leaves.
   */
  public record SharesGranted(java.util.Map<String, Integer> pushes, Instant at) implements Event {
    public SharesGranted {
      pushes = java.util.Map.copyOf(pushes);
    }

    public String describe() {
      return "stock sync pushed shares " + new java.util.TreeMap<>(pushes);
    }
  }

  /**
   * Share stock sync: these units of these listings' exposure are known to be slack (a listing shown 0 for longer
   * than any sale takes to arrive, or a WhatsApp share given back) and are free again.
   */
  public record SharesReleased(java.util.Map<String, Integer> units, String reason, Instant at) implements Event {
    public SharesReleased {
      units = java.util.Map.copyOf(units);
    }

    public String describe() {
      return "stock sync freed shares " + new java.util.TreeMap<>(units) + " (" + reason + ")";
    }
  }

  public enum AdjustReason {
    RECEIVED, DAMAGED, RETURNED, CORRECTION;

    /** Goods received or returned add stock, damage removes it, a correction goes either way; never zero. */
    public String deltaError(int delta) {
      if (delta == 0) return "delta must not be 0";
      if ((this == RECEIVED || this == RETURNED) && delta < 0) return this + " needs a positive delta";
      if (this == DAMAGED && delta > 0) return "DAMAGED needs a negative delta";
      return null;
    }
  }
}
