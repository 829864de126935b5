package sku;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import common.CborSerializable;
import common.Channel;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A SKU's stock shares: per listing (channel and shop), its <em>exposure</em>, an upper bound on the units that
 * listing may still sell that this SKU has not heard of (what the marketplace shows plus its sales whose webhooks
 * are still on their way). The share stock sync keeps the sum of the exposures within available, so the marketplaces
 * together can never accept more than there is (docs/ARCHITECTURE.md, invariant "shares"):
 *
 * <ul>
 *   <li>a push of {@code P} to a listing adds {@code P} to its exposure before it is sent ({@link #granted}): after
 *       it lands the marketplace can sell at most {@code P} more, whatever it held before;</li>
 *   <li>a known sale through the listing takes its units off the exposure ({@link SkuState#applyChange}); a
 *       released one (the marketplace cancelled it and put the units back on its shelf) adds them again;</li>
 *   <li>exposure is given up only when it is known to be slack ({@link #released}): a listing shown 0 long enough
 *       for every sale before that to have arrived, or a WhatsApp share (its sales reach the SKU at once).</li>
 * </ul>
 * Listings without an entry are outside the share book (the absolute strategy never makes one). Mutable like the
 * state that holds it; the state copies it for snapshots.
 */
public final class Shares implements CborSerializable {
  /** {@link #exposure(String)} of a listing outside the book. */
  public static final int NONE = Integer.MIN_VALUE;

  @JsonProperty private TreeMap<String, Integer> exposure = new TreeMap<>();
  /** The SKU event sequence number of each listing's last grant: a release names it, so a later grant wins. */
  @JsonProperty private TreeMap<String, Long> grantSeq = new TreeMap<>();
  /** Units sold through each listing in the book (net of releases), since it joined: what rates are read from. */
  @JsonProperty private TreeMap<String, Long> sold = new TreeMap<>();
  @JsonIgnore private int total;
  @JsonIgnore private boolean totalKnown;

  /** The listing key ({@link Listing#key}) an order key ({@code channel|shop|orderId}) was sold through. */
  public static String listingOf(String orderKey) {
    int first = orderKey.indexOf('|');
    int second = first < 0 ? -1 : orderKey.indexOf('|', first + 1);
    if (second < 0) return orderKey;
    return orderKey.substring(0, first) + ":" + orderKey.substring(first + 1, second);
  }

  /**
   * The listing in this book an order's listing key stands for: itself, or for a WhatsApp order (keyed by the
   * business number that took it) the SKU's WhatsApp catalogue listing (keyed by the catalogue).
   */
  public String resolve(String listingKey) {
    if (exposure.containsKey(listingKey) || marketplaceSells(listingKey)) return listingKey;
    int colon = listingKey.indexOf(':');
    String channel = colon < 0 ? listingKey : listingKey.substring(0, colon + 1);
    for (String key : exposure.keySet()) if (key.startsWith(channel)) return key;
    return listingKey;
  }

  /** True for a listing key of a marketplace whose own checkout deducts stock (Shopee, TikTok). */
  public static boolean marketplaceSells(String listingKey) {
    int colon = listingKey.indexOf(':');
    if (colon < 0) return false;
    try {
      return Channel.fromKey(listingKey.substring(0, colon)).hasMarketplaceApi();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The listing's exposure, or {@link #NONE} when it is outside the share book. Below 0 while a sale of units that a
   * buyer's cancellation put back on the marketplace's shelf has reached the SKU before the cancellation did (the
   * SKU counts those units twice until it does): kept exact, not floored, so the release brings it back.
   */
  public int exposure(String listingKey) {
    Integer e = exposure.get(listingKey);
    return e == null ? NONE : e;
  }

  void exposure(String listingKey, int value) {
    Integer old = exposure.put(listingKey, value);
    if (totalKnown) total += value - (old == null ? 0 : old);
  }

  public int total() {
    if (!totalKnown) {
      total = exposure.values().stream().mapToInt(Integer::intValue).sum();
      totalKnown = true;
    }
    return total;
  }

  void addSold(String listingKey, int quantity) {
    if (exposure.containsKey(listingKey)) sold.merge(listingKey, (long) quantity, Long::sum);
  }

  public Map<String, Long> sold() {
    return Collections.unmodifiableMap(sold == null ? new TreeMap<>() : sold);
  }

  public long grantSeq(String listingKey) {
    return grantSeq.getOrDefault(listingKey, 0L);
  }

  public Map<String, Integer> exposures() {
    return Collections.unmodifiableMap(exposure);
  }

  /** Pushes of these values are about to go out (event sequence number {@code seq}). */
  void granted(Map<String, Integer> pushes, long seq) {
    pushes.forEach((key, value) -> {
      int e = exposure(key);
      exposure(key, (e == NONE ? 0 : e) + Math.max(0, value));
      grantSeq.put(key, seq);
    });
  }

  /** These units of these listings' exposure are known to be slack. */
  void released(Map<String, Integer> units) {
    units.forEach((key, value) -> {
      int e = exposure(key);
      if (e != NONE) exposure(key, e - value);
    });
  }

  Shares copy() {
    Shares c = new Shares();
    c.exposure = new TreeMap<>(exposure);
    c.grantSeq = new TreeMap<>(grantSeq);
    c.sold = new TreeMap<>(sold());
    return c;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shares s && exposure.equals(s.exposure) && grantSeq.equals(s.grantSeq);
  }

  @Override
  public int hashCode() {
    return exposure.hashCode();
  }
}
