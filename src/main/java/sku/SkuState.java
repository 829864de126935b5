package sku;

import static sku.PushRules.shownQuantities;
import static sku.SkuEntity.ADMIN_RESERVATION_PAGE;
import static sku.SkuEntity.SNAPSHOT_MAX_FACTOR;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import common.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import sku.SkuEntity.Reservation;
import sku.SkuEntity.Stock;
import sku.SkuEntity.StockChanged;
import sku.SkuEntity.Summary;
import sku.SkuEvents.Change;
import sku.SkuEvents.Event;
import sku.SkuEvents.LegacyChangeEvent;
import sku.SkuEvents.ListingPut;
import sku.SkuEvents.ListingRemoved;
import sku.SkuEvents.PushRulesSet;
import sku.SkuEvents.ReservationsApplied;
import sku.SkuEvents.SafetyStockSet;
import sku.SkuEvents.SharesGranted;
import sku.SkuEvents.SharesReleased;
import sku.SkuEvents.StockAdjusted;
import sku.SkuEvents.StockSet;

/**
 * A SKU's state and how events change it: {@link State} (the snapshot, persisted with its full class name: see
 * {@code infra.PersistedTypes}), the {@link Book} the reservation rules work on, and a batch's {@link Tentative}
 * view of it.
 */
public final class SkuState {
  private SkuState() {}

  /** What can be reserved and shown: on hand less reserved less safety stock, never below zero. */
  public static int available(int onHand, int reserved, int safetyStock) {
    return Math.max(0, onHand - reserved - safetyStock);
  }

  /** Snapshots hold an outcome by its position here ({@link FinishedKeys}): add new ones at the end only. */
  public enum Outcome { RELEASED, COMMITTED, EXPIRED, RETURNED }

  public record Finished(Outcome outcome, int quantity) implements CborSerializable {}

  /** What the reservation rules read and change; implemented by the state and by a batch's tentative view. */
  interface Book {
    Reservation reservation(String orderKey);

    void putReservation(String orderKey, Reservation reservation);

    void removeReservation(String orderKey);

    Finished finished(String orderKey);

    void putFinished(String orderKey, Finished finished);

    int onHand();

    void onHand(int value);

    int reserved();

    void reserved(int value);

    /** A listing's share exposure ({@link Shares}), {@link Shares#NONE} when it has none. */
    int exposure(String listingKey);

    void exposure(String listingKey, int value);

    int exposureTotal();

    /** Counts units sold (negative: released) through a listing in the share book. */
    void addShareSold(String listingKey, int quantity);

    /** The share-book listing an order key sold through ({@link Shares#listingOf}, {@link Shares#resolve}). */
    String shareListing(String orderKey);

    /** Any listing is in the share book (never under the absolute sync: the hot path then skips the book). */
    boolean sharing();
  }

  /** The one place where reservation changes change a book (state or tentative view). */
  static void applyChange(Book book, Change change) {
    if (change instanceof Change.Reserved c) {
      book.putReservation(c.orderKey(), new Reservation(c.quantity(), c.holdUntil()));
      book.reserved(book.reserved() + c.quantity());
      shareSold(book, c.orderKey(), c.quantity());
    } else if (change instanceof Change.Released c) {
      shareSold(book, c.orderKey(), -finish(book, c.orderKey(), Outcome.RELEASED));
    } else if (change instanceof Change.Expired c) {
      shareSold(book, c.orderKey(), -finish(book, c.orderKey(), Outcome.EXPIRED));
    } else if (change instanceof Change.Committed c) {
      finish(book, c.orderKey(), Outcome.COMMITTED);
      book.onHand(book.onHand() - c.quantity());
    } else if (change instanceof Change.Returned c) {
      book.onHand(book.onHand() + c.quantity());
      book.putFinished(c.orderKey(), new Finished(Outcome.RETURNED, c.quantity()));
    } else if (change instanceof Change.HoldCleared c) {
      Reservation r = book.reservation(c.orderKey());
      if (r != null) book.putReservation(c.orderKey(), new Reservation(r.quantity(), null));
    }
  }

