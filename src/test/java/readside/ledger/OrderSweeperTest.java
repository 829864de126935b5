package readside.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;

import common.Channel;

import common.MarketStatus;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import order.OrderEvents;
import org.junit.jupiter.api.Test;
import readside.GroupedRows;
import support.TestDatabase;

/**
 * The sweeper wakes, oldest first, exactly the orders that still wait for something and are quiet, as their events
 * left them in the ledger: not an out-of-stock order that is done (the soak saw such orders woken 2,000 per sweep,
 * forever), not a confirmed order whose buyer message went out, not an order that moved recently.
 */
class OrderSweeperTest {
  private static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void onlyQuietOrdersThatStillWaitAreWoken() throws Exception {
    TestDatabase.reset();
    List<GroupedRows.Change<OrderRow>> rows = new ArrayList<>();
    rows.add(new GroupedRows.Change<>(null, row("done-out-of-stock", 0,
        new OrderEvents.OutOfStockDeclared("done-out-of-stock", "A", 1, 0, "none", T0),
        new OrderEvents.CompensationFinished("done-out-of-stock", OrderEvents.OutOfStockAction.CANCEL_ON_MARKETPLACE, T0),
        new OrderEvents.MarketplaceCancelled("done-out-of-stock", T0))));
    rows.add(new GroupedRows.Change<>(null, row("cancel-pending", 10,
        new OrderEvents.OutOfStockDeclared("cancel-pending", "A", 1, 0, "none", T0.plusSeconds(10)),
        new OrderEvents.CompensationFinished("cancel-pending", OrderEvents.OutOfStockAction.CANCEL_ON_MARKETPLACE,
            T0.plusSeconds(10)))));
    rows.add(new GroupedRows.Change<>(null, row("message-due", 5,
        new OrderEvents.OrderConfirmed("message-due", Channel.WHATSAPP, java.util.Map.of(), "628", null, T0.plusSeconds(5)),
        new OrderEvents.BuyerNotificationDue("message-due", OrderEvents.NotificationKind.CONFIRMED, "p", null, "t", "en",
            List.of(), T0.plusSeconds(5)))));
    rows.add(new GroupedRows.Change<>(null, row("message-sent", 1,
        new OrderEvents.OrderConfirmed("message-sent", Channel.WHATSAPP, java.util.Map.of(), "628", null, T0.plusSeconds(1)),
        new OrderEvents.BuyerNotificationDue("message-sent", OrderEvents.NotificationKind.CONFIRMED, "p", null, "t", "en",
            List.of(), T0.plusSeconds(1)),
        new OrderEvents.BuyerNotified("message-sent", OrderEvents.NotificationKind.CONFIRMED, "wamid.1", T0.plusSeconds(1)))));
    rows.add(new GroupedRows.Change<>(null, row("just-notified", 100)));
    try (Connection c = TestDatabase.connect()) {
      OrderRowStore.saveAll(c, rows);
      assertEquals(List.of("message-due", "cancel-pending"), OrderSweeper.due(c, T0.plusSeconds(60)));
      assertEquals(List.of("message-due", "cancel-pending", "just-notified"), OrderSweeper.due(c, T0.plusSeconds(200)));
    }
  }

  /** A row as the ledger makes it from a Notified at T0 + {@code seconds} and then {@code events}. */
  private static OrderRow row(String key, int seconds, OrderEvents.Event... events) {
    OrderRow row = OrderLedger.apply(null, new OrderEvents.Notified(key, Channel.SHOPEE, "s1", key, "UNPAID",
        MarketStatus.UNPAID, "m", T0.plusSeconds(seconds)), 1);
    long seq = 1;
    for (OrderEvents.Event e : events) row = OrderLedger.apply(row, e, ++seq);
    return row;
  }
}
