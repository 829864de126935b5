package readside.ledger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import common.Channel;
import common.MarketStatus;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import readside.GroupedRows;
import support.TestDatabase;

/**
 * The ledger store's batched reads and writes on PostgreSQL: more orders than one read statement takes (100), new
 * rows and changed rows in one batch, lines inserted, updated and deleted; what is read back is what was written,
 * and an update of a row that is not there fails the batch instead of losing the change.
 */
class OrderRowStoreTest {
  private static final int ORDERS = 150;

  @Test
  void batchedReadsReturnWhatBatchedWritesWrote() throws Exception {
    TestDatabase.reset();
    try (Connection c = TestDatabase.connect()) {
      List<String> keys = new ArrayList<>();
      List<GroupedRows.Change<OrderRow>> created = new ArrayList<>();
      for (int i = 0; i < ORDERS; i++) {
        OrderRow row = row("shopee|s1|O-" + i, i);
        keys.add(row.orderKey);
        created.add(new GroupedRows.Change<>(null, row));
      }
      OrderRowStore.saveAll(c, created);

      List<String> asked = new ArrayList<>(keys);
      asked.add("shopee|s1|no-such-order");
      Map<String, OrderRow> loaded = OrderRowStore.loadAll(c, asked);
      assertEquals(ORDERS, loaded.size());
      assertFalse(loaded.containsKey("shopee|s1|no-such-order"));
      for (GroupedRows.Change<OrderRow> change : created) assertSame(change.after(), loaded.get(change.after().orderKey));

      // one batch of changes: every order's status moves on, line A changes state, B goes, C is new
      List<GroupedRows.Change<OrderRow>> changed = new ArrayList<>();
      for (String key : keys) {
        OrderRow before = loaded.get(key);
        OrderRow after = before.copy();
        after.status = "CONFIRMED";
        after.lastEventSeq = before.lastEventSeq + 3;
        after.lines.put("SKU-A", after.lines.get("SKU-A").withState(OrderRow.LineState.RESERVED));
        after.lines.remove("SKU-B");
        after.lines.put("SKU-C", new OrderRow.Line(4, new BigDecimal("1.2500"), OrderRow.LineState.PENDING));
        changed.add(new GroupedRows.Change<>(before, after));
      }
      OrderRowStore.saveAll(c, changed);
      Map<String, OrderRow> reloaded = OrderRowStore.loadAll(c, keys);
      for (GroupedRows.Change<OrderRow> change : changed) assertSame(change.after(), reloaded.get(change.after().orderKey));
      assertEquals(2L * ORDERS, count(c, "SELECT COUNT(*) FROM order_lines"));
      assertEquals(0L, count(c, "SELECT COUNT(*) FROM order_lines WHERE sku = 'SKU-B'"));
      assertEquals((long) ORDERS, count(c, "SELECT COUNT(*) FROM orders WHERE status = 'CONFIRMED'"));

      OrderRow gone = row("shopee|s1|never-written", 0);
      SQLException failed = assertThrows(SQLException.class,
          () -> OrderRowStore.saveAll(c, List.of(new GroupedRows.Change<>(gone, gone.copy()))));
      assertTrue(failed.getMessage().contains("never-written"), failed.getMessage());
    }
  }

  private static OrderRow row(String key, int i) {
    OrderRow row = new OrderRow();
    row.orderKey = key;
    row.channel = Channel.SHOPEE;
    row.shopId = "s1";
    row.orderId = key.substring(key.lastIndexOf('|') + 1);
    row.status = "RESERVING";
    row.marketStatus = MarketStatus.PAID;
    row.buyerName = "Buyer " + i;
    row.currency = "IDR";
    row.totalAmount = new BigDecimal("15000.0000");
    row.unmapped = new ArrayList<>(i % 10 == 0 ? List.of("item-1/model-2", "item-3") : List.of());
    row.createdAt = Instant.parse("2026-11-27T10:00:00Z").plusSeconds(i);
    row.updatedAt = row.createdAt;
    row.lastEventSeq = 2;
    row.lines.put("SKU-A", new OrderRow.Line(1, new BigDecimal("10000.0000"), OrderRow.LineState.PENDING));
    row.lines.put("SKU-B", new OrderRow.Line(2, new BigDecimal("2500.0000"), OrderRow.LineState.PENDING));
    return row;
  }

  private static void assertSame(OrderRow expected, OrderRow actual) {
    assertEquals(expected.orderKey, actual.orderKey);
    assertEquals(expected.status, actual.status);
    assertEquals(expected.marketStatus, actual.marketStatus);
    assertEquals(expected.buyerName, actual.buyerName);
    assertEquals(0, expected.totalAmount.compareTo(actual.totalAmount), expected.orderKey);
    assertEquals(expected.unmapped, actual.unmapped);
    assertEquals(expected.createdAt, actual.createdAt);
    assertEquals(expected.lastEventSeq, actual.lastEventSeq);
    assertEquals(expected.lines, actual.lines, expected.orderKey);
  }

  private static long count(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