  private static int finish(Book book, String orderKey, Outcome outcome) {
    Reservation r = book.reservation(orderKey);
    int quantity = r == null ? 0 : r.quantity();
    book.removeReservation(orderKey);
    book.reserved(book.reserved() - quantity);
    book.putFinished(orderKey, new Finished(outcome, quantity));
    return quantity;
  }

  /**
   * A sale through a listing in the share book uses up its exposure. A marketplace's released sale (cancelled, or
   * unpaid and expired: the marketplace puts the units back on its shelf) adds them again, and its exposure is kept
   * exact, even below 0 (see {@link Shares#exposure}). A WhatsApp or phone order takes its share first and the
   * unshared units for the rest (floored at 0), and a released one returns to the unshared units.
   */
  private static void shareSold(Book book, String orderKey, int quantity) {
    if (quantity == 0 || !book.sharing()) return;
    String listing = book.shareListing(orderKey);
    int exposure = book.exposure(listing);
    if (exposure == Shares.NONE) return;
    if (Shares.marketplaceSells(listing)) {
      book.exposure(listing, exposure - quantity);
    } else if (quantity > 0) {
      book.exposure(listing, Math.max(0, exposure - quantity));
    }
    book.addShareSold(listing, quantity);
  }

  /**
   * Mutable on purpose: a hot SKU holds many reservations and the last 50,000 finished order keys, and copying
   * them per event would cap throughput. Only the event handler changes it; batches decide against a
   * {@link Tentative} view; snapshots get a deep copy (taken on the actor's thread).
   */
  public static final class State implements CborSerializable, Book {
    @JsonProperty private String sku;
    @JsonProperty private boolean exists;
    @JsonProperty private int onHand;
    @JsonProperty private int reserved;
    @JsonProperty private int safetyStock;
    @JsonProperty private LinkedHashMap<String, Reservation> reservations = new LinkedHashMap<>();
    @JsonProperty private FinishedKeys finishedKeys = new FinishedKeys();
    @JsonProperty private TreeMap<String, Listing> listings = new TreeMap<>();
    @JsonProperty private PushRules pushRules = PushRules.NONE;
    /** Absent from snapshots taken before stock shares existed: empty. */
    @JsonProperty private Shares shares = new Shares();
    @JsonProperty private Instant lastUpdated;
    @JsonProperty private long eventSeq;
    /** Lines of the history page: one per admin event, one per reservation change (a batch event has many). */
    @JsonProperty private long historySize;

    /** Holds by expiry, derived from reservations (rebuilt after a snapshot is loaded). */
    @JsonIgnore private TreeSet<Hold> holds;
    @JsonIgnore private FinishedKeys.Bound finishedKeyBound = FinishedKeys.Bound.UNBOUNDED;
    /** Events applied to this object: at the end of recovery, the number replayed after the snapshot. */
    @JsonIgnore private long appliedSinceLoad;
    @JsonIgnore private long replayedOnRecovery;
    /** Events and reservation changes applied since the last snapshot was taken (or loaded): see snapshotDue. */
    @JsonIgnore private long eventsSinceSnapshot;
    @JsonIgnore private long changesSinceSnapshot;
    /**
     * The behavior's empty state, which Akka keeps as one instance for the life of the behavior and recovers from
     * again after every journal-failure restart: it must never be mutated, so the first event applied to it
     * starts a new object. (It was mutated once: after a restart the events were replayed on top of the previous
     * incarnation's state, and every reservation was counted twice in {@code reserved} while the map kept one
     * entry: stock stuck "reserved" after a database outage, found by the PostgreSQL-outage fault test.)
     */
    @JsonIgnore private boolean pristine;

    private State() {}

    public State(String sku) {
      this.sku = sku;
    }

    /** An empty state that stays empty: applying an event to it returns a new state. */
    static State pristine(String sku) {
      State s = new State(sku);
      s.pristine = true;
      return s;
    }

    public String sku() { return sku; }
    public boolean exists() { return exists; }
    public int safetyStock() { return safetyStock; }
    public long eventSeq() { return eventSeq; }
    public long historySize() { return historySize; }
    public int available() { return SkuState.available(onHand, reserved, safetyStock); }
    public int reservationCount() { return reservations.size(); }
    public int finishedCount() { return finishedKeys.size(); }

