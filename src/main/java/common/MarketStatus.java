package common;

/**
 * A marketplace order status normalised onto the orchestrator's lifecycle. Each adapter maps its platform's status
 * table onto these values (the table lives next to the adapter, with a test per row). Statuses only move an order
 * forward: {@link #rank()} orders them.
 */
public enum MarketStatus {
  /** Placed, not paid: stock is held with an expiry. */
  UNPAID(0),
  /** Paid (or cash on delivery accepted), waiting to ship: stock is reserved without expiry. */
  PAID(1),
  /** Buyer asked to cancel; nothing changes until the platform decides. */
  CANCEL_REQUESTED(1),
  /** Handed to the carrier / in transit: stock is committed. */
  SHIPPED(2),
  DELIVERED(3),
  COMPLETED(4),
  /** Cancelled before shipping: reservations are released. After shipping it becomes a return. */
  CANCELLED(5),
  /** Buyer returns the goods after shipping; restock only when an operator confirms. */
  RETURN_REQUESTED(5),
  /** A status this service does not know: recorded, never acted on. */
  UNKNOWN(-1);

  private final int rank;

  MarketStatus(int rank) {
    this.rank = rank;
  }

  public int rank() {
    return rank;
  }
}
