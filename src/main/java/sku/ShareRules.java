package sku;

import java.util.LinkedHashMap;
import java.util.Map;
import sku.SkuState.State;

/**
 * What the SKU grants and frees of its stock shares ({@link Shares}) when the share stock sync asks: the check that
 * keeps every listing's exposure together within available, whatever the sync's view of the SKU was when it asked.
 * Pure, like {@link ReservationRules}.
 */
final class ShareRules {
  private ShareRules() {}

  /**
   * The pushes that may leave, in the order asked: a raise is cut to the units still free (available less every
   * exposure) and left out when none are; a 0 always may. Listings the SKU does not have are left out.
   */
  static Map<String, Integer> grantable(State state, Map<String, Integer> pushes) {
    int free = state.available() - state.exposureTotal();
    Map<String, Integer> granted = new LinkedHashMap<>();
    for (var push : pushes.entrySet()) {
      if (state.listing(push.getKey()) == null || push.getValue() == null || push.getValue() < 0) continue;
      int value = Math.min(push.getValue(), Math.max(0, free));
      if (push.getValue() > 0 && value == 0) continue;
      granted.put(push.getKey(), value);
      free -= value;
    }
    return granted;
  }

  /**
   * The units freed: a settled listing's whole exposure when its last grant is the one named (it was lowered to 0
   * then and nothing was granted since); a returned share at most the listing's exposure, and only for a listing
   * whose sales reach the SKU at once (a marketplace's exposure is freed by settling only).
   */
  static Map<String, Integer> releasable(State state, Map<String, Long> settled, Map<String, Integer> returned) {
    Map<String, Integer> units = new LinkedHashMap<>();
    settled.forEach((listing, seq) -> {
      int exposure = state.exposure(listing);
      if (exposure > 0 && seq != null && state.shares().grantSeq(listing) == seq) units.put(listing, exposure);
    });
    returned.forEach((listing, n) -> {
      int exposure = state.exposure(listing);
      if (exposure > 0 && n != null && n > 0 && !Shares.marketplaceSells(listing)) {
        units.merge(listing, Math.min(n, exposure), (a, b) -> Math.min(exposure, a + b));
      }
    });
    return units;
  }
}