    /** Snapshots written before the finished keys were hashed hold them by key, oldest first. */
    @JsonProperty("finished")
    private void finishedByKey(LinkedHashMap<String, Finished> byKey) {
      if (byKey != null) finishedKeys = FinishedKeys.of(byKey);
    }
    public long replayedOnRecovery() { return replayedOnRecovery; }
    Listing listing(String key) { return listings.get(key); }

    @Override public int onHand() { return onHand; }
    @Override public void onHand(int value) { onHand = value; }
    @Override public int reserved() { return reserved; }
    @Override public void reserved(int value) { reserved = value; }
    @Override public Reservation reservation(String orderKey) { return reservations.get(orderKey); }
    @Override public int exposure(String listingKey) { return shares().exposure(listingKey); }
    @Override public void exposure(String listingKey, int value) { shares().exposure(listingKey, value); }
    @Override public int exposureTotal() { return shares().total(); }
    @Override public void addShareSold(String listingKey, int quantity) { shares().addSold(listingKey, quantity); }
    @Override public String shareListing(String orderKey) { return shares().resolve(Shares.listingOf(orderKey)); }
    @Override public boolean sharing() { return !shares().exposures().isEmpty(); }

    public Shares shares() {
      if (shares == null) shares = new Shares();
      return shares;
    }
    @Override public Finished finished(String orderKey) { return finishedKeys.get(orderKey); }

    @Override
    public void putReservation(String orderKey, Reservation reservation) {
      Reservation old = reservations.put(orderKey, reservation);
      if (old != null && old.holdUntil() != null) holds().remove(new Hold(old.holdUntil(), orderKey));
      if (reservation.holdUntil() != null) holds().add(new Hold(reservation.holdUntil(), orderKey));
    }

    @Override
    public void removeReservation(String orderKey) {
      Reservation old = reservations.remove(orderKey);
      if (old != null && old.holdUntil() != null) holds().remove(new Hold(old.holdUntil(), orderKey));
    }

    @Override
    public void putFinished(String orderKey, Finished value) {
      finishedKeys.put(orderKey, value, lastUpdated, finishedKeyBound); // lastUpdated: the event being applied
    }

    private TreeSet<Hold> holds() {
      if (holds == null) {
        holds = new TreeSet<>();
        reservations.forEach((k, r) -> { if (r.holdUntil() != null) holds.add(new Hold(r.holdUntil(), k)); });
      }
      return holds;
    }

    void recoveryCompleted() {
      replayedOnRecovery = appliedSinceLoad;
    }

    /**
     * A snapshot is due after at least {@code minEvents} events, once the reservation changes since the last one
     * reach the reservations a snapshot holds, and at the latest after {@value SkuEntity#SNAPSHOT_MAX_FACTOR} x
     * {@code minEvents} events. A count of events alone makes a hot SKU holding 700k reservations copy and write all
     * of them (a 22 MB snapshot, copied on the entity's thread) every 1,000 writes, about every second in bench-sku;
     * this way the snapshot work stays about one reservation per change, and a recovery replays at most
     * {@value SkuEntity#SNAPSHOT_MAX_FACTOR} x minEvents events. A SKU with a small book (the usual case) still
     * snapshots every minEvents events. The finished keys are left out: finished-keys-kept bounds them.
     */
    boolean snapshotDue(int minEvents) {
      if (eventsSinceSnapshot < minEvents) return false;
      return changesSinceSnapshot >= reservations.size()
          || eventsSinceSnapshot >= (long) SNAPSHOT_MAX_FACTOR * minEvents;
    }

    /** The snapshot of this state is being taken now: counting starts again. */
    void snapshotTaken() {
      eventsSinceSnapshot = 0;
      changesSinceSnapshot = 0;
    }

    Instant earliestHold() {
      TreeSet<Hold> h = holds();
      return h.isEmpty() ? null : h.first().until();
    }

