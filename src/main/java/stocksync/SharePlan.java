package stocksync;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sku.Listing;

/**
 * What the share stock sync does next for one SKU, decided from its view of the SKU's listings: pure, so the rules
 * are tested (and property-tested with a simulated marketplace) without actors. Safety does not depend on these
 * choices: the SKU refuses a grant beyond its free units, and a push's value is exposure before it leaves; the plan
 * decides only how well the units sell.
 *
 * <p>In order of risk: lower listings while the exposures exceed available (a stock cut, an order beyond its share);
 * settle lowered listings whose sales must all have arrived; refill listings known to be sold out from the free
 * units, by sales rate (all to one listing for the last units); read selling listings (a read of 0 proves sold
 * out early); take units back from an idle listing for a sold-out one when nothing is free.
 */
final class SharePlan {
  private SharePlan() {}

  /** The allocator's knowledge of one listing (mutable; owned by one allocator). */
  static final class ListingView {
    final Listing listing;
    final String key;
    /** Its values reach the marketplace (a stock API, or a configured catalogue); else only its share counts. */
    final boolean pushable;
    /** Its sales reach the SKU only through webhooks, later (Shopee, TikTok); WhatsApp's at once. */
    final boolean delayedSales;
    /** In the SKU's share book (granted at least once); {@code exposure} is 0 otherwise. */
    boolean inBook;
    /** Units it may still sell that the SKU has not heard of; below 0 while a cancellation is on its way. */
    int exposure;
    long sold;
    boolean granting;
    boolean pushing;
    long pushSeq;
    int pushValue = -1;
    boolean reading;
    Instant lastReadAt;
    /** A read of 0 with no push around it, after the last push: sold out, whatever its webhooks say yet. */
    boolean readEmpty;
    /** The last push was a lowering (0 or the campaign floor) that the marketplace acknowledged, at {@code loweredAt}. */
    boolean lowered;
    Instant loweredAt;
    long loweredSeq;
    double rate;
    Instant rateAt;
    Instant lastSaleAt;
    /** When the push or read now out left. */
    Instant sentAt;
    /** Units a Shopee campaign holds on the listing: no push may go below them. */
    int campaignReserved;

    ListingView(Listing listing, boolean pushable) {
      this.listing = listing;
      this.key = listing.key();
      this.pushable = pushable;
      this.delayedSales = listing.channel().hasMarketplaceApi();
    }

    boolean busy() {
      return granting || pushing || reading;
    }

    /** Shows nothing and nothing of it is on its way: a refill costs exactly what it adds. */
    boolean soldOut() {
      return (inBook && exposure <= 0) || readEmpty;
    }

    double rate(Instant now, Duration window) {
      if (rateAt == null) return 0;
      double age = Math.max(0, Duration.between(rateAt, now).toMillis()) / (double) window.toMillis();
      return rate * Math.exp(-age);
    }

    /** Sales of {@code units} seen at {@code at}: rate in units per second, decaying over the window. */
    void sold(int units, Instant at, Duration window) {
      rate = rate(at, window) + units / (window.toMillis() / 1000.0);
      rateAt = at;
      lastSaleAt = at;
    }

    boolean idle(Instant now, Duration idleFor) {
      return lastSaleAt == null || Duration.between(lastSaleAt, now).compareTo(idleFor) >= 0;
    }

    /** The SKU's book after one of its writes: this listing's exposure and units sold through it. */
    void booked(Map<String, Integer> exposures, Map<String, Long> soldByListing, Instant at, Duration window) {
      exposure(exposures);
      long soldNow = soldByListing.getOrDefault(key, sold);
      if (soldNow > sold) sold((int) (soldNow - sold), at, window);
      sold = soldNow;
    }

    void exposure(Map<String, Integer> exposures) {
      Integer e = exposures.get(key);
      inBook = e != null;
      exposure = e == null ? 0 : e;
    }

    /** The SKU granted this value (event {@code seq}): it leaves now, if the listing takes pushes. */
    void granted(int value, long seq) {
      pushValue = value;
      pushSeq = seq;
      readEmpty = false;
      lowered = false;
      // a WhatsApp catalogue push is only what buyers see: its sales reach the SKU at once, so the listing is not
      // held up by the catalogue's slow pace (a newer value replaces a waiting one)
      pushing = pushable && delayedSales;
    }

    /** A push or read that never answered (its adapter was lost with a node): given up, so the listing moves on. */
    void forgetIfLost(Instant now, Duration after) {
      if ((pushing || reading) && sentAt != null && Duration.between(sentAt, now).compareTo(after) > 0) {
        pushing = false;
        reading = false;
      }
    }

    /** A push's outcome; {@code settled} false while it is retried. Older pushes' outcomes are ignored. */
    void acknowledged(long seq, int value, boolean acknowledged, boolean settled, Instant at) {
      if (seq < pushSeq) return;
      if (settled) pushing = false;
      if (acknowledged && value <= campaignReserved) {
        lowered = exposure > 0 || delayedSales;
        loweredAt = at;
        loweredSeq = pushSeq;
      }
    }

