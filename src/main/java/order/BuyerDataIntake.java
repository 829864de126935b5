package order;

import akka.actor.typed.ActorRef;
import akka.pattern.StatusReply;
import common.OrderDetails;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the buyer's personal data out of an order's journal: details that name the buyer are stored in
 * {@link BuyerDataStore} first, and only then does the entity get them back, without those values, as
 * {@link OrderEntity.BuyerDataStored} to persist. Nothing blocks: the entity goes on while the row is written.
 * Without a store (unit tests with probes) details go to the journal as they came.
 */
final class BuyerDataIntake {
  private static final Logger log = LoggerFactory.getLogger(BuyerDataIntake.class);

  private final String orderKey;
  private final BuyerDataStore store;
  private final Clock clock;
  /** Writes started and not yet reported back to the entity (touched on the entity's thread only). */
  private int writing;

  BuyerDataIntake(String orderKey, BuyerDataStore store, Clock clock) {
    this.orderKey = orderKey;
    this.store = store;
    this.clock = clock;
  }

  /**
   * When {@code details} name the buyer: stores them and later tells {@code self} the stored message, and returns
   * true (the caller does nothing more now). A failed write answers {@code notify} with an error (the webhook
   * answers 503 and the platform retries); a fetched order is fetched again by the saga's retry.
   *
   * @param notify the webhook's notification carrying {@code details}, or null for details fetched from the shop
   */
  boolean divert(OrderDetails details, OrderEntity.Notify notify, ActorRef<OrderEntity.Command> self) {
    if (store == null || !BuyerDataStore.holdsPersonalData(details)) return false;
    Instant now = clock.instant();
    OrderEvents.BuyerDataHeld held = store.held(details, now);
    OrderDetails stripped = BuyerDataStore.withoutPersonalData(details);
    OrderEntity.Notify strippedNotify = notify == null ? null : new OrderEntity.Notify(notify.channel(),
        notify.shopId(), notify.orderId(), notify.rawStatus(), notify.status(), notify.dedupId(), notify.updatedAt(),
        stripped, notify.replyTo());
    writing++;
    store.record(orderKey, details, now).whenComplete((done, error) -> {
      if (error == null) {
        self.tell(new OrderEntity.BuyerDataStored(strippedNotify, notify == null ? stripped : null, held));
        return;
      }
      log.warn("Order {}: its buyer data could not be stored, the order is not recorded yet: {}", orderKey,
          error.toString());
      if (notify != null) notify.replyTo().tell(StatusReply.error("buyer data not recorded; retry later"));
      self.tell(OrderEntity.BuyerDataFailed.INSTANCE);
    });
    return true;
  }

  /** No write is on its way back to the entity (it may stop without leaving a notification unanswered). */
  boolean idle() {
    return writing == 0;
  }

  /** The entity heard back from one write. */
  void settled() {
    writing = Math.max(0, writing - 1);
  }
}