    /** Holds due at {@code now}, earliest first, at most {@code max}. */
    List<Hold> dueHolds(Instant now, int max) {
      List<Hold> due = new ArrayList<>();
      for (Hold h : holds()) {
        if (h.until().isAfter(now) || due.size() >= max) break;
        due.add(h);
      }
      return due;
    }

    /** Newest reservations first until they cover {@code shortfall}: the orders a forced cut leaves short. */
    List<String> newestCovering(int shortfall) {
      List<String> keys = new ArrayList<>(reservations.keySet());
      List<String> result = new ArrayList<>();
      int covered = 0;
      for (int i = keys.size() - 1; i >= 0 && covered < shortfall; i--) {
        result.add(keys.get(i));
        covered += reservations.get(keys.get(i)).quantity();
      }
      return result;
    }

    State apply(Event event, FinishedKeys.Bound finishedKeyBound) {
      if (pristine) return new State(sku).apply(event, finishedKeyBound);
      this.finishedKeyBound = finishedKeyBound;
      appliedSinceLoad++;
      eventsSinceSnapshot++;
      changesSinceSnapshot += event instanceof ReservationsApplied e ? e.changes().size() : 1;
      eventSeq++;
      lastUpdated = event.at();
      if (event instanceof StockSet e) {
        onHand = e.onHand();
        exists = true;
      } else if (event instanceof StockAdjusted e) {
        onHand = e.onHandAfter();
        exists = true;
      } else if (event instanceof SafetyStockSet e) {
        safetyStock = e.safetyStock();
      } else if (event instanceof ListingPut e) {
        listings.put(e.listing().key(), e.listing());
        exists = true;
      } else if (event instanceof ListingRemoved e) {
        listings.remove(Listing.key(e.channel(), e.shopId()));
      } else if (event instanceof PushRulesSet e) {
        pushRules = e.rules();
      } else if (event instanceof SharesGranted e) {
        shares().granted(e.pushes(), eventSeq);
      } else if (event instanceof SharesReleased e) {
        shares().released(e.units());
      } else if (event instanceof ReservationsApplied e) {
        for (Change change : e.changes()) applyChange(this, change);
        historySize += e.changes().size() - 1;
      } else if (event instanceof LegacyChangeEvent e) {
        applyChange(this, e.change());
      }
      historySize++;
      return this;
    }

    /** What channels should show now; unlike {@link #summary()} it does not copy the reservations (hot path). */
    StockChanged stockChanged(Instant at) {
      int available = available();
      return new StockChanged(sku, onHand, reserved, safetyStock, available, List.copyOf(listings.values()),
          shownQuantities(available, listings.values(), pushRules), eventSeq, at, exposures(), sharesSold());
    }

    Stock stock() {
      int available = available();
      return new Stock(sku, exists, onHand, reserved, safetyStock, available, List.copyOf(listings.values()),
          shownQuantities(available, listings.values(), pushRules), lastUpdated, eventSeq, exposures(), sharesSold());
    }

    private Map<String, Long> sharesSold() {
      return shares().sold().isEmpty() ? Map.of() : Map.copyOf(shares().sold());
    }

    private Map<String, Integer> exposures() {
      return shares().exposures().isEmpty() ? Map.of() : Map.copyOf(shares().exposures());
    }

    Summary summary() {
      return summary(0, Integer.MAX_VALUE);
    }

    /** What an admin write answers: the first page of the reservations, as GET /admin/skus/{sku} shows by default. */
    Summary adminSummary() {
      return summary(0, ADMIN_RESERVATION_PAGE);
    }

    /** With the reservations from {@code offset} (oldest first), at most {@code limit} of them. */
    Summary summary(int offset, int limit) {
      int available = available();
      LinkedHashMap<String, Reservation> page = new LinkedHashMap<>();
      if (offset == 0 && limit >= reservations.size()) {
        page.putAll(reservations);
      } else {
        int i = 0;
        for (Map.Entry<String, Reservation> e : reservations.entrySet()) {
          if (page.size() >= limit) break;
          if (i++ >= offset) page.put(e.getKey(), e.getValue());
        }
      }
      return new Summary(sku, exists, onHand, reserved, safetyStock, available, reservations.size(),
          Collections.unmodifiableMap(page), List.copyOf(listings.values()), pushRules,
          shownQuantities(available, listings.values(), pushRules), lastUpdated, eventSeq, replayedOnRecovery,
          exposures());
    }

