package readside.ledger;

import common.Channel;
import common.MarketStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import readside.GroupedRows;
import readside.RowBatches;

/**
 * Reads and writes a group's {@link OrderRow}s, batched, with plain standard SQL that PostgreSQL and H2 both accept
 * (unquoted names). No upsert dialects: the rows are read first in the same transaction, so it is known whether to
 * INSERT or UPDATE.
 * Only one writer ever touches an order (each order's events carry one tag, and each tag's projection runs once in
 * the cluster), so read-then-write does not race.
 */
public final class OrderRowStore {
  /** Text taken from marketplaces is cut to its column's size rather than failing the projection forever. */
  private static final int NAME_MAX = 512;
  private static final int PHONE_MAX = 64;
  private static final int PROBLEM_MAX = 1000;
  private static final int UNMAPPED_MAX = 4000;
  private static final int SHORT_MAX = 128;

  private static final String COLUMNS = "channel, shop_id, order_id, status, market_status, buyer_name, buyer_phone, "
      + "currency, total_amount, tracking_number, problem, unmapped_lines, created_at, updated_at, confirmed_at, "
      + "shipped_at, last_event_seq, pending";

  private OrderRowStore() {}

  /**
   * The rows (with their lines) of the orders in {@code orderKeys} that exist: two statements per 100 orders, where
   * one order at a time took two statements each (a flash sale's group of events spans dozens of orders).
   */
  static Map<String, OrderRow> loadAll(Connection c, List<String> orderKeys) throws SQLException {
    Map<String, OrderRow> rows = new HashMap<>();
    RowBatches.readInChunks(orderKeys, (keys, keyIn) -> {
      try (PreparedStatement s = c.prepareStatement("SELECT order_key, " + COLUMNS + " FROM orders WHERE order_key"
          + keyIn)) {
        RowBatches.bindKeys(s, keys);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            OrderRow row = row(rs);
            rows.put(row.orderKey, row);
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("SELECT order_key, sku, quantity, unit_price, line_state "
          + "FROM order_lines WHERE order_key" + keyIn)) {
        RowBatches.bindKeys(s, keys);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            OrderRow row = rows.get(rs.getString(1));
            if (row == null) continue; // lines without their order row: never written so, ignored as before
            row.lines.put(rs.getString(2), new OrderRow.Line(rs.getInt(3), rs.getBigDecimal(4),
                OrderRow.LineState.valueOf(rs.getString(5))));
          }
        }
      }
    });
    return rows;
  }

  private static OrderRow row(ResultSet rs) throws SQLException {
    OrderRow row = new OrderRow();
    row.orderKey = rs.getString(1);
    row.channel = Channel.fromKey(rs.getString(2));
    row.shopId = rs.getString(3);
    row.orderId = rs.getString(4);
    row.status = rs.getString(5);
    String market = rs.getString(6);
    row.marketStatus = market == null ? null : MarketStatus.valueOf(market);
    row.buyerName = rs.getString(7);
    row.buyerPhone = rs.getString(8);
    row.currency = rs.getString(9);
    row.totalAmount = rs.getBigDecimal(10);
    row.trackingNumber = rs.getString(11);
    row.problem = rs.getString(12);
    String unmapped = rs.getString(13);
    row.unmapped = unmapped == null || unmapped.isEmpty()
        ? new ArrayList<>() : new ArrayList<>(Arrays.asList(unmapped.split("\n")));
    row.createdAt = instant(rs, 14);
    row.updatedAt = instant(rs, 15);
    row.confirmedAt = instant(rs, 16);
    row.shippedAt = instant(rs, 17);
    row.lastEventSeq = rs.getLong(18);
    row.pending = rs.getInt(19);
    row.lines = new TreeMap<>();
    return row;
  }

  /**
   * Writes the changed rows, each {@code after} against its {@code before} (null for a new order, which also says
   * which lines changed): one JDBC batch per kind of statement for the whole group, not per order.
   */
  static void saveAll(Connection c, List<GroupedRows.Change<OrderRow>> changes) throws SQLException {
    RowBatches.insertOrUpdate(c, changes,
        "INSERT INTO orders (" + COLUMNS + ", order_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        "UPDATE orders SET channel = ?, shop_id = ?, order_id = ?, status = ?, market_status = ?, buyer_name = ?, "
            + "buyer_phone = ?, currency = ?, total_amount = ?, tracking_number = ?, problem = ?, unmapped_lines = ?, "
            + "created_at = ?, updated_at = ?, confirmed_at = ?, shipped_at = ?, last_event_seq = ?, pending = ? "
            + "WHERE order_key = ?",
        OrderRowStore::bind, OrderRow::orderKey, "order row");
    saveLines(c, changes);
  }

  private static void bind(PreparedStatement s, OrderRow after) throws SQLException {
    s.setString(1, after.channel.key());
    s.setString(2, after.shopId);
    s.setString(3, after.orderId);
    s.setString(4, after.status);
    s.setString(5, after.marketStatus == null ? null : after.marketStatus.name());
    s.setString(6, cut(after.buyerName, NAME_MAX));
    s.setString(7, cut(after.buyerPhone, PHONE_MAX));
    s.setString(8, cut(after.currency, 8));
    s.setBigDecimal(9, after.totalAmount);
    s.setString(10, cut(after.trackingNumber, SHORT_MAX));
    s.setString(11, cut(after.problem, PROBLEM_MAX));
    s.setString(12, after.unmapped.isEmpty() ? null : cut(String.join("\n", after.unmapped), UNMAPPED_MAX));
    setInstant(s, 13, after.createdAt);
    setInstant(s, 14, after.updatedAt);
    setInstant(s, 15, after.confirmedAt);
    setInstant(s, 16, after.shippedAt);
    s.setLong(17, after.lastEventSeq);
    s.setInt(18, after.pending);
    s.setString(19, after.orderKey);
  }

  private static void saveLines(Connection c, List<GroupedRows.Change<OrderRow>> changes) throws SQLException {
    try (PreparedStatement delete = c.prepareStatement("DELETE FROM order_lines WHERE order_key = ? AND sku = ?");
         PreparedStatement insert = c.prepareStatement(
            "INSERT INTO order_lines (quantity, unit_price, line_state, order_key, sku) VALUES (?, ?, ?, ?, ?)");
         PreparedStatement update = c.prepareStatement(
            "UPDATE order_lines SET quantity = ?, unit_price = ?, line_state = ? WHERE order_key = ? AND sku = ?")) {
      for (GroupedRows.Change<OrderRow> change : changes) {
        String orderKey = change.after().orderKey;
        Map<String, OrderRow.Line> before = change.before() == null ? Map.of() : change.before().lines;
        Map<String, OrderRow.Line> after = change.after().lines;
        for (String sku : before.keySet()) {
          if (after.containsKey(sku)) continue;
          delete.setString(1, orderKey);
          delete.setString(2, sku);
          delete.addBatch();
        }
        for (Map.Entry<String, OrderRow.Line> e : after.entrySet()) {
          OrderRow.Line old = before.get(e.getKey());
          if (Objects.equals(old, e.getValue())) continue;
          PreparedStatement s = old == null ? insert : update;
          s.setInt(1, e.getValue().quantity());
          s.setBigDecimal(2, e.getValue().unitPrice());
          s.setString(3, e.getValue().state().name());
          s.setString(4, orderKey);
          s.setString(5, e.getKey());
          s.addBatch();
        }
      }
      delete.executeBatch(); // an empty batch sends nothing
      insert.executeBatch();
      update.executeBatch();
    }
  }

  public static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
    return value == null ? null : value.toInstant();
  }

  public static void setInstant(PreparedStatement s, int index, Instant value) throws SQLException {
    if (value == null) s.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
    else s.setObject(index, OffsetDateTime.ofInstant(value, ZoneOffset.UTC));
  }

  private static String cut(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max);
  }
}
