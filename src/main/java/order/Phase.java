package order;

import java.util.Arrays;
import java.util.List;

/**
 * The phases of an order, named as the admin API, the ledger's {@code orders.status} column, its status filter and
 * the metrics show them. The one list of phase names: nothing else spells them.
 */
public enum Phase {
  /** No event yet: the order does not exist. */
  NONE,
  /** Details asked from the shop adapter. */
  NOTIFIED,
  RESERVING,
  /** A line has no SKU, or its SKU is unknown: waits for an operator (or for the SKU to be created). */
  NEEDS_MAPPING,
  CONFIRMED,
  /** A line could not be reserved: compensating, then the marketplace order is cancelled or held. */
  OUT_OF_STOCK,
  /** Committing stock. */
  SHIPPING,
  SHIPPED,
  DELIVERED,
  COMPLETED,
  /** Releasing stock before shipping. */
  CANCELLING,
  CANCELLED,
  /** After shipping: restocked only when an operator confirms. */
  RETURNED;

  private static final List<Phase> OF_EXISTING_ORDERS =
      Arrays.stream(values()).filter(p -> p != NONE).toList();

  /** Every phase an existing order (so an order row) can be in, in lifecycle order: all but {@link #NONE}. */
  public static List<Phase> ofExistingOrders() {
    return OF_EXISTING_ORDERS;
  }

  /**
   * The saga may be waiting for an answer in this phase, so an order left in it by a crash must be woken
   * ({@code readside.ledger.OrderSweeper}); a RETURNED order waits once an operator confirmed the restock.
   */
  public boolean waitsForSomething() {
    return switch (this) {
      case NOTIFIED, RESERVING, NEEDS_MAPPING, OUT_OF_STOCK, SHIPPING, CANCELLING, RETURNED -> true;
      case NONE, CONFIRMED, SHIPPED, DELIVERED, COMPLETED, CANCELLED -> false;
    };
  }
}