    /** A deep copy for snapshots (serialized off the actor's thread while this one keeps changing). */
    State copy() {
      State c = new State(sku);
      c.exists = exists;
      c.onHand = onHand;
      c.reserved = reserved;
      c.safetyStock = safetyStock;
      c.reservations = new LinkedHashMap<>(reservations);
      c.finishedKeys = finishedKeys.copy();
      c.listings = new TreeMap<>(listings);
      c.pushRules = pushRules;
      c.shares = shares().copy();
      c.lastUpdated = lastUpdated;
      c.eventSeq = eventSeq;
      c.historySize = historySize;
      return c;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s && exists == s.exists && onHand == s.onHand && reserved == s.reserved
          && safetyStock == s.safetyStock && eventSeq == s.eventSeq && historySize == s.historySize && Objects.equals(sku, s.sku)
          && reservations.equals(s.reservations) && finishedKeys.equals(s.finishedKeys) && listings.equals(s.listings)
          && pushRules.equals(s.pushRules) && shares().equals(s.shares()) && Objects.equals(lastUpdated, s.lastUpdated);
    }

    @Override
    public int hashCode() {
      return Objects.hash(sku, onHand, reserved, eventSeq);
    }

    @Override
    public String toString() {
      return "State[" + sku + " onHand=" + onHand + " reserved=" + reserved + " reservations=" + reservations.size()
          + " finished=" + finishedKeys.size() + " seq=" + eventSeq + "]";
    }
  }

  record Hold(Instant until, String orderKey) implements Comparable<Hold> {
    private static final Comparator<Hold> ORDER =
        Comparator.comparing(Hold::until).thenComparing(Hold::orderKey);

    @Override
    public int compareTo(Hold o) {
      return ORDER.compare(this, o);
    }
  }

  /** The state as it will be after the events decided so far in a batch, without touching the state itself. */
  static final class Tentative implements Book {
    private final State base;
    private int onHand;
    private int reserved;
    private final Map<String, Reservation> reservations = new HashMap<>(); // null value: removed in this batch
    private final Map<String, Finished> finished = new HashMap<>();
    private final Map<String, Integer> exposure = new HashMap<>();
    private int exposureTotal;

    Tentative(State base) {
      this.base = base;
      this.onHand = base.onHand();
      this.reserved = base.reserved();
      this.exposureTotal = base.exposureTotal();
    }

    @Override
    public int exposure(String listingKey) {
      Integer e = exposure.get(listingKey);
      return e != null ? e : base.exposure(listingKey);
    }

    @Override
    public void exposure(String listingKey, int value) {
      int old = exposure(listingKey);
      exposure.put(listingKey, value);
      exposureTotal += value - (old == Shares.NONE ? 0 : old);
    }

    @Override public int exposureTotal() { return exposureTotal; }

    /** Sold counts only feed the share sync's rates: a batch's are counted when its event is applied. */
    @Override public void addShareSold(String listingKey, int quantity) {}

    @Override public String shareListing(String orderKey) { return base.shareListing(orderKey); }

    @Override public boolean sharing() { return base.sharing(); }

    @Override public int onHand() { return onHand; }
    @Override public void onHand(int value) { onHand = value; }
    @Override public int reserved() { return reserved; }
    @Override public void reserved(int value) { reserved = value; }

    @Override
    public Reservation reservation(String orderKey) {
      return reservations.containsKey(orderKey) ? reservations.get(orderKey) : base.reservation(orderKey);
    }

    @Override public void putReservation(String orderKey, Reservation r) { reservations.put(orderKey, r); }
    @Override public void removeReservation(String orderKey) { reservations.put(orderKey, null); }

    @Override
    public Finished finished(String orderKey) {
      Finished f = finished.get(orderKey);
      return f != null ? f : base.finished(orderKey);
    }

    @Override public void putFinished(String orderKey, Finished f) { finished.put(orderKey, f); }
  }
}
