package readside.stocklevels;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import sku.Listing;
import sku.PushRules;
import sku.SkuEvents.Change;
import sku.SkuEvents.Event;
import sku.SkuEvents.LegacyChangeEvent;
import sku.SkuEvents.ListingPut;
import sku.SkuEvents.ListingRemoved;
import sku.SkuEvents.PushRulesSet;
import sku.SkuEvents.ReservationsApplied;
import sku.SkuEvents.SafetyStockSet;
import sku.SkuEvents.StockAdjusted;
import sku.SkuEvents.StockSet;
import sku.SkuState;

/**
 * A SKU's stock numbers without its reservations: what read sides keep (the stock levels table). Follows the same
 * events as {@link SkuState.State}: admin events carry absolute values, reservation changes carry the quantity they
 * moved (the quantity held when they were decided, which is what {@code SkuState.applyChange} finds in the book).
 */
public record StockLevels(boolean exists, int onHand, int reserved, int safetyStock, List<Listing> listings,
                          PushRules pushRules) {
  public static StockLevels empty() {
    return new StockLevels(false, 0, 0, 0, List.of(), PushRules.NONE);
  }

  public StockLevels {
    listings = listings == null ? List.of() : List.copyOf(listings);
    pushRules = pushRules == null ? PushRules.NONE : pushRules;
  }

  public int available() {
    return SkuState.available(onHand, reserved, safetyStock);
  }

  /** What each listing shows (listing key to quantity), as the entity's summary says. */
  public Map<String, Integer> shown() {
    return PushRules.shownQuantities(available(), listings, pushRules);
  }

  public StockLevels after(Event event) {
    if (event instanceof StockSet e) return new StockLevels(true, e.onHand(), reserved, safetyStock, listings, pushRules);
    if (event instanceof StockAdjusted e) {
      return new StockLevels(true, e.onHandAfter(), reserved, safetyStock, listings, pushRules);
    }
    if (event instanceof SafetyStockSet e) return new StockLevels(exists, onHand, reserved, e.safetyStock(), listings, pushRules);
    if (event instanceof ListingPut e) {
      TreeMap<String, Listing> byKey = byKey();
      byKey.put(e.listing().key(), e.listing());
      return new StockLevels(true, onHand, reserved, safetyStock, List.copyOf(byKey.values()), pushRules);
    }
    if (event instanceof ListingRemoved e) {
      TreeMap<String, Listing> byKey = byKey();
      byKey.remove(Listing.key(e.channel(), e.shopId()));
      return new StockLevels(exists, onHand, reserved, safetyStock, List.copyOf(byKey.values()), pushRules);
    }
    if (event instanceof PushRulesSet e) return new StockLevels(exists, onHand, reserved, safetyStock, listings, e.rules());
    int[] counts = {onHand, reserved};
    if (event instanceof ReservationsApplied e) e.changes().forEach(c -> count(counts, c));
    else if (event instanceof LegacyChangeEvent e) count(counts, e.change());
    return new StockLevels(exists, counts[0], counts[1], safetyStock, listings, pushRules);
  }

  private TreeMap<String, Listing> byKey() {
    TreeMap<String, Listing> byKey = new TreeMap<>();
    listings.forEach(l -> byKey.put(l.key(), l));
    return byKey;
  }

  private static void count(int[] onHandAndReserved, Change change) {
    if (change instanceof Change.Reserved c) {
      onHandAndReserved[1] += c.quantity();
    } else if (change instanceof Change.Released c) {
      onHandAndReserved[1] -= c.quantity();
    } else if (change instanceof Change.Expired c) {
      onHandAndReserved[1] -= c.quantity();
    } else if (change instanceof Change.Committed c) {
      onHandAndReserved[0] -= c.quantity();
      onHandAndReserved[1] -= c.quantity();
    } else if (change instanceof Change.Returned c) {
      onHandAndReserved[0] += c.quantity();
    }
  }
}