    /** A read's answer: a 0 with no push around it means sold out, whatever the webhooks say yet. */
    boolean read(Integer quantity, boolean pushInFlight) {
      reading = false;
      readEmpty = readEmpty || (quantity != null && quantity == 0 && !pushInFlight && !pushing);
      return readEmpty;
    }
  }

  /**
   * @param grants listing to the value to push, riskiest first (lowerings, then refills)
   * @param settles listing to the grant sequence number of the lowering it settles
   * @param returns units a WhatsApp share gives back now
   */
  record Actions(Map<String, Integer> grants, List<String> reads, Map<String, Long> settles,
                 Map<String, Integer> returns) {
    boolean none() {
      return grants.isEmpty() && reads.isEmpty() && settles.isEmpty() && returns.isEmpty();
    }
  }

  static Actions decide(Collection<ListingView> listings, int available, ShareSettings settings, Instant now) {
    Map<String, Integer> grants = new LinkedHashMap<>();
    List<String> reads = new ArrayList<>();
    Map<String, Long> settles = new LinkedHashMap<>();
    Map<String, Integer> returns = new LinkedHashMap<>();
    int exposed = 0;
    for (ListingView l : listings) exposed += l.exposure; // as the SKU counts it
    int free = available - exposed;

    // 1. More exposed than available: lower the largest exposures first (a lowering frees nothing until it settles).
    if (free < 0) {
      int covered = 0;
      for (ListingView l : listings) if (l.lowered || (l.pushing && l.pushValue <= l.campaignReserved)) covered += l.exposure;
      List<ListingView> byExposure = listings.stream().filter(l -> !l.busy() && !l.lowered && l.exposure > 0)
          .sorted(Comparator.comparingInt((ListingView l) -> -l.exposure)).toList();
      for (ListingView l : byExposure) {
        if (covered >= -free) break;
        if (!l.delayedSales) {
          returns.put(l.key, l.exposure);
        } else if (l.pushable) {
          grants.put(l.key, l.campaignReserved);
        }
        covered += l.exposure;
      }
    }

    // 2. Lowered listings whose every earlier sale must have arrived: their remaining exposure is slack.
    for (ListingView l : listings) {
      // only a listing lowered to 0: one left holding a campaign's units keeps its exposure
      if (l.lowered && !l.busy() && l.exposure > 0 && l.pushValue == 0 && l.campaignReserved == 0 && l.loweredAt != null
          && Duration.between(l.loweredAt, now).compareTo(settings.settle()) >= 0) {
        settles.put(l.key, l.loweredSeq);
      }
    }
    if (free <= 0) {
      reclaim(listings, settings, now, grants, returns);
      zeroNew(listings, grants);
      return new Actions(grants, reads, settles, returns);
    }

    // 3. Refill sold-out (or never shared) listings from the free units, by weight.
    List<ListingView> candidates = listings.stream()
        .filter(l -> !l.busy() && !grants.containsKey(l.key) && (!l.inBook || l.soldOut()))
        .filter(l -> !l.lowered || l.exposure <= 0)
        .sorted(Comparator.comparingDouble((ListingView l) -> -weight(l, listings, settings, now))
            .thenComparing(l -> l.listing.channel().ordinal()).thenComparing(l -> l.key))
        .toList();
    double totalWeight = 0;
    for (ListingView l : listings) totalWeight += weight(l, listings, settings, now);
    int left = free;
    if (!candidates.isEmpty()) {
      boolean selling = listings.stream().anyMatch(l -> l.rate(now, settings.rateWindow()) > 0);
      // "about to sell out": only a SKU that is selling; one that starts with a few units spreads them first
      if (available <= settings.lastUnits() && selling) {
        ListingView best = candidates.get(0);
        boolean othersHold = listings.stream().anyMatch(l -> l != best && l.exposure > 0);
        if (!othersHold || best.rate(now, settings.rateWindow()) > 0 || !best.inBook) {
          grants.put(best.key, left);
          left = 0;
        }
      } else {
        for (ListingView l : candidates) {
          if (left <= 0) break;
          int target = (int) Math.floor(available * weight(l, listings, settings, now) / totalWeight);
          int grant = Math.min(left, Math.max(1, target));
          grants.put(l.key, grant);
          left -= grant;
        }
      }
    }
    zeroNew(listings, grants);
    // A sold-out listing that gets nothing and was last told more than 0 (WhatsApp's catalogue): tell it 0.
    for (ListingView l : listings) {
      if (!grants.containsKey(l.key) && !l.busy() && l.pushable && !l.delayedSales && l.inBook && l.exposure <= 0
          && l.pushValue != 0 && l.pushValue != -1) {
        grants.put(l.key, 0);
      }
    }

    // 4. Selling listings with free units to hand out: a read of 0 lets them be refilled before their webhooks.
    if (left > 0) {
      listings.stream()
          .filter(l -> readWorthIt(l, settings, now))
          .filter(l -> l.lastReadAt == null
              || Duration.between(l.lastReadAt, now).compareTo(settings.readInterval()) >= 0)
          .sorted(Comparator.comparingDouble((ListingView l) -> -l.rate(now, settings.rateWindow())))
          .limit(settings.maxReadsPerTick())
          .forEach(l -> reads.add(l.key));
    }
    return new Actions(grants, reads, settles, returns);
  }

