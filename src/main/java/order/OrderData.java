package order;

import common.CborSerializable;
import common.Channel;
import common.MarketStatus;
import common.OrderDetails;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import order.BuyerNotifications.Notification;
import order.OrderEvents.DetailsReceived;
import order.OrderEvents.LineMapped;
import order.OrderEvents.NotificationKind;
import order.OrderEvents.Notified;
import order.OrderEvents.StatusRecorded;

/**
 * What every phase knows about the order. Immutable; each change returns a copy. Never snapshotted (the journal is
 * replayed), so its shape may change freely.
 *
 * @param problem why the order stopped, as the admin API shows it (unknown SKU, out of stock)
 * @param notifications every buyer notification that became due, one per kind
 */
public record OrderData(Identity identity, MarketReport market, Contents contents, Stock stock,
                        String trackingNumber, String problem, Instant updatedAt, List<Notification> notifications)
    implements CborSerializable {

  private static final int DEDUP_IDS_KEPT = 64;

  /** Which order this is, and when this service first heard of it. */
  public record Identity(String orderKey, Channel channel, String shopId, String orderId, Instant createdAt) {}

  /**
   * What the marketplace last said. {@code status} only moves forward (a late report is recorded, not acted on);
   * {@code recentDedupIds} are the last delivery ids seen, to drop a redelivered webhook.
   */
  public record MarketReport(String rawStatus, MarketStatus status, List<String> recentDedupIds) {
    boolean seen(String dedupId) {
      return dedupId != null && recentDedupIds.contains(dedupId);
    }

    MarketReport reported(String raw, MarketStatus reportedStatus, String dedupId, boolean acted) {
      List<String> ids = new ArrayList<>(recentDedupIds);
      if (dedupId != null) ids.add(dedupId);
      while (ids.size() > DEDUP_IDS_KEPT) ids.remove(0);
      MarketStatus highest = acted && reportedStatus.rank() > status.rank() ? reportedStatus : status;
      return new MarketReport(raw, highest, List.copyOf(ids));
    }

    /** The status the fetched details carry, when it is further on. */
    MarketReport raisedTo(MarketStatus fetched) {
      MarketStatus highest = fetched != null && fetched.rank() > status.rank() ? fetched : status;
      return new MarketReport(rawStatus, highest, recentDedupIds);
    }
  }

  /**
   * What the order holds: its details once fetched, its lines grouped per master SKU, the line references without a
   * SKU code ({@code unmapped}) and the SKU codes no SKU entity knows ({@code unknownSkus}).
   */
  public record Contents(OrderDetails details, Map<String, Integer> skuLines, List<String> unmapped,
                         Set<String> unknownSkus, OrderEvents.BuyerDataHeld buyerData) {
    static final Contents NOT_FETCHED = new Contents(null, Map.of(), List.of(), Set.of(), null);

    Contents withMapped(LineMapped e) {
      List<String> stillUnmapped = new ArrayList<>(unmapped);
      stillUnmapped.remove(e.lineRef());
      Set<String> unknown = new TreeSet<>(unknownSkus);
      unknown.remove(e.lineRef());
      Map<String, Integer> lines = new TreeMap<>(skuLines);
      if (unknownSkus.contains(e.lineRef())) lines.remove(e.lineRef()); // the unknown code is replaced
      lines.merge(e.sku(), e.quantity(), Integer::sum);
      return new Contents(details, Map.copyOf(lines), List.copyOf(stillUnmapped), Set.copyOf(unknown), buyerData);
    }

    Contents withKnown(Collection<String> skus) {
      Set<String> unknown = new TreeSet<>(unknownSkus);
      unknown.removeAll(skus);
      return new Contents(details, skuLines, unmapped, Set.copyOf(unknown), buyerData);
    }

    Contents withUnknown(String sku) {
      return new Contents(details, skuLines, unmapped, add(unknownSkus, sku), buyerData);
    }

    /** Units of the lines without a SKU code that {@code lineRef} names. */
    int quantityOfUnmapped(String lineRef) {
      if (details == null) return 0;
      int total = 0;
      for (int i = 0; i < details.lines().size(); i++) {
        OrderDetails.Line line = details.lines().get(i);
        String ref = line.listingRef() != null ? line.listingRef() : "line-" + i;
        if (ref.equals(lineRef) && (line.sellerSku() == null || line.sellerSku().isBlank())) total += line.quantity();
      }
      return total;
    }

    List<String> listingRefs() {
      if (details == null) return List.of();
      return details.lines().stream().map(OrderDetails.Line::listingRef).filter(Objects::nonNull).toList();
    }

    /** The phone in the details: only orders recorded before buyer data left the journal have one there. */
    String buyerPhone() {
      return details == null ? null : details.buyerPhone();
    }

    /** The buyer data store holds a phone for this order (it may be erased by now: the sender finds out). */
    boolean phoneHeld() {
      return buyerData != null && buyerData.phone();
    }
  }

  /**
   * What the saga did with stock, per SKU. {@code holdUntil} is set for unpaid orders: their reservations expire
   * unless payment arrives (it is cleared once every SKU cleared its hold).
   */
  public record Stock(Map<String, Integer> reserved, Set<String> released, Set<String> holdCleared,
                      Set<String> committed, Set<String> restocked, Instant holdUntil) {
    static final Stock NOTHING = new Stock(Map.of(), Set.of(), Set.of(), Set.of(), Set.of(), null);

    Stock withHoldUntil(Instant hold) {
      return new Stock(reserved, released, holdCleared, committed, restocked, hold);
    }

    Stock withReserved(String sku, int quantity) {
      Map<String, Integer> r = new TreeMap<>(reserved);
      r.put(sku, quantity);
      return new Stock(Map.copyOf(r), released, holdCleared, committed, restocked, holdUntil);
    }

    /** Every line reserved; lines reserved before keep their recorded quantity. */
    Stock withAllReserved(Map<String, Integer> lines) {
      Map<String, Integer> r = new TreeMap<>(lines);
      r.putAll(reserved);
      return new Stock(Map.copyOf(r), released, holdCleared, committed, restocked, holdUntil);
    }

    Stock withReleased(String sku) {
      Map<String, Integer> r = new TreeMap<>(reserved);
      r.remove(sku);
      return new Stock(Map.copyOf(r), add(released, sku), holdCleared, committed, restocked, holdUntil);
    }

    Stock withHoldCleared(String sku, Set<String> lineSkus) {
      Set<String> cleared = add(holdCleared, sku);
      Instant hold = cleared.containsAll(lineSkus) ? null : holdUntil;
      return new Stock(reserved, released, cleared, committed, restocked, hold);
    }

    Stock withCommitted(String sku) {
      return new Stock(reserved, released, holdCleared, add(committed, sku), restocked, holdUntil);
    }

    Stock withRestocked(String sku) {
      return new Stock(reserved, released, holdCleared, committed, add(restocked, sku), holdUntil);
    }
  }

  // ---------------------------------------------------------------- changes

  static OrderData create(Notified e) {
    return new OrderData(new Identity(e.orderKey(), e.channel(), e.shopId(), e.orderId(), e.at()),
        new MarketReport(e.rawStatus(), e.status(), e.dedupId() == null ? List.of() : List.of(e.dedupId())),
        Contents.NOT_FETCHED, Stock.NOTHING, null, null, e.at(), List.of());
  }

  OrderData touch(Instant at) {
    return with(market, contents, stock, at);
  }

  OrderData withStatus(StatusRecorded e) {
    return with(market.reported(e.rawStatus(), e.status(), e.dedupId(), e.acted()), contents, stock, e.at());
  }

  OrderData withDetails(DetailsReceived e) {
    return with(market.raisedTo(e.details().marketStatus()),
        new Contents(e.details(), e.skuLines(), e.unmapped(), Set.of(), e.buyerData()), stock.withHoldUntil(e.holdUntil()), e.at());
  }

  OrderData withMapped(LineMapped e) {
    return with(market, contents.withMapped(e), stock, e.at());
  }

  OrderData withReserved(String sku, int quantity, Instant at) {
    return with(market, contents.withKnown(List.of(sku)), stock.withReserved(sku, quantity), at);
  }

  /** Every line reserved (an {@link OrderEvents.OrderConfirmed}). */
  OrderData withAllReserved(Map<String, Integer> lines, Instant at) {
    return with(market, contents.withKnown(lines.keySet()), stock.withAllReserved(lines), at);
  }

  OrderData withUnknown(String sku, Instant at) {
    return new OrderData(identity, market, contents.withUnknown(sku), stock, trackingNumber, "unknown SKU " + sku,
        at, notifications);
  }

  OrderData withProblem(String text, Instant at) {
    return new OrderData(identity, market, contents, stock, trackingNumber, text, at, notifications);
  }

  OrderData withReleased(String sku, Instant at) {
    return with(market, contents, stock.withReleased(sku), at);
  }

  OrderData withHoldCleared(String sku, Instant at) {
    return with(market, contents, stock.withHoldCleared(sku, contents.skuLines().keySet()), at);
  }

  OrderData withTracking(String tracking, Instant at) {
    return new OrderData(identity, market, contents, stock, tracking != null ? tracking : trackingNumber, problem,
        at, notifications);
  }

  OrderData withCommitted(String sku, Instant at) {
    return with(market, contents, stock.withCommitted(sku), at);
  }

  OrderData withRestocked(String sku, Instant at) {
    return with(market, contents, stock.withRestocked(sku), at);
  }

  /** The notification of its kind, replacing the one before; not a change of the order ({@code updatedAt} stays). */
  OrderData withNotification(Notification n) {
    List<Notification> list = new ArrayList<>();
    boolean replaced = false;
    for (Notification old : notifications) {
      if (old.kind() == n.kind()) {
        list.add(n);
        replaced = true;
      } else {
        list.add(old);
      }
    }
    if (!replaced) list.add(n);
    return new OrderData(identity, market, contents, stock, trackingNumber, problem, updatedAt, List.copyOf(list));
  }

  private OrderData with(MarketReport m, Contents c, Stock s, Instant at) {
    return new OrderData(identity, m, c, s, trackingNumber, problem, at, notifications);
  }

  // ---------------------------------------------------------------- questions

  public Notification notification(NotificationKind kind) {
    return notifications.stream().filter(n -> n.kind() == kind).findFirst().orElse(null);
  }

  /** SKUs with a line but no reservation yet (and not known to be unknown). */
  Set<String> pendingReservations() {
    Set<String> pending = new TreeSet<>(contents.skuLines().keySet());
    pending.removeAll(stock.reserved().keySet());
    pending.removeAll(contents.unknownSkus());
    return pending;
  }

  boolean allReserved() {
    return contents.unmapped().isEmpty() && contents.unknownSkus().isEmpty()
        && stock.reserved().keySet().containsAll(contents.skuLines().keySet());
  }

  /** Every SKU this order may hold stock on: lines (mapped or not yet known) and anything reserved. */
  Set<String> allSkus() {
    Set<String> all = new TreeSet<>(contents.skuLines().keySet());
    all.addAll(stock.reserved().keySet());
    return all;
  }

  private static Set<String> add(Set<String> set, String value) {
    Set<String> copy = new TreeSet<>(set);
    copy.add(value);
    return Set.copyOf(copy);
  }
}
