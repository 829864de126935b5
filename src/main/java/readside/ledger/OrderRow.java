package readside.ledger;

import common.Channel;
import common.MarketStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One order as the read side keeps it: a row of {@code orders} and its rows of {@code order_lines}. Mutable on
 * purpose: {@link OrderLedger} loads it, applies one event and writes back what changed, inside one transaction.
 */
public final class OrderRow {

  /** What the SKU answered for a line; mirrors the sets an order entity keeps per SKU. */
  public enum LineState { PENDING, UNKNOWN_SKU, RESERVED, RELEASED, COMMITTED, RESTOCKED;

    /** Reserved and not released (a committed or restocked line stays in the entity's reserved map). */
    boolean holdsReservation() {
      return this == RESERVED || this == COMMITTED || this == RESTOCKED;
    }
  }

  public record Line(int quantity, BigDecimal unitPrice, LineState state) {
    Line withState(LineState next) {
      return new Line(quantity, unitPrice, next);
    }
  }

  String orderKey;
  Channel channel;
  String shopId;
  String orderId;
  /** The entity's phase: a {@link order.Phase} name. */
  String status;
  MarketStatus marketStatus;
  String buyerName;
  String buyerPhone;
  String currency;
  BigDecimal totalAmount;
  String trackingNumber;
  String problem;
  List<String> unmapped = new ArrayList<>();
  Instant createdAt;
  Instant updatedAt;
  Instant confirmedAt;
  Instant shippedAt;
  long lastEventSeq;
  /** What the order still waits for ({@link OrderLedger#STEP}, {@link OrderLedger#MESSAGE}): what the sweeper wakes. */
  int pending;
  /** Per master SKU, in SKU order. */
  Map<String, Line> lines = new TreeMap<>();

  public String orderKey() { return orderKey; }
  public Channel channel() { return channel; }
  public String shopId() { return shopId; }
  public String orderId() { return orderId; }
  public String status() { return status; }
  public MarketStatus marketStatus() { return marketStatus; }
  public String buyerName() { return buyerName; }
  public String buyerPhone() { return buyerPhone; }
  public String currency() { return currency; }
  public BigDecimal totalAmount() { return totalAmount; }
  public String trackingNumber() { return trackingNumber; }
  public String problem() { return problem; }
  public List<String> unmapped() { return List.copyOf(unmapped); }
  public Instant createdAt() { return createdAt; }
  public Instant updatedAt() { return updatedAt; }
  public Instant confirmedAt() { return confirmedAt; }
  public Instant shippedAt() { return shippedAt; }
  public long lastEventSeq() { return lastEventSeq; }
  public int pending() { return pending; }
  public Map<String, Line> lines() { return Map.copyOf(lines); }

  OrderRow copy() {
    OrderRow c = new OrderRow();
    c.orderKey = orderKey;
    c.channel = channel;
    c.shopId = shopId;
    c.orderId = orderId;
    c.status = status;
    c.marketStatus = marketStatus;
    c.buyerName = buyerName;
    c.buyerPhone = buyerPhone;
    c.currency = currency;
    c.totalAmount = totalAmount;
    c.trackingNumber = trackingNumber;
    c.problem = problem;
    c.unmapped = new ArrayList<>(unmapped);
    c.createdAt = createdAt;
    c.updatedAt = updatedAt;
    c.confirmedAt = confirmedAt;
    c.shippedAt = shippedAt;
    c.lastEventSeq = lastEventSeq;
    c.pending = pending;
    c.lines = new TreeMap<>(lines);
    return c;
  }
}