  /** A listing never told anything gets 0: a marketplace must not go on showing what it held before this sync. */
  private static void zeroNew(Collection<ListingView> listings, Map<String, Integer> grants) {
    for (ListingView l : listings) {
      // (a WhatsApp catalogue item is left as it is: its orders are checked by the SKU and answered, never cancelled)
      if (!grants.containsKey(l.key) && !l.busy() && l.pushable && l.delayedSales && !l.inBook) grants.put(l.key, 0);
    }
  }

  /**
   * Nothing free and a listing sold out while selling: an idle listing gives its share back. WhatsApp's at once
   * (its sales reach the SKU at once); a marketplace listing by a push of 0 that frees its units once settled.
   */
  private static void reclaim(Collection<ListingView> listings, ShareSettings settings, Instant now,
      Map<String, Integer> grants, Map<String, Integer> returns) {
    // sold out while selling, or new (listed after the units were shared out)
    boolean starving = listings.stream().anyMatch(l -> !l.busy() && (!l.inBook
        || (l.soldOut() && !l.lowered && (l.lastSaleAt == null || !l.idle(now, settings.giverIdle())))));
    if (!starving) return;
    boolean alreadyReclaiming = listings.stream().anyMatch(l -> l.lowered && l.exposure > l.campaignReserved)
        || !returns.isEmpty() || grants.values().stream().anyMatch(v -> v == 0);
    if (alreadyReclaiming) return;
    listings.stream()
        .filter(l -> !l.busy() && !l.lowered && l.exposure > 1 && l.campaignReserved == 0
            && l.idle(now, settings.giverIdle()))
        .max(Comparator.comparingInt(l -> l.exposure))
        .ifPresent(giver -> {
          if (!giver.delayedSales) returns.put(giver.key, giver.exposure);
          else if (giver.pushable) grants.put(giver.key, 0);
        });
  }

  /**
   * A read is worth its call for a listing that may have sold out unheard: it is selling, and what it may still
   * hold is no more than it sells in about two seconds (its webhooks' lag). A listing with many units left, or one
   * selling slowly, is not read: it is refilled when its exposure says it sold out.
   */
  static boolean readWorthIt(ListingView l, ShareSettings settings, Instant now) {
    if (!l.delayedSales || !l.pushable || l.busy() || l.exposure <= 0 || l.readEmpty || l.lowered) return false;
    if (l.idle(now, settings.giverIdle())) return false;
    return l.exposure <= Math.max(2, Math.ceil(l.rate(now, settings.rateWindow()) * 2));
  }

  /**
   * Whether the allocator needs to look again by the clock (not only on the SKU's changes and its calls' answers):
   * a lowering waiting to settle, a read that may come due while units are free, or a sold-out listing waiting for
   * an idle share. Most SKUs of a sale need none of it, and tick not at all.
   */
  static boolean wantsTick(Collection<ListingView> listings, int available, ShareSettings settings, Instant now) {
    int exposed = 0;
    for (ListingView l : listings) exposed += l.exposure;
    boolean free = available - exposed > 0;
    for (ListingView l : listings) {
      if (l.lowered && l.exposure > 0) return true;
      if (free && readWorthIt(l, settings, now)) return true;
    }
    if (free) return false;
    boolean starving = listings.stream().anyMatch(l -> l.soldOut() && !l.lowered
        && !l.idle(now, settings.giverIdle()));
    return starving && listings.stream().anyMatch(l -> l.exposure > 1 && !l.lowered && l.campaignReserved == 0);
  }

  /** A listing's weight in a refill: its sales rate, with its channel's prior weight as a floor. */
  static double weight(ListingView l, Collection<ListingView> all, ShareSettings settings, Instant now) {
    double totalRate = 0;
    double totalPrior = 0;
    for (ListingView x : all) {
      totalRate += x.rate(now, settings.rateWindow());
      totalPrior += settings.weight(x.listing.channel());
    }
    double prior = settings.weight(l.listing.channel()) / Math.max(1e-9, totalPrior);
    if (totalRate <= 0) return prior;
    // while selling, rates lead; the prior keeps about a tenth so a listing showing 0 can show it sells too
    return l.rate(now, settings.rateWindow()) / totalRate * 0.9 + prior * 0.1;
  }
}
